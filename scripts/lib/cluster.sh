# Shared parts of the end-to-end scripts (scripts/e2e-*.sh). Source it with bash after
# `set -uo pipefail`; it needs nothing set beforehand.
#
# Sourcing it sets ROOT (the repository root), TMP (a private temporary directory), the
# counters PASSED/FAILED and an EXIT trap that stops the server and removes TMP. Then, in order:
#
#   e2e_venv DIR LABEL IMPORTS PKG...  a Python venv at DIR in which `import IMPORTS` works;
#                                      if it does not, pip installs PKG... from PyPI (once)
#   e2e_binary                         sets BIN: $KMSIM_BIN, or a release build made here
#   e2e_config REGION...               picks free ports and writes $CONFIG: sets PORTS
#                                      (PORTS[0] the gateway, PORTS[i] the i-th Region) and
#                                      GATEWAY_PORT; $CLUSTER_EXTRA_TOML, if set, is appended
#   e2e_start                          starts `kmsim serve` (SERVER_PID) and waits until
#                                      GET /_kmsim/health answers on the gateway (sending
#                                      $E2E_ADMIN_TOKEN as x-kmsim-admin-token, if set)
#
# pass/fail count one check each, summary prints "N passed, M failed" and exits (0 only when
# M is 0), abort fails a setup step and ends the script. Check lines start with $E2E_OK and
# $E2E_NOT_OK (set them before sourcing to change them). Every step has a time limit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
E2E_OK="${E2E_OK:-ok   - }"
E2E_NOT_OK="${E2E_NOT_OK:-FAIL - }"

PASSED=0
FAILED=0
SERVER_PID=""
TMP="$(mktemp -d "${TMPDIR:-/tmp}/kmsim-e2e.XXXXXX")"

# Stops the server this script started (by its pid only) and removes TMP. When the script
# fails, the server's log is kept as target/e2e-<script>-server.log (with how the server ended).
e2e_cleanup() {
    local rc=$? status=""
    if [[ -n "$SERVER_PID" ]]; then
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            kill "$SERVER_PID" 2>/dev/null
            for _ in $(seq 1 50); do
                kill -0 "$SERVER_PID" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$SERVER_PID" 2>/dev/null
            wait "$SERVER_PID" 2>/dev/null
            status="stopped by this script at its exit"
        else
            wait "$SERVER_PID" 2>/dev/null
            status="had already exited with status $? before the script's end"
        fi
    fi
    if [[ $rc -ne 0 && -f "$TMP/server.log" ]] && mkdir -p "$ROOT/target" 2>/dev/null; then
        local keep
        keep="$ROOT/target/e2e-$(basename "$0" .sh)-server.log"
        { cat "$TMP/server.log"; echo "--- kmsim serve $status"; } >"$keep" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

pass() {
    PASSED=$((PASSED + 1))
    echo "$E2E_OK$1"
}

fail() {
    FAILED=$((FAILED + 1))
    echo "$E2E_NOT_OK$1"
    [[ $# -gt 1 ]] && printf '       %s\n' "${@:2}"
}

summary() {
    echo "$PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 ]] && exit 0
    exit 1
}

# A setup step failed: nothing further can run.
abort() {
    fail "$@"
    if [[ -f "$TMP/server.log" ]]; then
        echo "--- server log (last 20 lines) ---"
        tail -n 20 "$TMP/server.log"
    fi
    summary
}

# e2e_venv DIR LABEL IMPORTS PKG...
e2e_venv() {
    local dir="$1" label="$2" imports="$3"
    shift 3
    if ! timeout 60 "$dir/bin/python" -c "import $imports" >/dev/null 2>&1; then
        echo "installing $label into $dir (once) ..."
        timeout 120 python3 -m venv "$dir" || abort "create venv $dir"
        timeout 900 "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" \
            >"$TMP/pip.log" 2>&1 || abort "pip install $*" "$(tail -n 5 "$TMP/pip.log")"
    fi
}

# e2e_binary: KMSIM_BIN picks the binary (scripts/test.sh passes the debug build it has just
# made); otherwise a release build is made here.
e2e_binary() {
    BIN="${KMSIM_BIN:-$ROOT/target/release/kmsim}"
    if [ -z "${KMSIM_BIN:-}" ]; then
        echo "building the release binary ..."
        (cd "$ROOT" && timeout 3600 cargo build --release --quiet --bin kmsim) >"$TMP/build.log" 2>&1 \
            || abort "cargo build --release" "$(tail -n 10 "$TMP/build.log")"
    fi
    [ -x "$BIN" ] || abort "kmsim binary" "$BIN is missing"
}

# e2e_config REGION...: a cluster on free ports. Every socket is bound before any is closed,
# so the ports are distinct.
e2e_config() {
    local regions=("$@") i
    PORTS=($(timeout 30 python3 - "${#regions[@]}" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1]) + 1):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
    )) || abort "pick free ports"
    [[ ${#PORTS[@]} -eq $((${#regions[@]} + 1)) ]] || abort "pick free ports"

    GATEWAY_PORT="${PORTS[0]}"
    CONFIG="$TMP/regions.toml"
    {
        echo 'account_id = "111122223333"'
        echo "default_region = \"${regions[0]}\""
        echo "gateway = \"127.0.0.1:$GATEWAY_PORT\""
        for i in "${!regions[@]}"; do
            echo
            echo '[[region]]'
            echo "name = \"${regions[$i]}\""
            echo "listen = \"127.0.0.1:${PORTS[$((i + 1))]}\""
        done
        if [[ -n "${CLUSTER_EXTRA_TOML:-}" ]]; then
            echo
            echo "$CLUSTER_EXTRA_TOML"
        fi
    } >"$CONFIG"
}

# e2e_start: the server, up and answering within 10 s.
e2e_start() {
    "$BIN" serve --config "$CONFIG" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!

    local healthy=""
    for _ in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || abort "kmsim serve exited at start-up"
        if curl -fsS --max-time 2 ${E2E_ADMIN_TOKEN:+-H "x-kmsim-admin-token: $E2E_ADMIN_TOKEN"} \
            "http://127.0.0.1:$GATEWAY_PORT/_kmsim/health" >"$TMP/health.json" 2>/dev/null; then
            healthy=yes
            break
        fi
        sleep 0.1
    done
    [[ -n "$healthy" ]] || abort "GET /_kmsim/health within 10 s"
}

# e2e_isolate_aws: keep the user's own AWS profiles, credentials, endpoints and proxies out of
# the run (every client is given endpoint, Region and dummy credentials explicitly).
e2e_isolate_aws() {
    export AWS_CONFIG_FILE="$TMP/aws-config"
    export AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
    export AWS_EC2_METADATA_DISABLED=true
    unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION \
        AWS_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_KMS AWS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY \
        http_proxy https_proxy
}

# e2e_driver SECONDS OUT NAME CMD...: runs a driver that prints "ok - "/"not ok - " lines and
# its own "N passed, M failed" summary, teeing to OUT, and exits with its status. A driver that
# did not get that far (killed by the time limit, or crashed) has its lines counted here and
# the failure added.
e2e_driver() {
    local secs=$1 out=$2 name=$3
    shift 3
    timeout "$secs" "$@" 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    if tail -n 1 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
        exit "$rc"
    fi
    PASSED=$(grep -c '^ok - ' "$out")
    FAILED=$(grep -c '^not ok - ' "$out")
    abort "$name ended without its summary line (exit status $rc)"
}
