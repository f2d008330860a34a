//! `kmsim wrap`: its output unwrapped independently (RustCrypto's rsa OAEP and aes-kw KWP,
//! never the server's code) for every algorithm and every form of public key, then imported
//! through aws-sdk-kms; and its refusals (exit 2).

use aes_kw::KekAes256;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ExpirationModelType, KeyState};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{Oaep, RsaPrivateKey};

use super::{file, run, run_with, strings};
use crate::common::*;
use crate::wrap::{
    expected_material_id, get_params, random_material, rsa_pkcs8, rsa_private_key, ALGORITHMS,
    SPECS,
};

/// The OAEP padding of an algorithm: MGF1 with the same hash, empty label (§5.1).
fn oaep(algorithm: &str) -> Oaep {
    if algorithm.ends_with("SHA_1") {
        Oaep::new::<sha1::Sha1>()
    } else {
        Oaep::new::<sha2::Sha256>()
    }
}

/// §5.1 undone with the private key, by RustCrypto.
fn unwrap(private: &RsaPrivateKey, algorithm: &str, wrapped: &[u8]) -> Vec<u8> {
    let k = rsa::traits::PublicKeyParts::size(private);
    if algorithm.starts_with("RSAES_OAEP") {
        assert_eq!(wrapped.len(), k, "{algorithm}: exactly k bytes");
        return private.decrypt(oaep(algorithm), wrapped).expect("OAEP");
    }
    let (c1, c2) = wrapped.split_at(k);
    let aes_key: [u8; 32] = private
        .decrypt(oaep(algorithm), c1)
        .expect("OAEP of the AES key")
        .try_into()
        .expect("a 256-bit AES key");
    assert_eq!(
        c2.len() % 8,
        0,
        "{algorithm}: KWP output is a multiple of 8"
    );
    let mut out = vec![0u8; c2.len() - 8];
    let n = KekAes256::from(aes_key)
        .unwrap_with_padding(c2, &mut out)
        .expect("RFC 5649 unwrap")
        .len();
    out.truncate(n);
    out
}

/// The DER SubjectPublicKeyInfo of a local RSA key.
fn spki(private: &RsaPrivateKey) -> Vec<u8> {
    private
        .to_public_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// `kmsim wrap --public-key PK --algorithm ALG --material M [extra]`.
fn wrap_args(public_key: &str, algorithm: &str, material: &str, extra: &[&str]) -> Vec<String> {
    let mut a = strings(&[
        "wrap",
        "--public-key",
        public_key,
        "--algorithm",
        algorithm,
        "--material",
        material,
    ]);
    a.extend(strings(extra));
    a
}

#[tokio::test]
async fn wrap_output_unwraps_independently_for_every_algorithm_and_key_form() {
    let dir = tempfile::tempdir().unwrap();
    let private = rsa_private_key(2048);
    let der = spki(private);
    // The three forms of the public key: DER, the AWS CLI's base64 text, PEM.
    let forms = [
        file(dir.path(), "pub.der", &der),
        file(
            dir.path(),
            "pub.b64",
            format!("{}\n", STANDARD.encode(&der)).as_bytes(),
        ),
        file(
            dir.path(),
            "pub.pem",
            private
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap()
                .as_bytes(),
        ),
    ];
    let material = random_material(45);
    let m = file(dir.path(), "m.bin", &material);
    let m = m.to_str().unwrap();
    for alg in ALGORITHMS {
        for form in &forms {
            // Binary to --out.
            let out = dir.path().join("wrapped.bin");
            let args = wrap_args(
                form.to_str().unwrap(),
                alg,
                m,
                &["--out", out.to_str().unwrap()],
            );
            let r = run(&args).await;
            assert_eq!(
                (r.status, r.stdout.as_str(), r.stderr.as_str()),
                (Some(0), "", "")
            );
            let wrapped = std::fs::read(&out).unwrap();
            assert_eq!(unwrap(private, alg, &wrapped), material, "{alg} {form:?}");
            if alg.starts_with("RSA_AES") {
                assert_eq!(wrapped.len(), 256 + 56, "{alg}: C1 ‖ KWP(45 → 48 + 8)");
            }
        }
        // Base64 on stdout, one line.
        let r = run(&wrap_args(forms[0].to_str().unwrap(), alg, m, &[])).await;
        assert_eq!(r.status, Some(0), "{r:?}");
        assert!(r.stdout.ends_with('\n') && r.stdout.lines().count() == 1);
        let wrapped = STANDARD.decode(r.stdout.trim_end()).unwrap();
        assert_eq!(unwrap(private, alg, &wrapped), material, "{alg} (stdout)");
    }

    // A 4096-bit key; an RSA private key (PKCS#8 DER, ~1200 bytes) under RSA_AES; the public
    // key piped in on stdin.
    let private = rsa_private_key(4096);
    let material = rsa_pkcs8(2048);
    let m = file(dir.path(), "rsa.der", &material);
    for alg in ["RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"] {
        let args = wrap_args("-", alg, m.to_str().unwrap(), &[]);
        let b64 = STANDARD.encode(spki(private)).into_bytes();
        let r = run_with(&args, &[], Some(b64)).await;
        assert_eq!(r.status, Some(0), "{r:?}");
        let wrapped = STANDARD.decode(r.stdout.trim_end()).unwrap();
        assert_eq!(unwrap(private, alg, &wrapped), material, "{alg} 4096");
    }
}

#[tokio::test]
async fn wrapped_output_imports_through_the_sdk_for_every_algorithm_and_spec() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let dir = tempfile::tempdir().unwrap();
    for spec in SPECS {
        for alg in ALGORITHMS {
            let (id, _) = external_key(&c).await;
            let params = get_params(&c, &id, alg, spec).await;
            // As `aws kms get-parameters-for-import --query PublicKey --output text` prints it.
            let pk = STANDARD.encode(params.public_key().unwrap().as_ref());
            let pk = file(dir.path(), "pub.b64", format!("{pk}\n").as_bytes());
            let material = random_material(32);
            let m = file(dir.path(), "m.bin", &material);
            let out = dir.path().join("wrapped.bin");
            let r = run(&wrap_args(
                pk.to_str().unwrap(),
                alg,
                m.to_str().unwrap(),
                &["--out", out.to_str().unwrap()],
            ))
            .await;
            assert_eq!(r.status, Some(0), "{alg} {spec}: {r:?}");
            let resp = c
                .import_key_material()
                .key_id(&id)
                .import_token(params.import_token().unwrap().clone())
                .encrypted_key_material(Blob::new(std::fs::read(&out).unwrap()))
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{alg} {spec}: {e:?}"));
            let mid = expected_material_id(&id, &material);
            assert_eq!(resp.key_material_id(), Some(mid.as_str()));
            assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
            let blob = encrypt(&c, &id, b"wrapped by kmsim wrap").await;
            assert_eq!(
                decrypt_with_material(&c, blob).await,
                (b"wrapped by kmsim wrap".to_vec(), mid)
            );
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn wrap_refuses_what_aws_does_not_accept_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let der = spki(rsa_private_key(2048));
    let pk = file(dir.path(), "pub.der", &der);
    let pk = pk.to_str().unwrap();
    let m = file(dir.path(), "m.bin", &random_material(32));
    let m = m.to_str().unwrap();
    let long = file(dir.path(), "long.bin", &random_material(191));
    let junk = file(dir.path(), "junk.txt", b"not a public key\n");
    for (args, says) in [
        (
            wrap_args(pk, "RSAES_PKCS1_V1_5", m, &[]),
            "RSAES_PKCS1_V1_5 was withdrawn by AWS on 10 October 2023",
        ),
        (wrap_args(pk, "SM2PKE", m, &[]), "China Regions"),
        (
            wrap_args(pk, "RSAES_OAEP_SHA_256", long.to_str().unwrap(), &[]),
            "191 bytes of key material do not fit RSAES_OAEP_SHA_256 under a 2048-bit wrapping key (at most 190 bytes)",
        ),
        (
            wrap_args(junk.to_str().unwrap(), "RSAES_OAEP_SHA_256", m, &[]),
            "not a public key",
        ),
        (
            wrap_args("/nonexistent/pub.der", "RSAES_OAEP_SHA_256", m, &[]),
            "cannot read",
        ),
        (wrap_args("-", "RSAES_OAEP_SHA_256", "-", &[]), "both read stdin"),
    ] {
        let r = run(&args).await;
        let err = r.failed(2);
        assert!(err.starts_with("kmsim wrap: "), "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // clap: an unknown algorithm, a missing flag.
    let run1 = run(&wrap_args(pk, "RSAES_OAEP_SHA_512", m, &[])).await;
    assert!(run1.failed(2).contains("--algorithm"), "{run1:?}");
    let run2 = run(&strings(&["wrap", "--public-key", pk, "--material", m])).await;
    assert!(run2.failed(2).contains("--algorithm"), "{run2:?}");
}

#[test]
fn help_documents_the_defaults_output_and_exit_statuses() {
    let help = |cmd: &str| {
        let out = kmsim().args([cmd, "--help"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let import = help("import-material");
    for says in [
        "[default: RSA_4096]",
        "RSAES_OAEP_SHA_256 for raw material",
        "RSA_AES_KEY_WRAP_SHA_256 for a private key",
        "KEY_MATERIAL_DOES_NOT_EXPIRE",
        "AWS_ACCESS_KEY_ID",
        "`__type: message`",
        "[alias: --endpoint-url]",
    ] {
        assert!(
            import.contains(says),
            "import-material --help lacks {says:?}"
        );
    }
    let wrap = help("wrap");
    for says in ["fileb://", "--query PublicKey --output text", "RFC 5649"] {
        assert!(wrap.contains(says), "wrap --help lacks {says:?}");
    }
}
