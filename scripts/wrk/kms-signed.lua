-- wrk script: one KMS request with a fixed, syntactically valid SigV4 Authorization header
-- and X-Amz-Date, like an SDK's (scripts/bench.sh). The signature is not a real one: kmsim's
-- default `[auth] mode = "open"` parses the header (the gateway routes by its credential
-- scope's Region) but does not verify it, so this measures the cost of carrying and parsing
-- the headers, not of verifying them.
--   KMS_OP=Encrypt KMS_BODY='{"KeyId":"...","Plaintext":"..."}' [KMS_REGION=us-east-1] \
--     wrk -t2 -c64 -d5s -s scripts/wrk/kms-signed.lua http://127.0.0.1:PORT/
-- KMS_OP: the operation (X-Amz-Target: TrentService.<KMS_OP>); KMS_BODY: the JSON body;
-- KMS_REGION: the credential scope's Region (default us-east-1).
local op = os.getenv("KMS_OP") or "DescribeKey"
local region = os.getenv("KMS_REGION") or "us-east-1"
wrk.method = "POST"
wrk.path = "/"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "TrentService." .. op
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/"
    .. region .. "/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    .. "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
wrk.body = os.getenv("KMS_BODY") or "{}"
