//! The request path below HTTP (issue 12, item 4): `ops::dispatch` of DescribeKey, Encrypt 1 KiB,
//! Decrypt 1 KiB and GenerateDataKey on a running one-Region cluster — the decode of the JSON
//! body, key resolution, the domain work and the encoding of the response, exactly as a request
//! runs them after the HTTP layer. Compare with `crypto` (the ciphertext alone) to see what the
//! rest of the path costs.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kmsim::cluster::Cluster;
use kmsim::config::Config;
use kmsim::model::Operation;

fn config() -> Config {
    Config::parse(
        r#"
account_id = "111122223333"
default_region = "us-east-1"
gateway = "127.0.0.1:0"
[[region]]
name = "us-east-1"
listen = "127.0.0.1:0"
[import]
prefill = false
"#,
    )
    .expect("config")
}

fn field(json: &[u8], name: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(json).expect("json");
    let mut cur = &v;
    for part in name.split('.') {
        cur = &cur[part];
    }
    cur.as_str().expect(name).to_string()
}

fn dispatch(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let cluster = rt.block_on(Cluster::start(config())).expect("cluster");
    let node = cluster.state.nodes.get("us-east-1").expect("us-east-1");
    let run = |op: Operation, body: &[u8]| kmsim::ops::dispatch(&node, op, body);

    let created = run(Operation::CreateKey, b"{}").expect("CreateKey");
    let key = field(&created, "KeyMetadata.KeyId");
    let describe = format!(r#"{{"KeyId":"{key}"}}"#).into_bytes();
    let plaintext = base64_of(&[0x5a; 1024]);
    let encrypt = format!(r#"{{"KeyId":"{key}","Plaintext":"{plaintext}"}}"#).into_bytes();
    let blob = field(
        &run(Operation::Encrypt, &encrypt).expect("Encrypt"),
        "CiphertextBlob",
    );
    let decrypt = format!(r#"{{"CiphertextBlob":"{blob}"}}"#).into_bytes();
    let gdk = format!(r#"{{"KeyId":"{key}","KeySpec":"AES_256"}}"#).into_bytes();

    let mut g = c.benchmark_group("dispatch");
    for (name, op, body) in [
        ("DescribeKey", Operation::DescribeKey, &describe),
        ("Encrypt/1KiB", Operation::Encrypt, &encrypt),
        ("Decrypt/1KiB", Operation::Decrypt, &decrypt),
        ("GenerateDataKey", Operation::GenerateDataKey, &gdk),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| run(op, black_box(body)).expect(name));
        });
    }
    g.finish();
    drop(rt);
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
