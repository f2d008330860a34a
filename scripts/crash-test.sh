#!/usr/bin/env bash
# Crash test of kmsim's durable mode: a 3-Region cluster started with `--data-dir` (a fresh
# temporary directory) takes concurrent boto3 traffic from several threads, is killed with
# SIGKILL at a random moment, restarted on the same data dir and configuration, and checked:
# every acknowledged change is there (keys, imported materials, replicas, rotations, aliases,
# tags, deletion schedules, import tokens, the clock offset), nothing is half-applied, every
# recorded ciphertext decrypts in every Region holding its key, and the Regions agree after
# POST /_kmsim/bus/drain. Then more traffic and another kill: 8 rounds by default, and a last
# restart after a clean SIGTERM (scripts/crash_test.py).
#
# Usage: scripts/crash-test.sh [--seed N] [--rounds K] [--workers W]
# The first line of the run is "crash seed=N"; `--seed N` replays it (thread timing aside).
# boto3 and cryptography come from the venv target/venv-e2e-boto3/ (installed from PyPI once,
# shared with scripts/e2e-boto3.sh). KMSIM_BIN picks the binary, otherwise a release build is
# made. The server is always stopped on exit. The last line is "N passed, M failed"; the exit
# status is 0 only when M is 0. On failure the server's log is kept as
# target/e2e-crash-test-server.log and the data dir as target/crash-test-data/.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="${E2E_BOTO3_VENV:-$ROOT/target/venv-e2e-boto3}"
PY="$VENV/bin/python"
REGIONS=(us-east-1 eu-west-1 ap-southeast-2)
# Wrapping key pairs from start-up on; a replication bus delay, so that acknowledged changes
# are often still queued for another Region when the server is killed.
BUS_DELAY_MS=150
CLUSTER_EXTRA_TOML=$'[import]\nprefill = true\n\n[replication]\ndelay_ms = '"$BUS_DELAY_MS"
DATA_DIR="$TMP/data"

# The driver starts, kills and restarts the server itself and writes its pid here; the
# cleanup of lib/cluster.sh stops that pid, and keeps the data dir when the run failed.
crash_cleanup() {
    local rc=$?
    SERVER_PID="$(cat "$TMP/server.pid" 2>/dev/null || true)"
    if [[ $rc -ne 0 && -d "$DATA_DIR" ]] && mkdir -p "$ROOT/target" 2>/dev/null; then
        rm -rf "$ROOT/target/crash-test-data"
        cp -a "$DATA_DIR" "$ROOT/target/crash-test-data" 2>/dev/null
    fi
    (exit $rc)
    e2e_cleanup
}
trap crash_cleanup EXIT

e2e_venv "$VENV" "boto3 and cryptography" "boto3, cryptography" boto3 cryptography
VERSIONS="$(timeout 60 "$PY" -c 'import boto3, botocore, cryptography
print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, cryptography {cryptography.__version__}")' 2>&1)" \
    || abort "import boto3, cryptography" "$VERSIONS"
echo "using $VERSIONS"

e2e_binary
e2e_config "${REGIONS[@]}"
mkdir -p "$DATA_DIR" || abort "mkdir $DATA_DIR"

# Every client gets endpoint, Region and dummy credentials; keep the user's own AWS
# configuration out of the run.
export AWS_CONFIG_FILE="$TMP/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION \
    AWS_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_KMS AWS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY \
    http_proxy https_proxy

args=(--bin "$BIN" --config "$CONFIG" --data-dir "$DATA_DIR" --log "$TMP/server.log"
      --pid-file "$TMP/server.pid" --gateway "http://127.0.0.1:$GATEWAY_PORT"
      --account 111122223333 --bus-delay-ms "$BUS_DELAY_MS")
for i in "${!REGIONS[@]}"; do
    args+=(--region "${REGIONS[$i]}=http://127.0.0.1:${PORTS[$((i + 1))]}")
done

timeout 900 "$PY" -u "$ROOT/scripts/crash_test.py" "${args[@]}" "$@" 2>&1 | tee "$TMP/crash.out"
rc=${PIPESTATUS[0]}

# The driver prints the summary itself. If it did not get that far (killed by the time limit,
# or crashed), count its lines here and add the failure.
if tail -n 1 "$TMP/crash.out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
    exit "$rc"
fi
PASSED=$(grep -c '^ok - ' "$TMP/crash.out")
FAILED=$(grep -c '^not ok - ' "$TMP/crash.out")
abort "crash_test.py ended without its summary line (exit status $rc)"
