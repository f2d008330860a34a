#!/usr/bin/env bash
# End-to-end check of kmsim with the AWS Encryption SDK for Python and multi-Region keys, and
# of AWS_ENDPOINT_URL_KMS (scripts/e2e_encryption_sdk.py): on a us-east-1 + eu-west-1 cluster,
# boto3 makes a multi-Region key in us-east-1 and replicates it to eu-west-1; the SDK encrypts
# under the primary ARN and decrypts with the replica ARN (MRKAwareStrictAwsKmsMasterKeyProvider,
# MRKAwareDiscoveryAwsKmsMasterKeyProvider, and the Material Providers Library's MRK keyrings),
# once with the Region ports given in code and once with only AWS_ENDPOINT_URL_KMS set to the
# gateway. A single-Region key in eu-west-1 must not decrypt. Then the README's recipes run
# as they are: examples/recipes/encryption_sdk.py, and examples/recipes/endpoint-url.sh with
# the AWS CLI v1 (gateway port substituted for 4600).
#
# Usage: scripts/e2e-encryption-sdk.sh     (from anywhere; needs python3, curl, cargo)
# boto3, cryptography, aws-encryption-sdk and aws-cryptographic-material-providers are installed
# from PyPI once into target/venv-e2e-boto3/ (shared with e2e-boto3.sh and e2e-ui.sh), the AWS
# CLI into .venv-e2e/ (shared with e2e-cli.sh). KMSIM_BIN picks the binary, otherwise a release
# build is made. Every step has a time limit, and the server is always stopped on exit. The last
# line is "N passed, M failed"; the exit status is 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
# shellcheck source-path=SCRIPTDIR source=lib/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="${E2E_BOTO3_VENV:-$ROOT/target/venv-e2e-boto3}"
PY="$VENV/bin/python"
CLI_VENV="$ROOT/.venv-e2e"
REGIONS=(us-east-1 eu-west-1)

e2e_venv "$VENV" "boto3, cryptography and the AWS Encryption SDK" \
    "boto3, cryptography, aws_encryption_sdk, aws_cryptographic_material_providers" \
    boto3 cryptography aws-encryption-sdk aws-cryptographic-material-providers
VERSIONS="$(timeout 60 "$PY" -c 'from importlib.metadata import version as v
print(", ".join(f"{p} {v(p)}" for p in ("aws-encryption-sdk", "aws-cryptographic-material-providers",
                                        "boto3", "botocore", "cryptography")))' 2>&1)" \
    || abort "import the AWS Encryption SDK" "$VERSIONS"
echo "using $VERSIONS"

# The AWS CLI v1 for the endpoint-url.sh recipe: the same venv and call as scripts/e2e-cli.sh.
e2e_venv "$CLI_VENV" "the AWS CLI" awscli awscli
AWS_VERSION="$(timeout 60 "$CLI_VENV/bin/aws" --version 2>&1)" || abort "aws --version" "$AWS_VERSION"
echo "using $AWS_VERSION"

e2e_binary
e2e_config "${REGIONS[@]}"
e2e_start

# The scenario passes endpoints and dummy credentials in code, or sets AWS_ENDPOINT_URL_KMS
# itself; keep the user's own AWS configuration out of the run.
e2e_isolate_aws

args=(--gateway "http://127.0.0.1:$GATEWAY_PORT" --account 111122223333
    --recipes "$ROOT/examples/recipes" --aws-cli-bin "$CLI_VENV/bin" --workdir "$TMP")
for i in "${!REGIONS[@]}"; do
    args+=(--region "${REGIONS[$i]}=http://127.0.0.1:${PORTS[$((i + 1))]}")
done

e2e_driver 600 "$TMP/scenario.out" e2e_encryption_sdk.py \
    "$PY" -u "$ROOT/scripts/e2e_encryption_sdk.py" "${args[@]}"
