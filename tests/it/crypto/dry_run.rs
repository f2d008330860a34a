//! DryRun (E-12) on every symmetric crypto operation.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;

use super::*;
use crate::common::*;

/// E-12: DryRun=true on a valid request → DryRunOperationException, and nothing happens.
#[tokio::test]
async fn e12_dry_run_encrypt_decrypt_re_encrypt_generate_data_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let (id2, _, _) = symmetric_key(&c).await;
    let blob = encrypt(&c, &id, b"dry").await;
    const DRY: &str = "The request would have succeeded, but the DryRun option is set.";

    let check = |op: &str, r: (String, Option<String>)| {
        assert_eq!(r.0, "DryRunOperationException", "{op}");
        assert_eq!(r.1.as_deref(), Some(DRY), "{op}");
    };
    check(
        "Encrypt",
        err_code(
            c.encrypt()
                .key_id(&id)
                .plaintext(Blob::new(b"x".to_vec()))
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "Decrypt",
        err_code(
            c.decrypt()
                .ciphertext_blob(blob.clone())
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "ReEncrypt",
        err_code(
            c.re_encrypt()
                .ciphertext_blob(blob.clone())
                .destination_key_id(&id2)
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "GenerateDataKey",
        err_code(
            c.generate_data_key()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "GenerateDataKeyWithoutPlaintext",
        err_code(
            c.generate_data_key_without_plaintext()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .dry_run(true)
                .send()
                .await,
        ),
    );
    // DryRun=false behaves like no DryRun.
    c.encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"x".to_vec()))
        .dry_run(false)
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

/// E-12: DryRun only answers DryRunOperationException for an otherwise valid request; a
/// request that would fail reports its real error.
#[tokio::test]
async fn e12_dry_run_on_a_disabled_key_reports_disabled() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, _) = symmetric_key(&c).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    assert_eq!(msg, Some(format!("{arn} is disabled.")));
    tc.stop().await;
}
