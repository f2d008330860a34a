#!/usr/bin/env bash
# End-to-end check of kmsim with the AWS SDK for JavaScript v3 (@aws-sdk/client-kms) and
# node:crypto: the multi-Region BYOK scenario of scripts/e2e/node/byok.mjs (contract T3 with
# the T1/T2 steps it repeats: EXTERNAL mrk- primary, import wrapped locally with
# RSAES_OAEP_SHA_256, replica import, cross-Region Encrypt/Decrypt and GenerateDataKey, NEW
# material into the primary, RotateKeyOnDemand refused until the replica holds it, EXISTING
# import into the replica, rotation, old ciphertext still decrypting). It runs twice on one
# two-Region cluster: (a) with `endpoint` set in code to each Region's port, (b) with no endpoint
# in code and only AWS_ENDPOINT_URL_KMS pointing at the gateway, which routes by the SigV4
# Region. Then examples/recipes/js-sdk-v3.mjs (the README's recipe) runs against the gateway
# and its output and its key are checked.
#
# Usage: scripts/e2e-node.sh          (from anywhere; needs python3, curl, cargo)
# node and npm are installed from Debian if missing (apt-get update + apt-get install -y nodejs
# npm, as root). The npm packages are pinned by scripts/e2e/node/package.json and
# package-lock.json and installed with `npm ci` once into target/node-e2e/ (E2E_NODE_DIR), again
# only when those two files change (to move to other versions: edit package.json, then
# `npm install --package-lock-only` in scripts/e2e/node; its .npmrc keeps registry URLs out of
# the lock file). KMSIM_BIN picks the binary, otherwise a release build is made. Every step has
# a time limit, and the server is always stopped on exit. The last line is "N passed, M failed";
# the exit status is 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

NODE_SRC="$ROOT/scripts/e2e/node"
NODE_DIR="${E2E_NODE_DIR:-$ROOT/target/node-e2e}"
RECIPE="$ROOT/examples/recipes/js-sdk-v3.mjs"
REGIONS=(us-east-1 eu-west-1)
ACCOUNT=111122223333
# Wrapping key pairs are generated in the background from start-up on, so the first
# GetParametersForImport does not wait for a (debug-build) RSA key generation.
CLUSTER_EXTRA_TOML=$'[import]\nprefill = true'

# node and npm from Debian, once.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    [[ "$(id -u)" -eq 0 ]] || abort "install node and npm" "node or npm is missing and this is not root: apt-get install -y nodejs npm"
    echo "installing nodejs and npm from Debian (once) ..."
    export DEBIAN_FRONTEND=noninteractive
    { timeout 600 apt-get update && timeout 1800 apt-get install -y nodejs npm; } >"$TMP/apt.log" 2>&1 \
        || abort "apt-get install nodejs npm" "$(tail -n 5 "$TMP/apt.log")"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        abort "install node and npm" "no node or npm after apt-get install"
    fi
fi
NODE_VERSION="$(timeout 30 node --version 2>&1)" || abort "node --version" "$NODE_VERSION"
NPM_VERSION="$(timeout 60 npm --version 2>&1)" || abort "npm --version" "$NPM_VERSION"
# The pinned SDK (package.json "engines") needs Node 18 or later; Debian 12 has 18.
if ! [[ "$NODE_VERSION" =~ ^v([0-9]+)\. ]] || ((BASH_REMATCH[1] < 18)); then
    abort "node 18 or later" "got $NODE_VERSION"
fi

# The npm packages, once: `npm ci` from the committed lock file into NODE_DIR, again only when
# package.json or package-lock.json change (the stamp, inside node_modules, holds their hash).
# npm's cache lives beside them; a lock serialises concurrent runs.
export npm_config_cache="$NODE_DIR/npm-cache" npm_config_update_notifier=false \
    npm_config_fund=false npm_config_audit=false
mkdir -p "$NODE_DIR" || abort "mkdir $NODE_DIR"
STAMP="$NODE_DIR/node_modules/.kmsim-e2e-node.stamp"
WANT_STAMP="$(cat "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" | sha256sum | cut -d' ' -f1)"
sdk_loads() {
    (cd "$NODE_DIR" && timeout 60 node --input-type=module \
        -e 'import { KMSClient } from "@aws-sdk/client-kms"; new KMSClient({ region: "us-east-1" });') \
        >/dev/null 2>&1
}
install_packages() {
    if [[ "$(cat "$STAMP" 2>/dev/null)" == "$WANT_STAMP" ]] && sdk_loads; then
        return 0
    fi
    echo "installing the npm packages of scripts/e2e/node/package-lock.json into $NODE_DIR (once) ..."
    cp "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" "$NODE_DIR/" || return 1
    (cd "$NODE_DIR" && timeout 900 npm ci --ignore-scripts --no-audit --no-fund) >"$TMP/npm.log" 2>&1 \
        || return 1
    echo "$WANT_STAMP" >"$STAMP"
}
exec 9>"$NODE_DIR/.install.lock"
flock -w 1200 9 || abort "lock $NODE_DIR/.install.lock within 20 min"
install_packages || abort "npm ci in $NODE_DIR" "$(tail -n 5 "$TMP/npm.log" 2>/dev/null)"
sdk_loads || abort "import @aws-sdk/client-kms from $NODE_DIR"
flock -u 9
exec 9>&-
SDK_VERSION="$(cd "$NODE_DIR" && timeout 30 node -p 'require("./node_modules/@aws-sdk/client-kms/package.json").version' 2>&1)" \
    || abort "read the @aws-sdk/client-kms version" "$SDK_VERSION"
echo "using node $NODE_VERSION, npm $NPM_VERSION, @aws-sdk/client-kms $SDK_VERSION"

# The scripts run from NODE_DIR, so that `import "@aws-sdk/client-kms"` finds its node_modules.
for f in "$NODE_SRC/byok.mjs" "$RECIPE"; do
    tmp_copy="$NODE_DIR/.$(basename "$f").$$"
    if ! cp "$f" "$tmp_copy" || ! mv -f "$tmp_copy" "$NODE_DIR/$(basename "$f")"; then
        abort "copy $f to $NODE_DIR"
    fi
done

e2e_binary
e2e_config "${REGIONS[@]}"
e2e_start

# Keep the user's own AWS configuration out of the run; the SDK takes the dummy credentials
# from the environment.
e2e_isolate_aws
unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

GATEWAY="http://127.0.0.1:$GATEWAY_PORT"

# node_driver SECONDS OUT NAME CMD...: e2e_driver for a driver that is not the script's last
# step. Its "ok - "/"not ok - " lines are added to PASSED/FAILED and its own summary line is
# shown as a comment; a driver that ended without that line, or failed without a failing
# check, is one failure more.
node_driver() {
    local secs=$1 out=$2 name=$3 rc
    shift 3
    timeout "$secs" "$@" 2>&1 | tee "$out" | sed -u -E "s/^([0-9]+ passed, [0-9]+ failed)\$/# $name: \\1/"
    rc=${PIPESTATUS[0]}
    local ok bad
    ok=$(grep -c '^ok - ' "$out")
    bad=$(grep -c '^not ok - ' "$out")
    PASSED=$((PASSED + ok))
    FAILED=$((FAILED + bad))
    if ! tail -n 1 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
        fail "$name ended without its summary line (exit status $rc)"
    elif [[ $rc -ne 0 && $bad -eq 0 ]]; then
        fail "$name exited with status $rc without a failing check"
    fi
}

# (a) endpoint in code, one per Region port.
node_driver 600 "$TMP/ports.out" "byok.mjs (per-Region endpoints)" \
    env -u AWS_ENDPOINT_URL_KMS -C "$NODE_DIR" node byok.mjs --label ports --admin "$GATEWAY" \
    --account "$ACCOUNT" --endpoint "${REGIONS[0]}=http://127.0.0.1:${PORTS[1]}" \
    --endpoint "${REGIONS[1]}=http://127.0.0.1:${PORTS[2]}"

# (b) no endpoint in code: AWS_ENDPOINT_URL_KMS names the gateway.
node_driver 600 "$TMP/gateway.out" "byok.mjs (AWS_ENDPOINT_URL_KMS = gateway)" \
    env -C "$NODE_DIR" AWS_ENDPOINT_URL_KMS="$GATEWAY" node byok.mjs --label gateway \
    --admin "$GATEWAY" --account "$ACCOUNT"

# The README's recipe, verbatim, against the gateway.
lines=$(wc -l <"$RECIPE")
if ((lines <= 30)) && ! grep -v '^ *//' "$RECIPE" | grep -q 'endpoint'; then
    pass "recipe: examples/recipes/js-sdk-v3.mjs is $lines lines (<= 30) with no endpoint in code"
else
    fail "recipe: examples/recipes/js-sdk-v3.mjs is short (<= 30 lines) with no endpoint in code" \
        "got $lines lines; endpoint in code: $(grep -v '^ *//' "$RECIPE" | grep -c endpoint)"
fi
recipe_out="$(cd "$NODE_DIR" && AWS_ENDPOINT_URL_KMS="$GATEWAY" timeout 120 node js-sdk-v3.mjs 2>"$TMP/recipe.err")"
recipe_rc=$?
want_re="^arn:aws:kms:us-east-1:$ACCOUNT:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}): hello from the AWS SDK for JavaScript v3\$"
if [[ $recipe_rc -eq 0 && "$recipe_out" =~ $want_re ]]; then
    RECIPE_KEY="${BASH_REMATCH[1]}"
    pass "recipe: node js-sdk-v3.mjs prints the us-east-1 key ARN and the decrypted plaintext"
else
    RECIPE_KEY=""
    fail "recipe: node js-sdk-v3.mjs prints the us-east-1 key ARN and the decrypted plaintext" \
        "exit status $recipe_rc" "stdout: $recipe_out" "stderr: $(tail -n 5 "$TMP/recipe.err")"
fi

# kms_unsigned PORT OP JSON: an unsigned request to a Region port (accepted there); prints
# "HTTP-status body".
kms_unsigned() {
    curl -sS --max-time 30 -o "$TMP/unsigned.json" -w '%{http_code}' \
        -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: TrentService.$2" \
        --data "$3" "http://127.0.0.1:$1/" 2>&1
    echo " $(cat "$TMP/unsigned.json" 2>/dev/null)"
}
if [[ -n "$RECIPE_KEY" ]]; then
    got="$(kms_unsigned "${PORTS[1]}" DescribeKey "{\"KeyId\":\"$RECIPE_KEY\"}")"
    state="$(timeout 30 python3 -c 'import json,sys; m=json.loads(sys.argv[1].split(" ",1)[1])["KeyMetadata"]; print(m["KeyState"], m["Description"])' "$got" 2>/dev/null)"
    if [[ "$got" == 200* && "$state" == "Enabled js-sdk-v3 recipe" ]]; then
        pass "recipe: its key is in us-east-1 (DescribeKey on the us-east-1 port: Enabled, its Description)"
    else
        fail "recipe: its key is in us-east-1 (DescribeKey on the us-east-1 port)" "got $got"
    fi
    got="$(kms_unsigned "${PORTS[2]}" DescribeKey "{\"KeyId\":\"$RECIPE_KEY\"}")"
    if [[ "$got" == 400* && "$got" == *NotFoundException* ]]; then
        pass "recipe: its key is not in eu-west-1 (the gateway routed by the SigV4 Region)"
    else
        fail "recipe: its key is not in eu-west-1" "got $got"
    fi
fi

status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$GATEWAY/_kmsim/health")"
if [[ "$status" == 200 ]]; then
    pass "GET /_kmsim/health still answers at the end"
else
    fail "GET /_kmsim/health still answers at the end" "got HTTP $status"
fi
summary
