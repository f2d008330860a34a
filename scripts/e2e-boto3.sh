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
export AWS_CONFIG_FILE="$TMP/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION \
    AWS_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_KMS AWS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY \
    http_proxy https_proxy

args=(--gateway "http://127.0.0.1:$GATEWAY_PORT" --account 111122223333)
for i in "${!REGIONS[@]}"; do
    args+=(--region "${REGIONS[$i]}=http://127.0.0.1:${PORTS[$((i + 1))]}")
done

timeout 600 "$PY" -u "$ROOT/scripts/e2e_boto3.py" "${args[@]}" 2>&1 | tee "$TMP/scenario.out"
rc=${PIPESTATUS[0]}

# The scenario prints the summary itself. If it did not get that far (killed by the time
# limit, or crashed), count its lines here and add the failure.
if tail -n 1 "$TMP/scenario.out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
    exit "$rc"
fi
PASSED=$(grep -c '^ok - ' "$TMP/scenario.out")
FAILED=$(grep -c '^not ok - ' "$TMP/scenario.out")
abort "e2e_boto3.py ended without its summary line (exit status $rc)"
