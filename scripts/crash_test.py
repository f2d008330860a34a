#!/usr/bin/env python3
"""Crash test of kmsim's durable mode (`kmsim serve --data-dir DIR`), with boto3.

Several worker threads drive mixed traffic against the three Regions of a cluster, each worker
owning its own keys and aliases, so the latest acknowledged state of every object is well
defined: CreateKey (AWS_KMS and EXTERNAL, single- and multi-Region), GetParametersForImport +
ImportKeyMaterial (RSA_AES_KEY_WRAP_SHA_256 / RSAES_OAEP_SHA_256, wrapped with `cryptography`),
ReplicateKey, RotateKeyOnDemand (AWS_KMS keys; NEW_KEY_MATERIAL / EXISTING_KEY_MATERIAL and
rotation for EXTERNAL keys), CreateAlias / UpdateAlias, TagResource, ScheduleKeyDeletion,
Encrypt, and POST /_kmsim/clock/advance. Every acknowledged response updates a model; the one
request in flight per worker when the server dies is "unknown": applied or not, never half.

Each round: traffic for a few seconds, `kill -9` of the server at a moment picked by the round's
seed, restart on the same data dir and configuration (same ports), POST /_kmsim/bus/drain, then
the checks: every key matches its acknowledged state in every Region (state, description,
deletion schedule, tags, multi-Region configuration, materials and their import state,
rotations), no key or alias exists that no request made, aliases point where last acknowledged,
the clock offset is the sum of the acknowledged advances (plus any in flight), every recorded
ciphertext decrypts in every Region that holds its key (with that Region's ARN), and the Regions
of every multi-Region key agree. Import tokens acknowledged before a crash are used after it.
A last round stops the server with SIGTERM instead and checks the same.

"crash seed=N" is printed first; `--seed N` replays a run (thread timing aside). Each check
prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed" (exit status 1 when
M > 0). The server is always stopped on exit.

Usage (scripts/crash-test.sh runs it):
  crash_test.py --bin KMSIM --config FILE --data-dir DIR --log FILE --pid-file FILE
                --gateway URL --region NAME=URL ... [--seed N] [--rounds K] [--workers W]
"""

import argparse
import copy
import ctypes
import hashlib
import hmac
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

DNE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
WRAPPINGS = ("RSA_AES_KEY_WRAP_SHA_256", "RSAES_OAEP_SHA_256")
# The simulated clock moves at most this far in a run: below the 24 h validity of an import
# token and far below the 7-day minimum deletion window, so nothing the workers made expires.
CLOCK_BUDGET = 20 * 3600
MAX_KEYS_PER_WORKER = 36  # in all; keys scheduled for deletion make room for new ones
MAX_LIVE_KEYS_PER_WORKER = 14
MAX_ALIASES_PER_WORKER = 6
MAX_MATERIALS = 12
WILD = object()  # "any value" in an expected view
ALIAS_PREFIX = "alias/crash-"


class Lost(Exception):
    """The server did not answer (killed, or gone)."""


class Unexpected(Exception):
    """A request failed in a way the model did not foresee."""


class Skip(Exception):
    """The bus is held back before a kill: an action that waits for a delivery stops here (the
    model stays consistent; a later action goes on from where it stopped)."""


def material_id(key_id, material):
    """The simulator's KeyMaterialId formula (contract §6.1)."""
    msg = b"aws-kms-key-material-id\x00" + key_id.encode("ascii")
    return hmac.new(material, msg, hashlib.sha256).hexdigest()


def oaep256():
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=None)


def wrap(public_key_der, material, algorithm, rng):
    pub = serialization.load_der_public_key(public_key_der)
    if algorithm == "RSAES_OAEP_SHA_256":
        return pub.encrypt(material, oaep256())
    aes_key = rng.randbytes(32)
    return pub.encrypt(aes_key, oaep256()) + aes_key_wrap_with_padding(aes_key, material)


def err_code(e):
    return e.response.get("Error", {}).get("Code")


def err_text(e):
    err = e.response.get("Error", {})
    return f"{err.get('Code')}: {err.get('Message')}"


# --- the model -------------------------------------------------------------------------------


class Copy:
    """One Region's copy of a key: what is Region-local."""

    def __init__(self, description, tags):
        self.description = description
        self.tags = dict(tags)
        self.deletion = None  # {"window": N, "date": datetime or None (unknown)}
        self.imported = set()  # EXTERNAL: material ids imported in this Region
        self.seen = True  # a replica the worker has seen exist (the bus delivers it later)


class Key:
    def __init__(self, key_id, owner, origin, mr, primary, description, tags, created):
        self.id = key_id
        self.owner = owner
        self.origin = origin
        self.mr = mr
        self.primary = primary
        self.regions = {primary: Copy(description, tags)}
        self.materials = []  # association order; None = an id not learnt yet (AWS_KMS rotation)
        self.current = None  # None with materials = not learnt yet
        self.pending = None  # EXTERNAL: imported NEW_KEY_MATERIAL not rotated to yet
        self.secrets = {}  # EXTERNAL: id -> material
        self.created = created
        self.broken = False  # failed a check: reported once, then left alone

    @property
    def external(self):
        return self.origin == "EXTERNAL"

    def state(self, r):
        c = self.regions[r]
        if c.deletion is not None:
            if self.mr and r == self.primary and len(self.regions) > 1:
                return "PendingReplicaDeletion"
            return "PendingDeletion"
        if not self.external:
            return "Enabled"
        if not self.materials:
            return "PendingImport"
        needed = [m for m in self.materials if m != self.pending]
        return "Enabled" if all(m in c.imported for m in needed) else "PendingImport"

    def usable(self, r):
        return r in self.regions and self.state(r) == "Enabled"

    def ready(self, r):
        """Usable, and known to the worker to exist in Region r."""
        return self.usable(r) and self.regions[r].seen

    def missing(self, r):
        """EXTERNAL: the materials Region r still has to import (pending one last)."""
        c = self.regions[r]
        ms = [m for m in self.materials if m not in c.imported and m != self.pending]
        if self.pending and self.pending not in c.imported:
            ms.append(self.pending)
        return ms

    def material_state(self, m):
        if self.pending is not None and m == self.pending:
            if all(m in c.imported for c in self.regions.values()):
                return "PENDING_ROTATION"
            return "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
        if self.current is None and m is None:
            return WILD
        return "CURRENT" if m == self.current else "NON_CURRENT"

    def expect(self, r):
        """The expected view of Region r's copy (None: must not exist)."""
        c = self.regions.get(r)
        if c is None:
            return None
        mrc = None
        if self.mr:
            mrc = ("REPLICA" if r != self.primary else "PRIMARY", self.primary,
                   tuple(sorted(x for x in self.regions if x != self.primary)))
        deletion = (None, None)
        if c.deletion is not None:
            # DescribeKey: PendingReplicaDeletion shows the window and no date yet,
            # PendingDeletion the date only.
            if self.state(r) == "PendingReplicaDeletion":
                deletion = (c.deletion["window"], None)
            else:
                date = c.deletion["date"]
                deletion = (None, WILD if date is None else date)
        mats = []
        for m in self.materials:
            imp = None
            if self.external:
                imp = "IMPORTED" if m in c.imported else "PENDING_IMPORT"
            mats.append((m, self.material_state(m), imp))
        current = self.current
        if self.materials and (current is None or None in self.materials):
            current = WILD if current is None else current
        return {
            "KeyState": self.state(r),
            "Description": c.description,
            "MultiRegionConfiguration": mrc,
            "CurrentKeyMaterialId": current,
            "Deletion (window, date)": deletion,
            "CreationDate": self.created if r == self.primary and self.created else WILD,
            "Tags": c.tags,
            "materials": mats,
        }

    def view_regions(self, all_regions):
        return list(all_regions) if self.mr else [self.primary]

    def learn(self, observed):
        """Fills what the model did not know (ids of AWS_KMS rotations, dates) from a view
        that matched it."""
        pv = observed.get(self.primary)
        if pv is not None:
            if self.created is None:
                self.created = pv["CreationDate"]
            if None in self.materials or self.current is None:
                known = {m for m in self.materials if m is not None}
                fresh = [m for m, _, _ in pv["materials"] if m not in known]
                self.materials = [m if m is not None else fresh.pop(0) for m in self.materials]
                if self.current is None and self.materials:
                    self.current = pv["CurrentKeyMaterialId"]
        for r, c in self.regions.items():
            v = observed.get(r)
            if c.deletion is not None and c.deletion["date"] is None and v is not None:
                c.deletion["date"] = v["Deletion (window, date)"][1]


def compare(expected, observed):
    """Differences between an expected and an observed view of one copy ([] when they match)."""
    if expected is None or observed is None:
        if expected is None and observed is None:
            return []
        return [f"exists: want {expected is not None}, got {observed is not None}"]
    diffs = []
    for field, want in expected.items():
        got = observed.get(field)
        if field == "materials":
            diffs += compare_materials(want, got)
        elif want is WILD:
            continue
        elif isinstance(want, tuple) and any(w is WILD for w in want):
            if len(want) != len(got or ()) or any(
                    w is not WILD and w != g for w, g in zip(want, got)):
                diffs.append(f"{field}: want {want!r}, got {got!r}")
        elif want != got:
            diffs.append(f"{field}: want {want!r}, got {got!r}")
    return diffs


def compare_materials(want, got):
    got_by_id = {m: (s, i) for m, s, i in got}
    diffs = []
    if len(want) != len(got):
        diffs.append(f"materials: want {len(want)} entries, got {len(got)}: "
                     f"{[(m[:8], s, i) for m, s, i in got]}")
    for m, s, i in want:
        if m is None:
            continue
        g = got_by_id.get(m)
        if g is None:
            diffs.append(f"material {m[:12]}…: missing")
        elif (s is not WILD and g[0] != s) or g[1] != i:
            diffs.append(f"material {m[:12]}…: want ({s}, {i}), got {g}")
    # Entries the model has no id for yet (None) are only counted.
    return diffs


class Cipher:
    __slots__ = ("key_id", "region", "plaintext", "context", "blob")

    def __init__(self, key_id, region, plaintext, context, blob):
        self.key_id, self.region, self.plaintext = key_id, region, plaintext
        self.context, self.blob = context, blob


class Op:
    """A mutating request: the in-flight one is kept when the server dies."""

    def __init__(self, kind, label, key=None, apply=None, **info):
        self.kind = kind  # "key", "create", "alias", "advance"
        self.label = label
        self.key = key
        self.apply = apply
        self.info = info


# --- the world: server, admin API, clients ---------------------------------------------------


def set_pdeathsig():
    """The server dies with this driver, whatever kills it."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort (not Linux)
        pass


class Server:
    def __init__(self, args):
        self.args = args
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        cmd = [self.args.bin, "serve", "--config", self.args.config]
        if not self.args.no_data_dir:
            cmd += ["--data-dir", self.args.data_dir]
        with open(self.args.log, "ab") as log:
            log.write(f"--- crash-test: start #{self.starts}: {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=set_pdeathsig)
        with open(self.args.pid_file, "w") as f:
            f.write(f"{self.proc.pid}\n")
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            if self.proc.poll() is not None:
                return f"kmsim serve exited with status {self.proc.returncode} at start-up"
            try:
                with urllib.request.urlopen(f"{self.args.gateway}/_kmsim/health", timeout=2) as r:
                    if r.status == 200:
                        return None
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(0.05)
        return "GET /_kmsim/health did not answer within 60 s"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def admin(gateway, path, body=None, timeout=60):
    """The admin API. Raises Lost when the server does not answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{gateway}{path}", data=data,
                                 method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raise Unexpected(f"{path}: HTTP {e.code} {e.read()[:200]!r}") from e
    except (OSError, urllib.error.URLError, ConnectionError) as e:
        raise Lost(f"{path}: {e!r}") from e


_SESSION = None
_SESSION_LOCK = threading.Lock()


def make_clients(endpoints):
    """A client per Region, all from one session (its service model is loaded once); the
    clients themselves may be used from any one thread."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session()
        return _make_clients(_SESSION, endpoints)


def _make_clients(session, endpoints):
    cfg = Config(connect_timeout=3, read_timeout=60, retries={"total_max_attempts": 1},
                 max_pool_connections=4)
    return {r: session.client("kms", endpoint_url=url, region_name=r,
                              aws_access_key_id="AKIDCRASHTEST", aws_secret_access_key="crash",
                              config=cfg)
            for r, url in endpoints.items()}


class World:
    def __init__(self, args, endpoints):
        self.args = args
        self.endpoints = endpoints
        self.regions = list(endpoints)
        self.account = args.account
        self.lock = threading.Lock()
        self.clock_acked = 0  # seconds of acknowledged advances
        self.clock_reserved = 0  # acked + in flight (the budget)
        self.last_now = 0.0
        self.holding = threading.Event()  # the bus is held back before a kill
        self.life = 0  # server lives: tokens from an earlier life must still work

    def arn(self, region, key_id):
        return f"arn:aws:kms:{region}:{self.account}:key/{key_id}"


# --- a worker --------------------------------------------------------------------------------


class Worker:
    def __init__(self, world, wid):
        self.w = world
        self.wid = wid
        self.keys = []
        self.aliases = {}  # (region, name) -> key id
        self.ciphers = []
        self.stash = {}  # (key id, region) -> import parameters fetched earlier
        self.inflight = None
        self.errors = []  # unexpected outcomes (strings)
        self.token_checks = [0, []]  # earlier-life tokens used, failures
        self.acked = 0
        self.lost = None
        self.n = itertools.count()
        self.rng = None
        self.clients = None
        self.stop = None

    # --- requests ---

    def fake_loss(self, sent):
        """--fake-kill (debugging the checks without a durable server): once the round is
        stopped, the next request is lost before it is sent or after it was answered."""
        if self.w.args.fake_kill and self.stop is not None and self.stop.is_set():
            if self.rng.random() < 0.5 or sent:
                raise Lost(f"fake kill ({'answer dropped' if sent else 'not sent'})")

    def call(self, region, op_name, op=None, **kw):
        self.inflight = op
        self.fake_loss(False)
        try:
            resp = getattr(self.clients[region], op_name)(**kw)
        except ClientError:
            self.inflight = None
            raise
        except ParamValidationError:
            self.inflight = None
            raise
        except Exception as e:  # noqa: BLE001 - connection refused/reset, timeout: no answer
            raise Lost(f"{op_name} in {region}: {type(e).__name__}: {e}") from e
        self.fake_loss(True)
        self.inflight = None
        resp.pop("ResponseMetadata", None)
        if op is not None:
            self.acked += 1
        return resp

    def mutate(self, key, region, op_name, label, apply, **kw):
        op = Op("key", label, key=key, apply=apply)
        resp = self.call(region, op_name, op, **kw)
        apply(key, resp)
        return resp

    def wait_for(self, what, fn, timeout=10):
        t0 = time.monotonic()
        while True:
            if self.w.holding.is_set():
                raise Skip(what)
            if fn():
                return
            if time.monotonic() - t0 > timeout:
                raise Unexpected(f"{what}: not within {timeout} s")
            time.sleep(0.05)

    def exists(self, region, key_id):
        try:
            self.call(region, "describe_key", KeyId=key_id)
            return True
        except ClientError as e:
            if err_code(e) == "NotFoundException":
                return False
            raise

    def listed_materials(self, region, key_id):
        out, marker = {}, None
        while True:
            kw = {"KeyId": key_id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"}
            if marker:
                kw["Marker"] = marker
            resp = self.call(region, "list_key_rotations", **kw)
            for e in resp.get("Rotations", []):
                out[e["KeyMaterialId"]] = e.get("KeyMaterialState")
            if not resp.get("Truncated"):
                return out
            marker = resp["NextMarker"]

    # --- the round ---

    def round(self, seed, stop):
        self.rng = random.Random(seed)
        self.stop = stop
        self.lost = None
        try:
            while not stop.is_set() or self.w.args.fake_kill:
                self.step()
        except Lost as e:
            self.lost = str(e)
        except Exception as e:  # noqa: BLE001 - a bug here is a failure, not a hang
            here = [f"{f.name}:{f.lineno}" for f in traceback.extract_tb(e.__traceback__)]
            self.errors.append(f"worker {self.wid} stopped: {type(e).__name__}: {e} "
                               f"at {' > '.join(here[-4:])}")

    def step(self):
        rng = self.rng
        choices = []
        live = [k for k in self.keys if not k.broken]
        usable = [(k, r) for k in live for r in k.regions if k.ready(r)]
        not_deleting = [(k, r) for k in live for r, c in k.regions.items()
                        if c.deletion is None and c.seen]
        n_live = sum(1 for k in live if k.regions[k.primary].deletion is None)
        if len(self.keys) < MAX_KEYS_PER_WORKER and n_live < MAX_LIVE_KEYS_PER_WORKER:
            choices.append((3.0, self.act_create, ()))
        if usable:
            choices.append((4.0, self.act_encrypt, (usable,)))
            choices.append((1.5, self.act_alias, (usable,)))
            deletable = [(k, r) for k, r in usable
                         if not (k.external and k.mr and r != k.primary)]
            if len(usable) > 6 and deletable:
                weight = 1.0 if n_live >= MAX_LIVE_KEYS_PER_WORKER - 2 else 0.4
                choices.append((weight, self.act_schedule, (deletable,)))
        if not_deleting:
            choices.append((2.0, self.act_tag, (not_deleting,)))
        rot = [k for k in live if not k.external and k.regions[k.primary].deletion is None
               and len(k.materials) < MAX_MATERIALS]
        if rot:
            choices.append((1.2, self.act_rotate, (rot,)))
        rot_ext = [k for k in live if k.external and k.usable(k.primary)
                   and len(k.materials) < MAX_MATERIALS
                   and all(c.deletion is None and c.seen for c in k.regions.values())]
        if rot_ext:
            choices.append((0.8, self.act_rotate_external, (rot_ext,)))
        repl = [k for k in live if k.mr and k.usable(k.primary)
                and len(k.regions) < len(self.w.regions)]
        if repl:
            choices.append((1.2, self.act_replicate, (repl,)))
        missing = [(k, r) for k in live if k.external for r, c in k.regions.items()
                   if c.deletion is None and c.seen
                   and ((r == k.primary and not k.materials) or (k.materials and k.missing(r)))]
        if missing:
            choices.append((3.0, self.act_import_missing, (missing,)))
        if self.w.clock_reserved + 1800 <= CLOCK_BUDGET:
            choices.append((0.25, self.act_advance, ()))
        total = sum(c[0] for c in choices)
        x = rng.uniform(0, total)
        for weight, fn, a in choices:
            x -= weight
            if x <= 0:
                break
        try:
            fn(*a)
        except ClientError as e:
            self.errors.append(f"{fn.__name__}: unexpected {err_text(e)}")
        except Unexpected as e:
            self.errors.append(f"{fn.__name__}: {e}")
        except Skip:
            time.sleep(0.02)

    # --- actions ---

    def act_create(self):
        rng = self.rng
        r = rng.choice(self.w.regions)
        origin = rng.choice(["AWS_KMS", "AWS_KMS", "EXTERNAL"])
        mr = rng.random() < 0.45
        n = next(self.n)
        desc = f"crash w{self.wid} k{n}"
        tags = {"owner": f"w{self.wid}", "k": str(n)}
        op = Op("create", f"CreateKey {origin} mr={mr} in {r}", region=r, description=desc,
                origin=origin, mr=mr, tags=tags)
        resp = self.call(r, "create_key", op, Description=desc, Origin=origin, MultiRegion=mr,
                         Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])
        md = resp["KeyMetadata"]
        key = Key(md["KeyId"], self.wid, origin, mr, r, desc, tags, md.get("CreationDate"))
        if not key.external:
            key.materials = [md.get("CurrentKeyMaterialId")]
            key.current = key.materials[0]
        self.keys.append(key)
        if md.get("KeyState") != key.state(r):
            raise Unexpected(f"CreateKey: KeyState {md.get('KeyState')}, want {key.state(r)}")
        if key.external:
            self.import_missing(key, r)

    def params(self, key, region):
        """Import parameters: stashed ones (perhaps from before a restart) or fresh ones."""
        p = self.stash.pop((key.id, region), None)
        if p is not None:
            return p
        alg = self.rng.choice(WRAPPINGS)
        resp = self.call(region, "get_parameters_for_import", KeyId=key.id,
                         WrappingAlgorithm=alg, WrappingKeySpec="RSA_2048")
        return {"token": resp["ImportToken"], "public": resp["PublicKey"], "alg": alg,
                "life": self.w.life}

    def do_import(self, key, region, mid, import_type=None):
        material = key.secrets[mid]
        if import_type == "EXISTING_KEY_MATERIAL":
            # The replica learns of the material from the primary's snapshot (bus).
            self.wait_for(f"{region} lists material {mid[:8]} of {key.id}",
                          lambda: mid in self.listed_materials(region, key.id))
        p = self.params(key, region)
        kw = {"KeyId": key.id, "ImportToken": p["token"], "ExpirationModel": DNE,
              "EncryptedKeyMaterial": wrap(p["public"], material, p["alg"], self.rng)}
        if import_type:
            kw["ImportType"] = import_type
        if import_type == "EXISTING_KEY_MATERIAL":
            kw["KeyMaterialId"] = mid

        def apply(k, resp):
            k.regions[region].imported.add(mid)
            if import_type == "NEW_KEY_MATERIAL":
                if mid not in k.materials:
                    k.materials.append(mid)
                k.pending = mid
            elif not k.materials:
                k.materials = [mid]
                k.current = mid

        earlier = p["life"] != self.w.life
        try:
            label = " ".join(x for x in ("ImportKeyMaterial", import_type, key.id) if x)
            resp = self.mutate(key, region, "import_key_material", f"{label} in {region}",
                               apply, **kw)
        except ClientError as e:
            if earlier:
                self.token_checks[1].append(
                    f"{key.id} in {region}: an import token acknowledged before the restart "
                    f"was refused: {err_text(e)}")
                return
            raise
        if earlier:
            self.token_checks[0] += 1
        if resp.get("KeyMaterialId") != mid:
            raise Unexpected(f"ImportKeyMaterial {key.id} in {region}: KeyMaterialId "
                             f"{resp.get('KeyMaterialId')}, want {mid}")
        # Sometimes fetch the parameters of this key's next import now, to use them later
        # (perhaps after a crash: acknowledged import tokens are durable).
        if self.rng.random() < 0.4 and (key.id, region) not in self.stash:
            self.stash[(key.id, region)] = self.params(key, region)

    def import_missing(self, key, region):
        """EXTERNAL: the first material into a primary, or every material the primary has
        into a replica."""
        if region == key.primary and not key.materials:
            m = self.rng.randbytes(32)
            mid = material_id(key.id, m)
            key.secrets[mid] = m
            self.do_import(key, region, mid)
            return
        for mid in key.missing(region):
            if region == key.primary:
                raise Unexpected(f"primary {key.id} lacks its own material {mid[:8]}")
            self.do_import(key, region, mid, "EXISTING_KEY_MATERIAL")

    def act_import_missing(self, missing):
        key, region = self.rng.choice(missing)
        self.import_missing(key, region)

    def act_encrypt(self, usable):
        rng = self.rng
        key, region = rng.choice(usable)
        n = next(self.n)
        pt = rng.randbytes(rng.randint(1, 300))
        ctx = {"worker": str(self.wid), "n": str(n)}
        target = self.w.arn(region, key.id) if rng.random() < 0.5 else key.id
        resp = self.call(region, "encrypt", KeyId=target, Plaintext=pt, EncryptionContext=ctx)
        self.ciphers.append(Cipher(key.id, region, pt, ctx, resp["CiphertextBlob"]))

    def act_tag(self, candidates):
        rng = self.rng
        key, region = rng.choice(candidates)
        n = next(self.n)
        # Two tags in one request: both or neither.
        tags = {f"t{rng.randrange(4)}": f"w{self.wid}-{n}", "gen": str(n)}

        def apply(k, resp):
            k.regions[region].tags.update(tags)

        self.mutate(key, region, "tag_resource", f"TagResource {key.id} in {region}", apply,
                    KeyId=key.id, Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])

    def act_alias(self, usable):
        rng = self.rng
        key, region = rng.choice(usable)
        mine = [name for (r, name) in self.aliases if r == region]
        n = next(self.n)
        if mine and (len(self.aliases) >= MAX_ALIASES_PER_WORKER or rng.random() < 0.6):
            name = rng.choice(mine)
            op_name = "update_alias"
        elif len(self.aliases) < MAX_ALIASES_PER_WORKER:
            name = f"{ALIAS_PREFIX}w{self.wid}-{n}"
            op_name = "create_alias"
        else:
            return
        old = self.aliases.get((region, name))
        what = "UpdateAlias" if op_name == "update_alias" else "CreateAlias"
        op = Op("alias", f"{what} {name} -> {key.id} in {region}", region=region, name=name,
                old=old, new=key.id)
        self.call(region, op_name, op, AliasName=name, TargetKeyId=key.id)
        self.aliases[(region, name)] = key.id

    def act_schedule(self, candidates):
        key, region = self.rng.choice(candidates)
        window = self.rng.randint(7, 30)

        def apply(k, resp):
            k.regions[region].deletion = {"window": window,
                                          "date": (resp or {}).get("DeletionDate")}

        resp = self.mutate(key, region, "schedule_key_deletion",
                           f"ScheduleKeyDeletion {key.id} in {region}", apply, KeyId=key.id,
                           PendingWindowInDays=window)
        if resp.get("KeyState") != key.state(region):
            raise Unexpected(f"ScheduleKeyDeletion {key.id} in {region}: KeyState "
                             f"{resp.get('KeyState')}, want {key.state(region)}")

    def act_rotate(self, keys):
        key = self.rng.choice(keys)

        def apply(k, resp):
            k.materials.append(None)
            k.current = None

        self.mutate(key, key.primary, "rotate_key_on_demand",
                    f"RotateKeyOnDemand {key.id} in {key.primary}", apply, KeyId=key.id)
        md = self.call(key.primary, "describe_key", KeyId=key.id)["KeyMetadata"]
        cur = md.get("CurrentKeyMaterialId")
        if cur in key.materials:
            raise Unexpected(f"RotateKeyOnDemand {key.id}: current material {cur} is not new")
        key.materials[-1] = key.current = cur

    def act_rotate_external(self, keys):
        key = self.rng.choice(keys)
        for r in key.regions:
            if r != key.primary and any(m != key.pending for m in key.missing(r)):
                self.import_missing(key, r)
        if key.pending is None:
            m = self.rng.randbytes(32)
            mid = material_id(key.id, m)
            key.secrets[mid] = m
            self.do_import(key, key.primary, mid, "NEW_KEY_MATERIAL")
        for r in key.regions:
            if key.pending not in key.regions[r].imported:
                self.do_import(key, r, key.pending, "EXISTING_KEY_MATERIAL")
        pending = key.pending
        self.wait_for(f"{key.id}: {pending[:8]} PENDING_ROTATION in {key.primary}",
                      lambda: self.listed_materials(key.primary, key.id).get(pending)
                      == "PENDING_ROTATION")

        def apply(k, resp):
            k.current = k.pending
            k.pending = None

        self.mutate(key, key.primary, "rotate_key_on_demand",
                    f"RotateKeyOnDemand (imported) {key.id} in {key.primary}", apply,
                    KeyId=key.id)

    def act_replicate(self, keys):
        rng = self.rng
        key = rng.choice(keys)
        r = rng.choice([x for x in self.w.regions if x not in key.regions])
        n = next(self.n)
        desc = f"crash w{self.wid} k{n} replica of {key.id} in {r}"
        tags = {"replica": r, "n": str(n)}

        def apply(k, resp):
            k.regions[r] = Copy(desc, tags)
            k.regions[r].seen = False

        self.mutate(key, key.primary, "replicate_key", f"ReplicateKey {key.id} to {r}", apply,
                    KeyId=key.id, ReplicaRegion=r, Description=desc,
                    Tags=[{"TagKey": a, "TagValue": b} for a, b in tags.items()])
        self.wait_for(f"replica of {key.id} in {r}", lambda: self.exists(r, key.id))
        key.regions[r].seen = True
        if key.external:
            self.import_missing(key, r)

    def act_advance(self):
        seconds = self.rng.choice([60, 300, 900, 1800])
        with self.w.lock:
            if self.w.clock_reserved + seconds > CLOCK_BUDGET:
                return
            self.w.clock_reserved += seconds
        self.inflight = Op("advance", f"clock/advance {seconds}", seconds=seconds)
        try:
            self.fake_loss(False)
            resp = admin(self.w.args.gateway, "/_kmsim/clock/advance", {"seconds": seconds})
            self.fake_loss(True)
        except Unexpected:
            self.inflight = None
            raise
        self.inflight = None
        self.acked += 1
        with self.w.lock:
            self.w.clock_acked += seconds
            self.w.last_now = max(self.w.last_now, resp.get("now", 0))


# --- checks ----------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, label, details=()):
        if cond:
            self.passed += 1
            print(f"ok - {label}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {label}", flush=True)
            details = list(details)
            for d in details[:12]:
                for line in str(d).splitlines():
                    print(f"#   {line}", flush=True)
            if len(details) > 12:
                print(f"#   ... and {len(details) - 12} more", flush=True)
        return bool(cond)

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


class Checker:
    """Reads the recovered cluster (several threads, one client set per thread)."""

    def __init__(self, world, workers, report):
        self.w = world
        self.workers = workers
        self.report = report
        self.local = threading.local()
        self.outcomes = []  # what became of each request in flight at the stop

    def client(self, region):
        if getattr(self.local, "clients", None) is None:
            self.local.clients = make_clients(self.w.endpoints)
        return self.local.clients[region]

    def pages(self, region, op, field, **kw):
        out, marker = [], None
        while True:
            if marker:
                kw["Marker"] = marker
            resp = getattr(self.client(region), op)(**kw)
            out += resp.get(field, [])
            if not resp.get("Truncated"):
                return out
            marker = resp["NextMarker"]

    def observe_copy(self, region, key_id):
        try:
            md = self.client(region).describe_key(KeyId=key_id)["KeyMetadata"]
        except ClientError as e:
            if err_code(e) == "NotFoundException":
                return None
            raise
        mrc = None
        if md.get("MultiRegion"):
            c = md.get("MultiRegionConfiguration") or {}
            mrc = (c.get("MultiRegionKeyType"), (c.get("PrimaryKey") or {}).get("Region"),
                   tuple(sorted(x.get("Region") for x in c.get("ReplicaKeys") or [])))
        tags = {t["TagKey"]: t["TagValue"]
                for t in self.pages(region, "list_resource_tags", "Tags", KeyId=key_id)}
        mats = [(e["KeyMaterialId"], e.get("KeyMaterialState"), e.get("ImportState"))
                for e in self.pages(region, "list_key_rotations", "Rotations", KeyId=key_id,
                                    IncludeKeyMaterial="ALL_KEY_MATERIAL")]
        return {
            "KeyState": md.get("KeyState"),
            "Description": md.get("Description"),
            "MultiRegionConfiguration": mrc,
            "CurrentKeyMaterialId": md.get("CurrentKeyMaterialId"),
            "Deletion (window, date)": (md.get("PendingDeletionWindowInDays"),
                                        md.get("DeletionDate")),
            "CreationDate": md.get("CreationDate"),
            "Tags": tags,
            "materials": mats,
        }

    def observe(self, key):
        return {r: self.observe_copy(r, key.id) for r in key.view_regions(self.w.regions)}

    def parallel(self, fn, items):
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(fn, items))

    # --- the checks of one round ---

    def run(self, label, crashed):
        rep = self.report
        inflight = [w.inflight for w in self.workers if w.inflight is not None]
        print(f"# {label}: in flight at the stop: "
              f"{', '.join(op.label for op in inflight) or 'nothing'}", flush=True)
        try:
            admin(self.w.args.gateway, "/_kmsim/bus/drain", {})
            bus = admin(self.w.args.gateway, "/_kmsim/bus")
            queued = {r: n for r, n in (bus.get("queued") or {}).items() if n}
            rep.check(not queued, f"{label}: POST /_kmsim/bus/drain leaves nothing queued",
                      [f"queued: {queued}"])
        except (Lost, Unexpected) as e:
            rep.check(False, f"{label}: POST /_kmsim/bus/drain", [str(e)])
            return False
        self.check_clock(label)
        keys_ok = self.check_keys(label)
        self.check_strays(label)
        self.check_aliases(label)
        self.check_ciphers(label)
        self.check_agreement(label)
        if self.outcomes:
            print(f"# {label}: after the restart: {'; '.join(self.outcomes)}", flush=True)
        for w in self.workers:
            w.inflight = None
        return keys_ok

    def check_clock(self, label):
        w = self.w
        clock = admin(w.args.gateway, "/_kmsim/clock")
        offset = round(clock.get("offsetSeconds", -1))
        flying = [wk.inflight.info["seconds"] for wk in self.workers
                  if wk.inflight is not None and wk.inflight.kind == "advance"]
        allowed = {w.clock_acked + sum(c) for n in range(len(flying) + 1)
                   for c in itertools.combinations(flying, n)}
        self.report.check(offset in allowed,
                          f"{label}: clock offset is the sum of the acknowledged advances "
                          f"({w.clock_acked} s{' + some of ' + str(flying) if flying else ''})",
                          [f"want one of {sorted(allowed)}, got {clock.get('offsetSeconds')}"])
        self.report.check(clock.get("now", 0) >= w.last_now,
                          f"{label}: the simulated clock did not run back",
                          [f"last acknowledged now {w.last_now}, now {clock.get('now')}"])
        if flying and offset in allowed:
            self.outcomes.append(f"clock/advance {flying}: {offset - w.clock_acked} s of "
                                 f"them applied")
        if offset in allowed:
            w.clock_acked = offset
        w.clock_reserved = w.clock_acked
        w.last_now = max(w.last_now, clock.get("now", 0))

    def check_keys(self, label):
        keys = [k for wk in self.workers for k in wk.keys if not k.broken]
        pending = {}
        for wk in self.workers:
            op = wk.inflight
            if op is not None and op.kind == "key":
                pending[op.key.id] = (wk, op)
        observed = self.parallel(self.observe, keys)
        self.observed = dict(zip((k.id for k in keys), observed))
        bad = []
        for key, obs in zip(keys, observed):
            candidates = [key]
            if key.id in pending:
                after = copy.deepcopy(key)
                pending[key.id][1].apply(after, None)
                candidates.append(after)
            results = []
            for cand in candidates:
                diffs = []
                for r in key.view_regions(self.w.regions):
                    diffs += [f"{r}: {d}" for d in compare(cand.expect(r), obs.get(r))]
                results.append(diffs)
            match = next((i for i, d in enumerate(results) if not d), None)
            if match is None:
                what = f"key {key.id} (worker {key.owner}, {key.origin}, " \
                       f"{'multi-Region' if key.mr else 'single-Region'}, primary {key.primary})"
                if len(candidates) == 1:
                    bad.append(what + ":\n  " + "\n  ".join(results[0][:8]))
                else:
                    bad.append(
                        f"{what}; in flight: {pending[key.id][1].label}, found neither "
                        f"applied nor not applied:\n  if not applied:\n    "
                        + "\n    ".join(results[0][:6]) + "\n  if applied:\n    "
                        + "\n    ".join(results[1][:6]))
                # Reported once; later rounds leave this key alone.
                key.broken = True
                continue
            chosen = candidates[match]
            for c in chosen.regions.values():
                c.seen = True  # it exists: the check found it
            if len(candidates) > 1:
                self.outcomes.append(f"{pending[key.id][1].label}: "
                                     f"{'applied' if match else 'not applied'}")
            chosen.learn(obs)
            if chosen is not key:
                owner = pending[key.id][0]
                owner.keys[owner.keys.index(key)] = chosen
        n_copies = sum(1 for o in observed for v in o.values() if v is not None)
        broken = sum(1 for wk in self.workers for k in wk.keys if k.broken) - len(bad)
        return self.report.check(
            not bad, f"{label}: {len(keys)} keys ({n_copies} Region copies) are in their last "
                     f"acknowledged state (state, description, deletion, tags, replicas, "
                     f"materials, rotations)"
                     + (f"; {broken} keys left out after earlier failures" if broken else ""),
            bad)

    def check_strays(self, label):
        """No key exists that no request made; a CreateKey in flight made all of its key or
        nothing."""
        known = {k.id for wk in self.workers for k in wk.keys}
        creates = {}
        for wk in self.workers:
            op = wk.inflight
            if op is not None and op.kind == "create":
                creates[(op.info["region"], op.info["description"])] = (wk, op)
        bad, adopted = [], 0
        for r in self.w.regions:
            ids = [k["KeyId"] for k in self.pages(r, "list_keys", "Keys", Limit=1000)]
            for key_id in ids:
                if key_id in known:
                    continue
                v = self.observe_copy(r, key_id)
                if v is None:
                    continue
                hit = creates.pop((r, v["Description"]), None)
                if hit is None:
                    bad.append(f"{r}: key {key_id} ({v['Description']!r}, {v['KeyState']}) "
                               f"was made by no request")
                    continue
                wk, op = hit
                i = op.info
                key = Key(key_id, wk.wid, i["origin"], i["mr"], r, i["description"], i["tags"],
                          v["CreationDate"])
                if not key.external:
                    key.materials = [v["CurrentKeyMaterialId"]]
                    key.current = key.materials[0]
                diffs = compare(key.expect(r), v)
                if diffs:
                    bad.append(f"{r}: key {key_id} from the in-flight {op.label} is "
                               f"half-made: " + "; ".join(diffs))
                    continue
                wk.keys.append(key)
                self.outcomes.append(f"{op.label}: applied")
                adopted += 1
        self.outcomes += [f"{op.label}: not applied" for _, op in creates.values()]
        self.report.check(not bad, f"{label}: every key in ListKeys was made by an acknowledged "
                                   f"CreateKey or the one in flight ({adopted} adopted)", bad)

    def check_aliases(self, label):
        flying = {}
        for wk in self.workers:
            op = wk.inflight
            if op is not None and op.kind == "alias":
                flying[(op.info["region"], op.info["name"])] = (wk, op)
        bad, n = [], 0
        listed = {}
        for r in self.w.regions:
            for a in self.pages(r, "list_aliases", "Aliases", Limit=100):
                if a["AliasName"].startswith(ALIAS_PREFIX):
                    listed[(r, a["AliasName"])] = a.get("TargetKeyId")
        expected = {}
        for wk in self.workers:
            for k, v in wk.aliases.items():
                expected[k] = (wk, v)
        for k in set(listed) | set(expected) | set(flying):
            got = listed.get(k)
            wk, want = expected.get(k, (None, None))
            allowed = [want]
            if k in flying:
                wk, op = flying[k]
                allowed.append(op.info["new"])
            n += 1
            if got not in allowed:
                bad.append(f"{k[0]} {k[1]}: want target {' or '.join(map(str, allowed))}, "
                           f"got {got}")
            else:
                if k in flying:
                    applied = got == flying[k][1].info["new"] and got != want
                    self.outcomes.append(f"{flying[k][1].label}: " + (
                        "applied" if applied else "not applied (or no change)"))
                if got is not None:
                    wk.aliases[k] = got
        self.report.check(not bad, f"{label}: {n} aliases point where last acknowledged", bad)

    def check_ciphers(self, label):
        by_id = {k.id: k for wk in self.workers for k in wk.keys if not k.broken}
        jobs = []
        for wk in self.workers:
            for c in wk.ciphers:
                key = by_id.get(c.key_id)
                if key is None:
                    continue
                for r in key.regions:
                    if key.usable(r):
                        jobs.append((c, key, r))

        def one(job):
            c, key, r = job
            want_arn = self.w.arn(r, key.id)
            try:
                resp = self.client(r).decrypt(CiphertextBlob=c.blob, KeyId=want_arn,
                                              EncryptionContext=c.context)
            except ClientError as e:
                return f"{key.id}: made in {c.region}, Decrypt in {r}: {err_text(e)}"
            if resp.get("Plaintext") != c.plaintext or resp.get("KeyId") != want_arn:
                return f"{key.id}: made in {c.region}, Decrypt in {r}: wrong plaintext or KeyId"
            if resp.get("KeyMaterialId") not in key.materials:
                return (f"{key.id}: made in {c.region}, Decrypt in {r}: KeyMaterialId "
                        f"{resp.get('KeyMaterialId')} is not one of the key's")
            return None

        bad = [x for x in self.parallel(one, jobs) if x]
        n = sum(len(wk.ciphers) for wk in self.workers)
        self.report.check(not bad, f"{label}: {n} recorded ciphertexts decrypt in every Region "
                                   f"holding their key ({len(jobs)} Decrypts)", bad)

    def check_agreement(self, label):
        bad, n = [], 0
        for wk in self.workers:
            for key in wk.keys:
                if not key.mr or key.broken:
                    continue
                obs = {r: v for r, v in self.observed.get(key.id, {}).items() if v is not None}
                if len(obs) < 2:
                    continue
                n += 1
                views = {r: (v["MultiRegionConfiguration"][1:], v["CurrentKeyMaterialId"],
                             sorted((m, s) for m, s, _ in v["materials"]))
                         for r, v in obs.items()}
                first = next(iter(views.values()))
                if any(v != first for v in views.values()):
                    bad.append(f"{key.id}: " + "; ".join(
                        f"{r}: primary {v[0][0]}, replicas {v[0][1]}, current "
                        f"{(v[1] or '-')[:8]}, materials {[(m[:8], s) for m, s in v[2]]}"
                        for r, v in views.items()))
        self.report.check(not bad, f"{label}: the Regions of {n} multi-Region keys agree "
                                   f"(configuration, current material, materials)", bad)


# --- main ------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--data-dir")
    ap.add_argument("--no-data-dir", action="store_true",
                    help=argparse.SUPPRESS)  # debugging: memory-only server, no kills
    ap.add_argument("--fake-kill", action="store_true",
                    help=argparse.SUPPRESS)  # debugging: --no-data-dir, and each worker's
    # last request is lost (before it is sent or after it was answered) instead of a kill
    ap.add_argument("--log", required=True)
    ap.add_argument("--pid-file", required=True)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--region", action="append", default=[], metavar="NAME=URL")
    ap.add_argument("--account", default="111122223333")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--bus-delay-ms", type=int, default=150,
                    help="the [replication] delay_ms of the configuration")
    args = ap.parse_args()
    if args.fake_kill:
        args.no_data_dir = True
    if not args.no_data_dir and not args.data_dir:
        ap.error("--data-dir is required")
    endpoints = dict(r.split("=", 1) for r in args.region)

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"crash seed={seed}", flush=True)
    master = random.Random(seed)
    round_seeds = [master.randrange(1 << 31) for _ in range(args.rounds)]

    world = World(args, endpoints)
    workers = [Worker(world, i) for i in range(args.workers)]
    report = Report()
    server = Server(args)

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    try:
        problem = server.start()
        mode = "memory only, no kills" if args.no_data_dir else f"--data-dir {args.data_dir}"
        if not report.check(problem is None, f"kmsim serve starts ({mode})", [problem]):
            return report.summary()
        for i, rseed in enumerate(round_seeds, 1):
            rrng = random.Random(rseed)
            label = f"round {i}"
            duration = rrng.uniform(1.0, 3.5)
            print(f"# {label}: seed={rseed}, {len(workers)} workers, kill -9 after "
                  f"{duration:.2f} s", flush=True)
            stop = threading.Event()
            for w in workers:  # fresh connections for the fresh server, before the clock runs
                w.clients = make_clients(endpoints)
            before = sum(w.acked for w in workers)
            threads = [threading.Thread(target=w.round, args=(rrng.randrange(1 << 31), stop),
                                        name=f"worker-{w.wid}", daemon=True) for w in workers]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            # For the last moments before the kill the bus holds every event back, so that
            # acknowledged changes are queued for other Regions when the server dies.
            hold = min(duration / 2, rrng.uniform(0.2, 0.8))
            time.sleep(duration - hold)
            queued = None
            try:
                world.holding.set()
                admin(args.gateway, "/_kmsim/bus/delay", {"milliseconds": 3_600_000})
                time.sleep(hold)
                queued = sum((admin(args.gateway, "/_kmsim/bus").get("queued") or {}).values())
            except (Lost, Unexpected) as e:
                print(f"# {label}: holding the bus back: {e}", flush=True)
            died_alone = not server.alive()
            if args.no_data_dir:
                stop.set()
            else:
                server.kill9()
                stop.set()
            for t in threads:
                t.join(timeout=120)
            world.holding.clear()
            hung = [t.name for t in threads if t.is_alive()]
            acked = sum(w.acked for w in workers) - before
            print(f"# {label}: {acked} acknowledged changes in {time.monotonic() - t0:.1f} s, "
                  f"{queued} replication events queued at the "
                  f"{'stop' if args.no_data_dir else 'kill'}", flush=True)
            report.check(not died_alone, f"{label}: the server ran until it was killed")
            report.check(not hung, f"{label}: every worker stopped", hung)
            errors = [f"worker {w.wid}: {e}" for w in workers for e in w.errors]
            lost_alive = [f"worker {w.wid}: {w.lost}" for w in workers
                          if w.lost and args.no_data_dir and not args.fake_kill]
            for w in workers:
                w.errors = []
            report.check(not errors and not lost_alive,
                         f"{label}: traffic: every request answered as the model expected",
                         errors + lost_alive)
            if hung:
                break
            if not args.no_data_dir:
                world.life += 1
                problem = server.start()
                if not report.check(problem is None,
                                    f"{label}: kmsim serve restarts on the same data dir",
                                    [problem]):
                    break
            t1 = time.monotonic()
            try:  # back to the configured delay (whether or not the server kept the hold)
                admin(args.gateway, "/_kmsim/bus/delay", {"milliseconds": args.bus_delay_ms})
            except (Lost, Unexpected) as e:
                report.check(False, f"{label}: POST /_kmsim/bus/delay", [str(e)])
            Checker(world, workers, report).run(label, crashed=not args.no_data_dir)
            print(f"# {label}: checked in {time.monotonic() - t1:.1f} s", flush=True)
            tokens = sum(w.token_checks[0] for w in workers)
            token_bad = [x for w in workers for x in w.token_checks[1]]
            for w in workers:
                w.token_checks = [0, []]
            if tokens or token_bad:
                report.check(not token_bad, f"{label}: {tokens + len(token_bad)} import tokens "
                                            f"acknowledged before the restart still work",
                             token_bad)
        else:
            if not args.no_data_dir:
                # A clean stop keeps everything too.
                status = server.stop()
                report.check(status == 0, "SIGTERM stops the server cleanly",
                             [f"exit status {status}"])
                world.life += 1
                problem = server.start()
                if report.check(problem is None, "kmsim serve restarts after SIGTERM",
                                [problem]):
                    Checker(world, workers, report).run("after SIGTERM", crashed=False)
        nkeys = sum(len(w.keys) for w in workers)
        nciph = sum(len(w.ciphers) for w in workers)
        print(f"# {nkeys} keys, {nciph} ciphertexts, clock +{world.clock_acked} s, "
              f"{time.monotonic() - started:.0f} s in all", flush=True)
    except Exception as e:  # noqa: BLE001 - a crash of the driver is a failure
        report.check(False, "the crash test ran to its end",
                     [f"{type(e).__name__}: {e}", traceback.format_exc()])
    finally:
        server.stop()
        try:
            os.unlink(args.pid_file)  # stopped: nothing for the shell's cleanup to kill
        except OSError:
            pass
    return report.summary()


if __name__ == "__main__":
    sys.exit(main())
