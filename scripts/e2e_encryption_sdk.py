#!/usr/bin/env python3
"""End-to-end check of kmsim with the AWS Encryption SDK for Python and multi-Region keys.

A two-Region cluster (us-east-1, eu-west-1). boto3 makes a multi-Region symmetric key (origin
AWS_KMS) in us-east-1, replicates it to eu-west-1 and waits for the replica to be Enabled, as a
user of AWS would; it also makes a single-Region key in eu-west-1. Then the AWS Encryption SDK
encrypts a message under the PRIMARY key ARN in us-east-1 and decrypts it with the REPLICA key
ARN in eu-west-1:

  1. Region ports, endpoints given in code. The master key providers get a botocore session
     whose KMS clients go to the kmsim port of their Region (the providers make one client per
     Region from it); the Material Providers Library keyrings get a client supplier doing the
     same. MRKAwareStrictAwsKmsMasterKeyProvider encrypts (primary) and decrypts (replica);
     MRKAwareDiscoveryAwsKmsMasterKeyProvider (discovery Region eu-west-1) decrypts;
     create_aws_kms_mrk_multi_keyring encrypts and decrypts, and decrypts the provider's message
     (and the other way round); create_aws_kms_mrk_discovery_multi_keyring decrypts. Checked: the
     plaintext, the encryption context, the header's one encrypted data key naming the primary
     ARN, and every KMS request the SDK sent (endpoint, SigV4 Region, operation, KeyId, outcome).
     Decrypting with the single-Region key in eu-west-1 (MRK-aware provider and keyring) and with
     the replica through the provider that is not MRK-aware must fail with the SDK's error; with
     the replica disabled, decrypting with it fails (kmsim answers DisabledException) while the
     primary still decrypts.
  2. AWS_ENDPOINT_URL_KMS = the gateway and nothing else: no endpoint in code, default botocore
     sessions and the library's default client supplier; the gateway routes by SigV4 Region.
  3. The recipes the README shows: examples/recipes/encryption_sdk.py (Python, this venv) and
     examples/recipes/endpoint-url.sh (AWS CLI v1, with the test gateway's port for 4600), run
     as they are and their output checked; each is short (35 and 15 lines at most).

Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed", and the
exit status is 1 when M > 0.

Usage (scripts/e2e-encryption-sdk.sh runs it):
  e2e_encryption_sdk.py --gateway URL --region us-east-1=URL --region eu-west-1=URL
      [--account ID] --recipes DIR [--aws-cli-bin DIR] --workdir DIR
"""

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import time
import traceback

import aws_encryption_sdk
import boto3
import botocore.session
from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
from aws_cryptographic_material_providers.mpl.models import (
    CreateAwsKmsMrkDiscoveryMultiKeyringInput,
    CreateAwsKmsMrkMultiKeyringInput,
)
from aws_cryptographic_material_providers.mpl.models import DiscoveryFilter as KeyringFilter
from aws_cryptographic_material_providers.mpl.references import IClientSupplier
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError, DecryptKeyError
from aws_encryption_sdk.key_providers.kms import (
    DiscoveryFilter,
    MRKAwareDiscoveryAwsKmsMasterKeyProvider,
    MRKAwareStrictAwsKmsMasterKeyProvider,
    StrictAwsKmsMasterKeyProvider,
)
from botocore.config import Config
from botocore.exceptions import ClientError

from e2e_report import Report, StepFailed, health  # scripts/e2e_report.py, next to this file

US, EU = "us-east-1", "eu-west-1"
AKID, SECRET = "AKIDE2EESDKTEST", "e2e-dummy-secret"
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30,
                       retries={"total_max_attempts": 1, "mode": "standard"})
# The context the messages carry; the SDK adds aws-crypto-public-key (signing suites).
CONTEXT = {"purpose": "kmsim e2e", "scenario": "mrk primary us-east-1, replica eu-west-1"}
SDK_CONTEXT_KEYS = {"aws-crypto-public-key"}

# The SDK logs every key it could not decrypt with (with a traceback) before it raises; the
# failures the checks expect would bury the report.
logging.getLogger("aws_encryption_sdk").addHandler(logging.NullHandler())
logging.getLogger("aws_encryption_sdk").propagate = False


class Calls:
    """Every KMS request a client sent: (endpoint, SigV4 Region, operation, KeyId, outcome),
    where outcome is "ok" or the error code kmsim answered."""

    def __init__(self):
        self.log = []

    def attach(self, emitter):
        emitter.register("before-send.kms", self._sent)
        emitter.register("after-call.kms", self._answered)

    def _sent(self, request, **_):
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v
                   for k, v in request.headers.items()}
        scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/kms/", headers.get("authorization", ""))
        body = request.body or b"{}"
        try:
            key_id = json.loads(body).get("KeyId")
        except ValueError:
            key_id = "?"
        self.log.append([request.url.rstrip("/"), scope and scope.group(1),
                         headers.get("x-amz-target", "").rpartition(".")[2], key_id, None])

    def _answered(self, http_response, parsed, **_):
        if self.log:
            self.log[-1][4] = (parsed.get("Error", {}).get("Code")
                               if http_response.status_code >= 300 else "ok")

    def take(self):
        out, self.log = [tuple(c) for c in self.log], []
        return out


class RegionPortsSession(botocore.session.Session):
    """A botocore session whose KMS clients go to the kmsim port of their Region, with dummy
    credentials: what the SDK's master key providers are given as botocore_session."""

    def __init__(self, ports, calls):
        super().__init__()
        self.ports = ports
        self.set_credentials(AKID, SECRET)
        calls.attach(self)

    def create_client(self, service_name, region_name=None, *args, **kwargs):
        if service_name == "kms" and kwargs.get("endpoint_url") is None:
            if region_name not in self.ports:
                raise ValueError(f"no kmsim Region port for {region_name!r}")
            kwargs["endpoint_url"] = self.ports[region_name]
            kwargs["config"] = (kwargs.get("config") or Config()).merge(CLIENT_CONFIG)
        return super().create_client(service_name, region_name, *args, **kwargs)


class RegionPortsClients(IClientSupplier):
    """The Material Providers Library's client supplier: a KMS client on the Region's port."""

    def __init__(self, ports, calls):
        self.ports = ports
        self.calls = calls

    def get_client(self, param):
        client = boto3.client("kms", region_name=param.region, endpoint_url=self.ports[param.region],
                              aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                              config=CLIENT_CONFIG)
        self.calls.attach(client.meta.events)
        return client


def kms_client(endpoint, region):
    return boto3.client("kms", region_name=region, endpoint_url=endpoint,
                        aws_access_key_id=AKID, aws_secret_access_key=SECRET, config=CLIENT_CONFIG)


def edk_arns(header):
    return sorted((e.key_provider.provider_id, e.key_provider.key_info.decode())
                  for e in header.encrypted_data_keys)


class Scenario:
    def __init__(self, report, args):
        self.r = report
        self.args = args
        self.ports = dict(r.split("=", 1) for r in args.region)
        self.gateway = args.gateway.rstrip("/")
        self.account = args.account
        self.admin = {region: kms_client(url, region) for region, url in self.ports.items()}
        self.esdk = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        self.mpl = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())
        self.calls = Calls()
        self.primary = self.replica = self.single = None
        self.by_provider = None  # the message the provider encrypted in phase 1
        self.message = os.urandom(10_000)  # three frames (the SDK frames by 4096 bytes)

    # --- helpers ------------------------------------------------------------------------------

    def call(self, region, op, **kwargs):
        try:
            return getattr(self.admin[region], op)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            self.r.must(False, f"boto3 {region} {op} succeeds",
                        f"{err.get('Code')}: {err.get('Message')}")

    def arn_pattern(self, region, mrk):
        key = r"mrk-[0-9a-f]{32}" if mrk else r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
        return rf"arn:aws:kms:{region}:{self.account}:key/{key}"

    def requests(self, label, want):
        """The KMS requests sent since the last look are exactly `want`."""
        return self.r.eq(f"{label}: KMS requests (endpoint, SigV4 Region, operation, KeyId, outcome)",
                         self.calls.take(), want)

    def encrypts(self, label, **kwargs):
        """Encrypts self.message; the header names the primary ARN as its one data key."""
        self.calls.take()
        try:
            ciphertext, header = self.esdk.encrypt(source=self.message, encryption_context=CONTEXT,
                                                   **kwargs)
        except Exception:  # noqa: BLE001
            self.r.must(False, f"{label}: encrypt", traceback.format_exc())
        self.r.check(self.message not in ciphertext, f"{label}: the message is not in the ciphertext")
        self.r.eq(f"{label}: the header's one encrypted data key names the primary ARN",
                  edk_arns(header), [("aws-kms", self.primary)])
        return ciphertext

    def decrypts(self, label, ciphertext, **kwargs):
        """Decrypts to self.message with CONTEXT back in the header."""
        self.calls.take()
        try:
            plaintext, header = self.esdk.decrypt(source=ciphertext, **kwargs)
        except Exception:  # noqa: BLE001
            self.r.check(False, f"{label}: decrypt", traceback.format_exc(),
                         f"KMS requests: {self.calls.log}")
            return False
        ctx = header.encryption_context
        self.r.check(plaintext == self.message, f"{label}: decrypt returns the plaintext",
                     f"got {len(plaintext)} bytes, want {len(self.message)}")
        self.r.check(all(ctx.get(k) == v for k, v in CONTEXT.items())
                     and set(ctx) - set(CONTEXT) <= SDK_CONTEXT_KEYS,
                     f"{label}: the encryption context comes back",
                     f"want {CONTEXT!r} (+ {SDK_CONTEXT_KEYS})",
                     f"got  {ctx!r}")
        return True

    def refuses(self, label, ciphertext, error, **kwargs):
        """Decrypting fails with the SDK's `error`."""
        self.calls.take()
        try:
            self.esdk.decrypt(source=ciphertext, **kwargs)
        except error as e:
            self.r.check(True, f"{label}: decrypt fails with {error.__name__} ({e})")
            return
        except Exception:  # noqa: BLE001
            self.r.check(False, f"{label}: decrypt fails with {error.__name__}", traceback.format_exc())
            return
        self.r.check(False, f"{label}: decrypt fails with {error.__name__}", "but it succeeded",
                     f"KMS requests: {self.calls.log}")

    def mrk_keyring(self, generator, supplier=None):
        return self.mpl.create_aws_kms_mrk_multi_keyring(
            input=CreateAwsKmsMrkMultiKeyringInput(generator=generator, client_supplier=supplier))

    # --- set-up with boto3 --------------------------------------------------------------------

    def keys(self):
        md = self.call(US, "create_key", MultiRegion=True,
                       Description="e2e encryption sdk primary")["KeyMetadata"]
        self.primary = md.get("Arn", "")
        mrc = md.get("MultiRegionConfiguration", {})
        self.r.must(re.fullmatch(self.arn_pattern(US, True), self.primary)
                    and (md.get("MultiRegion"), md.get("Origin"), md.get("KeySpec"),
                         md.get("KeyState"), mrc.get("MultiRegionKeyType"))
                    == (True, "AWS_KMS", "SYMMETRIC_DEFAULT", "Enabled", "PRIMARY"),
                    f"boto3 CreateKey MultiRegion=True in us-east-1: an Enabled AWS_KMS "
                    f"SYMMETRIC_DEFAULT PRIMARY mrk- key ({self.primary})", json.dumps(md, default=str))

        rep = self.call(US, "replicate_key", KeyId=self.primary, ReplicaRegion=EU,
                        Description="e2e encryption sdk replica")["ReplicaKeyMetadata"]
        self.replica = rep.get("Arn", "")
        self.r.must(self.replica == self.primary.replace(f":{US}:", f":{EU}:")
                    and rep.get("KeyState") == "Creating",
                    f"boto3 ReplicateKey to eu-west-1: same key id, Creating ({self.replica})",
                    json.dumps(rep, default=str))
        # As against AWS: wait until the new replica is usable.
        deadline = time.monotonic() + 60
        while True:
            md = self.call(EU, "describe_key", KeyId=self.replica)["KeyMetadata"]
            if md.get("KeyState") != "Creating" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        mrc = md.get("MultiRegionConfiguration", {})
        self.r.must((md.get("KeyState"), mrc.get("MultiRegionKeyType"),
                     mrc.get("PrimaryKey", {}).get("Arn")) == ("Enabled", "REPLICA", self.primary),
                    "boto3 DescribeKey in eu-west-1: the replica is Enabled, REPLICA of the primary",
                    json.dumps(md, default=str))
        md = self.call(US, "describe_key", KeyId=self.primary)["KeyMetadata"]
        self.r.eq("boto3 DescribeKey in us-east-1: the primary lists the replica",
                  md.get("MultiRegionConfiguration", {}).get("ReplicaKeys"),
                  [{"Arn": self.replica, "Region": EU}])

        md = self.call(EU, "create_key", Description="e2e encryption sdk single-Region")["KeyMetadata"]
        self.single = md.get("Arn", "")
        self.r.must(re.fullmatch(self.arn_pattern(EU, False), self.single)
                    and md.get("MultiRegion") is False,
                    f"boto3 CreateKey in eu-west-1: a single-Region key ({self.single})",
                    json.dumps(md, default=str))

    # --- 1. Region ports, endpoints in code ---------------------------------------------------

    def region_ports(self):
        us, eu = self.ports[US], self.ports[EU]
        session = lambda: RegionPortsSession(self.ports, self.calls)  # noqa: E731
        supplier = RegionPortsClients(self.ports, self.calls)
        strict = lambda key: MRKAwareStrictAwsKmsMasterKeyProvider(  # noqa: E731
            key_ids=[key], botocore_session=session())
        GDK = ("GenerateDataKey", self.primary, "ok")
        ON_REPLICA = (eu, EU, "Decrypt", self.replica, "ok")

        label = "ports: MRKAwareStrictAwsKmsMasterKeyProvider(primary) encrypt"
        by_provider = self.by_provider = self.encrypts(label, key_provider=strict(self.primary))
        self.requests(label, [(us, US) + GDK])

        label = "ports: MRKAwareStrictAwsKmsMasterKeyProvider(replica) decrypt"
        if self.decrypts(label, by_provider, key_provider=strict(self.replica)):
            self.requests(label, [ON_REPLICA])

        label = "ports: MRKAwareDiscoveryAwsKmsMasterKeyProvider(eu-west-1) decrypt"
        discovery = MRKAwareDiscoveryAwsKmsMasterKeyProvider(
            discovery_region=EU, botocore_session=session(),
            discovery_filter=DiscoveryFilter(account_ids=[self.account], partition="aws"))
        if self.decrypts(label, by_provider, key_provider=discovery):
            self.requests(label, [ON_REPLICA])

        label = "ports: create_aws_kms_mrk_multi_keyring(primary) encrypt"
        by_keyring = self.encrypts(label, keyring=self.mrk_keyring(self.primary, supplier))
        self.requests(label, [(us, US) + GDK])

        for what, ciphertext, kwargs in [
            ("create_aws_kms_mrk_multi_keyring(replica) decrypt",
             by_keyring, {"keyring": self.mrk_keyring(self.replica, supplier)}),
            ("create_aws_kms_mrk_multi_keyring(replica) decrypts the provider's message",
             by_provider, {"keyring": self.mrk_keyring(self.replica, supplier)}),
            ("MRKAwareStrictAwsKmsMasterKeyProvider(replica) decrypts the keyring's message",
             by_keyring, {"key_provider": strict(self.replica)}),
            ("create_aws_kms_mrk_discovery_multi_keyring([eu-west-1]) decrypt", by_keyring,
             {"keyring": self.mpl.create_aws_kms_mrk_discovery_multi_keyring(
                 input=CreateAwsKmsMrkDiscoveryMultiKeyringInput(
                     regions=[EU], client_supplier=supplier,
                     discovery_filter=KeyringFilter(account_ids=[self.account], partition="aws")))}),
        ]:
            if self.decrypts(f"ports: {what}", ciphertext, **kwargs):
                self.requests(f"ports: {what}", [ON_REPLICA])

        # Refusals by the SDK's multi-Region rules: the single-Region key is a working key.
        label = "ports: the single-Region eu-west-1 key round-trips with the SDK"
        ct, _ = self.esdk.encrypt(source=b"control", key_provider=strict(self.single))
        pt, _ = self.esdk.decrypt(source=ct, key_provider=strict(self.single))
        self.r.eq(label, pt, b"control")
        self.calls.take()
        self.refuses("ports: MRKAwareStrictAwsKmsMasterKeyProvider(single-Region eu-west-1 key)",
                     by_provider, DecryptKeyError, key_provider=strict(self.single))
        self.refuses("ports: create_aws_kms_mrk_multi_keyring(single-Region eu-west-1 key)",
                     by_keyring, AWSEncryptionSDKClientError,
                     keyring=self.mrk_keyring(self.single, supplier))
        self.refuses("ports: StrictAwsKmsMasterKeyProvider (not MRK-aware) with the replica",
                     by_provider, DecryptKeyError,
                     key_provider=StrictAwsKmsMasterKeyProvider(key_ids=[self.replica],
                                                                botocore_session=session()))

        # A refusal by kmsim: the replica disabled in eu-west-1; the primary is not affected.
        self.call(EU, "disable_key", KeyId=self.replica)
        try:
            label = "ports: replica disabled: MRKAwareStrictAwsKmsMasterKeyProvider(replica)"
            self.refuses(label, by_provider, DecryptKeyError, key_provider=strict(self.replica))
            self.r.eq(f"{label}: KMS requests (kmsim answers DisabledException)", self.calls.take(),
                      [(eu, EU, "Decrypt", self.replica, "DisabledException")])
            label = "ports: replica disabled: create_aws_kms_mrk_multi_keyring(replica)"
            self.refuses(label, by_keyring, AWSEncryptionSDKClientError,
                         keyring=self.mrk_keyring(self.replica, supplier))
            self.r.eq(f"{label}: KMS requests (kmsim answers DisabledException)", self.calls.take(),
                      [(eu, EU, "Decrypt", self.replica, "DisabledException")])
            label = "ports: replica disabled: MRKAwareStrictAwsKmsMasterKeyProvider(primary)"
            if self.decrypts(label, by_provider, key_provider=strict(self.primary)):
                self.requests(label, [(us, US, "Decrypt", self.primary, "ok")])
        finally:
            self.call(EU, "enable_key", KeyId=self.replica)

    # --- 2. AWS_ENDPOINT_URL_KMS, no endpoint in code -----------------------------------------

    def endpoint_variable(self):
        gw = self.gateway
        saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL_KMS", "AWS_ACCESS_KEY_ID",
                                                 "AWS_SECRET_ACCESS_KEY", "AWS_MAX_ATTEMPTS")}
        os.environ.update(AWS_ENDPOINT_URL_KMS=gw, AWS_ACCESS_KEY_ID=AKID,
                          AWS_SECRET_ACCESS_KEY=SECRET, AWS_MAX_ATTEMPTS="1")
        try:
            self._endpoint_variable(gw)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def _endpoint_variable(self, gw):
        for region in (US, EU):
            url = boto3.client("kms", region_name=region).meta.endpoint_url
            self.r.eq(f"env: boto3.client('kms', region_name={region!r}) uses AWS_ENDPOINT_URL_KMS",
                      url.rstrip("/"), gw)

        # Default botocore sessions: nothing but the environment.
        label = "env: MRKAwareStrictAwsKmsMasterKeyProvider(primary) encrypt, default session"
        ct = self.encrypts(label, key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(
            key_ids=[self.primary]))
        self.decrypts("env: MRKAwareStrictAwsKmsMasterKeyProvider(replica) decrypt, default session", ct,
                      key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(key_ids=[self.replica]))
        self.decrypts("env: the message decrypts with the replica on the eu-west-1 port too", ct,
                      key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(
                          key_ids=[self.replica],
                          botocore_session=RegionPortsSession(self.ports, self.calls)))
        self.calls.take()

        # The same with a plain session that only records the requests: all to the gateway,
        # signed for the key's Region.
        def recorded():
            s = botocore.session.Session()
            self.calls.attach(s)
            return s

        label = "env: MRKAwareStrictAwsKmsMasterKeyProvider(primary) encrypt, plain session"
        ct = self.encrypts(label, key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(
            key_ids=[self.primary], botocore_session=recorded()))
        self.requests(label, [(gw, US, "GenerateDataKey", self.primary, "ok")])
        label = "env: MRKAwareStrictAwsKmsMasterKeyProvider(replica) decrypt, plain session"
        if self.decrypts(label, ct, key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(
                key_ids=[self.replica], botocore_session=recorded())):
            self.requests(label, [(gw, EU, "Decrypt", self.replica, "ok")])
        label = "env: MRKAwareDiscoveryAwsKmsMasterKeyProvider(eu-west-1) decrypt, plain session"
        discovery = MRKAwareDiscoveryAwsKmsMasterKeyProvider(
            discovery_region=EU, botocore_session=recorded(),
            discovery_filter=DiscoveryFilter(account_ids=[self.account], partition="aws"))
        if self.decrypts(label, self.by_provider or ct, key_provider=discovery):
            self.requests(label, [(gw, EU, "Decrypt", self.replica, "ok")])

        # The Material Providers Library's default client supplier.
        label = "env: create_aws_kms_mrk_multi_keyring(primary) encrypt, default client supplier"
        ct = self.encrypts(label, keyring=self.mrk_keyring(self.primary))
        self.decrypts("env: create_aws_kms_mrk_multi_keyring(replica) decrypt, default client supplier",
                      ct, keyring=self.mrk_keyring(self.replica))
        self.refuses("env: MRKAwareStrictAwsKmsMasterKeyProvider(single-Region eu-west-1 key)", ct,
                     DecryptKeyError,
                     key_provider=MRKAwareStrictAwsKmsMasterKeyProvider(key_ids=[self.single]))

    # --- 3. The recipes -----------------------------------------------------------------------

    def recipe_env(self, **extra):
        """The environment a reader has: nothing of AWS's but this run's isolation."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update(extra)
        return env

    def run_recipe(self, label, cmd, env, max_lines, path):
        with open(path, encoding="utf-8") as f:
            n = len(f.read().splitlines())
        self.r.check(n <= max_lines, f"{label}: {n} lines (at most {max_lines})")
        try:
            p = subprocess.run(cmd, env=env, cwd=self.args.workdir, capture_output=True, text=True,
                               timeout=180, check=False)
        except subprocess.TimeoutExpired:
            self.r.must(False, f"{label}: runs within 180 s")
        self.r.must(p.returncode == 0, f"{label}: exits 0", f"exit status {p.returncode}",
                    f"stdout: {p.stdout}", f"stderr: {p.stderr}")
        self.r.check(not p.stderr.strip(), f"{label}: prints nothing on stderr", p.stderr)
        return p.stdout.splitlines(), p.stderr

    def described(self, label, region, arn, want_type):
        try:
            md = self.admin[region].describe_key(KeyId=arn)["KeyMetadata"]
        except ClientError as e:
            self.r.check(False, label, str(e))
            return
        self.r.eq(label, (md.get("Arn"), md.get("KeyState"),
                          md.get("MultiRegionConfiguration", {}).get("MultiRegionKeyType")),
                  (arn, "Enabled", want_type))

    def recipe_python(self):
        path = os.path.join(self.args.recipes, "encryption_sdk.py")
        label = "recipe encryption_sdk.py"
        out, err = self.run_recipe(label, [sys.executable, path],
                                   self.recipe_env(AWS_ENDPOINT_URL_KMS=self.gateway), 35, path)
        m = len(out) == 1 and re.fullmatch(
            rf"hello from us-east-1 - decrypted in eu-west-1 with ({self.arn_pattern(EU, True)})",
            out[0])
        self.r.must(m, f"{label}: prints the plaintext and the replica ARN", f"stdout: {out}",
                    f"stderr: {err}")
        self.described(f"{label}: its replica is on the eu-west-1 port (DescribeKey)", EU,
                       m.group(1), "REPLICA")
        self.described(f"{label}: its primary is on the us-east-1 port (DescribeKey)", US,
                       m.group(1).replace(f":{EU}:", f":{US}:"), "PRIMARY")

    def recipe_cli(self):
        path = os.path.join(self.args.recipes, "endpoint-url.sh")
        label = "recipe endpoint-url.sh"
        with open(path, encoding="utf-8") as f:
            text = f.read()
        port = self.gateway.rpartition(":")[2]
        self.r.must(text.count("127.0.0.1:4600") == 1,
                    f"{label}: sets the gateway 127.0.0.1:4600 once (replaced by :{port} here)")
        copy = os.path.join(self.args.workdir, "endpoint-url.sh")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text.replace("127.0.0.1:4600", f"127.0.0.1:{port}"))
        env = self.recipe_env()
        if self.args.aws_cli_bin:
            env["PATH"] = self.args.aws_cli_bin + os.pathsep + env.get("PATH", "")
        out, err = self.run_recipe(label, ["bash", copy], env, 15, path)
        self.r.must(len(out) == 2, f"{label}: prints two lines", f"stdout: {out}", f"stderr: {err}")
        for line, region in zip(out, (US, EU)):
            m = re.fullmatch(
                rf"hello from {region} - decrypted with ({self.arn_pattern(region, False)})", line)
            if self.r.check(m, f"{label}: {region}: the message comes back, decrypted with the "
                            f"key made in {region}",
                            f"got {line!r}"):
                self.described(f"{label}: {region}: the key is on the {region} port (DescribeKey)",
                               region, m.group(1), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gateway", required=True, help="gateway URL (routes by SigV4 Region)")
    ap.add_argument("--region", action="append", default=[], metavar="NAME=URL",
                    help="a Region port; us-east-1 and eu-west-1 are needed")
    ap.add_argument("--account", default="111122223333")
    ap.add_argument("--recipes", required=True, help="examples/recipes")
    ap.add_argument("--aws-cli-bin", help="directory with the AWS CLI v1 `aws`, put first on PATH")
    ap.add_argument("--workdir", required=True, help="a scratch directory")
    args = ap.parse_args()
    args.recipes, args.workdir = os.path.abspath(args.recipes), os.path.abspath(args.workdir)

    report = Report()
    s = Scenario(report, args)
    report.run("set-up", s.keys)
    if not s.single:  # the keys are not all there: nothing further can run
        return report.summary()
    report.run("ports", s.region_ports)
    report.run("env", s.endpoint_variable)
    report.run("recipe encryption_sdk.py", s.recipe_python)
    if args.aws_cli_bin is not None:
        report.run("recipe endpoint-url.sh", s.recipe_cli)
    status = health(args.gateway)
    report.check(status == 200, "GET /_kmsim/health still answers at the end", f"got {status}")
    return report.summary()


if __name__ == "__main__":
    sys.exit(main())
