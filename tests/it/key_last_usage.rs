//! GetKeyLastUsage (LU-1 … LU-4) through the SDK: before and after use on the simulated
//! clock, the operation name of every tracked operation, the request id, what is not a use,
//! per-Region tracking of multi-Region keys, and the refusals.

use aws_sdk_kms::operation::get_key_last_usage::GetKeyLastUsageOutput;
use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    DataKeyPairSpec, DataKeySpec, KeyAgreementAlgorithmSpec, KeyLastUsageTrackingOperation as Op,
    KeySpec, KeyUsageType, MacAlgorithmSpec, OriginType, SigningAlgorithmSpec,
};
use aws_sdk_kms::Client;

use crate::common::mr::{mrk, replicate, B};
use crate::common::*;

async fn last_usage(c: &Client, id: &str) -> GetKeyLastUsageOutput {
    c.get_key_last_usage()
        .key_id(id)
        .send()
        .await
        .expect("GetKeyLastUsage")
}

/// The last operation recorded for `id`.
async fn last_op(c: &Client, id: &str) -> Option<Op> {
    last_usage(c, id)
        .await
        .key_last_usage()
        .and_then(|u| u.operation().cloned())
}

fn secs(t: &aws_sdk_kms::primitives::DateTime) -> f64 {
    t.as_secs_f64()
}

/// LU-2/LU-3: a key never used has an empty KeyLastUsage, and tracking starts at its
/// creation (it was created after the Region started tracking).
#[tokio::test]
async fn lu3_a_new_key_has_no_usage_and_tracking_starts_at_creation() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = aws_kms_key(&c).await;
    let created = describe(&c, &id).await.creation_date().cloned().unwrap();
    for name in [id.as_str(), key_arn.as_str()] {
        let out = last_usage(&c, name).await;
        assert_eq!(out.key_id(), Some(id.as_str()), "[CHOICE] the bare key id");
        assert_eq!(out.key_creation_date(), Some(&created));
        assert_eq!(out.tracking_start_date(), Some(&created));
        let u = out.key_last_usage().expect("KeyLastUsage is present");
        assert_eq!(u.operation(), None);
        assert_eq!(u.timestamp(), None);
        assert_eq!(u.kms_request_id(), None);
        assert_eq!(u.cloud_trail_event_id(), None);
    }
    let raw = raw_ok(
        &tc,
        REGION,
        "GetKeyLastUsage",
        serde_json::json!({ "KeyId": id }),
    )
    .await;
    assert_eq!(raw["KeyLastUsage"], serde_json::json!({}));
    assert_eq!(
        members(&raw),
        [
            "KeyCreationDate",
            "KeyId",
            "KeyLastUsage",
            "TrackingStartDate"
        ]
    );
    tc.stop().await;
}

/// LU-1: after a use, the operation, its time on the simulated clock and the request id of
/// that request; a later use replaces it.
#[tokio::test]
async fn lu1_a_use_is_recorded_with_time_and_request_id() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    tc.advance(10.0 * DAY).await;
    let enc = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap();
    let at = sim_now(&tc).await;
    let out = last_usage(&c, &id).await;
    let u = out.key_last_usage().unwrap();
    assert_eq!(u.operation(), Some(&Op::Encrypt));
    let t = secs(u.timestamp().unwrap());
    assert!(
        (t - at).abs() < 5.0,
        "timestamp {t} near simulated now {at}"
    );
    let created = secs(out.key_creation_date().unwrap());
    assert!(t - created > 9.0 * DAY, "the use is on the advanced clock");
    assert_eq!(u.kms_request_id(), enc.request_id());
    let event = u.cloud_trail_event_id().unwrap();
    assert_eq!(event.len(), 36);
    assert_ne!(Some(event), enc.request_id());

    tc.advance(DAY).await;
    let dec = c
        .decrypt()
        .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    let u2 = last_usage(&c, &id).await;
    let u2 = u2.key_last_usage().unwrap();
    assert_eq!(u2.operation(), Some(&Op::Decrypt));
    assert_eq!(u2.kms_request_id(), dec.request_id());
    assert!(secs(u2.timestamp().unwrap()) - t > 0.9 * DAY);
    tc.stop().await;
}

/// LU-1: every tracked operation is recorded under its `KeyLastUsageTrackingOperation` name;
/// ReEncrypt records both keys.
#[tokio::test]
async fn lu1_every_tracked_operation_is_named() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (sym, _) = aws_kms_key(&c).await;
    let (sym2, _) = aws_kms_key(&c).await;

    c.generate_data_key()
        .key_id(&sym)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &sym).await, Some(Op::GenerateDataKey));
    c.generate_data_key_without_plaintext()
        .key_id(&sym)
        .number_of_bytes(16)
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_op(&c, &sym).await,
        Some(Op::GenerateDataKeyWithoutPlaintext)
    );
    c.generate_data_key_pair()
        .key_id(&sym)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &sym).await, Some(Op::GenerateDataKeyPair));
    c.generate_data_key_pair_without_plaintext()
        .key_id(&sym)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_op(&c, &sym).await,
        Some(Op::GenerateDataKeyPairWithoutPlaintext)
    );
    let blob = encrypt(&c, &sym, b"x").await;
    c.re_encrypt()
        .ciphertext_blob(blob)
        .destination_key_id(&sym2)
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &sym).await, Some(Op::ReEncrypt));
    assert_eq!(last_op(&c, &sym2).await, Some(Op::ReEncrypt));

    let (signer, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let sig = c
        .sign()
        .key_id(&signer)
        .message(Blob::new(b"m".to_vec()))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &signer).await, Some(Op::Sign));
    c.verify()
        .key_id(&signer)
        .message(Blob::new(b"m".to_vec()))
        .signature(sig.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &signer).await, Some(Op::Verify));

    let (mac_key, _) = new_key_of(
        &c,
        KeySpec::Hmac256,
        KeyUsageType::GenerateVerifyMac,
        OriginType::AwsKms,
    )
    .await;
    let mac = generate_mac(&c, &mac_key, MacAlgorithmSpec::HmacSha256, b"m").await;
    assert_eq!(last_op(&c, &mac_key).await, Some(Op::GenerateMac));
    c.verify_mac()
        .key_id(&mac_key)
        .message(Blob::new(b"m".to_vec()))
        .mac(Blob::new(mac))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &mac_key).await, Some(Op::VerifyMac));

    let (agree, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::KeyAgreement,
        OriginType::AwsKms,
    )
    .await;
    let (peer, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::KeyAgreement,
        OriginType::AwsKms,
    )
    .await;
    c.derive_shared_secret()
        .key_id(&agree)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(public_key(&c, &peer).await))
        .send()
        .await
        .unwrap();
    assert_eq!(last_op(&c, &agree).await, Some(Op::DeriveSharedSecret));
    assert_eq!(
        last_op(&c, &peer).await,
        None,
        "GetPublicKey is not tracked"
    );
    tc.stop().await;
}

/// LU-1: a DryRun, a refused request, a failed Verify and a non-cryptographic operation are
/// not uses; GetKeyLastUsage answers in every key state.
#[tokio::test]
async fn lu1_refusals_and_dry_runs_are_not_uses() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .dry_run(true)
            .send()
            .await,
    );
    c.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(last_op(&c, &id).await, None);
    c.disable_key().key_id(&id).send().await.unwrap();
    err_code(
        c.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes128)
            .send()
            .await,
    );
    assert_eq!(last_op(&c, &id).await, None, "Disabled: answered, no use");
    schedule_deletion(&c, &id, 7).await;
    assert_eq!(last_op(&c, &id).await, None, "PendingDeletion: answered");

    let (signer, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let (code, _) = err_code(
        c.verify()
            .key_id(&signer)
            .message(Blob::new(b"m".to_vec()))
            .signature(Blob::new(vec![0x30, 0x06, 2, 1, 1, 2, 1, 1]))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidSignatureException");
    assert_eq!(last_op(&c, &signer).await, None);
    tc.stop().await;
}

/// LU-4: primary and replica of a multi-Region key track their own uses.
#[tokio::test]
async fn lu4_multi_region_keys_track_usage_per_region() {
    let tc = TestCluster::start().await;
    let a = tc.client(REGION);
    let b = tc.client(B);
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    tc.advance(600.0).await;
    let blob = encrypt(&a, &id, b"x").await;
    assert_eq!(last_op(&a, &id).await, Some(Op::Encrypt));
    assert_eq!(last_op(&b, &id).await, None);
    b.decrypt().ciphertext_blob(blob).send().await.unwrap();
    assert_eq!(last_op(&b, &id).await, Some(Op::Decrypt));
    assert_eq!(last_op(&a, &id).await, Some(Op::Encrypt));
    tc.stop().await;
}

/// W-43/W-44: key id or key ARN only (the model: "Alias names are not supported"); unknown
/// keys are NotFoundException; KeyId is required (W-35).
#[tokio::test]
async fn w43_aliases_and_unknown_keys_are_refused() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    create_alias(&c, "alias/used", &id).await;
    for name in ["alias/used".to_string(), alias_arn(REGION, "alias/used")] {
        let (code, msg) = err_code(c.get_key_last_usage().key_id(&name).send().await);
        assert_eq!(code, "NotFoundException");
        msg_is(msg, format!("Invalid keyId '{name}'"));
    }
    let missing = "11111111-2222-3333-4444-555555555555";
    let (code, msg) = err_code(c.get_key_last_usage().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException");
    msg_is(
        msg,
        format!("Key '{}' does not exist", arn(REGION, missing)),
    );
    let (status, body) = raw_op(&tc, REGION, "GetKeyLastUsage", serde_json::json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
    );
    tc.stop().await;
}
