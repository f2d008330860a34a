//! ReplicateKey's refusals (R-1 … R-3, R-5) and what a new replica shares with its
//! primary and what it keeps to itself (R-4).

use aws_sdk_kms::types::{KeySpec, KeyState, OriginType};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn r1_replicating_a_replica_is_unsupported() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    for target in [C, A] {
        let (code, msg) = err_code(
            b.replicate_key()
                .key_id(&id)
                .replica_region(target)
                .send()
                .await,
        );
        assert_eq!(code, "UnsupportedOperationException", "to {target}");
        msg_is(
            msg,
            format!("{} is not a multi-region primary key.", arn(B, &id)),
        );
    }
    let (code, _) = err_code(tc.client(C).describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException", "nothing was created in C");
    tc.stop().await;
}

#[tokio::test]
async fn r1_replicating_a_single_region_key_is_unsupported() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = new_key(&a).await;
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    // [CHOICE] text of R-1.
    msg_is(msg, format!("{} is not a multi-region key.", arn(A, &id)));
    tc.stop().await;
}

#[tokio::test]
async fn r2_replica_in_the_primary_region_is_a_validation_error() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    let (code, _) = err_code(a.replicate_key().key_id(&id).replica_region(A).send().await);
    assert_eq!(code, "ValidationException");
    assert!(mr_view(&describe(&a, &id).await).2.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn r2_region_that_already_has_the_replica_is_already_exists() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let (code, _) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "AlreadyExistsException");
    // Including a replica that is pending deletion (R-2).
    schedule_deletion(&b, &id, 7).await;
    let (code, _) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "AlreadyExistsException");
    assert_eq!(mr_view(&describe(&a, &id).await).2.len(), 1);
    tc.stop().await;
}

#[tokio::test]
async fn r3_disabled_primary_cannot_be_replicated() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    a.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{} is disabled.", arn(A, &id)));
    let (code, _) = err_code(tc.client(B).describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn r3_primary_back_in_pending_import_cannot_be_replicated() {
    // Not the fresh key of T3: a primary that had material and a replica, then lost its
    // current material.
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let set = byok_set(&tc, &[B]).await;
    delete_material(&a, &set.id, None).await;
    assert_eq!(key_state(&a, &set.id).await, KeyState::PendingImport);
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&set.id)
            .replica_region(C)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending import.", arn(A, &set.id)));
    tc.stop().await;
}

#[tokio::test]
async fn r3_primary_pending_deletion_cannot_be_replicated() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    // Without replicas: PendingDeletion.
    let lone = mrk(&a, OriginType::AwsKms).await;
    schedule_deletion(&a, &lone, 7).await;
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&lone)
            .replica_region(B)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending deletion.", arn(A, &lone)));
    // With a replica: PendingReplicaDeletion, same answer.
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    schedule_deletion(&a, &id, 7).await;
    assert_eq!(key_state(&a, &id).await, KeyState::PendingReplicaDeletion);
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(C).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending deletion.", arn(A, &id)));
    tc.stop().await;
}

#[tokio::test]
async fn r4_replica_shares_key_properties_but_not_description_tags_or_policy() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let primary_policy = r#"{"Version":"2012-10-17","Id":"primary-policy","Statement":[]}"#;
    let id = a
        .create_key()
        .origin(OriginType::External)
        .multi_region(true)
        .description("the primary's description")
        .tags(tag("owner", "primary"))
        .policy(primary_policy)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    import_material(&a, &id, &random_material(32), OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    let pmd = describe(&a, &id).await;
    // Defaults: "" description, the default policy, no tags.
    replicate(&a, &id, B).await;
    let bmd = describe(&b, &id).await;
    assert_eq!(bmd.description(), Some(""));
    let b_policy = b
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_string();
    assert_ne!(
        b_policy, primary_policy,
        "the primary's policy is not copied"
    );
    assert!(
        b_policy.contains("Enable IAM User Permissions"),
        "{b_policy}"
    );
    let b_tags = b.list_resource_tags().key_id(&id).send().await.unwrap();
    assert!(
        b_tags.tags().is_empty(),
        "the primary's tags are not copied"
    );
    // Its own values when given.
    let replica_policy = r#"{"Version":"2012-10-17","Id":"replica-policy","Statement":[]}"#;
    a.replicate_key()
        .key_id(&id)
        .replica_region(C)
        .description("replica in C")
        .tags(tag("owner", "c"))
        .policy(replica_policy)
        .send()
        .await
        .unwrap();
    let cmd = describe(&c, &id).await;
    assert_eq!(cmd.description(), Some("replica in C"));
    let c_policy = c
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(c_policy.policy(), Some(replica_policy));
    let c_tags = c.list_resource_tags().key_id(&id).send().await.unwrap();
    assert_eq!(c_tags.tags(), &[tag("owner", "c")]);
    // The shared properties are the primary's.
    for md in [&bmd, &cmd] {
        assert_eq!(md.key_id(), pmd.key_id());
        assert_eq!(md.key_spec(), Some(&KeySpec::SymmetricDefault));
        assert_eq!(md.key_usage(), pmd.key_usage());
        assert_eq!(md.origin(), Some(&OriginType::External));
        assert_eq!(md.multi_region(), Some(true));
        assert_eq!(md.encryption_algorithms(), pmd.encryption_algorithms());
    }
    // The primary keeps its own.
    let pmd = describe(&a, &id).await;
    assert_eq!(pmd.description(), Some("the primary's description"));
    let a_tags = a.list_resource_tags().key_id(&id).send().await.unwrap();
    assert_eq!(a_tags.tags(), &[tag("owner", "primary")]);
    tc.stop().await;
}

#[tokio::test]
async fn r5_region_outside_the_cluster_or_partition_is_a_validation_error() {
    // Strict: otherwise sa-east-1 opens on first use (issue 13, regions.rs); the partition
    // and name checks do not depend on it.
    let tc = TestCluster::start_with("strict_regions = true\n").await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    for region in ["sa-east-1", "cn-north-1", "us-gov-west-1", "not_a_region"] {
        let (code, _) = err_code(
            a.replicate_key()
                .key_id(&id)
                .replica_region(region)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "{region}");
    }
    assert!(mr_view(&describe(&a, &id).await).2.is_empty());
    tc.stop().await;
}
