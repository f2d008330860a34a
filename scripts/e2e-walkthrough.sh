#!/usr/bin/env bash
# End-to-end check that README.md's "Multi-Region walkthrough (AWS CLI)" works as written. Two
# ```sh blocks of that section are taken from README.md (so the README stays true) and run with
# the real AWS CLI and the `kmsim` binary under test against a kmsim cluster on free ports:
#   - the walkthrough (the section's first block): `kmsim import-material` for every import;
#   - the raw variant (the first block under "### The same import with the API calls"):
#     GetParametersForImport, `kmsim wrap`, ImportKeyMaterial;
# each twice: with A and B pointed at the cluster's us-east-1 and eu-west-1 Region ports, then
# both at the gateway (the --region picks the Region). Each run happens in its own temporary
# directory under `set -eo pipefail`, so any failing command fails the run. Afterwards the CLI
# checks that the key's CurrentKeyMaterialId is the same in both Regions and that
# ListKeyRotations in eu-west-1 lists the materials imported (2 for the walkthrough, which
# rotates, 1 for the raw variant).
#
# Usage: scripts/e2e-walkthrough.sh    (from anywhere; needs python3, curl, cargo)
# The AWS CLI is installed once into .venv-e2e/ (shared with scripts/e2e-cli.sh). KMSIM_BIN
# picks the binary, otherwise a release build is made; the blocks find it as `kmsim` on PATH.
# Every step has a time limit, and the server is always stopped on exit. The last line is
# "N passed, M failed"; the exit status is 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="$ROOT/.venv-e2e"
AWS="$VENV/bin/aws"
REGIONS=(us-east-1 eu-west-1)
HEADING="## Multi-Region walkthrough (AWS CLI)"
RAW_HEADING="### The same import with the API calls"
# The walkthrough's GetParametersForImport calls should not wait for RSA key generation.
CLUSTER_EXTRA_TOML=$'[import]\nprefill = true'

# --- 1. Tools: the blocks use the AWS CLI, kmsim, head, cut and base64 ------------------------
for tool in python3 curl base64 cut head; do
    command -v "$tool" >/dev/null 2>&1 || abort "$tool is on PATH (the walkthrough needs it)"
done
e2e_venv "$VENV" "the AWS CLI" awscli awscli
AWS_VERSION="$(timeout 60 "$AWS" --version 2>&1)" || abort "aws --version" "$AWS_VERSION"
echo "using $AWS_VERSION"

# --- 2. The two blocks, from README.md ------------------------------------------------------
# extract_block START OUT: the first ```sh fence after the line START (the section's heading or
# a ### heading inside it), up to its closing fence, still inside the section.
extract_block() {
    awk -v heading="$HEADING" -v start="$1" '
        $0 == heading { section = 1 }
        section && $0 != heading && /^## / { exit }
        section && $0 == start { armed = 1; next }
        armed && !inblock && /^```sh[[:space:]]*$/ { inblock = 1; next }
        inblock && /^```[[:space:]]*$/ { done = 1; exit }
        inblock { print }
        END { if (!done) exit 1 }
    ' "$ROOT/README.md" >"$2"
}
extract_block "$HEADING" "$TMP/walkthrough.sh" \
    || abort "README.md has a \`\`\`sh block under \"$HEADING\""
extract_block "$RAW_HEADING" "$TMP/raw.sh" \
    || abort "README.md has a \`\`\`sh block under \"$RAW_HEADING\" in \"$HEADING\""
# check_block FILE LABEL WORD...: the endpoints are the A=/B= lines ('<X>="--endpoint-url URL
# --region R"', A us-east-1, B eu-west-1), and the block uses each WORD.
check_block() {
    local file="$1" label="$2" v word
    shift 2
    for v in A B; do
        [[ $(grep -cE "^$v=\"--endpoint-url [^ \"]+ --region [a-z0-9-]+\"\$" "$file") == 1 ]] \
            || abort "the $label sets $v=\"--endpoint-url URL --region R\" exactly once" \
                "$(grep -E "^$v=" "$file" || echo "no line starts with $v=")"
    done
    region_of() { sed -nE "s/^$1=\"--endpoint-url [^ \"]+ --region ([a-z0-9-]+)\"\$/\\1/p" "$file"; }
    [[ "$(region_of A)" == us-east-1 && "$(region_of B)" == eu-west-1 ]] \
        || abort "the $label's A is us-east-1 and B is eu-west-1" "A: $(region_of A), B: $(region_of B)"
    for word in "$@"; do
        grep -qF -- "$word" "$file" || abort "the $label uses $word"
    done
    pass "README.md $label extracted ($(wc -l <"$file") lines; A us-east-1, B eu-west-1; uses $*)"
}
check_block "$TMP/walkthrough.sh" walkthrough "kmsim import-material"
check_block "$TMP/raw.sh" "raw variant" "get-parameters-for-import" "kmsim wrap" "import-key-material"

# --- 3. A cluster on free ports -------------------------------------------------------------
e2e_binary
e2e_config "${REGIONS[@]}"
e2e_start
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
US_PORT="http://127.0.0.1:${PORTS[1]}"
EU_PORT="http://127.0.0.1:${PORTS[2]}"

# --- 4. The CLI environment -----------------------------------------------------------------
# The blocks call plain `aws` and `kmsim`: the venv's and the binary under test (whatever its
# file name) go first on PATH (the venv's python3 is fine too).
mkdir -p "$TMP/bin"
ln -s "$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" "$TMP/bin/kmsim" || abort "link kmsim into $TMP/bin"
export PATH="$TMP/bin:$VENV/bin:$PATH"
[[ "$(command -v kmsim)" == "$TMP/bin/kmsim" ]] || abort "kmsim on PATH is the binary under test" "$(command -v kmsim)"
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

# run_walkthrough <label> <block> <A endpoint> <B endpoint>: <block> is walkthrough or raw.
run_walkthrough() {
    local label="$1" block="$2" a_url="$3" b_url="$4"
    local dir="$TMP/run-${label// /-}" rc key err="$TMP/check-err.txt"
    mkdir -p "$dir"
    {
        echo 'set -eo pipefail'
        sed -E \
            -e "s#^A=\"--endpoint-url [^ \"]+ #A=\"--endpoint-url $a_url #" \
            -e "s#^B=\"--endpoint-url [^ \"]+ #B=\"--endpoint-url $b_url #" \
            "$TMP/$block.sh"
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

    # The walkthrough says the first rotate-key-on-demand is refused until the replica holds
    # the new material; the second one rotates.
    local refused
    if [[ "$block" == walkthrough ]]; then
        refused=$(grep -c "An error occurred (KMSInvalidStateException) when calling the RotateKeyOnDemand operation" "$dir/err.txt")
        if [[ "$refused" == 1 ]]; then
            pass "$label: exactly one rotate-key-on-demand refused with KMSInvalidStateException (the replica lacked the new material)"
        else
            fail "$label: refused rotate-key-on-demand calls: $refused, want 1" "$(grep -i 'error' "$dir/err.txt" | tail -n 5)"
        fi
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

    # ListKeyRotations in eu-west-1: after the walkthrough 2 materials, the first NON_CURRENT
    # and the rotated-to one CURRENT (= CurrentKeyMaterialId); after the raw variant, which
    # does not rotate, the one CURRENT material.
    local rotations
    rotations="$(kms "$EU_PORT" eu-west-1 list-key-rotations --key-id "$key" \
        --include-key-material ALL_KEY_MATERIAL \
        --query 'Rotations[].[KeyMaterialId,KeyMaterialState]' --output text 2>"$err")"
    local n current want=1 want_text="the CURRENT"
    [[ "$block" == walkthrough ]] && want=2 && want_text="NON_CURRENT, CURRENT"
    n="$(grep -c . <<<"$rotations")"
    current="$(awk '$2 == "CURRENT" { print $1 }' <<<"$rotations")"
    if [[ "$n" == "$want" && "$current" == "$cur_eu" ]] \
        && { [[ "$want" == 1 ]] || grep -q $'\tNON_CURRENT$' <<<"$rotations"; }; then
        pass "$label: ListKeyRotations(ALL_KEY_MATERIAL) in eu-west-1 lists $want material(s) ($want_text)"
    else
        local got
        mapfile -t got < <(printf 'got: %s\n' "$rotations"; cat "$err")
        fail "$label: ListKeyRotations(ALL_KEY_MATERIAL) in eu-west-1: want $want material(s) ($want_text $cur_eu)" \
            "${got[@]}"
    fi
}

run_walkthrough "Region ports" walkthrough "$US_PORT" "$EU_PORT"
run_walkthrough "gateway" walkthrough "$GATEWAY" "$GATEWAY"
run_walkthrough "raw variant, Region ports" raw "$US_PORT" "$EU_PORT"
run_walkthrough "raw variant, gateway" raw "$GATEWAY" "$GATEWAY"

kill -0 "$SERVER_PID" 2>/dev/null && pass "kmsim serve still running at the end" \
    || fail "kmsim serve still running at the end"
summary
