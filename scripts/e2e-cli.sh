#!/usr/bin/env bash
# End-to-end check of kmsim with the real AWS CLI (botocore): for every Region port, and for
# the gateway with --region <r>, create a key, encrypt a file, decrypt it and compare, and check
# that a missing key is reported as NotFoundException.
#
# Usage: scripts/e2e-cli.sh            (from anywhere; needs python3, curl, cargo)
# The AWS CLI is installed once into .venv-e2e/ at the repository root. Every step has a time
# limit, and the server is always stopped on exit. The last line is "N passed, M failed"; the
# exit status is 0 only when M is 0. The set-up shared with the other e2e scripts (venv,
# binary, ports, start-up, clean-up) is in scripts/lib/cluster.sh.

set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="$ROOT/.venv-e2e"
AWS="$VENV/bin/aws"
REGIONS=(us-east-1 eu-west-1 ap-southeast-2)

# --- 1. The AWS CLI, in a private venv -----------------------------------------------------
e2e_venv "$VENV" "the AWS CLI" awscli awscli
AWS_VERSION="$(timeout 60 "$AWS" --version 2>&1)" || abort "aws --version" "$AWS_VERSION"
echo "using $AWS_VERSION"

# --- 2. The binary ---------------------------------------------------------------------------
e2e_binary

# --- 3. A cluster on free ports -------------------------------------------------------------
e2e_config "${REGIONS[@]}"
e2e_start
pass "GET /_kmsim/health answers on the gateway"

# --- 4. The AWS CLI against every endpoint --------------------------------------------------
export AWS_ACCESS_KEY_ID=AKIDTEST
export AWS_SECRET_ACCESS_KEY=secret
export AWS_DEFAULT_REGION="${REGIONS[0]}"
export AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1
export AWS_EC2_METADATA_DISABLED=true
# Keep the user's own profiles and credentials out of the run.
export AWS_CONFIG_FILE="$TMP/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$TMP/aws-credentials"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_KMS

# kms <endpoint> <region> <args...>: one bounded CLI call.
kms() {
    local endpoint="$1" region="$2"
    shift 2
    timeout 60 "$AWS" kms "$@" --endpoint-url "$endpoint" --region "$region" \
        --cli-connect-timeout 5 --cli-read-timeout 20
}

head -c 1000 /dev/urandom >"$TMP/plain.bin"

# round_trip <label> <endpoint> <region>
round_trip() {
    local label="$1" endpoint="$2" region="$3"
    local out err="$TMP/err.txt" key_id arn

    if out="$(kms "$endpoint" "$region" create-key --description "e2e $label" \
        --query 'KeyMetadata.[KeyId,Arn]' --output text 2>"$err")"; then
        read -r key_id arn <<<"$out"
        if [[ "$arn" == "arn:aws:kms:$region:111122223333:key/$key_id" ]]; then
            pass "$label: create-key ($key_id)"
        else
            fail "$label: create-key returned ARN '$arn' for key '$key_id' (want Region $region)"
        fi
    else
        fail "$label: create-key" "$(cat "$err")"
        return
    fi

    if kms "$endpoint" "$region" encrypt --key-id "$key_id" --plaintext "fileb://$TMP/plain.bin" \
        --query CiphertextBlob --output text 2>"$err" | base64 -d >"$TMP/ct.bin" \
        && [[ -s "$TMP/ct.bin" ]]; then
        pass "$label: encrypt"
    else
        fail "$label: encrypt" "$(cat "$err")"
        return
    fi

    if kms "$endpoint" "$region" decrypt --ciphertext-blob "fileb://$TMP/ct.bin" \
        --query Plaintext --output text 2>"$err" | base64 -d >"$TMP/out.bin"; then
        if cmp -s "$TMP/plain.bin" "$TMP/out.bin"; then
            pass "$label: decrypt returns the plaintext"
        else
            fail "$label: decrypt returned different bytes"
        fi
    else
        fail "$label: decrypt" "$(cat "$err")"
    fi

    local missing="00000000-0000-0000-0000-000000000000"
    if kms "$endpoint" "$region" describe-key --key-id "$missing" >/dev/null 2>"$err"; then
        fail "$label: describe-key of a missing key succeeded"
    elif grep -q "(NotFoundException)" "$err"; then
        pass "$label: describe-key of a missing key is NotFoundException"
    else
        fail "$label: describe-key of a missing key: wrong error" "$(cat "$err")"
    fi
}

for i in "${!REGIONS[@]}"; do
    r="${REGIONS[$i]}"
    round_trip "$r port" "http://127.0.0.1:${PORTS[$((i + 1))]}" "$r"
done
for r in "${REGIONS[@]}"; do
    round_trip "gateway --region $r" "http://127.0.0.1:$GATEWAY_PORT" "$r"
done

# The gateway routed by the signing Region (W-10): each Region port lists exactly the key made
# on it plus the one made through the gateway for it.
for i in "${!REGIONS[@]}"; do
    r="${REGIONS[$i]}"
    n="$(kms "http://127.0.0.1:${PORTS[$((i + 1))]}" "$r" list-keys \
        --query 'length(Keys)' --output text 2>"$TMP/err.txt")"
    if [[ "$n" == "2" ]]; then
        pass "$r port lists 2 keys (its own and the gateway's)"
    else
        fail "$r port lists '$n' keys, want 2" "$(cat "$TMP/err.txt")"
    fi
done

kill -0 "$SERVER_PID" 2>/dev/null || fail "kmsim serve still running at the end"
summary
