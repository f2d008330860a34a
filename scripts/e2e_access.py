#!/usr/bin/env python3
"""End-to-end access control (issue 11) with boto3's own SigV4 signing against a kmsim whose
`[auth] mode = "sigv4"` lists alice and carol (account 111122223333; carol's identity policy
denies kms:ScheduleKeyDeletion) and bob (a role in 444455556666, with a session token).

Allow: alice makes a key whose policy lets carol Encrypt/Decrypt only with the encryption
context {"app": "e2e"}; carol encrypts and decrypts with it, and the plaintext round-trips.
Deny: carol without that context, carol's ScheduleKeyDeletion (identity-policy deny), bob by
key ARN (no statement for his account), a wrong secret, a missing signature, and an admin call
without the admin token. Each check prints "ok - ..." or "not ok - ..."; the last line is
"N passed, M failed".

Usage: e2e_access.py --endpoint URL --gateway URL --admin-token TOKEN
"""

import argparse
import json
import sys
import urllib.error
import urllib.request

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ALICE = ("AKIAALICE000000000001", "alice-secret", None, "arn:aws:iam::111122223333:user/alice")
CAROL = ("AKIACAROL000000000003", "carol-secret", None, "arn:aws:iam::111122223333:user/carol")
BOB = ("ASIABOB0000000000002", "bob-secret", "bob-session-token", "arn:aws:iam::444455556666:role/app")

passed = failed = 0


def check(cond, label, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {label}")
    else:
        failed += 1
        print(f"not ok - {label}" + (f"\n       {detail}" if detail else ""))


def client(endpoint, who=None, secret=None, unsigned=False):
    cfg = Config(retries={"max_attempts": 1}, signature_version=UNSIGNED if unsigned else None)
    key, sec, token = (who[0], secret or who[1], who[2]) if who else ("x", "y", None)
    return boto3.client("kms", region_name=REGION, endpoint_url=endpoint, aws_access_key_id=key,
                        aws_secret_access_key=sec, aws_session_token=token, config=cfg)


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message")
    return None, None


def denied(who, action, arn, why):
    tail = {
        "resource": f" because no resource-based policy allows the {action} action",
        "identity-deny": " with an explicit deny in an identity-based policy",
    }[why]
    return f"User: {who[3]} is not authorized to perform: {action} on resource: {arn}{tail}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--admin-token", required=True)
    a = ap.parse_args()
    alice, carol, bob = (client(a.endpoint, w) for w in (ALICE, CAROL, BOB))

    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": ALICE[3]}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "carol", "Effect": "Allow", "Principal": {"AWS": CAROL[3]},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ScheduleKeyDeletion"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:EncryptionContext:app": "e2e"}}},
    ]}
    meta = alice.create_key(Policy=json.dumps(policy), Description="e2e access")["KeyMetadata"]
    key_id, arn = meta["KeyId"], meta["Arn"]
    check(meta["AWSAccountId"] == "111122223333", "alice's key belongs to her account")

    # Allow.
    ctx = {"app": "e2e"}
    try:
        blob = carol.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext=ctx)["CiphertextBlob"]
        out = carol.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)
        check(out["Plaintext"] == b"secret" and out["KeyId"] == arn,
              "allow: carol encrypts and decrypts under the policy's encryption-context condition")
    except ClientError as e:
        check(False, "allow: carol encrypts and decrypts", str(e))
        blob = alice.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext=ctx)["CiphertextBlob"]

    # Deny: the condition fails.
    code, msg = error_of(lambda: carol.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"app": "other"}))
    check((code, msg) == ("AccessDeniedException", denied(CAROL, "kms:Encrypt", arn, "resource")),
          "deny: carol with another encryption context is refused by the key policy", f"{code}: {msg}")
    # Deny: Decrypt finds the key from the ciphertext, then refuses without the context.
    code, msg = error_of(lambda: carol.decrypt(CiphertextBlob=blob))
    check((code, msg) == ("AccessDeniedException", denied(CAROL, "kms:Decrypt", arn, "resource")),
          "deny: carol's Decrypt without the context names the ciphertext's key", f"{code}: {msg}")
    # Deny: an explicit deny in carol's identity policy beats the key policy's allow.
    code, msg = error_of(lambda: carol.schedule_key_deletion(KeyId=key_id))
    check(code == "AccessDeniedException", "deny: carol's identity policy denies ScheduleKeyDeletion", f"{code}: {msg}")
    # Deny: another account, by key ARN, with no statement for it.
    code, msg = error_of(lambda: bob.describe_key(KeyId=arn))
    check((code, msg) == ("AccessDeniedException", denied(BOB, "kms:DescribeKey", arn, "resource")),
          "deny: bob's account is not in the key policy", f"{code}: {msg}")
    # Bob's own key is his account's, and alice cannot see it by id.
    bob_key = bob.create_key()["KeyMetadata"]
    check(bob_key["AWSAccountId"] == "444455556666" and ":444455556666:key/" in bob_key["Arn"],
          "bob's key belongs to his account")
    code, _ = error_of(lambda: alice.describe_key(KeyId=bob_key["KeyId"]))
    check(code == "NotFoundException", "alice cannot name bob's key by its id", str(code))
    # Deny: authentication.
    code, msg = error_of(lambda: client(a.endpoint, ALICE, secret="wrong").list_keys())
    check(code == "InvalidSignatureException" and msg.startswith("The request signature we calculated does not match"),
          "a wrong secret is InvalidSignatureException", f"{code}: {msg}")
    code, _ = error_of(lambda: client(a.endpoint, unsigned=True).list_keys())
    check(code == "MissingAuthenticationTokenException", "an unsigned request is refused", str(code))
    # Admin routes need the token in sigv4 mode.
    for token, want in ((None, 403), (a.admin_token, 200)):
        req = urllib.request.Request(f"{a.gateway}/_kmsim/health")
        if token:
            req.add_header("x-kmsim-admin-token", token)
        try:
            status = urllib.request.urlopen(req, timeout=5).status
        except urllib.error.HTTPError as e:
            status = e.code
        check(status == want, f"GET /_kmsim/health {'with' if token else 'without'} the admin token is {want}", str(status))

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
