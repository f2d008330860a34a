//! ReEncrypt between any two encryption keys (E-13, RE-1 … RE-5): symmetric → RSA, RSA →
//! symmetric, RSA → RSA, each proven by a round trip (RSA ciphertext made locally by the
//! RustCrypto `rsa` crate against GetPublicKey's key; every output opened by KMS Decrypt),
//! then every refusal.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    DryRunModifierType, EncryptionAlgorithmSpec, KeySpec, KeyUsageType, OriginType,
};
use aws_sdk_kms::Client;

use crate::common::*;
use crate::wrap::oaep_encrypt;

const SHA_1: EncryptionAlgorithmSpec = EncryptionAlgorithmSpec::RsaesOaepSha1;
const SHA_256: EncryptionAlgorithmSpec = EncryptionAlgorithmSpec::RsaesOaepSha256;

/// An RSA ENCRYPT_DECRYPT key; (bare id, ARN, its public key).
async fn rsa_key(c: &Client, spec: KeySpec) -> (String, String, Vec<u8>) {
    let (id, key_arn) = new_key_of(c, spec, KeyUsageType::EncryptDecrypt, OriginType::AwsKms).await;
    let pk = public_key(c, &id).await;
    (id, key_arn, pk)
}

/// KMS Decrypt of RSA ciphertext.
async fn rsa_decrypt(c: &Client, id: &str, alg: EncryptionAlgorithmSpec, blob: &Blob) -> Vec<u8> {
    c.decrypt()
        .key_id(id)
        .encryption_algorithm(alg)
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .expect("Decrypt")
        .plaintext()
        .expect("Plaintext")
        .as_ref()
        .to_vec()
}

/// RE-4: symmetric → RSA. The output is RSA-OAEP under the destination that KMS Decrypt
/// opens; only the source side has a KeyMaterialId.
#[tokio::test]
async fn re4_symmetric_to_rsa() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, sym_arn) = aws_kms_key(&c).await;
    let sym_material = current_material(&c, &sym).await;
    let (rsa, rsa_arn, _) = rsa_key(&c, KeySpec::Rsa2048).await;
    let blob = c
        .encrypt()
        .key_id(&sym)
        .plaintext(Blob::new(b"sym to rsa".to_vec()))
        .encryption_context("k", "v")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    let out = c
        .re_encrypt()
        .ciphertext_blob(blob)
        .source_encryption_context("k", "v")
        .destination_key_id(&rsa)
        .destination_encryption_algorithm(SHA_256)
        .send()
        .await
        .unwrap();
    assert_eq!(out.source_key_id(), Some(sym_arn.as_str()));
    assert_eq!(out.key_id(), Some(rsa_arn.as_str()));
    assert_eq!(
        out.source_encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );
    assert_eq!(out.destination_encryption_algorithm(), Some(&SHA_256));
    assert_eq!(out.source_key_material_id(), Some(sym_material.as_str()));
    assert_eq!(out.destination_key_material_id(), None);
    let blob = out.ciphertext_blob().unwrap();
    assert_eq!(
        blob.as_ref().len(),
        256,
        "raw OAEP output of a 2048-bit key"
    );
    assert_eq!(rsa_decrypt(&c, &rsa, SHA_256, blob).await, b"sym to rsa");
    tc.stop().await;
}

/// RE-4: RSA → symmetric, from ciphertext made locally under GetPublicKey's key, with both
/// OAEP hashes.
#[tokio::test]
async fn re4_rsa_to_symmetric() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, sym_arn) = aws_kms_key(&c).await;
    let sym_material = current_material(&c, &sym).await;
    let (rsa, rsa_arn, pk) = rsa_key(&c, KeySpec::Rsa3072).await;
    for alg in [SHA_1, SHA_256] {
        let local = oaep_encrypt(&pk, alg.as_str(), b"rsa to sym").unwrap();
        let out = c
            .re_encrypt()
            .ciphertext_blob(Blob::new(local))
            .source_key_id(&rsa)
            .source_encryption_algorithm(alg.clone())
            .destination_key_id(&sym)
            .destination_encryption_context("to", "sym")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{alg:?}: {e:?}"));
        assert_eq!(out.source_key_id(), Some(rsa_arn.as_str()));
        assert_eq!(out.key_id(), Some(sym_arn.as_str()));
        assert_eq!(out.source_encryption_algorithm(), Some(&alg));
        assert_eq!(
            out.destination_encryption_algorithm(),
            Some(&EncryptionAlgorithmSpec::SymmetricDefault)
        );
        assert_eq!(out.source_key_material_id(), None);
        assert_eq!(
            out.destination_key_material_id(),
            Some(sym_material.as_str())
        );
        let dec = c
            .decrypt()
            .ciphertext_blob(out.ciphertext_blob().unwrap().clone())
            .encryption_context("to", "sym")
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"rsa to sym");
    }
    tc.stop().await;
}

/// RE-4: RSA → RSA across key sizes and hashes; neither side has a KeyMaterialId.
#[tokio::test]
async fn re4_rsa_to_rsa() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (a, a_arn, a_pk) = rsa_key(&c, KeySpec::Rsa2048).await;
    let (b, b_arn, _) = rsa_key(&c, KeySpec::Rsa3072).await;
    let local = oaep_encrypt(&a_pk, "RSAES_OAEP_SHA_1", b"rsa to rsa").unwrap();
    let out = c
        .re_encrypt()
        .ciphertext_blob(Blob::new(local))
        .source_key_id(&a_arn)
        .source_encryption_algorithm(SHA_1)
        .destination_key_id(&b)
        .destination_encryption_algorithm(SHA_256)
        .send()
        .await
        .unwrap();
    assert_eq!(out.source_key_id(), Some(a_arn.as_str()));
    assert_eq!(out.key_id(), Some(b_arn.as_str()));
    assert_eq!(out.source_encryption_algorithm(), Some(&SHA_1));
    assert_eq!(out.destination_encryption_algorithm(), Some(&SHA_256));
    assert_eq!(out.source_key_material_id(), None);
    assert_eq!(out.destination_key_material_id(), None);
    let blob = out.ciphertext_blob().unwrap();
    assert_eq!(blob.as_ref().len(), 384);
    assert_eq!(rsa_decrypt(&c, &b, SHA_256, blob).await, b"rsa to rsa");
    // And back to the first key with the other hash.
    let back = c
        .re_encrypt()
        .ciphertext_blob(blob.clone())
        .source_key_id(&b)
        .source_encryption_algorithm(SHA_256)
        .destination_key_id(&a)
        .destination_encryption_algorithm(SHA_1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rsa_decrypt(&c, &a, SHA_1, back.ciphertext_blob().unwrap()).await,
        b"rsa to rsa"
    );
    tc.stop().await;
}

/// RE-1: RSA ciphertext without SourceKeyId is not a symmetric blob → InvalidCiphertext
/// (no message) [CHOICE, as Decrypt]; with the wrong algorithm or the wrong RSA key it does
/// not decrypt either.
#[tokio::test]
async fn re1_rsa_source_needs_its_key_and_algorithm() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, _) = aws_kms_key(&c).await;
    let (rsa, _, pk) = rsa_key(&c, KeySpec::Rsa2048).await;
    let (other, _, _) = rsa_key(&c, KeySpec::Rsa2048).await;
    let local = Blob::new(oaep_encrypt(&pk, "RSAES_OAEP_SHA_256", b"x").unwrap());
    let attempts = [
        (None, Some(SHA_256)),
        (Some(rsa.clone()), Some(SHA_1)),
        (Some(other), Some(SHA_256)),
    ];
    for (source, alg) in attempts {
        let (code, msg) = err_code(
            c.re_encrypt()
                .ciphertext_blob(local.clone())
                .set_source_key_id(source.clone())
                .set_source_encryption_algorithm(alg.clone())
                .destination_key_id(&sym)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidCiphertextException", "{source:?} {alg:?}");
        assert_eq!(msg, None);
    }
    tc.stop().await;
}

/// RE-2/E-10: an algorithm that does not suit a side's key → InvalidKeyUsageException:
/// SYMMETRIC_DEFAULT (the default when the member is left out) for an RSA key, RSAES_* for
/// a symmetric key; E-3: an RSA SIGN_VERIFY destination is the wrong usage.
#[tokio::test]
async fn re2_algorithms_must_suit_each_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, _) = aws_kms_key(&c).await;
    let (sym2, _) = aws_kms_key(&c).await;
    let (rsa, rsa_arn, pk) = rsa_key(&c, KeySpec::Rsa2048).await;
    let (signer, signer_arn) = new_key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let sym_blob = encrypt(&c, &sym, b"x").await;
    let rsa_blob = Blob::new(oaep_encrypt(&pk, "RSAES_OAEP_SHA_256", b"x").unwrap());
    let incompatible =
        |alg: &str, spec: &str| format!("Algorithm {alg} is incompatible with key spec {spec}.");

    // RSA source without its algorithm.
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(rsa_blob.clone())
            .source_key_id(&rsa)
            .destination_key_id(&sym)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(msg, incompatible("SYMMETRIC_DEFAULT", "RSA_2048"));
    // RSA destination without its algorithm.
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(sym_blob.clone())
            .destination_key_id(&rsa)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(msg, incompatible("SYMMETRIC_DEFAULT", "RSA_2048"));
    // An RSA algorithm for a symmetric source or destination.
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(sym_blob.clone())
            .source_encryption_algorithm(SHA_1)
            .destination_key_id(&sym2)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(msg, incompatible("RSAES_OAEP_SHA_1", "SYMMETRIC_DEFAULT"));
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(sym_blob.clone())
            .destination_key_id(&sym2)
            .destination_encryption_algorithm(SHA_256)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(msg, incompatible("RSAES_OAEP_SHA_256", "SYMMETRIC_DEFAULT"));
    // A SIGN_VERIFY destination, and as the source.
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(sym_blob.clone())
            .destination_key_id(&signer)
            .destination_encryption_algorithm(SHA_256)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(
        msg,
        format!("{signer_arn} key usage is SIGN_VERIFY which is not valid for ReEncrypt."),
    );
    let (code, _) = err_code(
        c.re_encrypt()
            .ciphertext_blob(rsa_blob)
            .source_key_id(&signer)
            .source_encryption_algorithm(SHA_256)
            .destination_key_id(&sym)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    // A disabled RSA source.
    c.disable_key().key_id(&rsa).send().await.unwrap();
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(sym_blob)
            .destination_key_id(&rsa)
            .destination_encryption_algorithm(SHA_256)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{rsa_arn} is disabled."));
    tc.stop().await;
}

/// RE-3/E-9: a plaintext larger than the RSA destination carries → ValidationException with
/// Encrypt's text; the limit itself passes.
#[tokio::test]
async fn re3_plaintext_too_large_for_the_rsa_destination() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, _) = aws_kms_key(&c).await;
    let (rsa, _, _) = rsa_key(&c, KeySpec::Rsa2048).await;
    for (len, alg, max) in [(191, SHA_256, 190), (215, SHA_1, 214)] {
        let fits = encrypt(&c, &sym, &vec![7u8; max]).await;
        let out = c
            .re_encrypt()
            .ciphertext_blob(fits)
            .destination_key_id(&rsa)
            .destination_encryption_algorithm(alg.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            rsa_decrypt(&c, &rsa, alg.clone(), out.ciphertext_blob().unwrap()).await,
            vec![7u8; max]
        );
        let big = encrypt(&c, &sym, &vec![7u8; len]).await;
        let (code, msg) = err_code(
            c.re_encrypt()
                .ciphertext_blob(big)
                .destination_key_id(&rsa)
                .destination_encryption_algorithm(alg.clone())
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException");
        msg_is(
            msg,
            format!(
                "Algorithm {} and key spec RSA_2048 cannot encrypt data larger than {max} bytes.",
                alg.as_str()
            ),
        );
    }
    tc.stop().await;
}

/// RE-5/E-12: DryRun with an RSA side; DryRunModifiers=IGNORE_CIPHERTEXT needs no
/// ciphertext but needs SourceKeyId; without DryRun the ciphertext is required (W-35).
#[tokio::test]
async fn re5_dry_run_and_ignore_ciphertext() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, _) = aws_kms_key(&c).await;
    let (rsa, _, _) = rsa_key(&c, KeySpec::Rsa2048).await;
    const DRY: &str = "The request would have succeeded, but the DryRun option is set.";
    let blob = encrypt(&c, &sym, b"x").await;
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(blob)
            .destination_key_id(&rsa)
            .destination_encryption_algorithm(SHA_256)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    msg_is(msg, DRY.into());
    for (source, alg) in [(&sym, None), (&rsa, Some(SHA_1))] {
        let (code, msg) = err_code(
            c.re_encrypt()
                .source_key_id(source)
                .set_source_encryption_algorithm(alg)
                .destination_key_id(&sym)
                .dry_run(true)
                .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
                .send()
                .await,
        );
        assert_eq!(code, "DryRunOperationException");
        msg_is(msg, DRY.into());
    }
    let (code, msg) = err_code(
        c.re_encrypt()
            .destination_key_id(&sym)
            .dry_run(true)
            .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "1 validation error detected: Value null at 'sourceKeyId' failed to satisfy constraint: Member must not be null".into(),
    );
    let (code, msg) = err_code(c.re_encrypt().destination_key_id(&sym).send().await);
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null".into(),
    );
    // IGNORE_CIPHERTEXT still checks the keys: a disabled source is reported.
    c.disable_key().key_id(&rsa).send().await.unwrap();
    let (code, _) = err_code(
        c.re_encrypt()
            .source_key_id(&rsa)
            .source_encryption_algorithm(SHA_1)
            .destination_key_id(&sym)
            .dry_run(true)
            .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    tc.stop().await;
}
