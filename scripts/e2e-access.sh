#!/usr/bin/env bash
# End-to-end check of `[auth] mode = "sigv4"` (issue 11) with real boto3 signing: one allow and
# one deny scenario per rule family (scripts/e2e_access.py) against a cluster configured with
# three credentials in two accounts.
#
# Usage: scripts/e2e-access.sh          (from anywhere; needs python3, curl, cargo)
# boto3 comes from the venv scripts/e2e-boto3.sh installs (target/venv-e2e-boto3/, made here if
# missing). KMSIM_BIN picks the binary, otherwise a release build is made. The last line is
# "N passed, M failed"; the exit status is 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="${E2E_BOTO3_VENV:-$ROOT/target/venv-e2e-boto3}"
PY="$VENV/bin/python"
export E2E_ADMIN_TOKEN="e2e-access-admin-token-0123456789"
CLUSTER_EXTRA_TOML="$(cat <<TOML
[auth]
mode = "sigv4"
admin_token = "$E2E_ADMIN_TOKEN"

[[auth.credentials]]
access_key_id = "AKIAALICE000000000001"
secret_access_key = "alice-secret"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/alice"

[[auth.credentials]]
access_key_id = "AKIACAROL000000000003"
secret_access_key = "carol-secret"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/carol"
policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}'

[[auth.credentials]]
access_key_id = "ASIABOB0000000000002"
secret_access_key = "bob-secret"
session_token = "bob-session-token"
account_id = "444455556666"
principal = "arn:aws:iam::444455556666:role/app"
TOML
)"

e2e_venv "$VENV" "boto3 and cryptography" "boto3, cryptography" boto3 cryptography
e2e_binary
e2e_config us-east-1 eu-west-1
e2e_start
e2e_isolate_aws

e2e_driver 300 "$TMP/scenario.out" e2e_access.py "$PY" -u "$ROOT/scripts/e2e_access.py" \
    --endpoint "http://127.0.0.1:${PORTS[1]}" --gateway "http://127.0.0.1:$GATEWAY_PORT" \
    --admin-token "$E2E_ADMIN_TOKEN"
