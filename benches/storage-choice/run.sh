#!/usr/bin/env bash
# Runs every case twice and prints one key=value line per case (tee'd to results/).
# Usage: bash run.sh [SECS]   (SECS per throughput case, default 12)
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-12}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/storage-target}
cargo build --release --locked
B=$CARGO_TARGET_DIR/release/storage-choice
D=${SCRATCH:-/work/storage-scratch}   # same disk as /work
mkdir -p results
OUT=results/run-$(date -u +%Y%m%dT%H%M%SZ).txt

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null && echo "cold" || echo "warm(no drop_caches)"; }

{
  echo "# nproc: $(nproc)"
  echo "# df -h /work:"; df -h /work | sed 's/^/#   /'
  echo "# mount: $(findmnt -no SOURCE,FSTYPE,OPTIONS --target /work)"
  echo "# uptime: $(uptime)"
  echo "# rustc: $(rustc --version)"
  for run in 1 2; do
    echo "## run $run"
    for m in append overwrite; do $B baseline "$D/base" "$SECS" $m; done
    for e in redb fjall; do $B single "$e" "$D/$e" "$SECS"; done
    for e in redb fjall; do $B group "$e" "$D/$e" "$SECS" 64 256; done
    for e in redb fjall; do
      $B populate "$e" "$D/$e" 100000
      echo "# cache: $(drop_caches)"; $B open "$e" "$D/$e"
      $B open "$e" "$D/$e"
      $B populate "$e" "$D/$e" 100000 crash
      echo "# cache: $(drop_caches) (first open after the crash)"; $B open "$e" "$D/$e"
      $B open "$e" "$D/$e"
    done
  done
  echo "## torn writes (SIGKILL mid commit loop, 64 records per durable commit)"
  for e in redb fjall; do $B torn "$e" "$D/$e-torn" 10; done
  echo "# uptime: $(uptime)"
} 2>&1 | tee "$OUT"
rm -rf "$D"
echo "wrote $OUT"
