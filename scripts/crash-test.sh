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
e2e_isolate_aws

args=(--bin "$BIN" --config "$CONFIG" --data-dir "$DATA_DIR" --log "$TMP/server.log"
      --pid-file "$TMP/server.pid" --gateway "http://127.0.0.1:$GATEWAY_PORT"
      --account 111122223333 --bus-delay-ms "$BUS_DELAY_MS")
for i in "${!REGIONS[@]}"; do
    args+=(--region "${REGIONS[$i]}=http://127.0.0.1:${PORTS[$((i + 1))]}")
done

e2e_driver 900 "$TMP/crash.out" crash_test.py "$PY" -u "$ROOT/scripts/crash_test.py" "${args[@]}" "$@"
