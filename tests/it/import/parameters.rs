//! GetParametersForImport (G-1 … G-3, G-6): which keys get parameters, the wrapping public
//! key, and the wrapping algorithms and specs AWS no longer or only elsewhere offers.

use rsa::traits::PublicKeyParts;
use rsa::BigUint;

use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn get_parameters_on_aws_kms_key_is_unsupported_g1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let md = c.create_key().send().await.unwrap();
    let id = md.key_metadata().unwrap().key_id();
    let (code, msg) = err_code(request_params(&c, id, OAEP_256, RSA_2048).await);
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "{} origin is AWS_KMS which is not valid for this operation.",
            arn(REGION, id)
        )
    );
    tc.stop().await;
}

#[tokio::test]
async fn get_parameters_on_pending_deletion_key_is_invalid_state_g2() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    schedule_deletion(&c, &id, 7).await;
    let (code, msg) = err_code(request_params(&c, &id, OAEP_256, RSA_2048).await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending deletion."));
    tc.stop().await;
}

#[tokio::test]
async fn get_parameters_on_enabled_and_disabled_keys_g2() {
    // Re-import needs parameters too: Enabled and Disabled keys get them.
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, key_arn, _) = imported_key(&c, &m).await;
    assert_eq!(
        get_params(&c, &id, OAEP_256, RSA_2048).await.key_id(),
        Some(key_arn.as_str())
    );
    c.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        get_params(&c, &key_arn, OAEP_256, RSA_2048).await.key_id(),
        Some(key_arn.as_str())
    );
    tc.stop().await;
}

#[tokio::test]
async fn public_key_is_a_der_spki_of_the_requested_size_g3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    for (spec, bits, der_len) in [
        ("RSA_2048", 2048, 294),
        ("RSA_3072", 3072, 422),
        ("RSA_4096", 4096, 550),
    ] {
        let params = get_params(&c, &id, OAEP_256, spec).await;
        let der = params.public_key().unwrap().as_ref();
        assert_eq!(der.len(), der_len, "{spec}");
        let pk = wrapping_public_key(der);
        assert_eq!(pk.n().bits(), bits, "{spec}");
        assert_eq!(pk.e(), &BigUint::from(65_537u32), "{spec}");
    }
    tc.stop().await;
}

#[tokio::test]
async fn withdrawn_and_china_only_wrapping_is_rejected_g6() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let ask = |alg: &'static str, spec: &'static str| request_params(&c, &id, alg, spec);
    // RSAES_PKCS1_V1_5, withdrawn in October 2023.
    let (code, msg) = err_code(ask("RSAES_PKCS1_V1_5", RSA_2048).await);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.as_deref()
            .unwrap()
            .starts_with("The RSAES_PKCS1_V1_5 wrapping algorithm is not supported."),
        "{msg:?}"
    );
    // SM2 exists only in China Regions, in either half of the pair.
    for (alg, spec) in [
        ("RSAES_OAEP_SHA_256", "SM2"),
        ("SM2PKE", "SM2"),
        ("SM2PKE", RSA_2048),
    ] {
        let (code, msg) = err_code(ask(alg, spec).await);
        assert_eq!(code, "ValidationException", "{alg}/{spec}");
        assert!(msg.is_some_and(|m| !m.is_empty()), "{alg}/{spec}");
    }
    // Not an algorithm at all: W-35's enum message.
    let (code, msg) = err_code(ask("RSAES_BOGUS", RSA_2048).await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        "1 validation error detected: Value 'RSAES_BOGUS' at 'wrappingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_PKCS1_V1_5, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, SM2PKE]"
    );
    let (code, msg) = err_code(ask(OAEP_256, "RSA_1024").await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        "1 validation error detected: Value 'RSA_1024' at 'wrappingKeySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, SM2]"
    );
    tc.stop().await;
}
