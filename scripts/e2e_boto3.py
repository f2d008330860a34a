#!/usr/bin/env python3
"""End-to-end BYOK scenarios against a running kmsim, with boto3 and `cryptography`.

The client side is what a user following AWS's "Importing key material" guide writes:
GetParametersForImport -> load_der_public_key -> public_key.encrypt(material, OAEP(...)) (or
RSA-OAEP of an AES key followed by aes_key_wrap_with_padding for RSA_AES_KEY_WRAP_SHA_256)
-> ImportKeyMaterial. Every step of contract scenarios T1 (single-Region symmetric BYOK) and
T2 (on-demand rotation of imported material), plus an ECC_NIST_P256 SIGN_VERIFY import (T4),
is checked once against a Region port (us-east-1) and once through the gateway signing for
eu-west-1 (W-10). Then contract scenario T3 (multi-Region BYOK with rotation) runs step by step
with one client per Region port: A = us-east-1, B = eu-west-1. It uses the simulator's admin
API on the gateway (POST /_kmsim/bus/drain between a change in one Region and a check in the
other, GET /_kmsim/clock, and POST /_kmsim/clock/advance to let B's deletion window elapse).

Errors are asserted by botocore's parsed error code and message
(e.response['Error']['Code'] / ['Message']). Each check prints "ok - ..." or "not ok - ...";
the last line is "N passed, M failed", and the exit status is 1 when M > 0.

Usage (scripts/e2e-boto3.sh runs it):
  e2e_boto3.py --gateway URL --region us-east-1=URL --region eu-west-1=URL [--account ID]
"""

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import sys
import time
import traceback
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from e2e_report import Report, StepFailed, health  # scripts/e2e_report.py, next to this file

HEX64 = re.compile(r"^[a-f0-9]{64}$")
UTC = dt.timezone.utc
# Tolerance for server timestamps compared with this machine's clock.
CLOCK_SLACK = dt.timedelta(seconds=120)


def oaep(hash_cls):
    return padding.OAEP(mgf=padding.MGF1(algorithm=hash_cls()), algorithm=hash_cls(), label=None)


def wrap_key_material(public_key_der, material, wrapping_algorithm):
    """What AWS's guide tells the user to do with the PublicKey from GetParametersForImport."""
    public_key = serialization.load_der_public_key(public_key_der)
    if wrapping_algorithm == "RSAES_OAEP_SHA_256":
        return public_key.encrypt(material, oaep(hashes.SHA256))
    if wrapping_algorithm == "RSAES_OAEP_SHA_1":
        return public_key.encrypt(material, oaep(hashes.SHA1))
    if wrapping_algorithm == "RSA_AES_KEY_WRAP_SHA_256":
        aes_key = os.urandom(32)
        wrapped_aes_key = public_key.encrypt(aes_key, oaep(hashes.SHA256))
        return wrapped_aes_key + aes_key_wrap_with_padding(aes_key, material)
    raise ValueError(wrapping_algorithm)


def material_id(key_id, material):
    """The simulator's KeyMaterialId formula (contract §6.1, Q-1)."""
    msg = b"aws-kms-key-material-id\x00" + key_id.encode("ascii")
    return hmac.new(material, msg, hashlib.sha256).hexdigest()


def now():
    return dt.datetime.now(UTC)


def near(t, expected, slack=CLOCK_SLACK):
    return isinstance(t, dt.datetime) and abs(t - expected) <= slack


class Scenario:
    """The scenarios against one endpoint, for one signing Region."""

    def __init__(self, report, label, endpoint, region, account):
        self.r = report
        self.label = label
        self.region = region
        self.account = account
        self.kms = boto3.client(
            "kms",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="AKIDE2EBOTO3TEST",
            aws_secret_access_key="e2e-dummy-secret",
            config=Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"total_max_attempts": 1, "mode": "standard"},
            ),
        )
        self.step = "set-up"

    # --- checks -----------------------------------------------------------------------------

    def ok(self, cond, what, *details):
        return self.r.check(cond, f"{self.label}: {self.step}: {what}", *details)

    def eq(self, what, got, want):
        return self.r.eq(f"{self.label}: {self.step}: {what}", got, want)

    def must(self, cond, what, *details):
        if not self.ok(cond, what, *details):
            raise StepFailed(what)

    def call(self, op, **kwargs):
        """A call that must succeed: a ClientError fails the check and stops the scenario."""
        try:
            return getattr(self.kms, op)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            self.ok(False, f"{op} succeeds", f"{err.get('Code')}: {err.get('Message')}")
            raise StepFailed(op) from e

    def expect_error(self, what, op, code, message=None, message_re=None, **kwargs):
        """Calls op, which must fail with HTTP 400 (W-33), error `code` and exactly `message`
        (or a message matching `message_re`). Returns the regex match, if any."""
        try:
            resp = getattr(self.kms, op)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            got_code, got_msg = err.get("Code"), err.get("Message", "")
            good = got_code == code and status == 400
            m = None
            if message is not None:
                good = good and got_msg == message
            if message_re is not None:
                m = re.fullmatch(message_re, got_msg)
                good = good and m is not None
            want = f"HTTP 400 {code}: {message if message is not None else '/' + (message_re or '.*') + '/'}"
            self.ok(good, what, f"want {want}", f"got  HTTP {status} {got_code}: {got_msg}")
            return m
        resp.pop("ResponseMetadata", None)
        self.ok(False, what, f"want {code}, but {op} succeeded: {resp}")
        return None

    # --- helpers ----------------------------------------------------------------------------

    def arn(self, key_id):
        return f"arn:aws:kms:{self.region}:{self.account}:key/{key_id}"

    def describe(self, key_id):
        return self.call("describe_key", KeyId=key_id)["KeyMetadata"]

    def get_parameters(self, key_id, algorithm, spec, modulus_bits):
        """GetParametersForImport (G-3, G-4, G-5, P-20)."""
        t0 = now()
        p = self.call(
            "get_parameters_for_import",
            KeyId=key_id,
            WrappingAlgorithm=algorithm,
            WrappingKeySpec=spec,
        )
        self.eq(f"GetParametersForImport({algorithm}, {spec}) KeyId is the key ARN (W-45)",
                p.get("KeyId"), self.arn(key_id))
        der = p.get("PublicKey", b"")
        try:
            pub = serialization.load_der_public_key(der)
        except Exception as e:  # noqa: BLE001 - any failure to load is the finding
            pub = None
            self.ok(False, "PublicKey loads with load_der_public_key (G-3)", repr(e))
        if pub is not None:
            self.ok(isinstance(pub, rsa.RSAPublicKey) and pub.key_size == modulus_bits,
                    f"PublicKey is a {modulus_bits}-bit RSA SubjectPublicKeyInfo (G-3, P-20)",
                    f"got {type(pub).__name__} of {getattr(pub, 'key_size', '?')} bits")
            spki = pub.public_bytes(serialization.Encoding.DER,
                                    serialization.PublicFormat.SubjectPublicKeyInfo)
            self.ok(spki == der, "PublicKey is canonical DER SPKI (re-encodes byte-identically)")
        self.ok(near(p.get("ParametersValidTo"), t0 + dt.timedelta(hours=24)),
                "ParametersValidTo is about now + 24 h (G-4)",
                f"now {t0.isoformat()}, got {p.get('ParametersValidTo')}")
        self.must(pub is not None and len(p.get("ImportToken", b"")) > 0,
                  "parameters usable (PublicKey and ImportToken)")
        return p

    def import_material(self, key_id, material, algorithm="RSAES_OAEP_SHA_256", spec="RSA_2048",
                        bits=2048, **extra):
        """Fresh parameters, wrap the way AWS's guide does, ImportKeyMaterial. Returns the response."""
        p = self.get_parameters(key_id, algorithm, spec, bits)
        resp = self.call(
            "import_key_material",
            KeyId=key_id,
            ImportToken=p["ImportToken"],
            EncryptedKeyMaterial=wrap_key_material(p["PublicKey"], material, algorithm),
            **extra,
        )
        self.eq("ImportKeyMaterial KeyId is the key ARN (W-45, Q-18)", resp.get("KeyId"),
                self.arn(key_id))
        return resp

    def state(self, key_id, what, key_state, current=None, expiration=None):
        """DescribeKey: KeyState/Enabled (C-20), CurrentKeyMaterialId and ExpirationModel
        (None = must be absent)."""
        md = self.describe(key_id)
        got = (md.get("KeyState"), md.get("Enabled"), md.get("CurrentKeyMaterialId"),
               md.get("ExpirationModel"))
        want = (key_state, key_state == "Enabled", current, expiration)
        return self.eq(f"{what}: DescribeKey (KeyState, Enabled, CurrentKeyMaterialId, "
                       f"ExpirationModel)", got, want)

    def pending_import_blocks_encrypt(self, key_id, rule):
        self.expect_error(f"Encrypt -> KMSInvalidStateException pending import ({rule})",
                          "encrypt", "KMSInvalidStateException",
                          f"{self.arn(key_id)} is pending import.",
                          KeyId=key_id, Plaintext=b"blocked")

    def round_trip(self, key_id, want_material_id, what):
        plain = os.urandom(64)
        enc = self.call("encrypt", KeyId=key_id, Plaintext=plain,
                        EncryptionContext={"purpose": "e2e-boto3"})
        self.ok("KeyMaterialId" not in enc and enc.get("KeyId") == self.arn(key_id),
                f"{what}: Encrypt returns the key ARN and no KeyMaterialId (§3.13)",
                f"got KeyId={enc.get('KeyId')!r} KeyMaterialId={enc.get('KeyMaterialId')!r}")
        dec = self.call("decrypt", CiphertextBlob=enc["CiphertextBlob"],
                        EncryptionContext={"purpose": "e2e-boto3"})
        self.eq(f"{what}: Decrypt (Plaintext ok, KeyId, KeyMaterialId) (E-4, E-5)",
                (dec.get("Plaintext") == plain, dec.get("KeyId"), dec.get("KeyMaterialId")),
                (True, self.arn(key_id), want_material_id))
        return plain, enc["CiphertextBlob"]

    def decrypts_old(self, key_id, plain, blob, want_material_id, what):
        dec = self.call("decrypt", CiphertextBlob=blob, KeyId=key_id,
                        EncryptionContext={"purpose": "e2e-boto3"})
        self.eq(f"{what}: (Plaintext ok, KeyMaterialId) (E-5, B-3)",
                (dec.get("Plaintext") == plain, dec.get("KeyMaterialId")),
                (True, want_material_id))

    def rotations(self, key_id, include=None):
        kwargs = {"KeyId": key_id}
        if include:
            kwargs["IncludeKeyMaterial"] = include
        resp = self.call("list_key_rotations", **kwargs)
        self.eq(f"ListKeyRotations({include or 'default'}) Truncated (W-50)",
                resp.get("Truncated"), False)
        return resp.get("Rotations", [])

    @staticmethod
    def entry_view(e):
        """The fields of a RotationsListEntry this scenario pins down."""
        return {
            "KeyMaterialId": e.get("KeyMaterialId"),
            "KeyMaterialState": e.get("KeyMaterialState"),
            "ImportState": e.get("ImportState"),
            "ExpirationModel": e.get("ExpirationModel"),
            "RotationType": e.get("RotationType"),
            "has RotationDate": "RotationDate" in e,
            "has ValidTo": "ValidTo" in e,
        }

    def run(self, name, fn):
        self.step = name
        try:
            fn()
        except StepFailed as e:
            self.r.check(False, f"{self.label}: {name} stopped after a failed step ({e})")
        except Exception as e:  # noqa: BLE001 - an unexpected client-side error is a failure too
            here = [f for f in traceback.extract_tb(e.__traceback__)[1:] if f.filename == __file__]
            where = "at " + " -> ".join(f"{f.name} line {f.lineno}" for f in here)
            self.r.check(False, f"{self.label}: {name} stopped at step {self.step}: unexpected error",
                         f"{type(e).__name__}: {e}", where)

    # --- T1 + T2 ----------------------------------------------------------------------------

    def t1_t2(self):
        m1, m2, m3, m_other = (os.urandom(32) for _ in range(4))

        # T1.1 CreateKey Origin=EXTERNAL (C-5, S-2)
        self.step = "T1.1"
        md = self.call("create_key", Origin="EXTERNAL",
                       Description=f"e2e boto3 T1/T2 {self.label}")["KeyMetadata"]
        key = md["KeyId"]
        arn = self.arn(key)
        self.eq("CreateKey Origin=EXTERNAL: Arn in the signing Region (W-10, W-41)", md.get("Arn"), arn)
        self.eq("CreateKey: (KeyState, Enabled, Origin, KeySpec, EncryptionAlgorithms) (C-5)",
                (md.get("KeyState"), md.get("Enabled"), md.get("Origin"), md.get("KeySpec"),
                 md.get("EncryptionAlgorithms")),
                ("PendingImport", False, "EXTERNAL", "SYMMETRIC_DEFAULT", ["SYMMETRIC_DEFAULT"]))
        self.ok(not {"CurrentKeyMaterialId", "ExpirationModel", "ValidTo"} & md.keys(),
                "CreateKey: no CurrentKeyMaterialId/ExpirationModel/ValidTo (C-5)",
                f"got keys {sorted(md.keys())}")
        self.state(key, "fresh key", "PendingImport")

        # T1.2 Encrypt before any import (E-1)
        self.step = "T1.2"
        self.pending_import_blocks_encrypt(key, "E-1")

        # T1.3 GetParametersForImport RSAES_OAEP_SHA_256 / RSA_2048 (G-3, G-4)
        self.step = "T1.3"
        p = self.get_parameters(key, "RSAES_OAEP_SHA_256", "RSA_2048", 2048)
        self.eq("PublicKey is 294 bytes of DER (RSA_2048 SPKI)", len(p["PublicKey"]), 294)
        wrapped = wrap_key_material(p["PublicKey"], m1, "RSAES_OAEP_SHA_256")
        self.eq("OAEP-SHA256 output is k = 256 bytes", len(wrapped), 256)

        # T1.4 no ExpirationModel/ValidTo: the default is KEY_MATERIAL_EXPIRES (I-6)
        self.step = "T1.4"
        self.expect_error("ImportKeyMaterial without ExpirationModel -> ValidationException (I-6)",
                          "import_key_material", "ValidationException",
                          "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
                          KeyId=key, ImportToken=p["ImportToken"], EncryptedKeyMaterial=wrapped)
        self.state(key, "after the refused import (I-12)", "PendingImport")

        # T1.5 the same token, KEY_MATERIAL_DOES_NOT_EXPIRE (I-22; the token was not used up)
        self.step = "T1.5"
        resp = self.call("import_key_material", KeyId=key, ImportToken=p["ImportToken"],
                         EncryptedKeyMaterial=wrapped,
                         ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        id1 = resp.get("KeyMaterialId", "")
        self.eq("ImportKeyMaterial KeyId is the key ARN (W-45, Q-18)", resp.get("KeyId"), arn)
        self.must(HEX64.match(id1), "ImportKeyMaterial returns a 64-hex KeyMaterialId (I-22)",
                  f"got {id1!r}")
        self.eq("KeyMaterialId = HMAC-SHA256(material, key id) (§6.1)", id1, material_id(key, m1))
        self.state(key, "after the first import (I-22, S-4)", "Enabled", id1,
                   "KEY_MATERIAL_DOES_NOT_EXPIRE")

        # T1.6 Encrypt/Decrypt round trip, Decrypt names id1 (E-4, E-5)
        self.step = "T1.6"
        plain1, blob1 = self.round_trip(key, id1, "with id1 current")
        gdk = self.call("generate_data_key", KeyId=key, KeySpec="AES_256")
        self.eq("GenerateDataKey KeyMaterialId is the current id1 (E-4)", gdk.get("KeyMaterialId"), id1)

        # T1.7 DeleteImportedKeyMaterial (D-3, D-4)
        self.step = "T1.7"
        resp = self.call("delete_imported_key_material", KeyId=key)
        self.eq("DeleteImportedKeyMaterial returns (ARN, deleted id1) (§3.7)",
                (resp.get("KeyId"), resp.get("KeyMaterialId")), (arn, id1))
        self.state(key, "after the delete: PendingImport, ExpirationModel gone, "
                        "CurrentKeyMaterialId kept (D-4)", "PendingImport", id1)
        self.pending_import_blocks_encrypt(key, "E-1")

        # T1.8 re-import the same material with new parameters (RSAES_OAEP_SHA_1) -> id1 again
        self.step = "T1.8"
        resp = self.import_material(key, m1, "RSAES_OAEP_SHA_1", "RSA_2048", 2048,
                                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.eq("re-import of the same material (OAEP-SHA1) returns id1 (I-20, I-28)",
                resp.get("KeyMaterialId"), id1)
        self.state(key, "after the re-import (I-29)", "Enabled", id1, "KEY_MATERIAL_DOES_NOT_EXPIRE")
        p = self.get_parameters(key, "RSAES_OAEP_SHA_256", "RSA_2048", 2048)
        self.expect_error("re-import of different material -> IncorrectKeyMaterialException (I-28)",
                          "import_key_material", "IncorrectKeyMaterialException",
                          KeyId=key, ImportToken=p["ImportToken"],
                          EncryptedKeyMaterial=wrap_key_material(p["PublicKey"], m_other,
                                                                 "RSAES_OAEP_SHA_256"),
                          ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.state(key, "after the refused import (I-12)", "Enabled", id1,
                   "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.decrypts_old(key, plain1, blob1, id1, "T1.6 ciphertext after the re-import")

        # T2.1 NEW_KEY_MATERIAL -> id2 PENDING_ROTATION (I-25, M-2)
        self.step = "T2.1"
        resp = self.import_material(key, m2, ImportType="NEW_KEY_MATERIAL",
                                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        id2 = resp.get("KeyMaterialId", "")
        self.must(HEX64.match(id2) and id2 != id1,
                  "NEW_KEY_MATERIAL returns a new 64-hex KeyMaterialId (I-25)", f"got {id2!r}")
        self.eq("id2 = HMAC-SHA256(m2, key id) (§6.1)", id2, material_id(key, m2))
        self.state(key, "pending material changes nothing (I-25, S-5)", "Enabled", id1,
                   "KEY_MATERIAL_DOES_NOT_EXPIRE")
        entries = self.rotations(key, "ALL_KEY_MATERIAL")
        got = {e.get("KeyMaterialId"): self.entry_view(e) for e in entries}
        base = {"ImportState": "IMPORTED", "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
                "RotationType": None, "has RotationDate": False, "has ValidTo": False}
        self.eq("ListKeyRotations(ALL_KEY_MATERIAL): id1 CURRENT, id2 PENDING_ROTATION (L-2, L-3)",
                got, {id1: {"KeyMaterialId": id1, "KeyMaterialState": "CURRENT", **base},
                      id2: {"KeyMaterialId": id2, "KeyMaterialState": "PENDING_ROTATION", **base}})
        self.eq("RotationsListEntry.KeyId is the bare key id (W-45, Q-17)",
                sorted({e.get("KeyId") for e in entries}), [key])
        self.eq("ListKeyRotations(default) before any rotation is empty (L-2)",
                self.rotations(key), [])

        # T2.2 a third NEW while id2 is pending (I-24)
        self.step = "T2.2"
        id3 = material_id(key, m3)
        p = self.get_parameters(key, "RSAES_OAEP_SHA_256", "RSA_2048", 2048)
        self.expect_error(
            "third NEW_KEY_MATERIAL -> KMSInvalidStateException (I-24)",
            "import_key_material", "KMSInvalidStateException",
            f"New key material (id: {id3}) cannot be imported into KMS key {arn}, because "
            f"another key material (id: {id2}) is pending rotation.",
            KeyId=key, ImportToken=p["ImportToken"],
            EncryptedKeyMaterial=wrap_key_material(p["PublicKey"], m3, "RSAES_OAEP_SHA_256"),
            ImportType="NEW_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")

        # T2.3 RotateKeyOnDemand (O-8, M-5)
        self.step = "T2.3"
        t_rot = now()
        resp = self.call("rotate_key_on_demand", KeyId=key)
        self.eq("RotateKeyOnDemand returns the key ARN (W-45)", resp.get("KeyId"), arn)
        deadline = time.monotonic() + 30  # O-10: clients poll CurrentKeyMaterialId
        current = None
        while time.monotonic() < deadline:
            current = self.describe(key).get("CurrentKeyMaterialId")
            if current == id2:
                break
            time.sleep(0.2)
        self.eq("CurrentKeyMaterialId becomes id2 (O-8, M-10)", current, id2)
        self.state(key, "after the rotation", "Enabled", id2, "KEY_MATERIAL_DOES_NOT_EXPIRE")
        only = self.rotations(key)
        self.eq("ListKeyRotations(default) lists only id2, CURRENT, ON_DEMAND (L-2, L-3)",
                [self.entry_view(e) for e in only],
                [{"KeyMaterialId": id2, "KeyMaterialState": "CURRENT", "ImportState": "IMPORTED",
                  "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", "RotationType": "ON_DEMAND",
                  "has RotationDate": True, "has ValidTo": False}])
        if only:
            self.ok(near(only[0].get("RotationDate"), t_rot), "RotationDate is about now (O-8)",
                    f"rotated at {t_rot.isoformat()}, got {only[0].get('RotationDate')}")
        got = {e.get("KeyMaterialId"): self.entry_view(e)
               for e in self.rotations(key, "ALL_KEY_MATERIAL")}
        self.eq("ListKeyRotations(ALL_KEY_MATERIAL): id1 NON_CURRENT without RotationDate, "
                "id2 CURRENT ON_DEMAND (M-5, L-3)", got,
                {id1: {"KeyMaterialId": id1, "KeyMaterialState": "NON_CURRENT", **base},
                 id2: {"KeyMaterialId": id2, "KeyMaterialState": "CURRENT", **base,
                       "RotationType": "ON_DEMAND", "has RotationDate": True}})

        # T2.4 the T1 ciphertext still decrypts with id1; new ciphertext names id2 (E-5, B-6)
        self.step = "T2.4"
        self.decrypts_old(key, plain1, blob1, id1, "T1.6 ciphertext after the rotation")
        plain2, blob2 = self.round_trip(key, id2, "with id2 current")

        # T2.5 nothing pending (O-5)
        self.step = "T2.5"
        self.expect_error("RotateKeyOnDemand with nothing pending -> KMSInvalidStateException (O-5)",
                          "rotate_key_on_demand", "KMSInvalidStateException",
                          f"No available key material pending rotation for the key: {arn}.",
                          KeyId=key)

        # T2.6 delete the NON_CURRENT id1 -> PendingImport (D-4, E-2); EXISTING re-import of m1
        # with RSA_AES_KEY_WRAP_SHA_256 -> Enabled (I-28, I-29)
        self.step = "T2.6"
        resp = self.call("delete_imported_key_material", KeyId=key, KeyMaterialId=id1)
        self.eq("DeleteImportedKeyMaterial(KeyMaterialId=id1) returns (ARN, id1) (D-3)",
                (resp.get("KeyId"), resp.get("KeyMaterialId")), (arn, id1))
        self.state(key, "NON_CURRENT material deleted (D-4, S-6)", "PendingImport", id2,
                   "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.pending_import_blocks_encrypt(key, "E-2")
        got = {e.get("KeyMaterialId"): (e.get("KeyMaterialState"), e.get("ImportState"),
                                        e.get("ExpirationModel"))
               for e in self.rotations(key, "ALL_KEY_MATERIAL")}
        self.eq("ListKeyRotations(ALL_KEY_MATERIAL): id1 NON_CURRENT PENDING_IMPORT without "
                "ExpirationModel (D-4, M-7)", got,
                {id1: ("NON_CURRENT", "PENDING_IMPORT", None),
                 id2: ("CURRENT", "IMPORTED", "KEY_MATERIAL_DOES_NOT_EXPIRE")})
        resp = self.import_material(key, m1, "RSA_AES_KEY_WRAP_SHA_256", "RSA_3072", 3072,
                                    ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=id1,
                                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.eq("EXISTING_KEY_MATERIAL re-import of m1 (RSA_AES_KEY_WRAP_SHA_256) returns id1 (I-28)",
                resp.get("KeyMaterialId"), id1)
        self.state(key, "every permanently associated material imported again (I-29, S-4)",
                   "Enabled", id2, "KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.decrypts_old(key, plain1, blob1, id1, "T1.6 ciphertext after the re-import")
        self.decrypts_old(key, plain2, blob2, id2, "T2.4 ciphertext after the re-import")

    # --- T4 (ECC_NIST_P256 SIGN_VERIFY) -------------------------------------------------------

    def asymmetric(self):
        self.step = "T4.1"
        md = self.call("create_key", Origin="EXTERNAL", KeySpec="ECC_NIST_P256",
                       KeyUsage="SIGN_VERIFY",
                       Description=f"e2e boto3 P-256 {self.label}")["KeyMetadata"]
        key = md["KeyId"]
        arn = self.arn(key)
        self.eq("CreateKey ECC_NIST_P256 SIGN_VERIFY EXTERNAL: (Arn, KeyState, Enabled, "
                "SigningAlgorithms) (C-5)",
                (md.get("Arn"), md.get("KeyState"), md.get("Enabled"), md.get("SigningAlgorithms")),
                (arn, "PendingImport", False, ["ECDSA_SHA_256"]))
        self.ok("CurrentKeyMaterialId" not in md, "no CurrentKeyMaterialId (C-20)")
        self.expect_error("Sign before the import -> KMSInvalidStateException (A-3)", "sign",
                          "KMSInvalidStateException", f"{arn} is pending import.",
                          KeyId=key, Message=b"m", MessageType="RAW",
                          SigningAlgorithm="ECDSA_SHA_256")

        self.step = "T4.2"
        private_key = ec.generate_private_key(ec.SECP256R1())
        pkcs8 = private_key.private_bytes(serialization.Encoding.DER,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
        resp = self.import_material(key, pkcs8, "RSAES_OAEP_SHA_256", "RSA_2048", 2048,
                                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        self.ok("KeyMaterialId" not in resp, "ImportKeyMaterial on an asymmetric key: no "
                "KeyMaterialId (I-40)", f"got {resp.get('KeyMaterialId')!r}")
        md = self.describe(key)
        self.eq("after the import: (KeyState, Enabled, ExpirationModel) (I-40)",
                (md.get("KeyState"), md.get("Enabled"), md.get("ExpirationModel")),
                ("Enabled", True, "KEY_MATERIAL_DOES_NOT_EXPIRE"))
        self.ok("CurrentKeyMaterialId" not in md, "after the import: still no CurrentKeyMaterialId "
                "(I-40, C-20)")

        spki = private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo)
        gpk = self.call("get_public_key", KeyId=key)
        self.eq("GetPublicKey equals public_bytes(DER, SubjectPublicKeyInfo) (I-42, P-21)",
                gpk.get("PublicKey"), spki)
        self.eq("GetPublicKey (KeyId, KeySpec, KeyUsage, SigningAlgorithms)",
                (gpk.get("KeyId"), gpk.get("KeySpec"), gpk.get("KeyUsage"),
                 gpk.get("SigningAlgorithms")),
                (arn, "ECC_NIST_P256", "SIGN_VERIFY", ["ECDSA_SHA_256"]))

        message = b"signed by kmsim with imported P-256 material " + os.urandom(16)
        sig = self.call("sign", KeyId=key, Message=message, MessageType="RAW",
                        SigningAlgorithm="ECDSA_SHA_256")
        self.eq("Sign returns (KeyId ARN, SigningAlgorithm)",
                (sig.get("KeyId"), sig.get("SigningAlgorithm")), (arn, "ECDSA_SHA_256"))
        try:
            private_key.public_key().verify(sig["Signature"], message, ec.ECDSA(hashes.SHA256()))
            verified = True
        except InvalidSignature:
            verified = False
        self.ok(verified, "the KMS signature verifies with cryptography (A-1, A-2)")
        v = self.call("verify", KeyId=key, Message=message, MessageType="RAW",
                      Signature=sig["Signature"], SigningAlgorithm="ECDSA_SHA_256")
        self.eq("KMS Verify of its own signature", v.get("SignatureValid"), True)
        local_sig = private_key.sign(message, ec.ECDSA(hashes.SHA256()))
        v = self.call("verify", KeyId=key, Message=message, MessageType="RAW",
                      Signature=local_sig, SigningAlgorithm="ECDSA_SHA_256")
        self.eq("KMS Verify of a signature made locally with the imported key (A-1)",
                v.get("SignatureValid"), True)
        self.expect_error("KMS Verify of a bad signature -> KMSInvalidSignatureException (§3.16)",
                          "verify", "KMSInvalidSignatureException", "",
                          KeyId=key, Message=message + b"!", MessageType="RAW",
                          Signature=sig["Signature"], SigningAlgorithm="ECDSA_SHA_256")


# --- T3 (multi-Region BYOK with rotation) ---------------------------------------------------


def admin(gateway, path, body=None):
    """The simulator's admin API (not AWS): GET without a body, POST with a JSON body."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{gateway}{path}", data=data,
                                 method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}")


def epoch(seconds):
    return dt.datetime.fromtimestamp(seconds, UTC)


class MultiRegion:
    """Contract scenario T3 with one boto3 client per Region endpoint: A is the us-east-1
    Region port, B the eu-west-1 Region port. Between a change in one Region and a check in the
    other, POST /_kmsim/bus/drain lets the replication bus deliver (with the runner's delay of 0
    it already has; draining keeps the checks independent of the delay)."""

    CTX = {"purpose": "e2e-boto3"}  # the encryption context Scenario.decrypts_old uses
    DNE = "KEY_MATERIAL_DOES_NOT_EXPIRE"

    def __init__(self, gateway, a, b):
        self.gateway = gateway
        self.a = a
        self.b = b

    def at(self, step):
        self.a.step = self.b.step = step

    def drain(self):
        admin(self.gateway, "/_kmsim/bus/drain", {})

    def sim_now(self):
        """The simulated clock (GET /_kmsim/clock), which every time rule reads."""
        return epoch(admin(self.gateway, "/_kmsim/clock")["now"])

    @staticmethod
    def mrc(md):
        c = md.get("MultiRegionConfiguration") or {}
        return c.get("MultiRegionKeyType"), c.get("PrimaryKey"), c.get("ReplicaKeys") or []

    def materials(self, s, key, what, want):
        """ListKeyRotations(ALL_KEY_MATERIAL) in Region s: {id: (KeyMaterialState, ImportState,
        RotationType, has RotationDate)}."""
        got = {e.get("KeyMaterialId"): (e.get("KeyMaterialState"), e.get("ImportState"),
                                        e.get("RotationType"), "RotationDate" in e)
               for e in s.rotations(key, "ALL_KEY_MATERIAL")}
        s.eq(f"ListKeyRotations(ALL_KEY_MATERIAL) {what}: {{id: (KeyMaterialState, ImportState, "
             f"RotationType, has RotationDate)}}", got, want)

    def import_refused(self, s, key, material, what, code, **extra):
        """Fresh parameters in s's Region, wrap, and an ImportKeyMaterial that must fail."""
        p = s.get_parameters(key, "RSAES_OAEP_SHA_256", "RSA_2048", 2048)
        s.expect_error(what, "import_key_material", code, KeyId=key, ImportToken=p["ImportToken"],
                       EncryptedKeyMaterial=wrap_key_material(p["PublicKey"], material,
                                                              "RSAES_OAEP_SHA_256"),
                       ExpirationModel=self.DNE, **extra)

    def t3(self):
        a, b, dne, ctx = self.a, self.b, self.DNE, self.CTX
        m1, m_other, m3 = (os.urandom(32) for _ in range(3))

        # T3.1 A: CreateKey{Origin: EXTERNAL, MultiRegion: true} (W-40, C-5, S-2)
        self.at("T3.1")
        md = a.call("create_key", Origin="EXTERNAL", MultiRegion=True,
                    Description="e2e boto3 T3 primary")["KeyMetadata"]
        key = md.get("KeyId", "")
        a.must(re.fullmatch(r"mrk-[0-9a-f]{32}", key), "CreateKey MultiRegion=true: KeyId is "
               "mrk- + 32 hex (W-40)", f"got {key!r}")
        arn_a, arn_b = a.arn(key), b.arn(key)
        primary = {"Arn": arn_a, "Region": a.region}
        replica = {"Arn": arn_b, "Region": b.region}
        a.eq("CreateKey: (Arn, KeyState, Enabled, Origin, MultiRegion) (C-5, S-2)",
             (md.get("Arn"), md.get("KeyState"), md.get("Enabled"), md.get("Origin"),
              md.get("MultiRegion")), (arn_a, "PendingImport", False, "EXTERNAL", True))
        a.eq("CreateKey: (MultiRegionKeyType, PrimaryKey, ReplicaKeys)", self.mrc(md),
             ("PRIMARY", primary, []))

        # T3.2 A: ReplicateKey before any import (R-3)
        self.at("T3.2")
        a.expect_error("ReplicateKey of a PendingImport primary -> KMSInvalidStateException (R-3)",
                       "replicate_key", "KMSInvalidStateException", f"{arn_a} is pending import.",
                       KeyId=key, ReplicaRegion=b.region)
        self.drain()
        b.expect_error("the refused ReplicateKey made no replica: B DescribeKey -> NotFoundException",
                       "describe_key", "NotFoundException", f"Key '{arn_b}' does not exist",
                       KeyId=key)

        # T3.3 A: import m1 -> Enabled, id1 (I-22)
        self.at("T3.3")
        resp = a.import_material(key, m1, ExpirationModel=dne)
        id1 = resp.get("KeyMaterialId", "")
        a.must(id1 == material_id(key, m1), "A import of m1: KeyMaterialId id1 = HMAC-SHA256(m1, "
               "key id) (I-22, §6.1)", f"got {id1!r}")
        a.state(key, "A after the import (I-22, S-4)", "Enabled", id1, dne)

        # T3.4 A: ReplicateKey{B} -> Creating in the response; B PendingImport REPLICA (R-4..R-8)
        self.at("T3.4")
        resp = a.call("replicate_key", KeyId=key, ReplicaRegion=b.region,
                      Description="e2e boto3 T3 replica")
        rmd = resp.get("ReplicaKeyMetadata", {})
        r_type, r_primary, r_replicas = self.mrc(rmd)
        a.eq("ReplicateKey ReplicaKeyMetadata: (KeyId, Arn, KeyState, Enabled, Origin, MultiRegion, "
             "MultiRegionKeyType, PrimaryKey) (R-4, R-6)",
             (rmd.get("KeyId"), rmd.get("Arn"), rmd.get("KeyState"), rmd.get("Enabled"),
              rmd.get("Origin"), rmd.get("MultiRegion"), r_type, r_primary),
             (key, arn_b, "Creating", False, "EXTERNAL", True, "REPLICA", primary))
        a.ok(replica in r_replicas, "ReplicateKey ReplicaKeyMetadata: ReplicaKeys contains B (R-6)",
             f"got {r_replicas!r}")
        a.ok("CurrentKeyMaterialId" not in rmd, "ReplicateKey ReplicaKeyMetadata: no "
             "CurrentKeyMaterialId (R-6)", f"got {rmd.get('CurrentKeyMaterialId')!r}")
        a.ok(isinstance(resp.get("ReplicaPolicy"), str) and resp["ReplicaPolicy"].startswith("{"),
             "ReplicateKey ReplicaPolicy is a JSON string (§3.8)", f"got {resp.get('ReplicaPolicy')!r}")
        self.drain()
        md = b.describe(key)
        b.eq("B DescribeKey: (Arn, KeyState, Enabled, Origin, MultiRegion, MultiRegionKeyType, "
             "PrimaryKey, Description) (R-4, R-7)",
             (md.get("Arn"), md.get("KeyState"), md.get("Enabled"), md.get("Origin"),
              md.get("MultiRegion"), *self.mrc(md)[:2], md.get("Description")),
             (arn_b, "PendingImport", False, "EXTERNAL", True, "REPLICA", primary,
              "e2e boto3 T3 replica"))
        b.ok(replica in self.mrc(md)[2], "B DescribeKey: ReplicaKeys contains B (R-8)",
             f"got {self.mrc(md)[2]!r}")
        md = a.describe(key)
        a.eq("A DescribeKey after the replication: (KeyState, ReplicaKeys) (R-8)",
             (md.get("KeyState"), self.mrc(md)[2]), ("Enabled", [replica]))
        self.materials(b, key, "in B: id1 CURRENT, not imported here (R-7, L-4)",
                       {id1: ("CURRENT", "PENDING_IMPORT", None, False)})
        b.pending_import_blocks_encrypt(key, "R-7, E-1")

        # T3.5 B: A's token -> InvalidImportTokenException; other material ->
        # IncorrectKeyMaterialException; m1 without ImportType -> Enabled, id1 (G-8, I-30)
        self.at("T3.5")
        p = a.get_parameters(key, "RSAES_OAEP_SHA_256", "RSA_2048", 2048)
        b.expect_error("B import with an import token issued in A -> InvalidImportTokenException "
                       "(G-8, I-7)", "import_key_material", "InvalidImportTokenException",
                       KeyId=key, ImportToken=p["ImportToken"],
                       EncryptedKeyMaterial=wrap_key_material(p["PublicKey"], m1,
                                                              "RSAES_OAEP_SHA_256"),
                       ExpirationModel=dne)
        self.import_refused(b, key, m_other, "B import of material other than the primary's -> "
                            "IncorrectKeyMaterialException (I-30)", "IncorrectKeyMaterialException")
        md = b.describe(key)
        b.eq("B after the refused imports: (KeyState, Enabled) (I-12)",
             (md.get("KeyState"), md.get("Enabled")), ("PendingImport", False))
        resp = b.import_material(key, m1, ExpirationModel=dne)
        b.eq("B import of m1 without ImportType: KeyMaterialId is A's id1 (I-30, I-32)",
             resp.get("KeyMaterialId"), id1)
        b.state(key, "B after importing m1 (I-29, S-4)", "Enabled", id1, dne)
        self.drain()
        a.state(key, "A after B's import", "Enabled", id1, dne)
        self.materials(b, key, "in B: id1 CURRENT IMPORTED", {id1: ("CURRENT", "IMPORTED", None, False)})

        # T3.6 Encrypt in A, Decrypt in B with and without KeyId (E-6)
        self.at("T3.6")
        plain1 = os.urandom(64)
        enc = a.call("encrypt", KeyId=key, Plaintext=plain1, EncryptionContext=ctx)
        blob1 = enc["CiphertextBlob"]
        a.eq("Encrypt in A returns A's ARN", enc.get("KeyId"), arn_a)
        for how, kwargs in (("without KeyId", {}), ("with KeyId = the mrk- id", {"KeyId": key}),
                            ("with KeyId = B's ARN", {"KeyId": arn_b})):
            dec = b.call("decrypt", CiphertextBlob=blob1, EncryptionContext=ctx, **kwargs)
            b.eq(f"Decrypt in B of A's blob {how}: (Plaintext ok, KeyId, KeyMaterialId) (E-6, E-5)",
                 (dec.get("Plaintext") == plain1, dec.get("KeyId"), dec.get("KeyMaterialId")),
                 (True, arn_b, id1))
        plain_b = os.urandom(48)
        blob_b = b.call("encrypt", KeyId=key, Plaintext=plain_b, EncryptionContext=ctx)["CiphertextBlob"]
        dec = a.call("decrypt", CiphertextBlob=blob_b, EncryptionContext=ctx)
        a.eq("Decrypt in A of B's blob without KeyId: (Plaintext ok, KeyId, KeyMaterialId) (E-6)",
             (dec.get("Plaintext") == plain_b, dec.get("KeyId"), dec.get("KeyMaterialId")),
             (True, arn_a, id1))

        # T3.7 A: NEW m3 -> id3 PENDING_MULTI_REGION_IMPORT_AND_ROTATION; A rotate refused;
        # B NEW refused (I-26, M-3, O-5, I-27)
        self.at("T3.7")
        resp = a.import_material(key, m3, ImportType="NEW_KEY_MATERIAL", ExpirationModel=dne)
        id3 = material_id(key, m3)
        a.must(resp.get("KeyMaterialId") == id3, "A import of m3 with NEW_KEY_MATERIAL: "
               "KeyMaterialId id3 = HMAC-SHA256(m3, key id) (I-26, §6.1)",
               f"want {id3}", f"got  {resp.get('KeyMaterialId')!r}")
        self.drain()
        a.state(key, "A: pending material changes nothing (I-26, S-5)", "Enabled", id1, dne)
        b.state(key, "B: pending material changes nothing (I-26)", "Enabled", id1, dne)
        pmr = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
        self.materials(a, key, "in A: id3 PENDING_MULTI_REGION_IMPORT_AND_ROTATION, imported (I-26, M-3)",
                       {id1: ("CURRENT", "IMPORTED", None, False),
                        id3: (pmr, "IMPORTED", None, False)})
        self.materials(b, key, "in B: id3 PENDING_MULTI_REGION_IMPORT_AND_ROTATION, not imported "
                               "(I-26, M-3, L-4)",
                       {id1: ("CURRENT", "IMPORTED", None, False),
                        id3: (pmr, "PENDING_IMPORT", None, False)})
        a.expect_error("A RotateKeyOnDemand while B lacks id3 -> KMSInvalidStateException (O-5)",
                       "rotate_key_on_demand", "KMSInvalidStateException", KeyId=key)
        self.import_refused(b, key, m3, "B import of m3 with NEW_KEY_MATERIAL -> "
                            "UnsupportedOperationException (I-27)", "UnsupportedOperationException",
                            ImportType="NEW_KEY_MATERIAL")
        self.drain()
        self.materials(b, key, "in B after the refused NEW (I-12)",
                       {id1: ("CURRENT", "IMPORTED", None, False),
                        id3: (pmr, "PENDING_IMPORT", None, False)})

        # T3.8 B: EXISTING m3 with KeyMaterialId=id3 -> PENDING_ROTATION everywhere (I-31, M-4)
        self.at("T3.8")
        resp = b.import_material(key, m3, ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=id3,
                                 ExpirationModel=dne)
        b.eq("B import of m3 with EXISTING_KEY_MATERIAL and KeyMaterialId=id3 returns id3 (I-28, I-31)",
             resp.get("KeyMaterialId"), id3)
        self.drain()
        for s, where in ((a, "A"), (b, "B")):
            self.materials(s, key, f"in {where}: id3 PENDING_ROTATION once every Region holds it "
                                   f"(I-31, M-4, L-4)",
                           {id1: ("CURRENT", "IMPORTED", None, False),
                            id3: ("PENDING_ROTATION", "IMPORTED", None, False)})
            s.state(key, f"{where}: still id1 current", "Enabled", id1, dne)

        # T3.9 B: RotateKeyOnDemand refused; A: RotateKeyOnDemand -> id3 current everywhere
        # (O-4, O-8, M-5, M-10)
        self.at("T3.9")
        b.expect_error("B RotateKeyOnDemand -> UnsupportedOperationException (O-4)",
                       "rotate_key_on_demand", "UnsupportedOperationException", KeyId=key)
        t_rot = self.sim_now()
        resp = a.call("rotate_key_on_demand", KeyId=key)
        a.eq("A RotateKeyOnDemand returns A's ARN (W-45)", resp.get("KeyId"), arn_a)
        deadline = time.monotonic() + 30  # O-10: clients poll CurrentKeyMaterialId
        currents = None
        while time.monotonic() < deadline:
            self.drain()
            currents = (a.describe(key).get("CurrentKeyMaterialId"),
                        b.describe(key).get("CurrentKeyMaterialId"))
            if currents == (id3, id3):
                break
            time.sleep(0.2)
        a.eq("CurrentKeyMaterialId becomes id3 in A and in B (O-8, M-10)", currents, (id3, id3))
        dates = []
        for s, where in ((a, "A"), (b, "B")):
            s.state(key, f"{where} after the rotation", "Enabled", id3, dne)
            self.materials(s, key, f"in {where}: id1 NON_CURRENT, id3 CURRENT ON_DEMAND (M-5, L-3, L-4)",
                           {id1: ("NON_CURRENT", "IMPORTED", None, False),
                            id3: ("CURRENT", "IMPORTED", "ON_DEMAND", True)})
            only = s.rotations(key)
            s.eq(f"ListKeyRotations(default) in {where}: only id3 (L-2)",
                 [e.get("KeyMaterialId") for e in only], [id3])
            dates.append(only[0].get("RotationDate") if only else None)
        a.ok(near(dates[0], t_rot), "RotationDate is about the (simulated) time of the rotation (O-8)",
             f"rotated at {t_rot.isoformat()}, got {dates[0]}")
        a.eq("RotationDate is the same in A and B (§4.5)", dates[1], dates[0])
        plain3, blob3 = a.round_trip(key, id3, "A with id3 current")
        dec = b.call("decrypt", CiphertextBlob=blob3, EncryptionContext=ctx)
        b.eq("Decrypt in B of A's id3 blob: (Plaintext ok, KeyId, KeyMaterialId) (E-5, E-6)",
             (dec.get("Plaintext") == plain3, dec.get("KeyId"), dec.get("KeyMaterialId")),
             (True, arn_b, id3))
        b.decrypts_old(key, plain1, blob1, id1, "Decrypt in B of A's id1 blob after the rotation")

        # T3.10 B: DeleteImportedKeyMaterial (current) -> B PendingImport, A Enabled (D-7)
        self.at("T3.10")
        resp = b.call("delete_imported_key_material", KeyId=key)
        b.eq("B DeleteImportedKeyMaterial returns (B's ARN, id3) (D-3)",
             (resp.get("KeyId"), resp.get("KeyMaterialId")), (arn_b, id3))
        self.drain()
        b.state(key, "B after deleting its copy of the current material (D-7, S-6)",
                "PendingImport", id3, dne)
        a.state(key, "A is not affected (D-7, §4.5)", "Enabled", id3, dne)
        self.materials(b, key, "in B: id3 CURRENT, not imported here (D-7, M-7)",
                       {id1: ("NON_CURRENT", "IMPORTED", None, False),
                        id3: ("CURRENT", "PENDING_IMPORT", "ON_DEMAND", True)})
        self.materials(a, key, "in A: unchanged (D-7)",
                       {id1: ("NON_CURRENT", "IMPORTED", None, False),
                        id3: ("CURRENT", "IMPORTED", "ON_DEMAND", True)})
        a.decrypts_old(key, plain1, blob1, id1, "Decrypt in A of its id1 blob")
        a.decrypts_old(key, plain3, blob3, id3, "Decrypt in A of its id3 blob")
        for blob, which in ((blob1, "id1"), (blob3, "id3")):
            b.expect_error(f"Decrypt in B of A's {which} blob -> KMSInvalidStateException pending "
                           f"import (E-1, E-2)", "decrypt", "KMSInvalidStateException",
                           f"{arn_b} is pending import.", CiphertextBlob=blob, EncryptionContext=ctx)
        b.expect_error("Decrypt in B with KeyId = the mrk- id -> the same (E-1)", "decrypt",
                       "KMSInvalidStateException", f"{arn_b} is pending import.",
                       CiphertextBlob=blob3, EncryptionContext=ctx, KeyId=key)

        # T3.11 A: ScheduleKeyDeletion -> PendingReplicaDeletion; B: ScheduleKeyDeletion(7) and
        # the window elapses -> A PendingDeletion with a DeletionDate, B gone (X-3, X-4, X-6)
        self.at("T3.11")
        resp = a.call("schedule_key_deletion", KeyId=key)
        a.eq("A ScheduleKeyDeletion: (KeyId, KeyState, PendingWindowInDays, has DeletionDate) (X-4)",
             (resp.get("KeyId"), resp.get("KeyState"), resp.get("PendingWindowInDays"),
              "DeletionDate" in resp), (arn_a, "PendingReplicaDeletion", 30, False))
        self.drain()
        md = a.describe(key)
        a.eq("A DescribeKey: (KeyState, Enabled, PendingDeletionWindowInDays, has DeletionDate, "
             "ReplicaKeys) (X-4)",
             (md.get("KeyState"), md.get("Enabled"), md.get("PendingDeletionWindowInDays"),
              "DeletionDate" in md, self.mrc(md)[2]),
             ("PendingReplicaDeletion", False, 30, False, [replica]))
        a.expect_error("Encrypt in A -> KMSInvalidStateException pending deletion (E-1)", "encrypt",
                       "KMSInvalidStateException", f"{arn_a} is pending deletion.",
                       KeyId=key, Plaintext=b"blocked")
        md = b.describe(key)
        b.eq("B is not affected by the primary's schedule (X-7)", md.get("KeyState"), "PendingImport")
        t_sched = self.sim_now()
        resp = b.call("schedule_key_deletion", KeyId=key, PendingWindowInDays=7)
        b.eq("B ScheduleKeyDeletion(7): (KeyId, KeyState, PendingWindowInDays) (X-3)",
             (resp.get("KeyId"), resp.get("KeyState"), resp.get("PendingWindowInDays")),
             (arn_b, "PendingDeletion", 7))
        b.ok(near(resp.get("DeletionDate"), t_sched + dt.timedelta(days=7)),
             "B DeletionDate is about (simulated) now + 7 days (X-3)",
             f"now {t_sched.isoformat()}, got {resp.get('DeletionDate')}")
        self.drain()
        md = a.describe(key)
        a.eq("A while B is only scheduled: (KeyState, has DeletionDate) (X-4)",
             (md.get("KeyState"), "DeletionDate" in md), ("PendingReplicaDeletion", False))
        clock = admin(self.gateway, "/_kmsim/clock/advance", {"seconds": 604801})
        self.drain()
        t_del = epoch(clock["now"])
        md = a.describe(key)
        a.eq("A after B's window elapsed: (KeyState, Enabled, has DeletionDate, ReplicaKeys) "
             "(X-4, X-6, S-11)",
             (md.get("KeyState"), md.get("Enabled"), "DeletionDate" in md, self.mrc(md)[2]),
             ("PendingDeletion", False, True, []))
        a.ok(near(md.get("DeletionDate"), t_del + dt.timedelta(days=30)),
             "A DeletionDate is about the replica's deletion + 30 days (X-4)",
             f"simulated now {t_del.isoformat()}, got {md.get('DeletionDate')}")
        b.expect_error("B DescribeKey after its window -> NotFoundException (X-6, S-13)",
                       "describe_key", "NotFoundException", f"Key '{arn_b}' does not exist",
                       KeyId=key)
        b_keys = {k["KeyId"] for k in b.call("list_keys")["Keys"]}
        b.ok(key not in b_keys, "B ListKeys no longer lists the key (X-6)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gateway", required=True, help="gateway URL (routes by SigV4 Region)")
    ap.add_argument("--region", action="append", default=[], metavar="NAME=URL",
                    help="a Region port; us-east-1 and eu-west-1 are needed")
    ap.add_argument("--account", default="111122223333")
    args = ap.parse_args()
    ports = dict(r.split("=", 1) for r in args.region)

    report = Report()
    targets = [
        ("us-east-1 port", ports["us-east-1"], "us-east-1"),
        ("gateway signing eu-west-1", args.gateway, "eu-west-1"),
    ]
    for label, endpoint, region in targets:
        s = Scenario(report, label, endpoint, region, args.account)
        s.run("T1/T2", s.t1_t2)
        s.run("T4 P-256", s.asymmetric)

    # W-10: the gateway run's keys live in eu-west-1 only.
    eu = Scenario(report, "eu-west-1 port", ports["eu-west-1"], "eu-west-1", args.account)
    us = Scenario(report, "us-east-1 port", ports["us-east-1"], "us-east-1", args.account)

    def isolation():
        eu.step = us.step = "W-10"
        eu_keys = {k["KeyId"] for k in eu.call("list_keys")["Keys"]}
        us_keys = {k["KeyId"] for k in us.call("list_keys")["Keys"]}
        eu.eq("the eu-west-1 port lists the 2 keys made through the gateway", len(eu_keys), 2)
        us.eq("the us-east-1 port lists only its own 2 keys", len(us_keys), 2)
        us.ok(not eu_keys & us_keys, "no key is in both Regions")

    eu.run("W-10", isolation)

    # T3 after the W-10 count: it adds keys to both Regions, and moves the simulated clock.
    a = Scenario(report, "T3 A (us-east-1 port)", ports["us-east-1"], "us-east-1", args.account)
    b = Scenario(report, "T3 B (eu-west-1 port)", ports["eu-west-1"], "eu-west-1", args.account)
    a.run("T3", MultiRegion(args.gateway, a, b).t3)
    status = health(args.gateway)
    report.check(status == 200, "GET /_kmsim/health still answers at the end", f"got {status}")
    return report.summary()


if __name__ == "__main__":
    sys.exit(main())
