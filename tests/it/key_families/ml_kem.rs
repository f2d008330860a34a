//! ML_KEM_512/768/1024 (ENCAPSULATE_DECAPSULATE): a secret encapsulated locally with
//! RustCrypto `ml-kem` against GetPublicKey's key comes back from Decapsulate; KMS's own
//! Encapsulate round-trips; tampering gives another secret, never an error (implicit
//! rejection); only a wrong length is `InvalidCiphertextException`.

use ::ml_kem::{EncapsulationKey, Key, MlKem1024, MlKem512, MlKem768, B32};
use aws_sdk_kms::types::{EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec};
use spki::der::Decode;
use spki::SubjectPublicKeyInfoRef;

use super::*;

const ML_KEM: EncapsulationAlgorithmSpec = EncapsulationAlgorithmSpec::MlKem;

/// RustCrypto encapsulation to a raw encapsulation key with the message `m` (a macro: the
/// crate's parameter trait is private); (ciphertext, shared secret).
macro_rules! local_encapsulate {
    ($p:ty, $raw_ek:expr, $m:expr) => {{
        let key = Key::<EncapsulationKey<$p>>::try_from($raw_ek).expect("encapsulation key length");
        let ek = EncapsulationKey::<$p>::new(&key).expect("valid encapsulation key");
        let (ct, ss) = ek.encapsulate_deterministic(&B32::from(*$m));
        (ct.to_vec(), ss.to_vec())
    }};
}

async fn encapsulate(c: &Client, id: &str) -> (Vec<u8>, Vec<u8>) {
    let out = c
        .encapsulate()
        .key_id(id)
        .encapsulation_algorithm(ML_KEM)
        .send()
        .await
        .expect("Encapsulate");
    assert_eq!(out.encapsulation_algorithm(), Some(&ML_KEM));
    assert!(out.key_id().unwrap().starts_with("arn:aws:kms:"));
    (
        out.shared_secret_ciphertext_blob()
            .unwrap()
            .as_ref()
            .to_vec(),
        out.shared_secret().unwrap().as_ref().to_vec(),
    )
}

async fn decapsulate(c: &Client, id: &str, ct: &[u8]) -> Vec<u8> {
    let out = c
        .decapsulate()
        .key_id(id)
        .encapsulation_algorithm(ML_KEM)
        .shared_secret_ciphertext_blob(Blob::new(ct))
        .send()
        .await
        .expect("Decapsulate");
    assert_eq!(out.encapsulation_algorithm(), Some(&ML_KEM));
    out.shared_secret().unwrap().as_ref().to_vec()
}

#[tokio::test]
async fn ml_kem_local_encapsulation_decapsulates_in_kms_and_kms_round_trips() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    // (spec, OID of RFC 9935, ciphertext length of FIPS 203 Table 3)
    for (spec, oid, ct_len) in [
        (KeySpec::MlKem512, "2.16.840.1.101.3.4.4.1", 768),
        (KeySpec::MlKem768, "2.16.840.1.101.3.4.4.2", 1088),
        (KeySpec::MlKem1024, "2.16.840.1.101.3.4.4.3", 1568),
    ] {
        let (id, key_arn) = key(&c, spec.clone(), KeyUsageType::EncapsulateDecapsulate).await;
        let md = describe(&c, &id).await;
        assert_eq!(md.encapsulation_algorithms(), &[ML_KEM]);
        assert!(md.signing_algorithms().is_empty());
        assert!(md.encryption_algorithms().is_empty());
        let pk = c.get_public_key().key_id(&id).send().await.unwrap();
        assert_eq!(pk.encapsulation_algorithms(), &[ML_KEM]);
        assert_eq!(pk.key_usage(), Some(&KeyUsageType::EncapsulateDecapsulate));
        assert!(pk.signing_algorithms().is_empty());
        let spki_der = pk.public_key().unwrap().as_ref().to_vec();
        let spki = SubjectPublicKeyInfoRef::from_der(&spki_der).expect("DER SPKI");
        assert_eq!(spki.algorithm.oid.to_string(), oid);
        assert!(spki.algorithm.parameters.is_none());
        let raw_ek = spki.subject_public_key.as_bytes().unwrap();

        // Local encapsulation → KMS decapsulation gives the same 32 bytes.
        let m: [u8; 32] = rand::random();
        let (ct, ss) = match spec {
            KeySpec::MlKem512 => local_encapsulate!(MlKem512, raw_ek, &m),
            KeySpec::MlKem768 => local_encapsulate!(MlKem768, raw_ek, &m),
            _ => local_encapsulate!(MlKem1024, raw_ek, &m),
        };
        assert_eq!(ct.len(), ct_len);
        assert_eq!(decapsulate(&c, &key_arn, &ct).await, ss);

        // KMS Encapsulate → KMS Decapsulate.
        let (ct, ss) = encapsulate(&c, &id).await;
        assert_eq!((ct.len(), ss.len()), (ct_len, 32));
        assert_eq!(decapsulate(&c, &id, &ct).await, ss);
        // Implicit rejection: a flipped bit is another secret, and no error.
        let mut bad = ct.clone();
        bad[ct_len / 2] ^= 0x10;
        let other = decapsulate(&c, &id, &bad).await;
        assert_eq!(other.len(), 32);
        assert_ne!(other, ss);
        // Deterministic: the same tampered ciphertext gives the same pseudo-random secret.
        assert_eq!(decapsulate(&c, &id, &bad).await, other);
        // Only a length inconsistent with the spec is an error.
        for len in [ct_len - 1, ct_len + 1] {
            let mut wrong = ct.clone();
            wrong.resize(len, 0);
            let r = c
                .decapsulate()
                .key_id(&id)
                .encapsulation_algorithm(ML_KEM)
                .shared_secret_ciphertext_blob(Blob::new(wrong))
                .send()
                .await;
            let (code, msg) = err_code(r);
            assert_eq!(code, "InvalidCiphertextException");
            assert_eq!(msg, None);
        }
    }
    // A ciphertext made for another key of the same spec is pseudo-random, not an error.
    let (a, _) = key(&c, KeySpec::MlKem768, KeyUsageType::EncapsulateDecapsulate).await;
    let (b, _) = key(&c, KeySpec::MlKem768, KeyUsageType::EncapsulateDecapsulate).await;
    let (ct, ss) = encapsulate(&c, &a).await;
    let other = decapsulate(&c, &b, &ct).await;
    assert_eq!(other.len(), 32);
    assert_ne!(other, ss);
    tc.stop().await;
}

#[tokio::test]
async fn ml_kem_usage_state_and_dry_run_rules() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = key(&c, KeySpec::MlKem512, KeyUsageType::EncapsulateDecapsulate).await;
    let (ct, _) = encapsulate(&c, &id).await;

    // Encapsulate/Decapsulate on keys of another usage → InvalidKeyUsageException (E-3 text).
    let sym = new_key(&c).await;
    let (code, msg) = err_code(
        c.encapsulate()
            .key_id(&sym)
            .encapsulation_algorithm(ML_KEM)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(
        msg,
        format!(
            "{} key usage is ENCRYPT_DECRYPT which is not valid for Encapsulate.",
            arn(REGION, &sym)
        ),
    );
    let (ed, ed_arn) = key(&c, KeySpec::EccNistEdwards25519, KeyUsageType::SignVerify).await;
    let (code, msg) = err_code(
        c.decapsulate()
            .key_id(&ed)
            .encapsulation_algorithm(ML_KEM)
            .shared_secret_ciphertext_blob(Blob::new(ct.clone()))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(
        msg,
        format!("{ed_arn} key usage is SIGN_VERIFY which is not valid for Decapsulate."),
    );
    // And the ML-KEM key refuses the other families' operations.
    let (code, _) = sign_err(
        &c,
        &id,
        SigningAlgorithmSpec::MlDsaShake256,
        Some(MessageType::Raw),
        b"m",
    )
    .await;
    assert_eq!(code, "InvalidKeyUsageException");
    let (code, _) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"p".to_vec()))
            .encryption_algorithm(EncryptionAlgorithmSpec::SymmetricDefault)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");

    // DryRun: DryRunOperationException once every other check passes, no secret.
    let (code, _) = err_code(
        c.encapsulate()
            .key_id(&id)
            .encapsulation_algorithm(ML_KEM)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    let (code, _) = err_code(
        c.decapsulate()
            .key_id(&id)
            .encapsulation_algorithm(ML_KEM)
            .shared_secret_ciphertext_blob(Blob::new(ct.clone()))
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");

    // §4.3: a disabled key → DisabledException for both.
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(
        c.encapsulate()
            .key_id(&id)
            .encapsulation_algorithm(ML_KEM)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{key_arn} is disabled."));
    let (code, _) = err_code(
        c.decapsulate()
            .key_id(&id)
            .encapsulation_algorithm(ML_KEM)
            .shared_secret_ciphertext_blob(Blob::new(ct))
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");

    // C-3 and C-6 [CHOICE].
    let (code, msg) = create_err(
        &c,
        KeySpec::MlKem768,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "KeyUsage SIGN_VERIFY is not compatible with KeySpec ML_KEM_768".into(),
    );
    let (code, _) = create_err(
        &c,
        KeySpec::MlKem1024,
        KeyUsageType::EncapsulateDecapsulate,
        OriginType::External,
    )
    .await;
    assert_eq!(code, "UnsupportedOperationException");
    tc.stop().await;
}
