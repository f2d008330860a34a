#!/usr/bin/env bash
# A cluster of separate processes on this machine (README "Regions on separate hosts"):
# nats-server with JetStream, then one `kmsim serve --regions R` per Region of regions.toml,
# the first also serving the gateway. Ctrl-C stops them all.
#
#   NATS_PORT   nats-server's port (default 4222)
#   DATA_ROOT   if set, each Region keeps its data dir in $DATA_ROOT/<region> and NATS its
#               JetStream store in $DATA_ROOT/nats (default: a temporary directory; NATS's
#               store only)
#   KMSIM_BIN   the kmsim binary (default: a release build made here)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
NATS_PORT="${NATS_PORT:-4222}"
NATS="$(scripts/install-nats.sh)"
if [[ -z "${KMSIM_BIN:-}" ]]; then
    cargo build --release --quiet --bin kmsim
    KMSIM_BIN="$ROOT/target/release/kmsim"
fi
WORK="${DATA_ROOT:-$(mktemp -d "${TMPDIR:-/tmp}/kmsim-cluster.XXXXXX")}"
mkdir -p "$WORK"
PIDS=()
stop() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

"$NATS" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$WORK/nats" >"$WORK/nats.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break
    sleep 0.1
done

mapfile -t REGIONS < <(sed -n 's/^name = "\(.*\)"$/\1/p' regions.toml)
first=yes
for region in "${REGIONS[@]}"; do
    args=(serve --config regions.toml --regions "$region" --bus "nats://127.0.0.1:$NATS_PORT")
    [[ -n "${DATA_ROOT:-}" ]] && args+=(--data-dir "$WORK/$region")
    [[ $first == yes ]] && args+=(--gateway)
    first=no
    "$KMSIM_BIN" "${args[@]}" &
    PIDS+=($!)
done
echo "nats-server on 127.0.0.1:$NATS_PORT (log $WORK/nats.log); Ctrl-C stops the cluster"
wait
