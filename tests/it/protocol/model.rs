//! The protocol layer comes from botocore's model (W-4, W-35): every operation of the vendored
//! model is served (none answers `UnknownOperationException`), each one's required members are
//! reported exactly as the model lists them, and the constraints of the newer shapes (grants,
//! `Recipient`, key agreement, custom key stores) give AWS's messages with their nested paths.
//! The expectations are computed here from the model JSON, independently of the generator.

use serde_json::{json, Value};

use aws_sdk_kms::types::{KeySpec, KeyUsageType};

use super::*;
use crate::common::new_key;

fn model_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/model/kms-2014-11-01.json");
    std::fs::read_to_string(path).expect("vendored model")
}

fn model() -> Value {
    serde_json::from_str(&model_text()).expect("JSON")
}

/// The members of input shape `shape` in the model's own order (W-35 reports in that order;
/// `serde_json::Value` sorts keys, so the order is read from the text).
fn members_in_order(text: &str, shape: &str, names: &[String]) -> Vec<String> {
    let start = text
        .find(&format!("\"{shape}\":{{"))
        .expect("shape in the model text");
    let mut found: Vec<(usize, String)> = names
        .iter()
        .map(|n| {
            let at = text[start..]
                .find(&format!("\"{n}\":{{"))
                .expect("member in its shape");
            (at, n.clone())
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

fn lower_camel(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The W-35 message for an empty request to an operation whose input requires `required`.
fn nulls_message(required: &[String]) -> String {
    let errors: Vec<String> = required
        .iter()
        .map(|m| {
            format!(
                "Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_camel(m)
            )
        })
        .collect();
    match errors.len() {
        1 => format!("1 validation error detected: {}", errors[0]),
        n => format!("{n} validation errors detected: {}", errors.join("; ")),
    }
}

#[tokio::test]
async fn every_operation_of_the_model_is_served_and_checks_its_required_members() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let m = model();
    let text = model_text();
    let ops = m["operations"].as_object().expect("operations");
    assert_eq!(ops.len(), 56, "botocore's current model has 56 operations");
    for (name, op) in ops {
        let input = op["input"]["shape"].as_str().expect("input shape");
        let shape = &m["shapes"][input];
        let required: Vec<String> = shape["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let required = members_in_order(&text, input, &required);
        let resp = tc.raw(&url, Some(&target(name)), Some(JSON_11), "{}").await;
        let ty = resp.2.get("__type").and_then(Value::as_str).unwrap_or("");
        assert_ne!(ty, "UnknownOperationException", "{name} is not served");
        if !required.is_empty() {
            assert_kms_error(name, &resp, "ValidationException");
            assert_eq!(
                resp.2["message"].as_str(),
                Some(nulls_message(&required).as_str()),
                "{name}"
            );
        } else {
            assert!(
                resp.0 == 200 || resp.0 == 400,
                "{name}: {} {}",
                resp.0,
                resp.2
            );
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn custom_key_store_operations_are_unsupported_by_name() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("eu-west-1");
    for (op, body) in [
        (
            "CreateCustomKeyStore",
            json!({"CustomKeyStoreName": "store"}),
        ),
        (
            "ConnectCustomKeyStore",
            json!({"CustomKeyStoreId": "cks-1"}),
        ),
        ("DeleteCustomKeyStore", json!({"CustomKeyStoreId": "cks-1"})),
        ("DescribeCustomKeyStores", json!({})),
        (
            "DisconnectCustomKeyStore",
            json!({"CustomKeyStoreId": "cks-1"}),
        ),
        ("UpdateCustomKeyStore", json!({"CustomKeyStoreId": "cks-1"})),
    ] {
        let resp = tc
            .raw(&url, Some(&target(op)), Some(JSON_11), body.to_string())
            .await;
        assert_kms_error(op, &resp, "UnsupportedOperationException");
        let msg = resp.2["message"].as_str().unwrap_or_default();
        assert!(msg.starts_with(&format!("{op} is not supported")), "{msg}");
    }
    // Their input is still checked against the model first.
    let resp = tc
        .raw(
            &url,
            Some(&target("CreateCustomKeyStore")),
            Some(JSON_11),
            json!({
                "CustomKeyStoreName": "s",
                "XksProxyUriEndpoint": "http://proxy",
                "XksProxyAuthenticationCredential": {"AccessKeyId": "SHORT"}
            })
            .to_string(),
        )
        .await;
    assert_kms_error("CreateCustomKeyStore", &resp, "ValidationException");
    assert_eq!(
        resp.2["message"].as_str(),
        Some(
            "3 validation errors detected: \
             Value 'http://proxy' at 'xksProxyUriEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: ^https://[a-zA-Z0-9.-]+$; \
             Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 20; \
             Value null at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: Member must not be null"
        )
    );
    tc.stop().await;
}

/// W-35 for the shapes the newer operations brought: lists of enums, list element lengths,
/// nested structures, patterns and sensitive values.
#[tokio::test]
async fn constraint_messages_of_the_newer_shapes() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let cases: Vec<(&str, Value, String)> = vec![
        (
            "CreateGrant",
            json!({"KeyId": MISSING_KEY, "Operations": ["Encrypt", "Fly"], "Name": "has space",
                   "GranteePrincipal": "not allowed!"}),
            "3 validation errors detected: \
             Value 'not allowed!' at 'granteePrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$; \
             Value '[Encrypt, Fly]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, DescribeKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret, Encapsulate, Decapsulate]]; \
             Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$".to_string(),
        ),
        (
            "Encrypt",
            json!({"KeyId": MISSING_KEY, "Plaintext": "aGk=", "GrantTokens": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "1 validation error detected: Value '[t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10".to_string(),
        ),
        (
            "DescribeKey",
            json!({"KeyId": MISSING_KEY, "GrantTokens": ["x".repeat(8193)]}),
            format!("1 validation error detected: Value '[{}]' at 'grantTokens' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]", "x".repeat(8193)),
        ),
        (
            "GenerateRandom",
            json!({"NumberOfBytes": 16, "Recipient": {"KeyEncryptionAlgorithm": "RSAES_PKCS1", "AttestationDocument": ""}}),
            "2 validation errors detected: \
             Value 'RSAES_PKCS1' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]; \
             Value at 'recipient.attestationDocument' failed to satisfy constraint: Member must have length greater than or equal to 1".to_string(),
        ),
        (
            "DeriveSharedSecret",
            json!({"KeyId": MISSING_KEY, "KeyAgreementAlgorithm": "DH"}),
            "2 validation errors detected: \
             Value 'DH' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]; \
             Value null at 'publicKey' failed to satisfy constraint: Member must not be null".to_string(),
        ),
        (
            "ListGrants",
            json!({"KeyId": MISSING_KEY, "Limit": 101}),
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100".to_string(),
        ),
        (
            "CreateKey",
            json!({"Tags": [{"TagKey": "", "TagValue": "v"}, {"TagKey": "k"}]}),
            "2 validation errors detected: \
             Value '' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null".to_string(),
        ),
        (
            "UntagResource",
            json!({"KeyId": MISSING_KEY, "TagKeys": ["ok", ""]}),
            "1 validation error detected: Value '[ok, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]".to_string(),
        ),
        (
            "ListKeys",
            json!({"ResourceOwners": []}),
            "1 validation error detected: Value '[]' at 'resourceOwners' failed to satisfy constraint: Member must have length greater than or equal to 1".to_string(),
        ),
    ];
    let before = key_count(&tc, &url).await;
    for (op, body, want) in cases {
        let resp = tc
            .raw(&url, Some(&target(op)), Some(JSON_11), body.to_string())
            .await;
        assert_kms_error(op, &resp, "ValidationException");
        assert_eq!(resp.2["message"].as_str(), Some(want.as_str()), "{op}");
    }
    assert_eq!(
        key_count(&tc, &url).await,
        before,
        "bad input changes nothing"
    );
    tc.stop().await;
}

/// A value of the right JSON type for shape `name`, filled with `seed`-dependent junk: short
/// and long strings, empty and odd blobs, extreme integers, nested shapes.
fn junk(m: &Value, name: &str, seed: usize, depth: usize, keys: &[String]) -> Value {
    if name == "KeyIdType" && seed % 2 == 1 && !keys.is_empty() {
        return json!(keys[seed % keys.len()]);
    }
    let shape = &m["shapes"][name];
    match shape["type"].as_str().unwrap_or("") {
        "string" => match shape["enum"].as_array() {
            Some(values) if !seed.is_multiple_of(3) => values[seed % values.len()].clone(),
            _ => json!(
                [
                    "x",
                    "",
                    "alias/x",
                    "arn:aws:kms:us-east-1:111122223333:key/x",
                    "\u{00e9}"
                ][seed % 5]
            ),
        },
        "blob" => json!(["", "AA==", "MIIB", "/w=="][seed % 4]),
        "integer" | "long" => json!([0, -1, 1, 2147483647i64, 7][seed % 5]),
        "boolean" => json!(seed.is_multiple_of(2)),
        "timestamp" => json!([0.0, 1e12, 1.7e9][seed % 3]),
        "list" if depth < 3 => {
            let member = shape["member"]["shape"].as_str().unwrap_or("");
            Value::Array(
                (0..seed % 3)
                    .map(|i| junk(m, member, seed + i, depth + 1, keys))
                    .collect(),
            )
        }
        "map" => json!({"k": "v"}),
        "structure" if depth < 3 => {
            let mut o = serde_json::Map::new();
            for (k, v) in shape["members"].as_object().into_iter().flatten() {
                let s = v["shape"].as_str().unwrap_or("");
                o.insert(k.clone(), junk(m, s, seed + k.len(), depth + 1, keys));
            }
            Value::Object(o)
        }
        _ => Value::Null,
    }
}

/// Bad input never panics and never gets a 500: every operation of the model, with every
/// member filled with junk of the right JSON type (several variations each), answers 200 or
/// a 400 KMS error (W-33), and the server keeps serving.
#[tokio::test]
async fn junk_of_the_right_types_never_gets_a_server_error() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    // Real keys of every family, so junk reaches the handlers behind key resolution.
    let c = tc.client("us-east-1");
    let mut keys = vec![new_key(&c).await];
    for (spec, usage) in [
        (KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt),
        (KeySpec::EccNistP256, KeyUsageType::KeyAgreement),
        (KeySpec::MlKem768, KeyUsageType::EncapsulateDecapsulate),
        (KeySpec::EccNistEdwards25519, KeyUsageType::SignVerify),
        (KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac),
    ] {
        let md = c
            .create_key()
            .key_spec(spec)
            .key_usage(usage)
            .send()
            .await
            .expect("CreateKey")
            .key_metadata
            .expect("md");
        keys.push(md.key_id);
    }
    let m = model();
    let ops = m["operations"].as_object().expect("operations");
    for (name, op) in ops {
        let input = op["input"]["shape"].as_str().expect("input");
        for seed in 0..12 {
            let body = junk(&m, input, seed, 0, &keys);
            let resp = tc
                .raw(&url, Some(&target(name)), Some(JSON_11), body.to_string())
                .await;
            assert!(
                resp.0 == 200 || resp.0 == 400,
                "{name} {body}: {} {}",
                resp.0,
                resp.2
            );
            if resp.0 == 400 {
                assert!(
                    resp.2["__type"]
                        .as_str()
                        .is_some_and(|t| t.ends_with("Exception")),
                    "{name} {body}: {}",
                    resp.2
                );
            }
        }
    }
    // Still serving.
    key_count(&tc, &url).await;
    tc.stop().await;
}
