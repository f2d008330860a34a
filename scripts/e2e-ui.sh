#!/usr/bin/env bash
# End-to-end check of the state page (GET /_kmsim/ui, issue 12 item 3) in a real browser:
# headless Chromium loads the page from a running two-Region cluster and its rendered DOM must
# show a multi-Region EXTERNAL set whose new material was imported into the primary only —
# KeyMaterialState PENDING_MULTI_REGION_IMPORT_AND_ROTATION in both Regions (contract I-26, M-3),
# ImportState IMPORTED in the primary and PENDING_IMPORT in the replica. The keys are made with
# boto3 and `cryptography` (wrapped as AWS's import guide shows). Saves a screenshot as
# target/ui-screenshot.png (1400x1000). Then, on a second cluster in [auth] mode = "sigv4", the
# page must say that the state needs the admin token, and render it when opened with #token=.
#
# Usage: scripts/e2e-ui.sh          (from anywhere; needs python3, curl, cargo)
# Chromium is installed from Debian if missing (apt-get update + apt-get install -y chromium,
# as root); boto3 and cryptography into target/venv-e2e-boto3/ (shared with e2e-boto3.sh).
# KMSIM_BIN picks the binary, otherwise a release build is made. The server is always stopped
# on exit. The last line is "N passed, M failed"; the exit status is 0 only when M is 0.

set -uo pipefail

E2E_OK="ok - "
E2E_NOT_OK="not ok - "
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

VENV="${E2E_BOTO3_VENV:-$ROOT/target/venv-e2e-boto3}"
PY="$VENV/bin/python"
REGIONS=(us-east-1 eu-west-1)
CLUSTER_EXTRA_TOML=$'[import]\nprefill = true'
SCREENSHOT="$ROOT/target/ui-screenshot.png"

# Chromium from Debian, once.
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$CHROMIUM" ]]; then
    [[ "$(id -u)" -eq 0 ]] || abort "install chromium" "chromium is missing and this is not root: apt-get install -y chromium"
    echo "installing chromium from Debian (once) ..."
    export DEBIAN_FRONTEND=noninteractive
    { timeout 600 apt-get update && timeout 1800 apt-get install -y chromium; } >"$TMP/apt.log" 2>&1 \
        || abort "apt-get install chromium" "$(tail -n 5 "$TMP/apt.log")"
    CHROMIUM="$(command -v chromium)" || abort "install chromium" "no chromium after apt-get install"
fi
echo "using $("$CHROMIUM" --version 2>/dev/null | head -n 1)"

e2e_venv "$VENV" "boto3 and cryptography" "boto3, cryptography" boto3 cryptography
e2e_binary
e2e_config "${REGIONS[@]}"
e2e_start
e2e_isolate_aws

GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
PRIMARY_URL="http://127.0.0.1:${PORTS[1]}"

# chrome URL OUT ARGS...: headless Chromium on URL with its own profile; stdout to OUT.
chrome() {
    local url=$1 out=$2
    shift 2
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --user-data-dir="$TMP/chrome-profile" "$@" "$url" \
        >"$out" 2>"$TMP/chrome.err"
}

# 1. The set: an EXTERNAL multi-Region primary in us-east-1 with material m1 (CURRENT), a
# replica in eu-west-1 that imports nothing, then NEW material m2 into the primary only; and a
# single-Region AWS_KMS key beside it.
cat >"$TMP/setup.py" <<'EOF'
import json, os, sys, urllib.request
import boto3
from botocore.config import Config
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

url, primary_region, replica_region, gateway = sys.argv[1:5]
kms = boto3.client("kms", endpoint_url=url, region_name=primary_region,
                   aws_access_key_id="AKIDKMSIMUI", aws_secret_access_key="kmsim-ui-secret",
                   config=Config(retries={"max_attempts": 1}))

def imp(key_id, material, import_type):
    p = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    pub = serialization.load_der_public_key(p["PublicKey"])
    wrapped = pub.encrypt(material, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                 algorithm=hashes.SHA256(), label=None))
    return kms.import_key_material(KeyId=key_id, ImportToken=p["ImportToken"],
                                   EncryptedKeyMaterial=wrapped, ImportType=import_type,
                                   ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")["KeyMaterialId"]

key_id = kms.create_key(Origin="EXTERNAL", MultiRegion=True,
                        Description="e2e-ui set")["KeyMetadata"]["KeyId"]
m1 = imp(key_id, os.urandom(32), "NEW_KEY_MATERIAL")
kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region)
m2 = imp(key_id, os.urandom(32), "NEW_KEY_MATERIAL")
kms.create_key(Description="e2e-ui single-Region")  # an AWS_KMS key beside the set
req = urllib.request.Request(gateway + "/_kmsim/bus/drain", data=b"{}", method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=120).read()
print(json.dumps({"keyId": key_id, "m1": m1, "m2": m2}))
EOF
timeout 300 "$PY" "$TMP/setup.py" "$PRIMARY_URL" "${REGIONS[0]}" "${REGIONS[1]}" "$GATEWAY" \
    >"$TMP/setup.json" 2>"$TMP/setup.err" \
    || abort "create the multi-Region set with boto3" "$(tail -n 5 "$TMP/setup.err")"
KEY_ID="$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["keyId"])' <"$TMP/setup.json")"
M2="$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["m2"])' <"$TMP/setup.json")"
pass "boto3 made $KEY_ID: m1 in the primary, replica in ${REGIONS[1]}, NEW material m2 in the primary only"

# 2. The JSON the page renders says the same.
cat >"$TMP/m2-states.py" <<'EOF'
import json, sys
key_id, m2 = sys.argv[1:3]
with open(sys.argv[3]) as f:
    state = json.load(f)
out = []
for r in state["regions"]:
    for k in r["keys"] or []:
        if k["keyMetadata"]["KeyId"] == key_id:
            for m in k["materials"]:
                if m["keyMaterialId"] == m2:
                    out.append(f'{r["region"]}:{m["keyMaterialState"]}:{m["importState"]}')
print(" ".join(out))
EOF
if curl -fsS --max-time 30 "$GATEWAY/_kmsim/state" >"$TMP/state.json" 2>"$TMP/curl.err"; then
    got="$(timeout 30 "$PY" "$TMP/m2-states.py" "$KEY_ID" "$M2" "$TMP/state.json" 2>&1)"
    want="us-east-1:PENDING_MULTI_REGION_IMPORT_AND_ROTATION:IMPORTED eu-west-1:PENDING_MULTI_REGION_IMPORT_AND_ROTATION:PENDING_IMPORT"
    if [[ "$got" == "$want" ]]; then
        pass "GET /_kmsim/state: m2 is PENDING_MULTI_REGION_IMPORT_AND_ROTATION in both Regions (IMPORTED / PENDING_IMPORT)"
    else
        fail "GET /_kmsim/state: m2's states" "want $want" "got  $got"
    fi
else
    fail "GET /_kmsim/state" "$(cat "$TMP/curl.err")"
fi

# 3. The page's own text does not contain the state, so finding it in the DOM means the script
# rendered it from the live state.
if curl -fsS --max-time 30 -D "$TMP/ui.headers" "$GATEWAY/_kmsim/ui" >"$TMP/ui.html" 2>"$TMP/curl.err"; then
    if grep -qi '^content-type: text/html' "$TMP/ui.headers" \
        && ! grep -q 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION' "$TMP/ui.html"; then
        pass "GET /_kmsim/ui is text/html and does not spell the state itself"
    else
        fail "GET /_kmsim/ui" "$(head -n 20 "$TMP/ui.headers")"
    fi
else
    fail "GET /_kmsim/ui" "$(cat "$TMP/curl.err")"
fi

# 4. Chromium renders it.
if chrome "$GATEWAY/_kmsim/ui" "$TMP/dom.html" --virtual-time-budget=5000 --dump-dom; then
    dom_has() { grep -Eq "$1" "$TMP/dom.html"; }
    cell() { # REGION STATE IMPORT: the set's cell for m2 in REGION
        echo "data-key-id=\"$KEY_ID\" data-region=\"$1\" data-key-material-id=\"$M2\" data-key-material-state=\"$2\" data-import-state=\"$3\""
    }
    if dom_has '<body[^>]*data-loaded="true"'; then
        pass "Chromium: the page loaded the state"
    else
        fail "Chromium: the page loaded the state" "$(grep -o '<div id="banner">.\{0,300\}' "$TMP/dom.html")"
    fi
    for spec in "${REGIONS[1]} PENDING_IMPORT replica" "${REGIONS[0]} IMPORTED primary"; do
        read -r region import role <<<"$spec"
        if dom_has "$(cell "$region" PENDING_MULTI_REGION_IMPORT_AND_ROTATION "$import")"; then
            pass "Chromium: the set shows m2 PENDING_MULTI_REGION_IMPORT_AND_ROTATION / $import in the $role ($region)"
        else
            fail "Chromium: the set shows m2 PENDING_MULTI_REGION_IMPORT_AND_ROTATION / $import in the $role ($region)" \
                "$(grep -o "data-region=\"$region\" data-key-material-id=\"$M2\"[^>]*" "$TMP/dom.html" | head -n 3)"
        fi
    done
    if dom_has "<tr data-key-id=\"$KEY_ID\" data-region=\"${REGIONS[1]}\" data-key-state=\"(PendingImport|Creating)\""; then
        pass "Chromium: ${REGIONS[1]}'s key list shows the replica (not usable before its import)"
    else
        fail "Chromium: ${REGIONS[1]}'s key list shows the replica" \
            "$(grep -o "<tr data-key-id=\"$KEY_ID\"[^>]*" "$TMP/dom.html")"
    fi
    if dom_has '<span id="clock" class="clock">[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}Z' \
        && dom_has '<dd id="bus-delivered">[0-9]+</dd>'; then
        pass "Chromium: the simulated clock and the bus are shown"
    else
        fail "Chromium: the simulated clock and the bus are shown" \
            "$(grep -o '<span id="clock".\{0,80\}' "$TMP/dom.html")" "$(grep -o '<dd id="bus-delivered">.\{0,40\}' "$TMP/dom.html")"
    fi
    if dom_has '<div class="big" id="request-rate">(n/a|[0-9.]+ req/s)</div>'; then
        pass "Chromium: the request rate is shown ($(grep -Eo 'id="request-rate">[^<]*' "$TMP/dom.html" | cut -d'>' -f2))"
    else
        fail "Chromium: the request rate is shown" "$(grep -o 'id="request-rate".\{0,80\}' "$TMP/dom.html")"
    fi
else
    fail "chromium --dump-dom" "$(tail -n 5 "$TMP/chrome.err")"
fi

# 5. The screenshot.
mkdir -p "$ROOT/target"
rm -f "$SCREENSHOT"
if chrome "$GATEWAY/_kmsim/ui" "$TMP/shot.out" --virtual-time-budget=5000 --window-size=1400,1000 \
    --hide-scrollbars --screenshot="$SCREENSHOT" && [[ -s "$SCREENSHOT" ]]; then
    pass "screenshot saved as target/ui-screenshot.png"
else
    fail "screenshot" "$(tail -n 5 "$TMP/chrome.err")"
fi

# 6. [auth] mode = "sigv4": a second cluster. The page is served without the admin token; the
# state it fetches needs it, which the page takes from the URL fragment.
kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
ADMIN_TOKEN="e2e-ui-admin-token"
CLUSTER_EXTRA_TOML="[auth]
mode = \"sigv4\"
admin_token = \"$ADMIN_TOKEN\"

[[auth.credentials]]
access_key_id = \"AKIAE2EUI00000000001\"
secret_access_key = \"e2e-ui-secret\"
account_id = \"111122223333\"
principal = \"arn:aws:iam::111122223333:user/e2e-ui\""
E2E_ADMIN_TOKEN="$ADMIN_TOKEN"
e2e_config "${REGIONS[@]}"
e2e_start
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
if chrome "$GATEWAY/_kmsim/ui" "$TMP/dom-no-token.html" --virtual-time-budget=5000 --dump-dom \
    && grep -Eq '<div class="banner">[^<]*HTTP 403[^<]*#token=' "$TMP/dom-no-token.html" \
    && ! grep -q 'data-loaded=' "$TMP/dom-no-token.html"; then
    pass "sigv4 mode, no token: Chromium shows the page, and that the state needs #token="
else
    fail "sigv4 mode, no token" "$(grep -o '<div id="banner">.\{0,300\}' "$TMP/dom-no-token.html")"
fi
if chrome "$GATEWAY/_kmsim/ui#token=$ADMIN_TOKEN" "$TMP/dom-token.html" --virtual-time-budget=5000 --dump-dom \
    && grep -Eq '<body[^>]*data-loaded="true"' "$TMP/dom-token.html" \
    && grep -q '<div class="panel" data-region="eu-west-1">' "$TMP/dom-token.html"; then
    pass "sigv4 mode, /_kmsim/ui#token=…: Chromium sends the token and renders the state"
else
    fail "sigv4 mode, /_kmsim/ui#token=…" "$(grep -o '<div id="banner">.\{0,300\}' "$TMP/dom-token.html")"
fi

summary
