// Multi-Region BYOK against a running kmsim with the AWS SDK for JavaScript v3
// (@aws-sdk/client-kms) and node:crypto: contract scenario T3 (../shared/kms-contract.md §9)
// with the single-Region steps of T1/T2 that it repeats, as a user of AWS's "Importing key
// material" guide writes it in JavaScript. A = us-east-1 (the primary), B = eu-west-1 (the
// replica).
//
//  1. A: CreateKey{Origin: EXTERNAL, MultiRegion: true}; ReplicateKey before any import is
//     refused (R-3: an EXTERNAL primary needs its material before it can be replicated).
//  2. A: GetParametersForImport (RSAES_OAEP_SHA_256, RSA_2048), wrap m1 locally
//     (crypto.publicEncrypt, OAEP with SHA-256 on the DER SPKI PublicKey), ImportKeyMaterial
//     ImportType=NEW_KEY_MATERIAL (the first import) -> Enabled, KeyMaterialId id1.
//  3. A: ReplicateKey to B -> B PendingImport; B: its own parameters, the same m1 -> id1.
//  4. Encrypt in one Region, Decrypt in the other (both ways); GenerateDataKey in B, its
//     CiphertextBlob decrypts in A to the same data key; the blob opens locally with m1.
//  5. A: NEW m2 -> id2 PENDING_MULTI_REGION_IMPORT_AND_ROTATION in both Regions; A
//     RotateKeyOnDemand -> KMSInvalidStateException while B lacks m2; B: EXISTING m2 with
//     KeyMaterialId=id2 -> PENDING_ROTATION; A RotateKeyOnDemand -> id2 current in A and B;
//     ListKeyRotations lists both materials; ciphertext from before the rotation decrypts.
//
// Endpoints: with --endpoint REGION=URL each client gets `endpoint` in code; without it no
// endpoint is given and the SDK must take AWS_ENDPOINT_URL_KMS (kmsim's gateway routes by the
// SigV4 Region). Either way every request's host and SigV4 Region are recorded and checked.
// Credentials come from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
// --admin URL is kmsim's admin API (not AWS): POST /_kmsim/bus/drain lets replication deliver
// before a check in the other Region.
//
// Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed" and the
// exit status is 1 when M > 0.
//
// Usage (scripts/e2e-node.sh runs it):
//   node byok.mjs --label L --admin URL [--account ID] [--endpoint us-east-1=URL --endpoint eu-west-1=URL]

import crypto from "node:crypto";
import http from "node:http";
import util from "node:util";
import * as KMS from "@aws-sdk/client-kms";

const REGION_A = "us-east-1";
const REGION_B = "eu-west-1";
const DNE = "KEY_MATERIAL_DOES_NOT_EXPIRE";
const PMR = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION";
const CTX = { purpose: "e2e-node", "case-Sensitive": "Yes" };
const HEX64 = /^[a-f0-9]{64}$/;

// --- arguments ------------------------------------------------------------------------------

function parseArgs(argv) {
  const out = { label: "node", account: "111122223333", endpoints: {} };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--label") out.label = value;
    else if (flag === "--admin") out.admin = value;
    else if (flag === "--account") out.account = value;
    else if (flag === "--endpoint") {
      const eq = value.indexOf("=");
      out.endpoints[value.slice(0, eq)] = value.slice(eq + 1);
    } else throw new Error(`unknown argument ${flag}`);
  }
  if (!out.admin) throw new Error("--admin URL is required");
  return out;
}

// --- report ---------------------------------------------------------------------------------

class StepFailed extends Error {}

class Report {
  constructor(label) {
    this.label = label;
    this.step = "set-up";
    this.passed = 0;
    this.failed = 0;
  }

  check(cond, what, ...details) {
    const line = `${this.label}: ${this.step}: ${what}`;
    if (cond) {
      this.passed += 1;
      console.log(`ok - ${line}`);
    } else {
      this.failed += 1;
      console.log(`not ok - ${line}`);
      for (const d of details) {
        for (const l of String(d).split("\n")) console.log(`#   ${l}`);
      }
    }
    return Boolean(cond);
  }

  eq(what, got, want) {
    return this.check(util.isDeepStrictEqual(got, want), what, `want ${show(want)}`, `got  ${show(got)}`);
  }

  must(cond, what, ...details) {
    if (!this.check(cond, what, ...details)) throw new StepFailed(what);
  }

  summary() {
    console.log(`${this.passed} passed, ${this.failed} failed`);
    return this.failed ? 1 : 0;
  }
}

function show(v) {
  return util.inspect(v, { depth: 6, breakLength: Infinity, maxArrayLength: 20 });
}

// --- one client per Region ------------------------------------------------------------------

class Region {
  constructor(report, name, endpoint, account) {
    this.r = report;
    this.name = name;
    this.account = account;
    // Every request as sent, after signing: "host:port SigV4-Region".
    this.sent = new Set();
    this.kms = new KMS.KMSClient({
      region: name,
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 60000 },
    });
    this.kms.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request;
        const auth = String(req.headers?.authorization ?? req.headers?.Authorization ?? "");
        const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/kms\/aws4_request/.exec(auth);
        this.sent.add(`${req.hostname}:${req.port} ${scope ? scope[1] : "unsigned"}`);
        return next(args);
      },
      { step: "deserialize", name: "kmsimRecordRequest" },
    );
  }

  arn(keyId) {
    return `arn:aws:kms:${this.name}:${this.account}:key/${keyId}`;
  }

  /** A call that must succeed: an error fails the check and stops the scenario. */
  async call(op, input) {
    try {
      return await this.kms.send(new KMS[`${op}Command`](input));
    } catch (e) {
      if (e instanceof StepFailed) throw e;
      this.r.check(false, `${this.name} ${op} succeeds`, `${e.name}: ${e.message}`);
      throw new StepFailed(`${this.name} ${op}`);
    }
  }

  /** A call that must fail with HTTP 400 and the modelled exception `name` (err.name, and an
   * instance of the SDK's class of that name), with exactly `message` when given. */
  async refused(what, op, input, name, message) {
    let resp;
    try {
      resp = await this.kms.send(new KMS[`${op}Command`](input));
    } catch (e) {
      const status = e.$metadata?.httpStatusCode;
      const cls = KMS[name];
      const good =
        e.name === name &&
        typeof cls === "function" &&
        e instanceof cls &&
        status === 400 &&
        (message === undefined || e.message === message);
      this.r.check(
        good,
        `${this.name}: ${what}`,
        `want HTTP 400 ${name}${message === undefined ? "" : `: ${message}`}`,
        `got  HTTP ${status} ${e.name} (instanceof ${name}: ${typeof cls === "function" && e instanceof cls}): ${e.message}`,
      );
      return e;
    }
    delete resp.$metadata;
    this.r.check(false, `${this.name}: ${what}`, `want ${name}, but ${op} succeeded: ${show(resp)}`);
    return null;
  }

  async describe(keyId) {
    return (await this.call("DescribeKey", { KeyId: keyId })).KeyMetadata;
  }

  /** GetParametersForImport, checked: the PublicKey must load as a 2048-bit RSA SPKI. */
  async parameters(keyId) {
    const t0 = Date.now();
    const p = await this.call("GetParametersForImport", {
      KeyId: keyId,
      WrappingAlgorithm: "RSAES_OAEP_SHA_256",
      WrappingKeySpec: "RSA_2048",
    });
    this.r.eq(`${this.name} GetParametersForImport KeyId is the key ARN (W-45)`, p.KeyId, this.arn(keyId));
    let pub = null;
    try {
      pub = crypto.createPublicKey({ key: Buffer.from(p.PublicKey), format: "der", type: "spki" });
    } catch (e) {
      this.r.check(false, `${this.name} PublicKey loads as DER SPKI (G-3)`, String(e));
    }
    if (pub) {
      const d = pub.asymmetricKeyDetails;
      this.r.eq(
        `${this.name} PublicKey is RSA, 2048 bits, exponent 65537; re-exports byte-identically (G-3)`,
        [pub.asymmetricKeyType, d.modulusLength, d.publicExponent,
          Buffer.from(pub.export({ format: "der", type: "spki" })).equals(Buffer.from(p.PublicKey))],
        ["rsa", 2048, 65537n, true],
      );
    }
    const validTo = p.ParametersValidTo;
    this.r.check(
      validTo instanceof Date && Math.abs(validTo.getTime() - (t0 + 24 * 3600e3)) < 120e3,
      `${this.name} ParametersValidTo is a Date about now + 24 h (G-4)`,
      `got ${show(validTo)}`,
    );
    this.r.must(pub && p.ImportToken?.length > 0, `${this.name} parameters usable (PublicKey, ImportToken)`);
    return { pub, token: p.ImportToken };
  }

  /** Fresh parameters, wrap `material` locally, ImportKeyMaterial. */
  async importMaterial(keyId, material, extra = {}) {
    const { pub, token } = await this.parameters(keyId);
    const resp = await this.call("ImportKeyMaterial", {
      KeyId: keyId,
      ImportToken: token,
      EncryptedKeyMaterial: wrap(pub, material),
      ExpirationModel: DNE,
      ...extra,
    });
    this.r.eq(`${this.name} ImportKeyMaterial KeyId is the key ARN (W-45)`, resp.KeyId, this.arn(keyId));
    return resp;
  }

  /** ListKeyRotations: {KeyMaterialId: [KeyMaterialState, ImportState, RotationType, has RotationDate]}. */
  async materials(keyId, include) {
    const resp = await this.call("ListKeyRotations", { KeyId: keyId, ...(include ? { IncludeKeyMaterial: include } : {}) });
    this.r.eq(`${this.name} ListKeyRotations(${include ?? "default"}) Truncated`, resp.Truncated, false);
    const out = {};
    for (const e of resp.Rotations ?? []) {
      out[e.KeyMaterialId] = [e.KeyMaterialState, e.ImportState, e.RotationType ?? null, e.RotationDate instanceof Date];
    }
    return { map: out, entries: resp.Rotations ?? [] };
  }
}

// --- local crypto ---------------------------------------------------------------------------

/** What AWS's guide has the user do with the PublicKey for RSAES_OAEP_SHA_256. */
function wrap(publicKey, material) {
  return crypto.publicEncrypt(
    { key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    material,
  );
}

/** kmsim's KeyMaterialId formula (contract §6.1; AWS does not publish its own). */
function materialId(keyId, material) {
  const msg = Buffer.concat([Buffer.from("aws-kms-key-material-id\0"), Buffer.from(keyId, "ascii")]);
  return crypto.createHmac("sha256", material).update(msg).digest("hex");
}

/** Opens a kmsim symmetric ciphertext blob with the material (contract §6.2, kmsim's own format:
 * AWS's is not public). Returns {keyId, materialId, plaintext}; throws if GCM fails. */
function openLocally(blob, material, context) {
  const b = Buffer.from(blob);
  if (b[0] !== 0x01) throw new Error(`blob version ${b[0]}`);
  const idLen = b[1];
  const headerLen = 2 + idLen + 32 + 12;
  const keyId = b.subarray(2, 2 + idLen).toString("ascii");
  const mid = b.subarray(2 + idLen, 2 + idLen + 32).toString("hex");
  const nonce = b.subarray(headerLen - 12, headerLen);
  const info = Buffer.concat([Buffer.from("aws-kms-sim-dek"), Buffer.from(keyId, "ascii")]);
  const key = Buffer.from(crypto.hkdfSync("sha256", material, nonce, info, 32));
  const aad = [b.subarray(0, headerLen)];
  const keys = Object.keys(context).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  for (const k of keys) {
    for (const s of [k, context[k]]) {
      const bytes = Buffer.from(s, "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      aad.push(len, bytes);
    }
  }
  const d = crypto.createDecipheriv("aes-256-gcm", key, nonce);
  d.setAAD(Buffer.concat(aad));
  d.setAuthTag(b.subarray(b.length - 16));
  const plaintext = Buffer.concat([d.update(b.subarray(headerLen, b.length - 16)), d.final()]);
  return { keyId, materialId: mid, plaintext };
}

function same(a, b) {
  return a != null && b != null && Buffer.from(a).equals(Buffer.from(b));
}

// --- kmsim's admin API ----------------------------------------------------------------------

function drain(admin) {
  const url = new URL("/_kmsim/bus/drain", admin);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/json" }, timeout: 60000 }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`drain: HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error("drain: timed out")));
    req.on("error", reject);
    req.end("{}");
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the scenario ---------------------------------------------------------------------------

async function scenario(r, a, b, admin) {
  const m1 = crypto.randomBytes(32);
  const m2 = crypto.randomBytes(32);
  const mOther = crypto.randomBytes(32);

  // 1. CreateKey in A; ReplicateKey before the import is refused.
  r.step = "1 create";
  const md = (await a.call("CreateKey", {
    Origin: "EXTERNAL",
    MultiRegion: true,
    Description: `e2e-node ${r.label} primary`,
  })).KeyMetadata;
  const key = md.KeyId;
  r.must(/^mrk-[0-9a-f]{32}$/.test(key ?? ""), "CreateKey MultiRegion=true: KeyId is mrk- + 32 hex (W-40)", `got ${show(key)}`);
  const arnA = a.arn(key);
  const arnB = b.arn(key);
  const primary = { Arn: arnA, Region: REGION_A };
  const replica = { Arn: arnB, Region: REGION_B };
  r.eq(
    "CreateKey: (Arn, KeyState, Enabled, Origin, KeySpec, MultiRegion, MultiRegionKeyType, PrimaryKey) (C-5, S-2)",
    [md.Arn, md.KeyState, md.Enabled, md.Origin, md.KeySpec, md.MultiRegion,
      md.MultiRegionConfiguration?.MultiRegionKeyType, md.MultiRegionConfiguration?.PrimaryKey],
    [arnA, "PendingImport", false, "EXTERNAL", "SYMMETRIC_DEFAULT", true, "PRIMARY", primary],
  );
  r.check(md.CreationDate instanceof Date, "CreateKey: CreationDate parses as a Date", `got ${show(md.CreationDate)}`);
  r.check(!("CurrentKeyMaterialId" in md) || md.CurrentKeyMaterialId === undefined,
    "CreateKey: no CurrentKeyMaterialId before any import (C-5)", `got ${show(md.CurrentKeyMaterialId)}`);
  await a.refused("ReplicateKey of the PendingImport primary -> KMSInvalidStateException (R-3)",
    "ReplicateKey", { KeyId: key, ReplicaRegion: REGION_B }, "KMSInvalidStateException", `${arnA} is pending import.`);
  await a.refused("Encrypt before the import -> KMSInvalidStateException (E-1)",
    "Encrypt", { KeyId: key, Plaintext: Buffer.from("blocked") }, "KMSInvalidStateException", `${arnA} is pending import.`);

  // 2. First import into the primary.
  r.step = "2 import m1 into A";
  const w = await a.parameters(key);
  const wrapped = wrap(w.pub, m1);
  r.eq("publicEncrypt(OAEP, sha256) of 32 bytes gives k = 256 bytes", wrapped.length, 256);
  let resp = await a.call("ImportKeyMaterial", {
    KeyId: key,
    ImportToken: w.token,
    EncryptedKeyMaterial: wrapped,
    ImportType: "NEW_KEY_MATERIAL",
    ExpirationModel: DNE,
  });
  const id1 = resp.KeyMaterialId ?? "";
  r.eq("ImportKeyMaterial KeyId is the key ARN (W-45)", resp.KeyId, arnA);
  r.must(HEX64.test(id1), "ImportKeyMaterial NEW_KEY_MATERIAL (first import) returns a 64-hex KeyMaterialId (I-22)", `got ${show(id1)}`);
  r.eq("id1 = kmsim's HMAC-SHA256(m1, key id) (§6.1)", id1, materialId(key, m1));
  let d = await a.describe(key);
  r.eq("A DescribeKey: (KeyState, Enabled, CurrentKeyMaterialId, ExpirationModel) (I-22, S-4)",
    [d.KeyState, d.Enabled, d.CurrentKeyMaterialId, d.ExpirationModel], ["Enabled", true, id1, DNE]);
  const plain0 = crypto.randomBytes(40);
  const enc0 = await a.call("Encrypt", { KeyId: key, Plaintext: plain0, EncryptionContext: CTX });
  const blob0 = enc0.CiphertextBlob;
  r.eq("Encrypt in A before the replica exists: (KeyId, EncryptionAlgorithm, no KeyMaterialId) (§3.13)",
    [enc0.KeyId, enc0.EncryptionAlgorithm, enc0.KeyMaterialId], [arnA, "SYMMETRIC_DEFAULT", undefined]);

  // 3. Replicate to B; B imports the same material with its own parameters.
  r.step = "3 replicate";
  resp = await a.call("ReplicateKey", { KeyId: key, ReplicaRegion: REGION_B, Description: `e2e-node ${r.label} replica` });
  const rmd = resp.ReplicaKeyMetadata ?? {};
  r.eq("ReplicateKey ReplicaKeyMetadata: (KeyId, Arn, KeyState, Enabled, Origin, MultiRegionKeyType, PrimaryKey) (R-4, R-6)",
    [rmd.KeyId, rmd.Arn, rmd.KeyState, rmd.Enabled, rmd.Origin,
      rmd.MultiRegionConfiguration?.MultiRegionKeyType, rmd.MultiRegionConfiguration?.PrimaryKey],
    [key, arnB, "Creating", false, "EXTERNAL", "REPLICA", primary]);
  r.check(typeof resp.ReplicaPolicy === "string" && resp.ReplicaPolicy.startsWith("{"),
    "ReplicateKey ReplicaPolicy is a JSON string (§3.8)", `got ${show(resp.ReplicaPolicy)}`);
  // A client of AWS polls DescribeKey until the replica has left Creating (R-7).
  let bmd = null;
  const deadline = Date.now() + 30000;
  do {
    await drain(admin);
    bmd = await b.describe(key);
    if (bmd.KeyState !== "Creating") break;
    await sleep(200);
  } while (Date.now() < deadline);
  r.eq("B DescribeKey: (Arn, KeyState, Enabled, Origin, MultiRegionKeyType, PrimaryKey, Description) (R-7)",
    [bmd.Arn, bmd.KeyState, bmd.Enabled, bmd.Origin, bmd.MultiRegionConfiguration?.MultiRegionKeyType,
      bmd.MultiRegionConfiguration?.PrimaryKey, bmd.Description],
    [arnB, "PendingImport", false, "EXTERNAL", "REPLICA", primary, `e2e-node ${r.label} replica`]);
  d = await a.describe(key);
  r.eq("A DescribeKey: ReplicaKeys is [B] (R-8)", d.MultiRegionConfiguration?.ReplicaKeys, [replica]);
  r.eq("B ListKeyRotations(ALL_KEY_MATERIAL): id1 CURRENT, not imported in B (R-7, L-4)",
    (await b.materials(key, "ALL_KEY_MATERIAL")).map, { [id1]: ["CURRENT", "PENDING_IMPORT", null, false] });
  await b.refused("Encrypt in B before its import -> KMSInvalidStateException (E-1)",
    "Encrypt", { KeyId: key, Plaintext: Buffer.from("blocked") }, "KMSInvalidStateException", `${arnB} is pending import.`);
  await b.refused("Decrypt in B of A's blob before B's import -> KMSInvalidStateException (E-1)",
    "Decrypt", { CiphertextBlob: blob0, EncryptionContext: CTX }, "KMSInvalidStateException", `${arnB} is pending import.`);

  r.step = "3 import m1 into B";
  const wa = await a.parameters(key);
  await b.refused("ImportKeyMaterial in B with A's import token -> InvalidImportTokenException (G-8)",
    "ImportKeyMaterial", { KeyId: key, ImportToken: wa.token, EncryptedKeyMaterial: wrap(wa.pub, m1), ExpirationModel: DNE },
    "InvalidImportTokenException");
  const wb = await b.parameters(key);
  await b.refused("ImportKeyMaterial in B of other material -> IncorrectKeyMaterialException (I-30)",
    "ImportKeyMaterial", { KeyId: key, ImportToken: wb.token, EncryptedKeyMaterial: wrap(wb.pub, mOther), ExpirationModel: DNE },
    "IncorrectKeyMaterialException");
  resp = await b.importMaterial(key, m1);
  r.eq("B ImportKeyMaterial of m1 (no ImportType) returns A's id1 (I-30, I-32)", resp.KeyMaterialId, id1);
  d = await b.describe(key);
  r.eq("B DescribeKey: (KeyState, Enabled, CurrentKeyMaterialId, ExpirationModel) (I-29)",
    [d.KeyState, d.Enabled, d.CurrentKeyMaterialId, d.ExpirationModel], ["Enabled", true, id1, DNE]);

  // 4. Cross-Region round trips.
  r.step = "4 cross-Region";
  const plainA = crypto.randomBytes(64);
  const encA = await a.call("Encrypt", { KeyId: key, Plaintext: plainA, EncryptionContext: CTX });
  const blobA = encA.CiphertextBlob;
  let dec = await b.call("Decrypt", { CiphertextBlob: blobA, EncryptionContext: CTX });
  r.eq("Encrypt in A, Decrypt in B without KeyId: (Plaintext ok, KeyId, KeyMaterialId, EncryptionAlgorithm) (E-6, E-5)",
    [same(dec.Plaintext, plainA), dec.KeyId, dec.KeyMaterialId, dec.EncryptionAlgorithm], [true, arnB, id1, "SYMMETRIC_DEFAULT"]);
  dec = await b.call("Decrypt", { CiphertextBlob: blob0, EncryptionContext: CTX, KeyId: key });
  r.eq("A's blob from before the replica existed, Decrypt in B with KeyId=mrk id: (Plaintext ok, KeyId, KeyMaterialId)",
    [same(dec.Plaintext, plain0), dec.KeyId, dec.KeyMaterialId], [true, arnB, id1]);
  await b.refused("Decrypt in B with the wrong encryption context -> InvalidCiphertextException (B-4)",
    "Decrypt", { CiphertextBlob: blobA, EncryptionContext: { ...CTX, "case-Sensitive": "yes" } }, "InvalidCiphertextException");
  const plainB = crypto.randomBytes(48);
  const blobB = (await b.call("Encrypt", { KeyId: arnB, Plaintext: plainB, EncryptionContext: CTX })).CiphertextBlob;
  dec = await a.call("Decrypt", { CiphertextBlob: blobB, EncryptionContext: CTX, KeyId: arnA });
  r.eq("Encrypt in B, Decrypt in A with KeyId=A's ARN: (Plaintext ok, KeyId, KeyMaterialId) (E-6)",
    [same(dec.Plaintext, plainB), dec.KeyId, dec.KeyMaterialId], [true, arnA, id1]);
  const gdk = await b.call("GenerateDataKey", { KeyId: key, KeySpec: "AES_256", EncryptionContext: CTX });
  r.eq("GenerateDataKey AES_256 in B: (Plaintext bytes, KeyId, KeyMaterialId) (E-4)",
    [gdk.Plaintext?.length, gdk.KeyId, gdk.KeyMaterialId], [32, arnB, id1]);
  dec = await a.call("Decrypt", { CiphertextBlob: gdk.CiphertextBlob, EncryptionContext: CTX });
  r.eq("B's GenerateDataKey CiphertextBlob, Decrypt in A: the same data key, (KeyId, KeyMaterialId)",
    [same(dec.Plaintext, gdk.Plaintext), dec.KeyId, dec.KeyMaterialId], [true, arnA, id1]);
  // The data key works as a key: AES-256-GCM with the copy from B, opened with the copy from A.
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", Buffer.from(gdk.Plaintext), iv);
  const sealed = Buffer.concat([c.update("envelope-encrypted with a KMS data key"), c.final()]);
  const dk = crypto.createDecipheriv("aes-256-gcm", Buffer.from(dec.Plaintext), iv);
  dk.setAuthTag(c.getAuthTag());
  r.eq("envelope encryption: sealed with B's data key, opened with the key A decrypted",
    Buffer.concat([dk.update(sealed), dk.final()]).toString(), "envelope-encrypted with a KMS data key");
  for (const [what, blob, plain] of [["A's Encrypt blob", blobA, plainA], ["B's GenerateDataKey blob", gdk.CiphertextBlob, gdk.Plaintext]]) {
    let got;
    try {
      const o = openLocally(blob, m1, CTX);
      got = [o.keyId, o.materialId, same(o.plaintext, plain)];
    } catch (e) {
      got = String(e);
    }
    r.eq(`${what} opens locally with the imported m1 (kmsim's blob format, §6.2): (key id, KeyMaterialId, Plaintext ok)`,
      got, [key, id1, true]);
  }

  // 5. New material: primary first, then the replica, then the rotation.
  r.step = "5 NEW m2 into A";
  resp = await a.importMaterial(key, m2, { ImportType: "NEW_KEY_MATERIAL" });
  const id2 = resp.KeyMaterialId ?? "";
  r.must(HEX64.test(id2) && id2 !== id1, "A ImportKeyMaterial NEW_KEY_MATERIAL returns a new 64-hex KeyMaterialId (I-26)", `got ${show(id2)}`);
  r.eq("id2 = kmsim's HMAC-SHA256(m2, key id) (§6.1)", id2, materialId(key, m2));
  await drain(admin);
  for (const s of [a, b]) {
    d = await s.describe(key);
    r.eq(`${s.name} DescribeKey: pending material changes nothing: (KeyState, CurrentKeyMaterialId) (I-26)`,
      [d.KeyState, d.CurrentKeyMaterialId], ["Enabled", id1]);
  }
  r.eq(`A ListKeyRotations(ALL_KEY_MATERIAL): id1 CURRENT, id2 ${PMR} imported here (I-26, M-3)`,
    (await a.materials(key, "ALL_KEY_MATERIAL")).map,
    { [id1]: ["CURRENT", "IMPORTED", null, false], [id2]: [PMR, "IMPORTED", null, false] });
  r.eq(`B ListKeyRotations(ALL_KEY_MATERIAL): id2 ${PMR}, not imported in B (I-26, M-3, L-4)`,
    (await b.materials(key, "ALL_KEY_MATERIAL")).map,
    { [id1]: ["CURRENT", "IMPORTED", null, false], [id2]: [PMR, "PENDING_IMPORT", null, false] });
  r.eq("ListKeyRotations(default) in A before any rotation is empty (L-2)", (await a.materials(key)).map, {});

  r.step = "5 rotation refused";
  const refusal = await a.refused("RotateKeyOnDemand in A while B lacks id2 -> KMSInvalidStateException (O-5)",
    "RotateKeyOnDemand", { KeyId: key }, "KMSInvalidStateException");
  if (refusal) console.log(`#   (message: ${refusal.message})`);
  await b.refused("RotateKeyOnDemand in the replica B -> UnsupportedOperationException (O-4)",
    "RotateKeyOnDemand", { KeyId: key }, "UnsupportedOperationException");
  const wb2 = await b.parameters(key);
  await b.refused("ImportKeyMaterial NEW_KEY_MATERIAL into the replica -> UnsupportedOperationException (I-27)",
    "ImportKeyMaterial", { KeyId: key, ImportToken: wb2.token, EncryptedKeyMaterial: wrap(wb2.pub, m2), ImportType: "NEW_KEY_MATERIAL", ExpirationModel: DNE },
    "UnsupportedOperationException");
  d = await a.describe(key);
  r.eq("A after the refused rotation: CurrentKeyMaterialId still id1", d.CurrentKeyMaterialId, id1);

  r.step = "5 EXISTING m2 into B";
  resp = await b.importMaterial(key, m2, { ImportType: "EXISTING_KEY_MATERIAL", KeyMaterialId: id2 });
  r.eq("B ImportKeyMaterial EXISTING_KEY_MATERIAL with KeyMaterialId=id2 returns id2 (I-28, I-31)", resp.KeyMaterialId, id2);
  await drain(admin);
  for (const s of [a, b]) {
    r.eq(`${s.name} ListKeyRotations(ALL_KEY_MATERIAL): id2 PENDING_ROTATION once both Regions hold it (I-31, M-4)`,
      (await s.materials(key, "ALL_KEY_MATERIAL")).map,
      { [id1]: ["CURRENT", "IMPORTED", null, false], [id2]: ["PENDING_ROTATION", "IMPORTED", null, false] });
  }

  r.step = "5 rotate";
  const tRot = Date.now();
  resp = await a.call("RotateKeyOnDemand", { KeyId: key });
  r.eq("RotateKeyOnDemand in A returns A's ARN (W-45)", resp.KeyId, arnA);
  // Completion is asynchronous on AWS: poll CurrentKeyMaterialId in both Regions (O-10).
  let currents = null;
  const until = Date.now() + 30000;
  do {
    await drain(admin);
    currents = [(await a.describe(key)).CurrentKeyMaterialId, (await b.describe(key)).CurrentKeyMaterialId];
    if (currents[0] === id2 && currents[1] === id2) break;
    await sleep(200);
  } while (Date.now() < until);
  r.eq("CurrentKeyMaterialId is id2 in A and in B (O-8, M-10)", currents, [id2, id2]);
  const dates = [];
  for (const s of [a, b]) {
    d = await s.describe(key);
    r.eq(`${s.name} DescribeKey after the rotation: (KeyState, Enabled, CurrentKeyMaterialId)`,
      [d.KeyState, d.Enabled, d.CurrentKeyMaterialId], ["Enabled", true, id2]);
    r.eq(`${s.name} ListKeyRotations(ALL_KEY_MATERIAL): id1 NON_CURRENT, id2 CURRENT ON_DEMAND (M-5, L-3, L-4)`,
      (await s.materials(key, "ALL_KEY_MATERIAL")).map,
      { [id1]: ["NON_CURRENT", "IMPORTED", null, false], [id2]: ["CURRENT", "IMPORTED", "ON_DEMAND", true] });
    const only = await s.materials(key);
    r.eq(`${s.name} ListKeyRotations(default): only id2 (L-2)`, Object.keys(only.map), [id2]);
    r.eq(`${s.name} RotationsListEntry KeyId is the bare key id`, only.entries.map((e) => e.KeyId), [key]);
    dates.push(only.entries[0]?.RotationDate);
  }
  r.check(dates[0] instanceof Date && Math.abs(dates[0].getTime() - tRot) < 120e3,
    "RotationDate is a Date about the time of the rotation (O-8)", `rotated at ${new Date(tRot).toISOString()}, got ${show(dates[0])}`);
  r.eq("RotationDate is the same in A and B (§4.5)", dates[1]?.getTime(), dates[0]?.getTime());

  r.step = "5 after the rotation";
  for (const [what, s, blob, plain] of [
    ["A's blob from before the replica existed, Decrypt in A", a, blob0, plain0],
    ["A's pre-rotation blob, Decrypt in B", b, blobA, plainA],
    ["B's pre-rotation blob, Decrypt in B", b, blobB, plainB],
    ["B's pre-rotation data key, Decrypt in A", a, gdk.CiphertextBlob, gdk.Plaintext],
  ]) {
    dec = await s.call("Decrypt", { CiphertextBlob: blob, EncryptionContext: CTX });
    r.eq(`${what}: (Plaintext ok, KeyId, KeyMaterialId) (E-5, B-3)`,
      [same(dec.Plaintext, plain), dec.KeyId, dec.KeyMaterialId], [true, s.arn(key), id1]);
  }
  const plain2 = crypto.randomBytes(32);
  const blob2 = (await b.call("Encrypt", { KeyId: key, Plaintext: plain2, EncryptionContext: CTX })).CiphertextBlob;
  dec = await a.call("Decrypt", { CiphertextBlob: blob2, EncryptionContext: CTX });
  r.eq("Encrypt in B after the rotation, Decrypt in A: (Plaintext ok, KeyId, KeyMaterialId) (B-6)",
    [same(dec.Plaintext, plain2), dec.KeyId, dec.KeyMaterialId], [true, arnA, id2]);
  let local;
  try {
    const o = openLocally(blob2, m2, CTX);
    local = [o.keyId, o.materialId, same(o.plaintext, plain2)];
  } catch (e) {
    local = String(e);
  }
  r.eq("B's post-rotation blob opens locally with m2 (kmsim's blob format, §6.2): (key id, KeyMaterialId, Plaintext ok)",
    local, [key, id2, true]);
  const gdk2 = await a.call("GenerateDataKey", { KeyId: key, NumberOfBytes: 64 });
  dec = await b.call("Decrypt", { CiphertextBlob: gdk2.CiphertextBlob });
  r.eq("GenerateDataKey(64 bytes) in A after the rotation, Decrypt in B: (bytes, same key, KeyMaterialId in A, in B)",
    [gdk2.Plaintext?.length, same(dec.Plaintext, gdk2.Plaintext), gdk2.KeyMaterialId, dec.KeyMaterialId], [64, true, id2, id2]);
  return key;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const r = new Report(args.label);
  const viaEnv = Object.keys(args.endpoints).length === 0;
  let expectHost;
  if (viaEnv) {
    const env = process.env.AWS_ENDPOINT_URL_KMS;
    if (!env) {
      r.check(false, "AWS_ENDPOINT_URL_KMS is set (no --endpoint given)");
      return r.summary();
    }
    const u = new URL(env);
    expectHost = () => `${u.hostname}:${u.port}`;
  } else {
    expectHost = (region) => {
      const u = new URL(args.endpoints[region]);
      return `${u.hostname}:${u.port}`;
    };
  }
  const a = new Region(r, REGION_A, args.endpoints[REGION_A], args.account);
  const b = new Region(r, REGION_B, args.endpoints[REGION_B], args.account);
  try {
    await scenario(r, a, b, args.admin);
  } catch (e) {
    if (e instanceof StepFailed) {
      r.check(false, `stopped after a failed step (${e.message})`);
    } else {
      r.check(false, "stopped on an unexpected error", e?.stack ?? String(e));
    }
  }
  r.step = "endpoints";
  for (const s of [a, b]) {
    r.eq(`every ${s.name} request went to ${viaEnv ? "AWS_ENDPOINT_URL_KMS" : "its endpoint"} signed for ${s.name}`,
      [...s.sent], [`${expectHost(s.name)} ${s.name}`]);
  }
  return r.summary();
}

process.exitCode = await main();
