//! The wrapped material (P-1, I-9, I-10, I-12): every algorithm × wrapping spec imports;
//! what does not unwrap or is not 32 bytes is refused and changes nothing.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ExpirationModelType, KeyState};

use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn every_wrapping_algorithm_and_key_spec_imports_symmetric_material_p1() {
    // §5.1 × G-3: 4 algorithms × 3 wrapping specs. The first import is NEW (I-22); every
    // later one re-imports the same material (EXISTING by default, I-20) and gets the same id.
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let m = random_material(32);
    let mut first_id: Option<String> = None;
    for spec in SPECS {
        for alg in ALGORITHMS {
            let out = import_material(&c, &id, &m, alg, spec, None)
                .await
                .unwrap_or_else(|e| panic!("{alg}/{spec}: {e:?}"));
            assert_eq!(out.key_id(), Some(key_arn.as_str()), "{alg}/{spec}");
            let mid = out.key_material_id().unwrap().to_string();
            match &first_id {
                None => first_id = Some(mid),
                Some(f) => assert_eq!(&mid, f, "{alg}/{spec}"),
            }
            let blob = encrypt(&c, &id, alg.as_bytes()).await;
            assert_eq!(
                decrypt_with_material(&c, blob).await.0,
                alg.as_bytes(),
                "{alg}/{spec}"
            );
        }
    }
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(md.current_key_material_id(), first_id.as_deref());
    tc.stop().await;
}

#[tokio::test]
async fn undecryptable_material_is_invalid_ciphertext_i9() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let attempt = |token: Blob, encrypted: Vec<u8>| {
        c.import_key_material()
            .key_id(&id)
            .import_token(token)
            .encrypted_key_material(Blob::new(encrypted))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
    };

    // OAEP: garbage of the modulus length, and a wrong length.
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let token = p.import_token().unwrap().clone();
    for (what, bytes) in [
        ("garbage, 256 bytes", random_material(256)),
        ("wrong length, 255 bytes", random_material(255)),
        (
            "valid wrap plus a byte",
            [
                wrap(p.public_key().unwrap().as_ref(), OAEP_256, &m),
                vec![0],
            ]
            .concat(),
        ),
    ] {
        let (code, msg) = err_code(attempt(token.clone(), bytes).await);
        assert_eq!(code, "InvalidCiphertextException", "{what}");
        assert_eq!(msg, None, "{what}: W-32, no message");
    }

    // P-2: the token is for OAEP-SHA1; material wrapped with OAEP-SHA256 does not unwrap.
    let p = get_params(&c, &id, "RSAES_OAEP_SHA_1", RSA_2048).await;
    let wrong = wrap(p.public_key().unwrap().as_ref(), OAEP_256, &m);
    let (code, _) = err_code(attempt(p.import_token().unwrap().clone(), wrong).await);
    assert_eq!(code, "InvalidCiphertextException");

    // RSA_AES: a corrupted KWP half fails the RFC 5649 integrity check; a truncated blob
    // (C1 alone) has no KWP half at all.
    let alg = "RSA_AES_KEY_WRAP_SHA_256";
    let p = get_params(&c, &id, alg, RSA_2048).await;
    let token = p.import_token().unwrap().clone();
    let mut good = wrap(p.public_key().unwrap().as_ref(), alg, &m);
    let c1_only = good[..256].to_vec();
    let last = good.len() - 1;
    good[last] ^= 1;
    for (what, bytes) in [("KWP corrupted", good), ("C1 only", c1_only)] {
        let (code, _) = err_code(attempt(token.clone(), bytes).await);
        assert_eq!(code, "InvalidCiphertextException", "{what}");
    }
    // The RSA_AES token used with a plain OAEP wrap (P-2).
    let plain = wrap(p.public_key().unwrap().as_ref(), OAEP_256, &m);
    let (code, _) = err_code(attempt(token, plain).await);
    assert_eq!(code, "InvalidCiphertextException");

    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

#[tokio::test]
async fn symmetric_material_must_be_32_bytes_i10() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    for len in [31, 33, 16] {
        let (code, _) = err_code(
            import_material(&c, &id, &random_material(len), OAEP_256, RSA_2048, None).await,
        );
        assert_eq!(code, "IncorrectKeyMaterialException", "{len} bytes");
    }
    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

#[tokio::test]
async fn failed_imports_leave_the_key_untouched_i12() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let pk = p.public_key().unwrap().as_ref().to_vec();
    let token = p.import_token().unwrap().clone();
    let attempt = |encrypted: Vec<u8>| {
        c.import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(Blob::new(encrypted))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
    };
    // A failure at each step after the token: unwrap (I-9), format (I-10).
    let (code, _) = err_code(attempt(random_material(256)).await);
    assert_eq!(code, "InvalidCiphertextException");
    assert_eq!(describe(&c, &id).await, before);
    let (code, _) = err_code(attempt(wrap(&pk, OAEP_256, &m[..31])).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, before);
    assert_eq!(before.key_state(), Some(&KeyState::PendingImport));
    // None of them used the token up.
    let id1 = attempt(wrap(&pk, OAEP_256, &m))
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_string();

    // An Enabled key: a rejected different material changes nothing either.
    let enabled = describe(&c, &id).await;
    assert_eq!(enabled.current_key_material_id(), Some(id1.as_str()));
    let (code, _) =
        err_code(import_material(&c, &id, &random_material(32), OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, enabled);
    tc.stop().await;
}
