//! The three measured defects of the first bus (issue 10), as regressions: a cut Region must
//! not block replication between the others (head-of-line), an idle bus with a blocked event
//! must not poll, and a cut Region's queue is bounded by its keys, not by the events published
//! while it is away.

use std::time::Duration;

use aws_sdk_kms::types::OriginType;

use super::queued_to;
use crate::common::mr::*;
use crate::common::*;

/// The issue's reproducer: with C cut, a replica's report from C waits, but a change in B and
/// then on the primary in A still reach B at once — on both transports.
#[tokio::test]
async fn a_cut_region_does_not_block_replication_between_the_others() {
    let fx = Fixture::in_process().await;
    head_of_line(&fx).await;
    fx.stop().await;
}

/// The reproducer against three Region processes over NATS JetStream (issue 10).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_region_does_not_block_replication_over_nats() {
    let fx = Fixture::nats(false).await;
    head_of_line(&fx).await;
    fx.stop().await;
}

async fn head_of_line(fx: &Fixture) {
    let (a, b, c) = (fx.client(A), fx.client(B), fx.client(C));
    let key_a = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &key_a, C).await;
    let key_b = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &key_b, B).await;
    fx.sync().await;
    fx.cut(C, true).await;
    c.disable_key().key_id(&key_a).send().await.unwrap();
    b.disable_key().key_id(&key_b).send().await.unwrap();
    a.enable_key_rotation().key_id(&key_b).send().await.unwrap();
    // Drains what may travel: everything but C's report.
    fx.sync().await;
    let status = b
        .get_key_rotation_status()
        .key_id(&key_b)
        .send()
        .await
        .unwrap();
    assert!(
        status.key_rotation_enabled,
        "eu-west-1 sees the rotation set in us-east-1 while ap-southeast-2 is cut"
    );
    let bus = fx.bus().await;
    assert_eq!(queued_to(&bus, A), 1, "only C's report waits: {bus}");
    let md = a.describe_key().key_id(&key_a).send().await.unwrap();
    assert!(md.key_metadata().unwrap().enabled, "A still enabled");
    fx.cut(C, false).await;
    let bus = fx.drain().await;
    assert_eq!(queued_to(&bus, A), 0, "{bus}");
}

/// With a delay, a cut Region's event queued first and another Region's event to the same
/// destination after it: the second is delivered, and the delivery task then sleeps instead of
/// spinning on the blocked one (a few wake-ups in a second, not thousands).
#[tokio::test]
async fn an_idle_bus_with_a_blocked_event_does_not_poll() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let key_c = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &key_c, C).await;
    let key_b = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &key_b, B).await;
    let bus = &tc.cluster.state.bus;
    bus.set_delay(Duration::from_millis(50));
    bus.cut(C);
    c.disable_key().key_id(&key_c).send().await.unwrap();
    b.disable_key().key_id(&key_b).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        bus.status().queued.get(A),
        Some(&1),
        "B's report went through"
    );
    let before = bus.status().wakeups;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let woke = bus.status().wakeups - before;
    assert!(woke <= 3, "{woke} wake-ups in an idle second");
    bus.heal(C);
    bus.set_delay(Duration::ZERO);
    bus.drain().await.expect("drain");
    assert_eq!(bus.status().queued.get(A), None);
    tc.stop().await;
}

/// 200 changes to one key's shared properties while its replica's Region is cut: one snapshot
/// stays queued (the newest), and after the heal the replica has the last state.
#[tokio::test]
async fn a_cut_regions_queue_keeps_only_the_newest_state_per_key() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, C).await;
    let bus = &tc.cluster.state.bus;
    bus.cut(C);
    for i in 0..100 {
        a.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(90 + i)
            .send()
            .await
            .unwrap();
        a.disable_key_rotation().key_id(&id).send().await.unwrap();
    }
    a.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(365)
        .send()
        .await
        .unwrap();
    assert_eq!(bus.status().queued.get(C), Some(&1), "{:?}", bus.status());
    bus.heal(C);
    bus.drain().await.expect("drain");
    let status = tc
        .client(C)
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled);
    assert_eq!(status.rotation_period_in_days, Some(365));
    tc.stop().await;
}

/// `GET /_kmsim/bus` reports replication lag per destination Region: with a 50 ms delay, what
/// the delivery task applies waited at least that long.
#[tokio::test]
async fn the_bus_reports_replication_lag_per_region() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let (_, bus) = admin(&tc, "/_kmsim/bus", None).await;
    assert_eq!(bus["lagMs"][B]["count"], 1, "the CreateReplica: {bus}");
    admin(&tc, "/_kmsim/bus/delay", Some(r#"{"milliseconds":50}"#)).await;
    a.enable_key_rotation().key_id(&id).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, bus) = admin(&tc, "/_kmsim/bus", None).await;
    let lag = &bus["lagMs"][B];
    assert_eq!(lag["count"], 2, "{bus}");
    assert!(lag["max"].as_f64().unwrap() >= 50.0, "{bus}");
    assert!(lag["p50"].as_f64().unwrap() <= lag["p99"].as_f64().unwrap());
    tc.stop().await;
}
