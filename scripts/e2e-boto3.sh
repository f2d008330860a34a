#!/usr/bin/env bash
# End-to-end BYOK check of kmsim with boto3 and the `cryptography` package: contract scenarios
# T1 and T2 step by step, and an ECC_NIST_P256 import, wrapped exactly as AWS's import guide
# shows (scripts/e2e_boto3.py), once against the us-east-1 Region port and once through the
# gateway signing for eu-west-1.
#
# Usage: scripts/e2e-boto3.sh          (from anywhere; needs python3, curl, cargo)
# boto3 and cryptography are installed from PyPI once into target/venv-e2e-boto3/. KMSIM_BIN
# picks the binary, otherwise a release build is made. Every step has a time limit, and the
# server is always stopped on exit. The last line is "N passed, M failed"; the exit status is
# 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="${E2E_BOTO3_VENV:-$ROOT/target/venv-e2e-boto3}"
PY="$VENV/bin/python"
REGIONS=(us-east-1 eu-west-1)
# Wrapping key pairs are generated in the background from start-up on, so the first
# GetParametersForImport of each spec does not wait for a (debug-build) RSA key generation.
CLUSTER_EXTRA_TOML=$'[import]\nprefill = true'

e2e_venv "$VENV" "boto3 and cryptography" "boto3, cryptography" boto3 cryptography
VERSIONS="$(timeout 60 "$PY" -c 'import boto3, botocore, cryptography
print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, cryptography {cryptography.__version__}")' 2>&1)" \
    || abort "import boto3, cryptography" "$VERSIONS"
echo "using $VERSIONS"

e2e_binary
e2e_config "${REGIONS[@]}"
e2e_start

# The scenario passes endpoint, Region and dummy credentials to every client; keep the user's
# own AWS configuration out of the run.
e2e_isolate_aws

args=(--gateway "http://127.0.0.1:$GATEWAY_PORT" --account 111122223333)
for i in "${!REGIONS[@]}"; do
    args+=(--region "${REGIONS[$i]}=http://127.0.0.1:${PORTS[$((i + 1))]}")
done

e2e_driver 600 "$TMP/scenario.out" e2e_boto3.py "$PY" -u "$ROOT/scripts/e2e_boto3.py" "${args[@]}"
