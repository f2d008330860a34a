//! The operations `kmsim load` can time, each with its untimed setup.

use std::collections::VecDeque;

use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA256_MGF1SHA256};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::client::Client;
use super::LoadConfig;

/// A timed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `GET /_kmsim/health`: the HTTP stack alone.
    Floor,
    /// Encrypt 1 KiB under one symmetric key.
    Encrypt,
    /// Decrypt a 1 KiB ciphertext.
    Decrypt,
    /// GenerateDataKey AES_256.
    GenerateDataKey,
    /// GetParametersForImport RSAES_OAEP_SHA_256 / RSA_2048.
    GetParameters,
    /// CreateKey (SYMMETRIC_DEFAULT, AWS_KMS): a write with fresh material every time.
    CreateKey,
    /// ImportKeyMaterial alone (parameters fetched and material wrapped in setup).
    Import,
    /// CreateKey + GetParametersForImport + client-side wrap + ImportKeyMaterial.
    ImportCycle,
    /// Multi-Region: create, import into the primary, replicate to two Regions, import into
    /// each replica, NEW material everywhere, rotate.
    MrkCycle,
}

impl Op {
    /// Every operation, in the order the bench script runs them.
    pub const ALL: [Op; 9] = [
        Op::Floor,
        Op::Encrypt,
        Op::Decrypt,
        Op::GenerateDataKey,
        Op::GetParameters,
        Op::CreateKey,
        Op::Import,
        Op::ImportCycle,
        Op::MrkCycle,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Op::Floor => "floor",
            Op::Encrypt => "encrypt",
            Op::Decrypt => "decrypt",
            Op::GenerateDataKey => "generate-data-key",
            Op::GetParameters => "get-parameters",
            Op::CreateKey => "create-key",
            Op::Import => "import",
            Op::ImportCycle => "import-cycle",
            Op::MrkCycle => "mrk-cycle",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// Expected import rate used to size the prepared tokens of `import` (per second, all
/// workers together): above what two cores can unwrap, so workers do not run dry.
const IMPORTS_PER_SEC_CEILING: f64 = 4000.0;

/// Import tokens `import` prepares per key: few, so that a server configured with a small cap
/// of outstanding tokens per key (`[import] max_tokens_per_key`, 1000 by default; past it the
/// oldest are forgotten) still accepts every one; more tokens are spread over more keys.
const TOKENS_PER_KEY: usize = 8;

/// One worker's prepared state.
pub struct Worker {
    op: Op,
    /// The repeated request of encrypt/decrypt/generate-data-key/get-parameters, encoded once.
    request: Option<super::client::Prepared>,
    key_id: String,
    blob: String,
    /// `import`: (key id, (token, wrapped material)), in the order they are used.
    prepared: VecDeque<(String, (String, String))>,
    replicas: Vec<String>,
    endpoints: std::collections::BTreeMap<String, String>,
}

fn s(v: &Value, k: &str) -> Result<String, String> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("response without {k}: {v}"))
}

async fn create_key(c: &Client, body: Value) -> Result<String, String> {
    let v = c.call("CreateKey", &body).await?;
    s(&v["KeyMetadata"], "KeyId")
}

/// GetParametersForImport + RSA-OAEP-SHA256 wrap of `material`: (token, wrapped), base64.
async fn prepare_import(
    c: &Client,
    key_id: &str,
    material: &[u8],
) -> Result<(String, String), String> {
    let p = c
        .call(
            "GetParametersForImport",
            &json!({"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
        )
        .await?;
    let der = STANDARD
        .decode(s(&p, "PublicKey")?)
        .map_err(|e| e.to_string())?;
    let public = PublicEncryptingKey::from_der(&der).map_err(|_| "bad PublicKey".to_string())?;
    let oaep = OaepPublicEncryptingKey::new(public).map_err(|_| "bad PublicKey".to_string())?;
    let mut out = vec![0u8; oaep.ciphertext_size()];
    let wrapped = oaep
        .encrypt(&OAEP_SHA256_MGF1SHA256, material, &mut out, None)
        .map_err(|_| "wrap failed".to_string())?;
    Ok((s(&p, "ImportToken")?, STANDARD.encode(wrapped)))
}

async fn import(
    c: &Client,
    key_id: &str,
    prepared: &(String, String),
    extra: Value,
) -> Result<Value, String> {
    let mut body = json!({
        "KeyId": key_id,
        "ImportToken": prepared.0,
        "EncryptedKeyMaterial": prepared.1,
        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    c.call("ImportKeyMaterial", &body).await
}

fn material(tag: u8) -> Vec<u8> {
    let mut m = vec![tag; 32];
    if let Ok(r) = crate::domain::material::random_bytes(32) {
        m = r;
    }
    m
}

impl Worker {
    /// Untimed setup for worker number `n`.
    pub async fn setup(c: &Client, cfg: &LoadConfig, n: usize) -> Result<Worker, String> {
        let mut w = Worker {
            op: cfg.op,
            request: None,
            key_id: String::new(),
            blob: String::new(),
            prepared: VecDeque::new(),
            replicas: cfg.replica_regions.clone(),
            endpoints: cfg.region_endpoints.clone(),
        };
        let plain = STANDARD.encode(vec![0x5au8; 1024]);
        match cfg.op {
            Op::Floor | Op::ImportCycle | Op::MrkCycle => {}
            Op::CreateKey => {}
            Op::Encrypt | Op::GenerateDataKey => w.key_id = create_key(c, json!({})).await?,
            Op::Decrypt => {
                w.key_id = create_key(c, json!({})).await?;
                let v = c
                    .call("Encrypt", &json!({"KeyId": w.key_id, "Plaintext": plain}))
                    .await?;
                w.blob = s(&v, "CiphertextBlob")?;
            }
            Op::GetParameters => w.key_id = create_key(c, json!({"Origin": "EXTERNAL"})).await?,
            Op::Import => {
                let m = material(n as u8);
                let count = (IMPORTS_PER_SEC_CEILING * cfg.duration.as_secs_f64()
                    / cfg.concurrency as f64)
                    .ceil() as usize
                    + 1;
                for i in 0..count {
                    if i % TOKENS_PER_KEY == 0 {
                        w.key_id = create_key(c, json!({"Origin": "EXTERNAL"})).await?;
                    }
                    let p = prepare_import(c, &w.key_id, &m).await?;
                    w.prepared.push_back((w.key_id.clone(), p));
                }
            }
        }
        w.request = match cfg.op {
            Op::Encrypt => Some(c.prepare("Encrypt", &json!({"KeyId": w.key_id, "Plaintext": plain}))),
            Op::Decrypt => Some(c.prepare("Decrypt", &json!({"CiphertextBlob": w.blob}))),
            Op::GenerateDataKey => Some(c.prepare(
                "GenerateDataKey",
                &json!({"KeyId": w.key_id, "KeySpec": "AES_256"}),
            )),
            Op::CreateKey => Some(c.prepare("CreateKey", &json!({}))),
            Op::GetParameters => Some(c.prepare(
                "GetParametersForImport",
                &json!({"KeyId": w.key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
            )),
            _ => None,
        };
        Ok(w)
    }

    /// One timed step. `Ok(false)`: nothing left to do. `Err`: the AWS error code.
    pub async fn step(&mut self, c: &Client) -> Result<bool, String> {
        match self.op {
            Op::Floor => c.health().await.map(|_| true),
            Op::Encrypt | Op::Decrypt | Op::GenerateDataKey | Op::GetParameters | Op::CreateKey => {
                let p = self.request.as_ref().ok_or("no prepared request")?;
                c.send(p).await.map(|_| true)
            }
            Op::Import => match self.prepared.pop_front() {
                None => Ok(false),
                Some((key_id, p)) => import(c, &key_id, &p, json!({})).await.map(|_| true),
            },
            Op::ImportCycle => {
                let id = create_key(c, json!({"Origin": "EXTERNAL"})).await?;
                let p = prepare_import(c, &id, &material(1)).await?;
                import(c, &id, &p, json!({})).await.map(|_| true)
            }
            Op::MrkCycle => self.mrk_cycle(c).await.map(|_| true),
        }
    }

    /// One multi-Region BYOK cycle. Replication may be asynchronous (a bus over NATS): like a
    /// client of AWS, before a step that needs the previous one's replication it polls a
    /// cheap read (DescribeKey, ListKeyRotations) until the replica shows it, and retries
    /// RotateKeyOnDemand while the primary has not heard from every replica yet. In process
    /// every first poll succeeds.
    async fn mrk_cycle(&self, primary: &Client) -> Result<(), String> {
        let id = create_key(primary, json!({"Origin": "EXTERNAL", "MultiRegion": true})).await?;
        let (m1, m2) = (material(1), material(2));
        let p = prepare_import(primary, &id, &m1).await?;
        import(primary, &id, &p, json!({})).await?;
        let replicas: Vec<Client> = self
            .replicas
            .iter()
            .map(|r| match self.endpoints.get(r) {
                Some(url) => primary.at(url, r),
                None => primary.for_region(r),
            })
            .collect();
        let key = json!({"KeyId": id});
        let all = json!({"KeyId": id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"});
        for (r, c) in self.replicas.iter().zip(&replicas) {
            primary
                .call("ReplicateKey", &json!({"KeyId": id, "ReplicaRegion": r}))
                .await?;
            until_replicated(|| c.call("DescribeKey", &key)).await?;
            let p = prepare_import(c, &id, &m1).await?;
            import(c, &id, &p, json!({})).await?;
        }
        let p = prepare_import(primary, &id, &m2).await?;
        let new = import(primary, &id, &p, json!({"ImportType": "NEW_KEY_MATERIAL"})).await?;
        let id2 = s(&new, "KeyMaterialId")?;
        for c in &replicas {
            until_replicated(|| async {
                let v = c.call("ListKeyRotations", &all).await?;
                let listed = v["Rotations"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|e| e["KeyMaterialId"] == id2.as_str()));
                if listed {
                    Ok(())
                } else {
                    Err("NotFoundException".to_string())
                }
            })
            .await?;
            let p = prepare_import(c, &id, &m2).await?;
            import(c, &id, &p, json!({"ImportType": "EXISTING_KEY_MATERIAL"})).await?;
        }
        until_replicated(|| primary.call("RotateKeyOnDemand", &key)).await?;
        Ok(())
    }
}

/// Errors a multi-Region step gets while the change it depends on is still replicating.
const NOT_YET_REPLICATED: &[&str] = &["NotFoundException", "KMSInvalidStateException"];

/// Runs `f` until it succeeds or fails otherwise, every millisecond, for at most 10 s.
async fn until_replicated<T, F, Fut>(mut f: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match f().await {
            Err(e)
                if NOT_YET_REPLICATED.contains(&e.as_str())
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            other => return other,
        }
    }
}
