-- wrk script: one KMS request, unsigned (scripts/bench.sh).
--   KMS_OP=Encrypt KMS_BODY='{"KeyId":"...","Plaintext":"..."}' \
--     wrk -t2 -c64 -d5s -s scripts/wrk/kms-unsigned.lua http://127.0.0.1:PORT/
-- KMS_OP: the operation (X-Amz-Target: TrentService.<KMS_OP>); KMS_BODY: the JSON body.
-- Every request is the same, prepared once, so wrk spends nothing per request in Lua.
local op = os.getenv("KMS_OP") or "DescribeKey"
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "TrentService." .. op
wrk.body = os.getenv("KMS_BODY") or "{}"
