#!/usr/bin/env bash
# One variable points the AWS CLI, and every AWS SDK, at kmsim: the gateway serves each Region
# by the Region the request is signed for.
set -euo pipefail
export AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4600
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test # any credentials will do
for region in us-east-1 eu-west-1; do
    key="$(aws kms create-key --region "$region" --query KeyMetadata.Arn --output text)"
    blob="$(aws kms encrypt --region "$region" --key-id "$key" --query CiphertextBlob \
        --output text --plaintext fileb://<(printf 'hello from %s' "$region"))"
    aws kms decrypt --region "$region" --ciphertext-blob fileb://<(base64 -d <<<"$blob") \
        --query Plaintext --output text | base64 -d
    echo " - decrypted with $key"
done
