#!/usr/bin/env bash
# Measures kmsim against the limits of this machine, in one go:
#   1. `openssl speed` RSA private-key operations (1 process and -multi 2): the unwrap limit;
#   2. the criterion benches (domain level: unwrap, symmetric crypto; ops::dispatch below HTTP);
#   3. `kmsim load` for every operation against a release server started here, every HTTP
#      operation next to `kmsim load`'s own `floor` (GET /_kmsim/health), imports next to
#      openssl. These rows are bound by the load generator (`kmsim load` signs every request
#      and shares the 2 cores); the wrk section (8) is the one to read for HTTP throughput;
#   4. start-up time of the default cluster to a healthy /_kmsim/health;
#   5. the same writes against a durable server (--data-dir on this machine's disk), as a
#      ratio to the memory-only server: create-key, import, import-cycle, and encrypt/decrypt
#      (which write nothing); then start-up with DURABLE_KEYS (default 100000) keys stored;
#   6. the replication bus over NATS JetStream: mrk-cycle against three Region processes
#      (`serve --regions R`, the gateway in the first) and a nats-server, as a ratio to the
#      in-process bus of step 3, with the replication lag of both;
#   7. optionally (SCALE_KEYS=1000000) the key-count scale bench;
#   8. wrk against a fresh release server with RUST_LOG=warn (no per-request log line) and
#      against the HTTP floor, `examples/floor.rs` (a plain axum JSON handler): floor POST
#      (unsigned and signed), DescribeKey, Encrypt 1 KiB, Decrypt, GenerateDataKey,
#      GetParametersForImport, each as a ratio to the floor POST of the same run; Encrypt once
#      more with the default logging; `kmsim load` vs wrk for Encrypt; idle CPU of the cluster.
# Prints one table with each figure and its ratio to its limit. Stops the server it started.
#
# Knobs: DURATION (seconds per load run, default 5), CONCURRENCY (default 64),
#        SCALE_KEYS (default 0 = skip; e.g. 1000000), CRITERION_TIME (seconds, default 3),
#        DURABLE_KEYS (default 100000; 0 skips the durable section), DATA_ROOT (where the
#        data dir goes; default target/bench-data, i.e. this machine's disk, not a tmpfs),
#        NATS (1 = default; 0 skips the NATS section), WRK (1 = default; 0 skips the wrk
#        section), WRK_CONNECTIONS (wrk -c, default 64; wrk always runs -t2),
#        QUOTA (1 = default; 0 skips the quota section), QUOTA_RATE (default 1000/s),
#        QUOTA_SECONDS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-5}
CONCURRENCY=${CONCURRENCY:-64}
SCALE_KEYS=${SCALE_KEYS:-0}
CRITERION_TIME=${CRITERION_TIME:-3}
DURABLE_KEYS=${DURABLE_KEYS:-100000}
DATA_ROOT=${DATA_ROOT:-$ROOT/target/bench-data}
NATS=${NATS:-1}
WRK=${WRK:-1}
QUOTA=${QUOTA:-1}
QUOTA_RATE=${QUOTA_RATE:-1000}
QUOTA_SECONDS=${QUOTA_SECONDS:-20}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
OUT=$(mktemp -d)
SERVER_PID=""
FLOOR_PID=""
EXTRA_PIDS=()
# The server's log filter: "inherit" (RUST_LOG as this script got it), "default" (RUST_LOG
# unset: kmsim's default, one info line per request) or a RUST_LOG value.
SERVER_LOG=inherit
cleanup() {
    for p in "${EXTRA_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "$FLOOR_PID" ] && kill "$FLOOR_PID" 2>/dev/null || true
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$OUT" "$DATA_ROOT/dir"
}
trap cleanup EXIT

echo "== building (release) =="
cargo build --release --locked --bin kmsim >/dev/null 2>&1 || cargo build --release --locked --bin kmsim
BIN=$ROOT/target/release/kmsim
if [ "$WRK" = 1 ]; then
    # The HTTP floor for the wrk section (an example: this builds the dev-dependencies too).
    cargo build --release --locked --example floor >/dev/null 2>&1 || cargo build --release --locked --example floor
    FLOOR_BIN=$ROOT/target/release/examples/floor
    if ! command -v wrk >/dev/null; then
        echo "== installing wrk (Debian) =="
        if [ "$(id -u)" = 0 ]; then
            apt-get update && apt-get install -y wrk
        else
            sudo apt-get update && sudo apt-get install -y wrk
        fi
    fi
fi

echo "== openssl speed (private-key ops/s) =="
openssl speed -seconds 3 rsa2048 rsa3072 rsa4096 2>/dev/null | tee "$OUT/openssl1.txt" | grep '^rsa'
openssl speed -seconds 3 -multi 2 rsa2048 2>/dev/null | tee "$OUT/openssl2.txt" | grep '^rsa'
# sign/s is the first number after "bits" that is not a time (no trailing "s").
openssl_rate() { # file bits
    awk -v b="$2" '$1=="rsa" && $2==b && $3=="bits" { for (i=4;i<=NF;i++) if ($i !~ /s$/) { print $i; exit } }' "$1"
}
SSL1_2048=$(openssl_rate "$OUT/openssl1.txt" 2048)
SSL1_3072=$(openssl_rate "$OUT/openssl1.txt" 3072)
SSL1_4096=$(openssl_rate "$OUT/openssl1.txt" 4096)
SSL2_2048=$(openssl_rate "$OUT/openssl2.txt" 2048)

echo "== criterion benches =="
cargo bench --locked --bench unwrap --bench crypto --bench dispatch -- --warm-up-time 1 --measurement-time "$CRITERION_TIME" \
    --output-format bencher 2>/dev/null | tee "$OUT/criterion.txt" | grep '^test '
crit_ops() { # name -> ops/s
    awk -v n="$1" '$1=="test" && $2==n { gsub(",", "", $5); printf "%.1f", 1e9/$5; exit }' "$OUT/criterion.txt"
}

echo "== release server =="
CFG=$OUT/regions.toml
PORTS=($(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
EOF
))
cat > "$CFG" <<EOF
account_id = "111122223333"
default_region = "us-east-1"
gateway = "127.0.0.1:${PORTS[0]}"
[limits]
on_demand_rotations = 1000000
[import]
prefill = true
pool_rsa_2048 = 4
[[region]]
name = "us-east-1"
listen = "127.0.0.1:${PORTS[1]}"
[[region]]
name = "eu-west-1"
listen = "127.0.0.1:${PORTS[2]}"
[[region]]
name = "ap-southeast-2"
listen = "127.0.0.1:${PORTS[3]}"
EOF
GW=http://127.0.0.1:${PORTS[0]}
US=http://127.0.0.1:${PORTS[1]}
T0=$(date +%s%N)
start_server() { # extra serve args...
    local envs=()
    case "$SERVER_LOG" in
        inherit) ;;
        default) envs=(-u RUST_LOG) ;;
        *) envs=("RUST_LOG=$SERVER_LOG") ;;
    esac
    env "${envs[@]}" "$BIN" serve --config "$CFG" "$@" >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 6000); do
        curl -sf "$GW/_kmsim/health" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
        sleep 0.005
    done
}
stop_server() {
    kill "$SERVER_PID"
    for _ in $(seq 600); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    SERVER_PID=""
}
wait_pools() {
# Let the background generators fill every wrapping-key pool before measuring anything, so
# key generation does not compete with the measured requests.
for _ in $(seq 600); do
    curl -s "$GW/_kmsim/health" | python3 -c '
import json, sys
h = json.load(sys.stdin)
full = all(r["wrappingKeysReady"]["RSA_2048"] >= 4 and r["wrappingKeysReady"]["RSA_3072"] >= 1
           and r["wrappingKeysReady"]["RSA_4096"] >= 1 for r in h["regions"])
sys.exit(0 if full else 1)' && break
    sleep 0.1
done
}
start_server
T1=$(date +%s%N)
STARTUP_MS=$(( (T1 - T0) / 1000000 ))
echo "healthy after ${STARTUP_MS} ms"
wait_pools

declare -A RATE DRATE
# mrk-cycle talks to each replica Region's own endpoint (both in process and over NATS, so
# the two runs differ only in the bus).
REPLICA_ENDPOINTS="eu-west-1=http://127.0.0.1:${PORTS[2]},ap-southeast-2=http://127.0.0.1:${PORTS[3]}"
load_rate() { # op concurrency -> ops/s
    local line extra=()
    [ "$1" = mrk-cycle ] && extra=(--region-endpoint "$REPLICA_ENDPOINTS")
    line=$("$BIN" load --endpoint "$GW" --region us-east-1 --op "$1" --concurrency "$2" --duration "$DURATION" "${extra[@]}")
    echo "$line" >&2
    python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ops_per_sec"])' "$line"
}
for op in floor encrypt decrypt generate-data-key get-parameters create-key import import-cycle mrk-cycle; do
    c=$CONCURRENCY
    [ "$op" = mrk-cycle ] && c=4
    RATE[$op]=$(load_rate "$op" "$c")
done

# Replication lag (publish -> applied) of the in-process bus over the runs above (mrk-cycle's
# replication, delay 0), per destination Region, from GET /_kmsim/bus.
LAG_LINE=$(curl -s "$GW/_kmsim/bus" | python3 -c '
import json, sys
b = json.load(sys.stdin)
print("; ".join("%s: p50 %.3f ms, p99 %.3f ms (%d events)" % (r, l["p50"], l["p99"], l["count"])
                for r, l in sorted(b.get("lagMs", {}).items())))')

DURABLE_STARTUP_MS=""
if [ "$DURABLE_KEYS" -gt 0 ]; then
    echo "== durable server (--data-dir $DATA_ROOT/dir) =="
    stop_server
    rm -rf "$DATA_ROOT/dir"
    mkdir -p "$DATA_ROOT"
    start_server --data-dir "$DATA_ROOT/dir"
    wait_pools
    for op in encrypt decrypt create-key import import-cycle; do
        DRATE[$op]=$(load_rate "$op" "$CONCURRENCY")
    done
    # A fresh data dir with exactly DURABLE_KEYS keys, then a timed restart to healthy.
    stop_server
    rm -rf "$DATA_ROOT/dir"
    start_server --data-dir "$DATA_ROOT/dir"
    "$BIN" scale --endpoint "$US" --checkpoints "$DURABLE_KEYS" >/dev/null
    STORED=$(du -sh "$DATA_ROOT/dir" | cut -f1)
    stop_server
    T0=$(date +%s%N)
    start_server --data-dir "$DATA_ROOT/dir"
    T1=$(date +%s%N)
    DURABLE_STARTUP_MS=$(( (T1 - T0) / 1000000 ))
    echo "restart with $DURABLE_KEYS keys stored ($STORED on disk): healthy after ${DURABLE_STARTUP_MS} ms"
    grep -a 'recovered the data dir' "$OUT/server.log" | sed 's/\x1b\[[0-9;]*m//g' || true
fi

SCALE_LINES=""
if [ "$SCALE_KEYS" -gt 0 ]; then
    echo "== scale: $SCALE_KEYS keys =="
    SCALE_LINES=$("$BIN" scale --endpoint "$US" --checkpoints "1000,100000,$SCALE_KEYS" --server-pid "$SERVER_PID")
    echo "$SCALE_LINES"
fi

NATS_RATE=""
NATS_LAG_LINE=""
if [ "$NATS" = 1 ]; then
    echo "== the bus over NATS JetStream: three Region processes =="
    stop_server
    NATS_BIN=$(scripts/install-nats.sh)
    NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$NATS_BIN" -a 127.0.0.1 -p "$NPORT" -js -sd "$OUT/jetstream" >"$OUT/nats.log" 2>&1 &
    EXTRA_PIDS+=($!)
    for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && break; sleep 0.05; done
    CFG_NATS=$OUT/cluster-nats.toml
    { cat "$CFG"; printf '[bus]\nkind = "nats"\nurl = "nats://127.0.0.1:%s"\n' "$NPORT"; } >"$CFG_NATS"
    i=0
    for r in us-east-1 eu-west-1 ap-southeast-2; do
        i=$((i + 1))
        args=(serve --config "$CFG_NATS" --regions "$r")
        [ "$r" = us-east-1 ] && args+=(--gateway)
        "$BIN" "${args[@]}" >"$OUT/$r.log" 2>&1 &
        EXTRA_PIDS+=($!)
    done
    # Each process reports its own Region's pools; wait until all are full and the bus is up.
    for _ in $(seq 600); do
        ok=yes
        for p in "${PORTS[@]:1}"; do
            curl -s "http://127.0.0.1:$p/_kmsim/health" 2>/dev/null | python3 -c '
import json, sys
h = json.load(sys.stdin)
mine = [r for r in h["regions"] if r["wrappingKeysReady"]]
ready = [r["wrappingKeysReady"] for r in mine]
sys.exit(0 if ready and all(w["RSA_2048"] >= 4 and w["RSA_3072"] >= 1 and w["RSA_4096"] >= 1
                            for w in ready) else 1)' 2>/dev/null || ok=no
        done
        curl -s "$GW/_kmsim/bus" 2>/dev/null | grep -q '"connected":true' || ok=no
        [ "$ok" = yes ] && break
        sleep 0.1
    done
    NATS_RATE=$(load_rate mrk-cycle 4)
    NATS_LAG_LINE=$(curl -s "$GW/_kmsim/bus" | python3 -c '
import json, sys
b = json.load(sys.stdin)
print("; ".join("%s: p50 %.3f ms, p99 %.3f ms (%d events)" % (r, l["p50"], l["p99"], l["count"])
                for r, l in sorted(b.get("lagMs", {}).items())))')
    for p in "${EXTRA_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait "${EXTRA_PIDS[@]}" 2>/dev/null || true
    EXTRA_PIDS=()
fi

# 8. wrk. A fresh server with RUST_LOG=warn (kmsim's default filter logs one info line per
# request; here the line is filtered out, so its cost is measured separately below) and the
# floor: a plain axum JSON handler (examples/floor.rs). Every KMS request goes to the gateway,
# as `kmsim load`'s do; the signed variant carries a fixed SigV4 Authorization header that
# the default `[auth] mode = "open"` parses (the gateway routes by its Region) but does not
# verify.
declare -A WRATE WBAD WBODY
WRK_LABELS=()
IDLE_CPU=""
AGREE_LOAD=""
if [ "$WRK" = 1 ]; then
    echo "== wrk -t2 -c$WRK_CONNECTIONS -d${DURATION}s: kmsim (RUST_LOG=warn) and the floor (examples/floor.rs) =="
    [ -n "$SERVER_PID" ] && stop_server
    FPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    FLOOR=http://127.0.0.1:$FPORT
    "$FLOOR_BIN" "127.0.0.1:$FPORT" >"$OUT/floor.log" 2>&1 &
    FLOOR_PID=$!
    for _ in $(seq 200); do
        curl -sf -X POST "$FLOOR/" -d '{}' >/dev/null 2>&1 && break
        kill -0 "$FLOOR_PID" 2>/dev/null || { cat "$OUT/floor.log"; exit 1; }
        sleep 0.05
    done
    kms_call() { # url op json -> the response body (fails on a non-2xx)
        curl -sf -X POST "$1/" -H 'Content-Type: application/x-amz-json-1.1' \
            -H "X-Amz-Target: TrentService.$2" -d "$3"
    }
    jget() { # dotted.path < json
        python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[k]
print(d)' "$1"
    }
    # Keys, a ciphertext and the request bodies, made with curl against the running server.
    make_bodies() {
        local key ext plain blob
        key=$(kms_call "$GW" CreateKey '{}' | jget KeyMetadata.KeyId)
        ext=$(kms_call "$GW" CreateKey '{"Origin":"EXTERNAL"}' | jget KeyMetadata.KeyId)
        plain=$(head -c 1024 /dev/zero | tr '\0' 'Z' | base64 -w0)
        WBODY[DescribeKey]="{\"KeyId\":\"$key\"}"
        WBODY[Encrypt]="{\"KeyId\":\"$key\",\"Plaintext\":\"$plain\"}"
        blob=$(kms_call "$GW" Encrypt "${WBODY[Encrypt]}" | jget CiphertextBlob)
        WBODY[Decrypt]="{\"CiphertextBlob\":\"$blob\"}"
        WBODY[GenerateDataKey]="{\"KeyId\":\"$key\",\"KeySpec\":\"AES_256\"}"
        WBODY[GetParametersForImport]="{\"KeyId\":\"$ext\",\"WrappingAlgorithm\":\"RSAES_OAEP_SHA_256\",\"WrappingKeySpec\":\"RSA_2048\"}"
        for op in DescribeKey Decrypt GenerateDataKey GetParametersForImport; do
            kms_call "$GW" "$op" "${WBODY[$op]}" >/dev/null || { echo "setup: $op failed"; exit 1; }
        done
    }
    wrk_run() { # label url variant(signed|unsigned) op body
        local out
        out=$(KMS_OP=$4 KMS_BODY=$5 wrk -t2 -c"$WRK_CONNECTIONS" -d"${DURATION}s" \
            -s "$ROOT/scripts/wrk/kms-$3.lua" "$2/" 2>&1) || { echo "$out"; exit 1; }
        echo "$out" >"$OUT/wrk-${#WRK_LABELS[@]}.txt"
        WRK_LABELS+=("$1")
        WRATE[$1]=$(awk '$1=="Requests/sec:" { print $2 }' <<<"$out")
        # wrk counts non-2xx/3xx answers and socket errors separately; both mean failures.
        WBAD[$1]=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
            /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")
        printf '  %-46s %10s req/s  %s failed\n' "$1" "${WRATE[$1]}" "${WBAD[$1]}"
    }
    SERVER_LOG=warn
    start_server
    wait_pools
    # Idle CPU of the running cluster (3 Regions, one process) once the pools are full.
    sleep 2
    cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
    c0=$(cpu_ticks "$SERVER_PID")
    sleep 5
    c1=$(cpu_ticks "$SERVER_PID")
    IDLE_CPU=$(python3 -c 'import sys; print(f"{(int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[3]) / 5:.4f}")' \
        "$c0" "$c1" "$(getconf CLK_TCK)")
    echo "  idle CPU of the cluster: $IDLE_CPU CPU-s/s"
    make_bodies
    wrk_run "floor POST, unsigned" "$FLOOR" unsigned DescribeKey "${WBODY[DescribeKey]}"
    wrk_run "floor POST, signed" "$FLOOR" signed DescribeKey "${WBODY[DescribeKey]}"
    # What the floor costs with an answer as large as Encrypt's (it echoes KeyId: ~1.4 KB),
    # and behind kmsim's own connection layer (timeouts, watchdog) instead of axum::serve.
    big=$(head -c 1024 /dev/zero | tr '\0' 'Z' | base64 -w0)
    wrk_run "floor POST, signed, 1.4 KB answer" "$FLOOR" signed Encrypt \
        "{\"KeyId\":\"$big\",\"Plaintext\":\"$big\"}"
    CPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$FLOOR_BIN" "127.0.0.1:$CPORT" conn >"$OUT/floor-conn.log" 2>&1 &
    EXTRA_PIDS+=($!)
    for _ in $(seq 200); do
        curl -sf -X POST "http://127.0.0.1:$CPORT/" -d '{}' >/dev/null 2>&1 && break
        sleep 0.05
    done
    wrk_run "floor POST, signed, kmsim connection layer" "http://127.0.0.1:$CPORT" signed \
        DescribeKey "${WBODY[DescribeKey]}"
    wrk_run "DescribeKey, unsigned" "$GW" unsigned DescribeKey "${WBODY[DescribeKey]}"
    for op in DescribeKey Encrypt Decrypt GenerateDataKey GetParametersForImport; do
        wrk_run "$op" "$GW" signed "$op" "${WBODY[$op]}"
    done
    # kmsim load vs wrk, same server, same operation and concurrency, back to back.
    AGREE_LOAD=$(load_rate encrypt "$WRK_CONNECTIONS")
    # The cost of the default per-request info line (written to a file here).
    stop_server
    SERVER_LOG=default
    start_server
    wait_pools
    make_bodies
    wrk_run "Encrypt, default logging" "$GW" signed Encrypt "${WBODY[Encrypt]}"
    stop_server
    SERVER_LOG=inherit
    kill "$FLOOR_PID" 2>/dev/null || true
    wait "$FLOOR_PID" 2>/dev/null || true
    FLOOR_PID=""
fi

# 9. Request quotas (issue 12): with [quotas] mode = "aws", a load above a quota is held at
#    it. Encrypt against an overridden symmetric quota of QUOTA_RATE/s for QUOTA_SECONDS (the
#    one-second burst of the bucket adds 1/QUOTA_SECONDS to the admitted rate), and CreateKey
#    against 20/s, then ListKeys must count exactly the admitted CreateKeys (a throttled
#    request changes nothing).
QUOTA_LINE=""
QUOTA_KEYS_LINE=""
count_keys() { # endpoint -> number of keys ListKeys pages through
    python3 - "$1" <<'PY'
import json, sys, urllib.request
url, n, marker = sys.argv[1], 0, None
while True:
    body = {"Limit": 1000}
    if marker:
        body["Marker"] = marker
    req = urllib.request.Request(url + "/", json.dumps(body).encode(), {
        "X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"})
    r = json.load(urllib.request.urlopen(req))
    n += len(r["Keys"])
    marker = r.get("NextMarker")
    if not marker:
        break
print(n)
PY
}
if [ "$QUOTA" = 1 ]; then
    echo "== quotas: encrypt above a ${QUOTA_RATE}/s symmetric quota for ${QUOTA_SECONDS}s =="
    [ -n "$SERVER_PID" ] && stop_server
    PLAIN_CFG=$CFG
    CFG=$OUT/regions-quotas.toml
    { cat "$PLAIN_CFG"; printf '\n[quotas]\nmode = "aws"\n[quotas.overrides]\nsymmetric = %s\nCreateKey = 20\n' "$QUOTA_RATE"; } >"$CFG"
    SERVER_LOG=warn start_server
    line=$("$BIN" load --endpoint "$US" --region us-east-1 --op encrypt --concurrency 16 --duration "$QUOTA_SECONDS")
    echo "$line" >&2
    QUOTA_LINE=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["ops_per_sec"], r["throttled"])' "$line")
    before=$(count_keys "$US")
    line=$("$BIN" load --endpoint "$US" --region us-east-1 --op create-key --concurrency 8 --duration 5)
    echo "$line" >&2
    admitted=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ok"])' "$line")
    listed=$(( $(count_keys "$US") - before ))
    QUOTA_KEYS_LINE="$admitted $listed"
    stop_server
    CFG=$PLAIN_CFG
    SERVER_LOG=inherit
fi

ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f"{a/b:.2f}" if b else "n/a")' "$1" "$2"; }
echo
echo "== summary ($(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')) =="
echo "kmsim load rows: generator-bound (it signs every request and shares the cores); server log"
echo "filter RUST_LOG=${RUST_LOG:-unset: the default warn,kmsim=info, one info line per request}"
printf '%-52s %14s %14s %7s\n' "figure" "value" "limit" "ratio"
row() { printf '%-52s %14s %14s %7s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }
for spec in 2048 3072 4096; do
    ref=$(eval echo "\$SSL1_$spec")
    row "unwrap RSAES_OAEP_SHA_256 RSA_$spec (criterion, ops/s)" "$(crit_ops "ImportKeyMaterial/RSAES_OAEP_SHA_256/RSA_$spec")" "$ref"
    row "unwrap RSA_AES_KEY_WRAP_SHA_256 RSA_$spec (ops/s)" "$(crit_ops "ImportKeyMaterial/RSA_AES_KEY_WRAP_SHA_256/RSA_$spec")" "$ref"
done
row "kmsim load: import, c=$CONCURRENCY (ops/s)" "${RATE[import]}" "$SSL2_2048"
row "kmsim load: import-cycle, c=$CONCURRENCY (ops/s)" "${RATE[import-cycle]}" "$SSL2_2048"
for op in get-parameters encrypt decrypt generate-data-key create-key; do
    row "kmsim load: $op, c=$CONCURRENCY / its floor" "${RATE[$op]}" "${RATE[floor]}"
done
if [ "$DURABLE_KEYS" -gt 0 ]; then
    for op in import import-cycle create-key encrypt decrypt; do
        row "kmsim load: durable $op / memory $op" "${DRATE[$op]}" "${RATE[$op]}"
    done
    printf '%-52s %14s %14s\n' "durable start-up, $DURABLE_KEYS keys stored (ms)" "$DURABLE_STARTUP_MS" "2000"
fi
printf '%-52s %14s\n' "kmsim load floor: GET /_kmsim/health (ops/s)" "${RATE[floor]}"
printf '%-52s %14s\n' "kmsim load: mrk-cycle, c=4 (cycles/s)" "${RATE[mrk-cycle]}"
echo "replication lag, in-process bus: $LAG_LINE"
if [ -n "$NATS_RATE" ]; then
    row "mrk-cycle over NATS, 3 processes / in-process, c=4" "$NATS_RATE" "${RATE[mrk-cycle]}"
    echo "replication lag, NATS JetStream (3 processes): $NATS_LAG_LINE"
fi
if [ -n "$QUOTA_LINE" ]; then
    read -r qrate qthrottled <<<"$QUOTA_LINE"
    row "quotas aws: encrypt admitted, ${QUOTA_SECONDS}s (ops/s; $qthrottled throttled)" "$qrate" "$QUOTA_RATE"
    read -r qadmitted qlisted <<<"$QUOTA_KEYS_LINE"
    printf '%-52s %14s %14s\n' "quotas aws: CreateKey admitted / keys made" "$qadmitted" "$qlisted"
fi
printf '%-52s %14s %14s\n' "start-up to healthy (ms)" "$STARTUP_MS" "300"
printf '%-52s %14s %14s\n' "openssl rsa2048 sign/s, -multi 2" "$SSL2_2048" ""
if [ -n "$SCALE_LINES" ]; then
    echo "$SCALE_LINES" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
for r in rows:
    print("%9d keys: rss %s MiB, DescribeKey p50 %s ms, Encrypt p50 %s ms" % (r["keys"], r["rss_mib"], r["describe_p50_ms"], r["encrypt_p50_ms"]))
if len(rows) >= 2:
    print("DescribeKey p50 at %d / at %d: %.2f" % (rows[-1]["keys"], rows[0]["keys"], rows[-1]["describe_p50_ms"] / max(rows[0]["describe_p50_ms"], 1e-9)))
'
fi
if [ "$WRK" = 1 ]; then
    echo
    echo "== wrk -t2 -c$WRK_CONNECTIONS -d${DURATION}s: kmsim with RUST_LOG=warn (the per-request info line off)"
    echo "   unless noted; floor = examples/floor.rs (axum + serde_json, POST /); signed = fixed"
    echo "   SigV4 Authorization + X-Amz-Date, parsed and not verified ([auth] mode = \"open\") =="
    printf '%-52s %14s %14s %7s\n' "wrk figure" "req/s" "floor req/s" "ratio"
    for label in "${WRK_LABELS[@]}"; do
        case "$label" in
            "floor POST, unsigned") ref=${WRATE["floor POST, unsigned"]} ;;
            "floor POST, signed") ref=${WRATE["floor POST, unsigned"]} ;;
            *unsigned*) ref=${WRATE["floor POST, unsigned"]} ;;
            *) ref=${WRATE["floor POST, signed"]} ;;
        esac
        row "$label" "${WRATE[$label]}" "$ref"
    done
    for label in "${WRK_LABELS[@]}"; do
        [ "${WBAD[$label]}" = 0 ] ||
            printf '%-52s %14s\n' "WARNING: $label: non-2xx/socket errors" "${WBAD[$label]}"
    done
    row "kmsim load encrypt / wrk Encrypt signed, c=$WRK_CONNECTIONS" "$AGREE_LOAD" "${WRATE[Encrypt]}"
    printf '%-52s %14s\n' "idle CPU of the cluster (CPU-seconds per second)" "$IDLE_CPU"
    echo "(floor POST, signed is a ratio to floor POST, unsigned; unsigned rows to the unsigned"
    echo " floor; every other row to the signed floor)"
fi
