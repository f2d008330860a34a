"""The AWS Encryption SDK for Python against kmsim, pointed there by AWS_ENDPOINT_URL_KMS alone.

Encrypts under a multi-Region key in us-east-1 and decrypts with its replica in eu-west-1.
Needs: pip install boto3 aws-encryption-sdk, and kmsim's gateway on port 4600.
"""
import os
import time

import aws_encryption_sdk
import boto3
from aws_encryption_sdk.key_providers.kms import MRKAwareStrictAwsKmsMasterKeyProvider

os.environ.setdefault("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:4600")  # kmsim's gateway
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")  # any credentials will do
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

us, eu = boto3.client("kms", region_name="us-east-1"), boto3.client("kms", region_name="eu-west-1")
primary = us.create_key(MultiRegion=True)["KeyMetadata"]["Arn"]
replica = us.replicate_key(KeyId=primary, ReplicaRegion="eu-west-1")["ReplicaKeyMetadata"]["Arn"]
while eu.describe_key(KeyId=replica)["KeyMetadata"]["KeyState"] != "Enabled":
    time.sleep(1)  # a new replica is Creating for a moment

esdk = aws_encryption_sdk.EncryptionSDKClient()
ciphertext, _ = esdk.encrypt(
    source=b"hello from us-east-1",
    key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(key_ids=[primary]),
    encryption_context={"purpose": "kmsim recipe"},
)
plaintext, _ = esdk.decrypt(
    source=ciphertext,
    key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(key_ids=[replica]),
)
print(plaintext.decode(), "- decrypted in eu-west-1 with", replica)
