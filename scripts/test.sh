#!/usr/bin/env bash
# The whole test suite: formatting and clippy, unit, property and integration tests (cargo
# test), then the end-to-end scripts that drive a running kmsim with real AWS clients.
# Installs what it needs (a Python venv with the AWS CLI / boto3) itself.
set -euo pipefail
cd "$(dirname "$0")/.."

# Style and lints first: they are cheap and a failure there needs no test run to explain.
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
# nats-server for the tests that run Regions as separate processes over NATS (issue 10).
KMSIM_NATS_SERVER="$(scripts/install-nats.sh)"
export KMSIM_NATS_SERVER
cargo test --locked
# The end-to-end scripts run the debug binary that cargo test has just built.
# (cargo test builds it for the integration tests; a separate `cargo build` would rebuild
# every dependency, since dev-dependencies change their feature sets.)
export KMSIM_BIN="${KMSIM_BIN:-$PWD/target/debug/kmsim}"
[ -x "$KMSIM_BIN" ] || cargo build --locked --bin kmsim
scripts/e2e-cli.sh
scripts/e2e-boto3.sh
# Access control (issue 11): sigv4 mode with boto3 signing, one allow and several denies.
scripts/e2e-access.sh
scripts/e2e-walkthrough.sh
scripts/e2e-ui.sh
# AWS Encryption SDK for Python: MRK encrypt/decrypt, AWS_ENDPOINT_URL_KMS, recipes (issue 13).
scripts/e2e-encryption-sdk.sh
# The AWS SDK for JavaScript v3: multi-Region BYOK and the README's recipe (issue 13 item 4).
scripts/e2e-node.sh
# Durability: kill -9 at random moments under concurrent traffic, restart, check (issue 9).
scripts/crash-test.sh
