//! Domain-layer benchmarks of the symmetric ciphertext blob (contract §6.2): `seal`/`open`
//! with one 32-byte material, as behind `Encrypt`/`Decrypt` with `SYMMETRIC_DEFAULT`. No HTTP,
//! JSON, store or key resolution is measured here.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kmsim::domain::ciphertext::{open, seal, EncryptionContext};
use kmsim::domain::material::KeyMaterialId;

const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KIB: usize = 1024;

fn context() -> EncryptionContext {
    [("purpose", "bench"), ("tenant", "kmsim")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn symmetric_default(c: &mut Criterion) {
    let material = [0x42u8; 32];
    let material_id = KeyMaterialId::derive(KEY_ID, &material);
    let plaintext = vec![0x5Au8; KIB];
    let ctx = context();

    let mut g = c.benchmark_group("Encrypt");
    g.throughput(Throughput::Bytes(KIB as u64));
    g.bench_function("SYMMETRIC_DEFAULT/1KiB", |b| {
        b.iter(|| {
            seal(
                black_box(KEY_ID),
                black_box(&material_id),
                black_box(&material),
                black_box(&plaintext),
                black_box(&ctx),
            )
            .expect("seal")
        })
    });
    g.finish();

    let blob = seal(KEY_ID, &material_id, &material, &plaintext, &ctx).expect("seal");
    let mut g = c.benchmark_group("Decrypt");
    g.throughput(Throughput::Bytes(KIB as u64));
    g.bench_function("SYMMETRIC_DEFAULT/1KiB", |b| {
        b.iter(|| open(black_box(&blob), black_box(&material), black_box(&ctx)).expect("open"))
    });
    g.finish();

    // KeyMaterialId is derived once per imported or generated material (§6.1).
    let mut g = c.benchmark_group("KeyMaterialId");
    g.bench_function("derive/SYMMETRIC_DEFAULT", |b| {
        b.iter_batched(
            || material,
            |m| KeyMaterialId::derive(black_box(KEY_ID), black_box(&m)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, symmetric_default);
criterion_main!(benches);
