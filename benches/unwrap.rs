//! ImportKeyMaterial's cost at the domain level: unwrapping 32 bytes of symmetric key material
//! (`ImportKeyMaterial/<WrappingAlgorithm>/<WrappingKeySpec>`), one thread. Compare with
//! `openssl speed rsa2048 rsa3072 rsa4096` private-key operations per second on the same
//! machine (scripts/bench.sh prints both).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA256_MGF1SHA256};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kmsim::domain::enums::{WrappingAlgorithm, WrappingKeySpec};
use kmsim::domain::wrapping::{kwp_wrap, WrappingKey};

/// The client's half: RSA-OAEP-SHA256 of `data` under the wrapping key's public key.
fn oaep_wrap(key: &WrappingKey, data: &[u8]) -> Vec<u8> {
    let public = PublicEncryptingKey::from_der(&key.public_key_der).expect("spki");
    let _ = public.as_der();
    let oaep = OaepPublicEncryptingKey::new(public).expect("oaep");
    let mut out = vec![0u8; oaep.ciphertext_size()];
    oaep.encrypt(&OAEP_SHA256_MGF1SHA256, data, &mut out, None)
        .expect("encrypt")
        .to_vec()
}

fn unwrap(c: &mut Criterion) {
    let material = [0x42u8; 32];
    let aes_key = [0x17u8; 32];
    let mut group = c.benchmark_group("ImportKeyMaterial");
    group.throughput(Throughput::Elements(1));
    for spec in [
        WrappingKeySpec::Rsa2048,
        WrappingKeySpec::Rsa3072,
        WrappingKeySpec::Rsa4096,
    ] {
        let key = WrappingKey::generate(spec).expect("generate");
        let oaep = oaep_wrap(&key, &material);
        let mut kw = oaep_wrap(&key, &aes_key);
        kw.extend(kwp_wrap(&aes_key, &material).expect("kwp"));
        for (alg, wrapped) in [
            (WrappingAlgorithm::RsaesOaepSha256, &oaep),
            (WrappingAlgorithm::RsaAesKeyWrapSha256, &kw),
        ] {
            assert_eq!(key.unwrap(alg, wrapped).expect("unwrap"), material);
            group.bench_function(format!("{}/{}", alg.as_str(), spec.as_str()), |b| {
                b.iter(|| {
                    key.unwrap(alg, std::hint::black_box(wrapped))
                        .expect("unwrap")
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, unwrap);
criterion_main!(benches);
