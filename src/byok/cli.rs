//! The flags, help and exit statuses of `kmsim import-material` and `kmsim wrap` (the binary
//! only adds them as subcommands). Exit 0 on success, 1 when a server refused or could not be
//! reached, 2 for bad arguments or input (clap's own status for a bad flag).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_smithy_types::date_time::DateTime;
use base64::Engine;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use super::import::{credentials_from_env, import, ImportRequest};
use super::input::{parse_valid_to, public_key_der, read_file, Material};
use super::wrap::WrappingPublicKey;
use super::Failure;
use crate::domain::enums::{ImportType, WrappingAlgorithm, WrappingKeySpec};

/// Flags of `kmsim import-material`.
#[derive(Debug, clap::Args)]
#[command(after_help = IMPORT_HELP)]
pub struct ImportMaterialArgs {
    /// Endpoint URL: a Region's port or the gateway (also spelled as the AWS CLI does).
    #[arg(long, visible_alias = "endpoint-url", value_name = "URL")]
    pub endpoint: String,
    /// Region to sign for (the gateway routes by it).
    #[arg(long, value_name = "REGION")]
    pub region: String,
    /// Key id or key ARN of a key with Origin EXTERNAL.
    #[arg(long, value_name = "ID")]
    pub key_id: String,
    /// Key material: 32 raw bytes (symmetric key), the raw HMAC key, or a private key as DER
    /// or PEM PKCS#8 (asymmetric key). `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub material: PathBuf,
    /// ImportType. Left out of the request when not given, so AWS's default applies:
    /// NEW_KEY_MATERIAL for a key's first material, EXISTING_KEY_MATERIAL after it and always
    /// in a multi-Region replica. Symmetric keys only.
    #[arg(long, value_name = "TYPE", value_parser = import_type_parser())]
    pub import_type: Option<ImportType>,
    /// KeyMaterialId the material must have (with EXISTING_KEY_MATERIAL).
    #[arg(long, value_name = "ID")]
    pub key_material_id: Option<String>,
    /// Wrapping algorithm. Default: RSAES_OAEP_SHA_256 for raw material that fits in OAEP
    /// under the wrapping key, RSA_AES_KEY_WRAP_SHA_256 for a private key or longer material
    /// (AWS's preference order).
    #[arg(long, value_name = "ALG", value_parser = algorithm_parser())]
    pub wrapping_algorithm: Option<WrappingAlgorithm>,
    /// Wrapping key spec (AWS prefers RSA_4096, the longest).
    #[arg(long, value_name = "SPEC", value_parser = spec_parser(), default_value = "RSA_4096")]
    pub wrapping_key_spec: WrappingKeySpec,
    /// The material expires at TIME: ExpirationModel KEY_MATERIAL_EXPIRES with this ValidTo,
    /// as RFC 3339 (2030-01-31T12:00:00Z) or epoch seconds. Without it the material does not
    /// expire (KEY_MATERIAL_DOES_NOT_EXPIRE).
    #[arg(long, value_name = "TIME", value_parser = valid_to_parser)]
    pub valid_to: Option<DateTime>,
    /// KeyMaterialDescription (symmetric keys only).
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

/// Shown after `kmsim import-material --help`.
const IMPORT_HELP: &str = "\
Calls GetParametersForImport, wraps the material locally with the public key it returns, and
calls ImportKeyMaterial with the token, each request signed with SigV4 like an SDK.

Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when set, else
fixed test credentials, which kmsim accepts unless it runs [auth] mode = \"sigv4\".

Output: on success a JSON object on stdout: KeyId (the key ARN), ImportType (null when left
to AWS's default), KeyMaterialId (null for asymmetric and HMAC keys), WrappingAlgorithm,
WrappingKeySpec, ExpirationModel, ValidTo.

Exit status: 0 imported; 1 the server refused (its error printed on stderr as
`__type: message`, e.g. `IncorrectKeyMaterialException: ...`) or could not be reached; 2 bad
arguments or input (nothing is sent). RSAES_PKCS1_V1_5, withdrawn by AWS in October 2023, is
sent as asked and the server's refusal reported; SM2PKE and SM2 (AWS China Regions only) are
refused here.

Example:
  kmsim import-material --endpoint-url http://127.0.0.1:4601 --region us-east-1 \\
      --key-id mrk-... --material material.bin --import-type NEW_KEY_MATERIAL";

/// Flags of `kmsim wrap`.
#[derive(Debug, clap::Args)]
#[command(after_help = WRAP_HELP)]
pub struct WrapArgs {
    /// The wrapping public key from GetParametersForImport: DER, PEM, or the base64 text of
    /// `aws kms get-parameters-for-import ... --query PublicKey --output text`. `-` reads
    /// stdin.
    #[arg(long, value_name = "FILE")]
    pub public_key: PathBuf,
    /// The wrapping algorithm given to GetParametersForImport.
    #[arg(long, value_name = "ALG", value_parser = algorithm_parser())]
    pub algorithm: WrappingAlgorithm,
    /// Key material: 32 raw bytes (symmetric key), the raw HMAC key, or a private key as DER
    /// or PEM PKCS#8 (asymmetric key). `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub material: PathBuf,
    /// Write the wrapped material here, binary (for the AWS CLI's fileb://). Without it, the
    /// base64 text goes to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Shown after `kmsim wrap --help`.
const WRAP_HELP: &str = "\
Wraps key material for ImportKeyMaterial's EncryptedKeyMaterial, locally (nothing is sent):
RSAES_OAEP_SHA_* encrypts the material with RSA-OAEP (MGF1 with the same hash, empty label);
RSA_AES_KEY_WRAP_SHA_* encrypts a fresh 256-bit AES key with RSA-OAEP and appends the material
wrapped under it with AES key wrap with padding (RFC 5649).

Exit status: 0 wrapped; 2 bad arguments or input, including material too long for direct OAEP,
RSAES_PKCS1_V1_5 (withdrawn by AWS in October 2023) and SM2PKE (AWS China Regions only).

Example:
  aws kms get-parameters-for-import --key-id $KEY --wrapping-algorithm RSAES_OAEP_SHA_256 \\
      --wrapping-key-spec RSA_4096 --query PublicKey --output text > pub.b64
  kmsim wrap --public-key pub.b64 --algorithm RSAES_OAEP_SHA_256 --material material.bin \\
      --out wrapped.bin";

/// `kmsim import-material`: prints the result and returns the exit status.
pub fn run_import(args: ImportMaterialArgs) -> ExitCode {
    finish("import-material", import_material(args))
}

/// `kmsim wrap`: writes the wrapped material and returns the exit status.
pub fn run_wrap(args: WrapArgs) -> ExitCode {
    finish("wrap", wrap(args))
}

fn import_material(args: ImportMaterialArgs) -> Result<(), Failure> {
    let material = material(&args.material)?;
    let request = ImportRequest {
        endpoint: args.endpoint,
        region: args.region,
        key_id: args.key_id,
        material,
        import_type: args.import_type,
        key_material_id: args.key_material_id,
        algorithm: args.wrapping_algorithm,
        spec: args.wrapping_key_spec,
        valid_to: args.valid_to,
        description: args.description,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Transport(format!("cannot start the runtime: {e}")))?;
    let out = rt.block_on(import(request, credentials_from_env()))?;
    let text = serde_json::to_string_pretty(&out)
        .map_err(|e| Failure::Transport(format!("cannot print the result: {e}")))?;
    println!("{text}");
    Ok(())
}

fn wrap(args: WrapArgs) -> Result<(), Failure> {
    if args.public_key == Path::new("-") && args.material == Path::new("-") {
        return Err(Failure::Usage(
            "--public-key and --material cannot both read stdin".into(),
        ));
    }
    let der = read_file(&args.public_key)
        .and_then(|b| public_key_der(&b))
        .map_err(|e| Failure::Usage(format!("--public-key {}: {e}", args.public_key.display())))?;
    let key = WrappingPublicKey::from_der(&der)
        .map_err(|e| Failure::Usage(format!("--public-key {}: {e}", args.public_key.display())))?;
    let material = material(&args.material)?;
    let wrapped = key
        .wrap(args.algorithm, material.bytes())
        .map_err(|e| Failure::Usage(e.to_string()))?;
    match &args.out {
        Some(path) => std::fs::write(path, &wrapped)
            .map_err(|e| Failure::Usage(format!("--out {}: cannot write: {e}", path.display()))),
        None => {
            let text = base64::engine::general_purpose::STANDARD.encode(&wrapped);
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{text}")
                .and_then(|()| stdout.flush())
                .map_err(|e| Failure::Transport(format!("cannot write to stdout: {e}")))
        }
    }
}

/// Reads and parses `--material`.
fn material(path: &Path) -> Result<Material, Failure> {
    read_file(path)
        .and_then(Material::parse)
        .map_err(|e| Failure::Usage(format!("--material {}: {e}", path.display())))
}

/// Prints a failure on stderr: an AWS error exactly as `__type: message`, anything else after
/// the command's name.
fn finish(command: &str, result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            match &f {
                Failure::Aws { .. } => eprintln!("{f}"),
                _ => eprintln!("kmsim {command}: {f}"),
            }
            ExitCode::from(f.exit_status())
        }
    }
}

/// The wrapping algorithms by their AWS names. RSAES_PKCS1_V1_5 and SM2PKE are accepted (and
/// then refused with a reason) but not listed.
fn algorithm_parser() -> impl TypedValueParser<Value = WrappingAlgorithm> {
    let values = WrappingAlgorithm::ALL.iter().map(|a| {
        let v = PossibleValue::new(a.as_str());
        match a {
            WrappingAlgorithm::RsaesPkcs1V15 | WrappingAlgorithm::Sm2pke => v.hide(true),
            _ => v,
        }
    });
    PossibleValuesParser::new(values).try_map(|s| {
        WrappingAlgorithm::parse(&s).ok_or_else(|| format!("unknown wrapping algorithm {s}"))
    })
}

/// The wrapping key specs by their AWS names; SM2 accepted (then refused) but not listed.
fn spec_parser() -> impl TypedValueParser<Value = WrappingKeySpec> {
    let values = WrappingKeySpec::ALL
        .iter()
        .map(|s| PossibleValue::new(s.as_str()).hide(*s == WrappingKeySpec::Sm2));
    PossibleValuesParser::new(values).try_map(|s| {
        WrappingKeySpec::parse(&s).ok_or_else(|| format!("unknown wrapping key spec {s}"))
    })
}

/// The import types by their AWS names.
fn import_type_parser() -> impl TypedValueParser<Value = ImportType> {
    PossibleValuesParser::new(ImportType::ALL.iter().map(|t| t.as_str()))
        .try_map(|s| ImportType::parse(&s).ok_or_else(|| format!("unknown import type {s}")))
}

fn valid_to_parser(s: &str) -> Result<DateTime, String> {
    parse_valid_to(s).map_err(|e| e.to_string())
}
