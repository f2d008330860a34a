//! What `kmsim import-material` and `kmsim wrap` read, parsed once at the edge: the key
//! material (raw bytes, or PEM for a private key), the wrapping public key (DER, the base64
//! text the AWS CLI prints, or PEM) and `--valid-to` (RFC 3339 or epoch seconds).

use std::fmt;
use std::io::Read;
use std::path::Path;

use aws_smithy_types::date_time::{DateTime, Format};
use base64::Engine;

/// Why an input was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The file could not be read.
    Unreadable {
        /// The path as given (`-` is stdin).
        path: String,
        /// The operating system's reason.
        cause: String,
    },
    /// The file is empty.
    Empty,
    /// PEM whose label names something the command cannot use as it is.
    PemLabel {
        /// The label, e.g. `RSA PRIVATE KEY`.
        label: String,
        /// What to do instead.
        hint: &'static str,
    },
    /// Text that starts like PEM but does not decode as RFC 7468 PEM.
    BadPem(String),
    /// A `PRIVATE KEY` PEM whose content is not a DER PKCS#8 PrivateKeyInfo.
    PemNotPkcs8,
    /// A public key that is neither DER nor PEM nor base64 text.
    NotBase64,
    /// `--valid-to` is neither RFC 3339 nor epoch seconds.
    BadTime(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Unreadable { path, cause } => write!(f, "cannot read {path}: {cause}"),
            InputError::Empty => write!(f, "the file is empty"),
            InputError::PemLabel { label, hint } => {
                write!(f, "PEM \"{label}\" is not accepted: {hint}")
            }
            InputError::BadPem(cause) => write!(f, "not valid PEM: {cause}"),
            InputError::PemNotPkcs8 => {
                write!(
                    f,
                    "the PEM \"PRIVATE KEY\" does not hold a DER PKCS#8 PrivateKeyInfo"
                )
            }
            InputError::NotBase64 => write!(
                f,
                "not a public key: expected DER, PEM \"PUBLIC KEY\" or the base64 text of \
                 `aws kms get-parameters-for-import --query PublicKey --output text`"
            ),
            InputError::BadTime(s) => write!(
                f,
                "'{s}' is not a time: give RFC 3339 (2030-01-31T12:00:00Z, an offset such as \
                 +02:00 is allowed) or epoch seconds"
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// Key material to import, as ImportKeyMaterial expects it once unwrapped (§5.4): raw bytes
/// for symmetric and HMAC keys, DER PKCS#8 PrivateKeyInfo for asymmetric keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Material {
    bytes: Vec<u8>,
    private_key: bool,
}

impl fmt::Debug for Material {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the bytes: they are a secret key.
        write!(
            f,
            "Material({} bytes{})",
            self.bytes.len(),
            if self.private_key { ", PKCS#8" } else { "" }
        )
    }
}

impl Material {
    /// Parses the contents of `--material`. [CHOICE] A file that starts with `-----BEGIN` is
    /// PEM (RFC 7468), and only a `PRIVATE KEY` PEM is accepted: its DER PKCS#8 is what gets
    /// wrapped, since KMS accepts binary only (P-14). Anything else is taken as the raw bytes
    /// to wrap; those that parse as a DER PKCS#8 PrivateKeyInfo count as a private key.
    pub fn parse(bytes: Vec<u8>) -> Result<Material, InputError> {
        if bytes.is_empty() {
            return Err(InputError::Empty);
        }
        if looks_like_pem(&bytes) {
            let (label, der) = decode_pem(&bytes)?;
            return match label.as_str() {
                "PRIVATE KEY" if is_pkcs8(&der) => Ok(Material {
                    bytes: der,
                    private_key: true,
                }),
                "PRIVATE KEY" => Err(InputError::PemNotPkcs8),
                "ENCRYPTED PRIVATE KEY" => Err(InputError::PemLabel {
                    label,
                    hint: "decrypt it first (openssl pkcs8 -topk8 -nocrypt)",
                }),
                _ => Err(InputError::PemLabel {
                    label,
                    hint: "KMS imports a private key as PKCS#8; convert it with \
                           `openssl pkcs8 -topk8 -nocrypt -outform DER`",
                }),
            };
        }
        let private_key = is_pkcs8(&bytes);
        Ok(Material { bytes, private_key })
    }

    /// The bytes to wrap.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the material is a DER PKCS#8 private key (asymmetric KMS keys, P-12/P-13).
    pub fn is_private_key(&self) -> bool {
        self.private_key
    }
}

/// The DER SubjectPublicKeyInfo in the contents of `--public-key`: DER as it is, PEM `PUBLIC
/// KEY`, or base64 text (the AWS CLI's `--query PublicKey --output text`, whitespace ignored).
pub fn public_key_der(bytes: &[u8]) -> Result<Vec<u8>, InputError> {
    if bytes.is_empty() {
        return Err(InputError::Empty);
    }
    if spki::SubjectPublicKeyInfoRef::try_from(bytes).is_ok() {
        return Ok(bytes.to_vec());
    }
    if looks_like_pem(bytes) {
        let (label, der) = decode_pem(bytes)?;
        return match label.as_str() {
            "PUBLIC KEY" => Ok(der),
            _ => Err(InputError::PemLabel {
                label,
                hint: "give the SubjectPublicKeyInfo (PEM \"PUBLIC KEY\", DER, or base64) that \
                       GetParametersForImport returns",
            }),
        };
    }
    let text: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .filter(|der| der.first() == Some(&0x30))
        .ok_or(InputError::NotBase64)
}

/// `--valid-to`: RFC 3339 (with `Z` or an offset) or epoch seconds (a fraction allowed).
pub fn parse_valid_to(s: &str) -> Result<DateTime, InputError> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok(DateTime::from_secs_f64(secs));
        }
    }
    DateTime::from_str(s, Format::DateTimeWithOffset).map_err(|_| InputError::BadTime(s.into()))
}

/// Reads a whole file; `-` reads stdin.
pub fn read_file(path: &Path) -> Result<Vec<u8>, InputError> {
    let unreadable = |e: std::io::Error| InputError::Unreadable {
        path: path.display().to_string(),
        cause: e.to_string(),
    };
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(unreadable)?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(unreadable)
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"-----BEGIN ")
}

/// RFC 7468 PEM (surrounding whitespace tolerated): its label and DER contents.
fn decode_pem(bytes: &[u8]) -> Result<(String, Vec<u8>), InputError> {
    let trimmed = bytes.trim_ascii();
    let mut text = trimmed.to_vec();
    text.push(b'\n');
    der::pem::decode_vec(&text)
        .map(|(label, der)| (label.to_string(), der))
        .map_err(|e| InputError::BadPem(e.to_string()))
}

/// Whether `der` is exactly one DER PKCS#8 PrivateKeyInfo (RFC 5208/5958).
fn is_pkcs8(der: &[u8]) -> bool {
    pkcs8::PrivateKeyInfo::try_from(der).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_material_is_taken_as_it_is() {
        let m = Material::parse(vec![0x42; 32]).unwrap();
        assert_eq!(m.bytes(), &[0x42; 32]);
        assert!(!m.is_private_key());
        assert_eq!(Material::parse(vec![]), Err(InputError::Empty));
    }

    #[test]
    fn a_pkcs8_private_key_is_recognised_as_der_and_as_pem() {
        let der = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        )
        .unwrap()
        .to_pkcs8v1()
        .unwrap()
        .as_ref()
        .to_vec();
        let m = Material::parse(der.clone()).unwrap();
        assert!(m.is_private_key());
        let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der).unwrap();
        let m = Material::parse(format!("\n{pem}\n").into_bytes()).unwrap();
        assert_eq!(m.bytes(), der.as_slice());
        assert!(m.is_private_key());
        let pkcs1 =
            der::pem::encode_string("EC PRIVATE KEY", der::pem::LineEnding::LF, &der).unwrap();
        assert!(matches!(
            Material::parse(pkcs1.into_bytes()),
            Err(InputError::PemLabel { label, .. }) if label == "EC PRIVATE KEY"
        ));
    }

    #[test]
    fn a_public_key_is_der_pem_or_the_clis_base64() {
        let key = aws_lc_rs::rsa::PrivateDecryptingKey::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .unwrap();
        let der = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(
            &key.public_key(),
        )
        .unwrap()
        .as_ref()
        .to_vec();
        assert_eq!(public_key_der(&der).unwrap(), der);
        let b64 = format!(
            "{}\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        assert_eq!(public_key_der(b64.as_bytes()).unwrap(), der);
        let pem = der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &der).unwrap();
        assert_eq!(public_key_der(pem.as_bytes()).unwrap(), der);
        assert_eq!(public_key_der(b"not a key!"), Err(InputError::NotBase64));
    }

    #[test]
    fn valid_to_is_rfc3339_or_epoch_seconds() {
        assert_eq!(parse_valid_to("1900000000").unwrap().secs(), 1_900_000_000);
        assert_eq!(
            parse_valid_to("2030-01-01T00:00:00Z").unwrap().secs(),
            1_893_456_000
        );
        assert_eq!(
            parse_valid_to("2030-01-01T02:00:00+02:00").unwrap().secs(),
            1_893_456_000
        );
        assert!(matches!(
            parse_valid_to("tomorrow"),
            Err(InputError::BadTime(_))
        ));
    }
}
