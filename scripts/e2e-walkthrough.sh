#!/usr/bin/env bash
# End-to-end check that README.md's "Multi-Region walkthrough (AWS CLI)" works as written: the
# ```sh block under that heading is taken from README.md (so the README stays true) and run
# with the real AWS CLI against a kmsim cluster on free ports, twice:
#   1. with A and B pointed at the cluster's us-east-1 and eu-west-1 Region ports;
#   2. with A and B both pointed at the gateway (the CLI's --region picks the Region).
# Each run happens in its own temporary directory under `set -eo pipefail`, so any failing
# command fails the run. Afterwards the CLI checks that the key's CurrentKeyMaterialId is the
# same in both Regions and that ListKeyRotations lists 2 materials in eu-west-1.
#
# Usage: scripts/e2e-walkthrough.sh    (from anywhere; needs python3, openssl, curl, cargo)
# The AWS CLI is installed once into .venv-e2e/ (shared with scripts/e2e-cli.sh). KMSIM_BIN
# picks the binary, otherwise a release build is made. Every step has a time limit, and the
# server is always stopped on exit. The last line is "N passed, M failed"; the exit status is
# 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="$ROOT/.venv-e2e"
AWS="$VENV/bin/aws"
REGIONS=(us-east-1 eu-west-1)
HEADING="## Multi-Region walkthrough (AWS CLI)"
# The walkthrough's GetParametersForImport calls should not wait for RSA key generation.
CLUSTER_EXTRA_TOML=$'[import]\nprefill = true'

# --- 1. Tools: the walkthrough itself uses openssl and python3 ------------------------------
for tool in openssl python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || abort "$tool is on PATH (the walkthrough needs it)"
done
e2e_venv "$VENV" "the AWS CLI" awscli awscli
AWS_VERSION="$(timeout 60 "$AWS" --version 2>&1)" || abort "aws --version" "$AWS_VERSION"
echo "using $AWS_VERSION, $(openssl version)"

# --- 2. The walkthrough, from README.md -----------------------------------------------------
# The first ```sh fence after the heading, up to the closing fence, still inside that section.
awk -v heading="$HEADING" '
    $0 == heading { section = 1; next }
    section && /^## / { exit }
    section && !inblock && /^```sh[[:space:]]*$/ { inblock = 1; next }
    inblock && /^```[[:space:]]*$/ { done = 1; exit }
    inblock { print }
    END { if (!done) exit 1 }
' "$ROOT/README.md" >"$TMP/walkthrough.sh" || abort "README.md has a \`\`\`sh block under \"$HEADING\""
# The endpoints are the A=/B= lines: '<X>="--endpoint-url URL --region R"'.
for v in A B; do
    [[ $(grep -cE "^$v=\"--endpoint-url [^ \"]+ --region [a-z0-9-]+\"\$" "$TMP/walkthrough.sh") == 1 ]] \
        || abort "the walkthrough sets $v=\"--endpoint-url URL --region R\" exactly once" \
            "$(grep -E "^$v=" "$TMP/walkthrough.sh" || echo "no line starts with $v=")"
done
region_of() { sed -nE "s/^$1=\"--endpoint-url [^ \"]+ --region ([a-z0-9-]+)\"\$/\\1/p" "$TMP/walkthrough.sh"; }
[[ "$(region_of A)" == us-east-1 && "$(region_of B)" == eu-west-1 ]] \
    || abort "the walkthrough's A is us-east-1 and B is eu-west-1" "A: $(region_of A), B: $(region_of B)"
pass "README.md walkthrough extracted ($(wc -l <"$TMP/walkthrough.sh") lines; A us-east-1, B eu-west-1)"

# --- 3. A cluster on free ports -------------------------------------------------------------
e2e_binary
e2e_config "${REGIONS[@]}"
e2e_start
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
US_PORT="http://127.0.0.1:${PORTS[1]}"
EU_PORT="http://127.0.0.1:${PORTS[2]}"

# --- 4. The CLI environment -----------------------------------------------------------------
# The walkthrough calls plain `aws`: put the venv's first on PATH (its python3 is fine too).
export PATH="$VENV/bin:$PATH"
export AWS_MAX_ATTEMPTS=1
# Keep the user's own profiles, credentials and endpoints out of the run.
e2e_isolate_aws

# kms <endpoint> <region> <args...>: one bounded CLI call for the checks after a run.
kms() {
    local endpoint="$1" region="$2"
    shift 2
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_PAGER="" \
        timeout 60 "$AWS" kms "$@" --endpoint-url "$endpoint" --region "$region" \
        --cli-connect-timeout 5 --cli-read-timeout 20
}

# run_walkthrough <label> <A endpoint> <B endpoint>
run_walkthrough() {
    local label="$1" a_url="$2" b_url="$3"
    local dir="$TMP/run-${label// /-}" rc key err="$TMP/check-err.txt"
    mkdir -p "$dir"
    {
        echo 'set -eo pipefail'
        sed -E \
            -e "s#^A=\"--endpoint-url [^ \"]+ #A=\"--endpoint-url $a_url #" \
            -e "s#^B=\"--endpoint-url [^ \"]+ #B=\"--endpoint-url $b_url #" \
            "$TMP/walkthrough.sh"
        # Hand the key id to the checks below.
        echo 'printf "%s\n" "$KEY" > .e2e-key-id'
    } >"$dir/walkthrough.sh"
    if ! grep -qF "A=\"--endpoint-url $a_url --region us-east-1\"" "$dir/walkthrough.sh" \
        || ! grep -qF "B=\"--endpoint-url $b_url --region eu-west-1\"" "$dir/walkthrough.sh"; then
        fail "$label: endpoints rewritten" "$(grep -E '^[AB]=' "$dir/walkthrough.sh")"
        return
    fi

    (cd "$dir" && timeout -k 10 300 bash -x ./walkthrough.sh >"$dir/out.txt" 2>"$dir/err.txt")
    rc=$?
    if [[ $rc -eq 0 ]]; then
        pass "$label: the README walkthrough runs to the end"
    else
        local trace
        mapfile -t trace < <(tail -n 15 "$dir/err.txt")
        fail "$label: the README walkthrough failed (exit status $rc$([[ $rc -eq 124 ]] && echo ', time limit'))" \
            "--- last lines of its trace and errors ---" "${trace[@]}"
        return
    fi

    # The README says the first rotate-key-on-demand is refused until the replica holds the
    # new material; the second one rotates.
    local refused
    refused=$(grep -c "An error occurred (KMSInvalidStateException) when calling the RotateKeyOnDemand operation" "$dir/err.txt")
    if [[ "$refused" == 1 ]]; then
        pass "$label: exactly one rotate-key-on-demand refused with KMSInvalidStateException (the replica lacked the new material)"
    else
        fail "$label: refused rotate-key-on-demand calls: $refused, want 1" "$(grep -i 'error' "$dir/err.txt" | tail -n 5)"
    fi

    key="$(cat "$dir/.e2e-key-id" 2>/dev/null)"
    if [[ ! "$key" =~ ^mrk-[0-9a-f]{32}$ ]]; then
        fail "$label: the walkthrough's KEY is a multi-Region key id" "got '$key'"
        return
    fi

    # CurrentKeyMaterialId is the same in both Regions (M-10); a rotation may finish
    # asynchronously (O-10), so poll for a while.
    local cur_us="" cur_eu="" i
    for i in $(seq 1 10); do
        cur_us="$(kms "$US_PORT" us-east-1 describe-key --key-id "$key" \
            --query KeyMetadata.CurrentKeyMaterialId --output text 2>"$err")"
        cur_eu="$(kms "$EU_PORT" eu-west-1 describe-key --key-id "$key" \
            --query KeyMetadata.CurrentKeyMaterialId --output text 2>>"$err")"
        [[ "$cur_us" =~ ^[0-9a-f]{64}$ && "$cur_us" == "$cur_eu" ]] && break
        sleep 0.5
    done
    if [[ "$cur_us" =~ ^[0-9a-f]{64}$ && "$cur_us" == "$cur_eu" ]]; then
        pass "$label: CurrentKeyMaterialId is the same in us-east-1 and eu-west-1 (${cur_us:0:12}...)"
    else
        fail "$label: CurrentKeyMaterialId differs between the Regions" \
            "us-east-1: '$cur_us'" "eu-west-1: '$cur_eu'" "$(cat "$err")"
    fi

    # ListKeyRotations in eu-west-1 lists 2 materials: the first NON_CURRENT, the rotated-to
    # one CURRENT (= CurrentKeyMaterialId).
    local rotations
    rotations="$(kms "$EU_PORT" eu-west-1 list-key-rotations --key-id "$key" \
        --include-key-material ALL_KEY_MATERIAL \
        --query 'Rotations[].[KeyMaterialId,KeyMaterialState]' --output text 2>"$err")"
    local n current
    n="$(grep -c . <<<"$rotations")"
    current="$(awk '$2 == "CURRENT" { print $1 }' <<<"$rotations")"
    if [[ "$n" == 2 && "$current" == "$cur_eu" ]] && grep -q $'\tNON_CURRENT$' <<<"$rotations"; then
        pass "$label: ListKeyRotations(ALL_KEY_MATERIAL) in eu-west-1 lists 2 materials (NON_CURRENT, CURRENT)"
    else
        local got
        mapfile -t got < <(printf 'got: %s\n' "$rotations"; cat "$err")
        fail "$label: ListKeyRotations(ALL_KEY_MATERIAL) in eu-west-1: want 2 materials, one NON_CURRENT and the CURRENT $cur_eu" \
            "${got[@]}"
    fi
}

run_walkthrough "Region ports" "$US_PORT" "$EU_PORT"
run_walkthrough "gateway" "$GATEWAY" "$GATEWAY"

kill -0 "$SERVER_PID" 2>/dev/null && pass "kmsim serve still running at the end" \
    || fail "kmsim serve still running at the end"
summary
