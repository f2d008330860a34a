//! The client side of BYOK (contract §5): wraps key material for ImportKeyMaterial with
//! independent RustCrypto crates (rsa, aes-kw, sha1/sha2), never the server's code, plus the
//! GetParametersForImport → wrap → ImportKeyMaterial round trip the import tests share (with
//! the NEW/EXISTING shorthands of the rotation and multi-Region tests), and client-generated
//! private keys to import.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aes_kw::KekAes256;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::get_parameters_for_import::{
    GetParametersForImportError, GetParametersForImportOutput,
};
use aws_sdk_kms::operation::import_key_material::builders::ImportKeyMaterialFluentBuilder;
use aws_sdk_kms::operation::import_key_material::{
    ImportKeyMaterialError, ImportKeyMaterialOutput,
};
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{AlgorithmSpec, ExpirationModelType, ImportType, WrappingKeySpec};
use aws_sdk_kms::Client;
use rand::rngs::OsRng;
use rand::RngCore;
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey};
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};

/// What [`import_material`] returns: the SDK's own result, so tests can assert errors.
pub type ImportResult = Result<ImportKeyMaterialOutput, SdkError<ImportKeyMaterialError>>;

/// Every `WrappingAlgorithm` AWS accepts today (§5.1; RSAES_PKCS1_V1_5 is withdrawn, G-6).
pub const ALGORITHMS: [&str; 4] = [
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
];

/// Every RSA `WrappingKeySpec` (G-3).
pub const SPECS: [&str; 3] = ["RSA_2048", "RSA_3072", "RSA_4096"];

/// The wrapping most imports use where the wrapping itself is not under test.
pub const OAEP_256: &str = "RSAES_OAEP_SHA_256";
/// The wrapping key spec most imports use.
pub const RSA_2048: &str = "RSA_2048";

/// The OAEP padding of a wrapping algorithm: MGF1 with the same hash, empty label (§5.1).
fn oaep_for(algorithm: &str) -> Oaep {
    match algorithm {
        "RSAES_OAEP_SHA_1" | "RSA_AES_KEY_WRAP_SHA_1" => Oaep::new::<sha1::Sha1>(),
        "RSAES_OAEP_SHA_256" | "RSA_AES_KEY_WRAP_SHA_256" => Oaep::new::<sha2::Sha256>(),
        other => panic!("no client-side wrapping for {other}"),
    }
}

/// Parses the `PublicKey` of GetParametersForImport: DER SubjectPublicKeyInfo (G-3, P-20).
pub fn wrapping_public_key(public_key_der: &[u8]) -> RsaPublicKey {
    RsaPublicKey::from_public_key_der(public_key_der).expect("PublicKey is a DER RSA SPKI")
}

/// RSA-OAEP of `data` under an SPKI, or the rsa crate's error (e.g. a message too long for
/// the modulus, §5.2).
pub fn oaep_encrypt(
    public_key_der: &[u8],
    algorithm: &str,
    data: &[u8],
) -> Result<Vec<u8>, rsa::Error> {
    wrapping_public_key(public_key_der).encrypt(&mut OsRng, oaep_for(algorithm), data)
}

/// §5.1: wraps `material` under the wrapping public key. `RSAES_OAEP_*` is plain OAEP;
/// `RSA_AES_KEY_WRAP_*` is OAEP(random 256-bit AES key) ‖ RFC 5649 KWP(material).
pub fn wrap(public_key_der: &[u8], algorithm: &str, material: &[u8]) -> Vec<u8> {
    match algorithm {
        "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" => {
            oaep_encrypt(public_key_der, algorithm, material).expect("OAEP wrap")
        }
        "RSA_AES_KEY_WRAP_SHA_1" | "RSA_AES_KEY_WRAP_SHA_256" => {
            let mut aes_key = [0u8; 32];
            OsRng.fill_bytes(&mut aes_key);
            let mut out = oaep_encrypt(public_key_der, algorithm, &aes_key).expect("OAEP of K");
            let kwp = KekAes256::from(aes_key)
                .wrap_with_padding_vec(material)
                .expect("RFC 5649 wrap");
            out.extend_from_slice(&kwp);
            out
        }
        other => panic!("no client-side wrapping for {other}"),
    }
}

/// What [`request_params`] returns: the SDK's own result, so tests can assert errors.
pub type ParamsResult = Result<GetParametersForImportOutput, SdkError<GetParametersForImportError>>;

/// GetParametersForImport with `algorithm` and `spec`, as the server answers it.
pub async fn request_params(
    client: &Client,
    key_id: &str,
    algorithm: &str,
    spec: &str,
) -> ParamsResult {
    client
        .get_parameters_for_import()
        .key_id(key_id)
        .wrapping_algorithm(AlgorithmSpec::from(algorithm))
        .wrapping_key_spec(WrappingKeySpec::from(spec))
        .send()
        .await
}

/// GetParametersForImport, unwrapped.
pub async fn get_params(
    client: &Client,
    key_id: &str,
    algorithm: &str,
    spec: &str,
) -> GetParametersForImportOutput {
    request_params(client, key_id, algorithm, spec)
        .await
        .expect("GetParametersForImport")
}

/// GetParametersForImport + [`wrap`] + ImportKeyMaterial. `expiration: None` imports with
/// `KEY_MATERIAL_DOES_NOT_EXPIRE`; `Some(t)` with `KEY_MATERIAL_EXPIRES` and `ValidTo = t`.
pub async fn import_material(
    client: &Client,
    key_id: &str,
    material: &[u8],
    algorithm: &str,
    spec: &str,
    expiration: Option<DateTime>,
) -> ImportResult {
    import_with(
        client,
        key_id,
        material,
        algorithm,
        spec,
        |b| match expiration {
            None => b.expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire),
            Some(t) => b
                .expiration_model(ExpirationModelType::KeyMaterialExpires)
                .valid_to(t),
        },
    )
    .await
}

/// Like [`import_material`], but `customize` sets every optional member itself (expiry,
/// `ImportType`, `KeyMaterialId`, `KeyMaterialDescription`); nothing is set by default.
pub async fn import_with(
    client: &Client,
    key_id: &str,
    material: &[u8],
    algorithm: &str,
    spec: &str,
    customize: impl FnOnce(ImportKeyMaterialFluentBuilder) -> ImportKeyMaterialFluentBuilder,
) -> ImportResult {
    let params = get_params(client, key_id, algorithm, spec).await;
    let public_key = params.public_key().expect("PublicKey").as_ref();
    let wrapped = wrap(public_key, algorithm, material);
    let token = params.import_token().expect("ImportToken").clone();
    customize(
        client
            .import_key_material()
            .key_id(key_id)
            .import_token(token)
            .encrypted_key_material(Blob::new(wrapped)),
    )
    .send()
    .await
}

/// ImportKeyMaterial of `material` under [`OAEP_256`]/[`RSA_2048`] with `import_type` (None:
/// the member is left out), DOES_NOT_EXPIRE.
pub async fn import_as(
    client: &Client,
    key_id: &str,
    material: &[u8],
    import_type: Option<ImportType>,
) -> ImportResult {
    import_with(client, key_id, material, OAEP_256, RSA_2048, |b| {
        b.set_import_type(import_type)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    })
    .await
}

/// The KeyMaterialId of a successful import.
pub fn material_id(r: ImportResult) -> String {
    r.expect("ImportKeyMaterial")
        .key_material_id()
        .expect("KeyMaterialId")
        .to_string()
}

/// NEW_KEY_MATERIAL import that must succeed; its KeyMaterialId.
pub async fn import_new(client: &Client, key_id: &str, material: &[u8]) -> String {
    material_id(import_as(client, key_id, material, Some(ImportType::NewKeyMaterial)).await)
}

/// EXISTING_KEY_MATERIAL import that must succeed; its KeyMaterialId.
pub async fn import_existing(client: &Client, key_id: &str, material: &[u8]) -> String {
    material_id(
        import_as(
            client,
            key_id,
            material,
            Some(ImportType::ExistingKeyMaterial),
        )
        .await,
    )
}

/// An EXTERNAL symmetric key holding `material` as its first (CURRENT) material
/// (DOES_NOT_EXPIRE); returns (bare id, ARN, KeyMaterialId).
pub async fn imported_key(client: &Client, material: &[u8]) -> (String, String, String) {
    let (id, key_arn) = crate::common::external_key(client).await;
    let mid = material_id(import_material(client, &id, material, OAEP_256, RSA_2048, None).await);
    (id, key_arn, mid)
}

/// Wall-clock seconds; the simulated clock equals it until a test advances it.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// `now + seconds` as an SDK timestamp (for `ValidTo`).
pub fn in_secs(seconds: i64) -> DateTime {
    DateTime::from_secs(now_secs() + seconds)
}

/// 32 random bytes: SYMMETRIC_DEFAULT material (P-10).
pub fn random_material(len: usize) -> Vec<u8> {
    let mut m = vec![0u8; len];
    OsRng.fill_bytes(&mut m);
    m
}

/// §6.1 [CHOICE, Q-1], as kmsim documents it: `lowercase_hex(HMAC-SHA256(key = material,
/// msg = "aws-kms-key-material-id\0" ‖ bare key id))`, computed here with the hmac crate.
pub fn expected_material_id(key_id: &str, material: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(material).expect("HMAC takes any key");
    mac.update(b"aws-kms-key-material-id\x00");
    mac.update(key_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A client-side RSA private key of `bits` (2048 or 4096). Generation is slow in debug
/// builds, so each size is made once for the whole test binary.
pub fn rsa_private_key(bits: usize) -> &'static RsaPrivateKey {
    static RSA_2048: OnceLock<RsaPrivateKey> = OnceLock::new();
    static RSA_4096: OnceLock<RsaPrivateKey> = OnceLock::new();
    let cell = match bits {
        2048 => &RSA_2048,
        4096 => &RSA_4096,
        other => panic!("no cached RSA key of {other} bits"),
    };
    cell.get_or_init(|| RsaPrivateKey::new(&mut OsRng, bits).expect("RSA key generation"))
}

/// DER PKCS#8 PrivateKeyInfo of [`rsa_private_key`] (P-12).
pub fn rsa_pkcs8(bits: usize) -> Vec<u8> {
    rsa_private_key(bits)
        .to_pkcs8_der()
        .expect("RSA PKCS#8")
        .as_bytes()
        .to_vec()
}

/// DER OID contents of the named curves (RFC 5480, SEC 2).
pub const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp521r1.
pub const SECP521R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

/// A DER TLV with a short-form length (every structure here is under 128 bytes).
fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 0x80, "short-form DER length only");
    let mut out = vec![tag, body.len() as u8];
    out.extend_from_slice(body);
    out
}

/// An EC private key as DER PKCS#8 PrivateKeyInfo (P-13), assembled by hand: algorithm
/// `id-ecPublicKey` with the named curve `curve_oid`, and an RFC 5915 ECPrivateKey holding
/// only the fixed-width `scalar` (the optional public key is left out; KMS derives it, §5.4).
pub fn ec_pkcs8(curve_oid: &[u8], scalar: &[u8]) -> Vec<u8> {
    const ID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let algorithm = tlv(
        0x30,
        &[tlv(0x06, ID_EC_PUBLIC_KEY), tlv(0x06, curve_oid)].concat(),
    );
    let ec_private_key = tlv(0x30, &[tlv(0x02, &[1]), tlv(0x04, scalar)].concat());
    tlv(
        0x30,
        &[tlv(0x02, &[0]), algorithm, tlv(0x04, &ec_private_key)].concat(),
    )
}

/// A fresh P-521 private key as DER PKCS#8 (no P-521 crate is a dev-dependency): a random
/// 66-byte scalar whose top byte is 0, so it is below the group order and not zero.
pub fn p521_pkcs8() -> Vec<u8> {
    let mut scalar = [0u8; 66];
    OsRng.fill_bytes(&mut scalar[1..]);
    scalar[1] |= 0x80;
    ec_pkcs8(SECP521R1, &scalar)
}

#[tokio::test]
async fn client_wrapping_round_trips_locally_for_import() {
    // The wrap above, undone with the matching private key: checks the client side alone
    // (C1 is exactly k bytes; C2 is RFC 5649 KWP, a multiple of 8 and 8 bytes longer than the
    // padded material), so an import failure points at the server.
    use rsa::pkcs8::EncodePublicKey;
    let private = rsa_private_key(2048);
    let spki = private
        .to_public_key()
        .to_public_key_der()
        .expect("SPKI")
        .as_bytes()
        .to_vec();
    let material = random_material(45);
    for alg in ALGORITHMS {
        let wrapped = wrap(&spki, alg, &material);
        let plain = if alg.starts_with("RSAES_OAEP") {
            assert_eq!(wrapped.len(), 256, "{alg}");
            private.decrypt(oaep_for(alg), &wrapped).expect("OAEP")
        } else {
            let (c1, c2) = wrapped.split_at(256);
            assert_eq!(c2.len(), 48 + 8, "{alg}");
            let k = private.decrypt(oaep_for(alg), c1).expect("OAEP of K");
            let k: [u8; 32] = k.try_into().expect("a 256-bit AES key");
            let mut out = vec![0u8; c2.len() - 8];
            let n = KekAes256::from(k)
                .unwrap_with_padding(c2, &mut out)
                .expect("KWP")
                .len();
            out.truncate(n);
            out
        };
        assert_eq!(plain, material, "{alg}");
    }
    // §5.2: OAEP-SHA256 under RSA_2048 carries at most 190 bytes.
    for (alg, max) in [("RSAES_OAEP_SHA_256", 190), ("RSAES_OAEP_SHA_1", 214)] {
        assert_eq!(
            oaep_encrypt(&spki, alg, &vec![0u8; max]).unwrap().len(),
            256
        );
        assert!(matches!(
            oaep_encrypt(&spki, alg, &vec![0u8; max + 1]),
            Err(rsa::Error::MessageTooLong)
        ));
    }
}
