//! The KMS enumerations of botocore's model, spelled exactly as on the wire, each in the
//! model's order (W-35 lists the enum value set in that order).

/// Declares a wire enum: `as_str()`, `parse()`, and `ALL` in model order.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value, in the order of botocore's model.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// Parses the exact wire spelling (case-sensitive, as AWS).
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$var),)+ _ => None }
            }

            /// The wire spellings, for `Member must satisfy enum value set: [...]` (W-35).
            pub fn value_set() -> String {
                let v: Vec<&str> = Self::ALL.iter().map(|x| x.as_str()).collect();
                format!("[{}]", v.join(", "))
            }
        }
    };
}

wire_enum!(
    /// `KeySpec` (§3.1).
    KeySpec {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        EccNistP256 = "ECC_NIST_P256",
        EccNistP384 = "ECC_NIST_P384",
        EccNistP521 = "ECC_NIST_P521",
        EccSecgP256k1 = "ECC_SECG_P256K1",
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        Hmac224 = "HMAC_224",
        Hmac256 = "HMAC_256",
        Hmac384 = "HMAC_384",
        Hmac512 = "HMAC_512",
        Sm2 = "SM2",
        MlDsa44 = "ML_DSA_44",
        MlDsa65 = "ML_DSA_65",
        MlDsa87 = "ML_DSA_87",
        EccNistEdwards25519 = "ECC_NIST_EDWARDS25519",
        MlKem512 = "ML_KEM_512",
        MlKem768 = "ML_KEM_768",
        MlKem1024 = "ML_KEM_1024",
    }
);

wire_enum!(
    /// `CustomerMasterKeySpec`, the deprecated older enum (C-4, C-20).
    CustomerMasterKeySpec {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        EccNistP256 = "ECC_NIST_P256",
        EccNistP384 = "ECC_NIST_P384",
        EccNistP521 = "ECC_NIST_P521",
        EccSecgP256k1 = "ECC_SECG_P256K1",
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        Hmac224 = "HMAC_224",
        Hmac256 = "HMAC_256",
        Hmac384 = "HMAC_384",
        Hmac512 = "HMAC_512",
        Sm2 = "SM2",
    }
);

wire_enum!(
    /// `KeyUsageType` (§3.1).
    KeyUsage {
        SignVerify = "SIGN_VERIFY",
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
        KeyAgreement = "KEY_AGREEMENT",
        EncapsulateDecapsulate = "ENCAPSULATE_DECAPSULATE",
    }
);

wire_enum!(
    /// `OriginType` (§3.1).
    Origin {
        AwsKms = "AWS_KMS",
        External = "EXTERNAL",
        AwsCloudhsm = "AWS_CLOUDHSM",
        ExternalKeyStore = "EXTERNAL_KEY_STORE",
    }
);

wire_enum!(
    /// `EncryptionAlgorithmSpec` (§3.13).
    EncryptionAlgorithm {
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        Sm2pke = "SM2PKE",
    }
);

wire_enum!(
    /// `DataKeySpec` for GenerateDataKey (E-11).
    DataKeySpec {
        Aes256 = "AES_256",
        Aes128 = "AES_128",
    }
);

wire_enum!(
    /// `KeyMaterialState` of a material record (§4.4).
    KeyMaterialState {
        NonCurrent = "NON_CURRENT",
        Current = "CURRENT",
        PendingRotation = "PENDING_ROTATION",
        PendingMultiRegionImportAndRotation = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
    }
);

wire_enum!(
    /// `ImportState` of a material record in one Region (§4.4).
    ImportState {
        Imported = "IMPORTED",
        PendingImport = "PENDING_IMPORT",
    }
);

wire_enum!(
    /// `ExpirationModelType` (I-6).
    ExpirationModel {
        KeyMaterialExpires = "KEY_MATERIAL_EXPIRES",
        KeyMaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }
);

wire_enum!(
    /// `RotationType` (L-3).
    RotationType {
        Automatic = "AUTOMATIC",
        OnDemand = "ON_DEMAND",
    }
);

wire_enum!(
    /// `IncludeKeyMaterial` of ListKeyRotations (L-2, L-6).
    IncludeKeyMaterial {
        AllKeyMaterial = "ALL_KEY_MATERIAL",
        RotationsOnly = "ROTATIONS_ONLY",
    }
);

wire_enum!(
    /// `MultiRegionKeyType` (C-20).
    MultiRegionKeyType {
        Primary = "PRIMARY",
        Replica = "REPLICA",
    }
);

wire_enum!(
    /// `KeyManagerType`.
    KeyManager {
        Aws = "AWS",
        Customer = "CUSTOMER",
    }
);

impl KeySpec {
    /// C-3: the key usages this spec may have.
    pub fn allowed_usages(self) -> &'static [KeyUsage] {
        use KeySpec::*;
        use KeyUsage::*;
        match self {
            SymmetricDefault => &[EncryptDecrypt],
            Hmac224 | Hmac256 | Hmac384 | Hmac512 => &[GenerateVerifyMac],
            Rsa2048 | Rsa3072 | Rsa4096 => &[EncryptDecrypt, SignVerify],
            EccNistP256 | EccNistP384 | EccNistP521 => &[SignVerify, KeyAgreement],
            EccSecgP256k1 | MlDsa44 | MlDsa65 | MlDsa87 | EccNistEdwards25519 => &[SignVerify],
            Sm2 => &[EncryptDecrypt, SignVerify, KeyAgreement],
            MlKem512 | MlKem768 | MlKem1024 => &[EncapsulateDecapsulate],
        }
    }

    /// Whether this is an HMAC spec.
    pub fn is_hmac(self) -> bool {
        matches!(
            self,
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512
        )
    }

    /// C-20: the `CustomerMasterKeySpec` value shown beside `KeySpec` (absent for the specs
    /// newer than that enum [CHOICE]).
    pub fn customer_master_key_spec(self) -> Option<&'static str> {
        CustomerMasterKeySpec::parse(self.as_str()).map(|c| c.as_str())
    }
}

wire_enum!(
    /// `AlgorithmSpec`: how the client wrapped the material (§5.1).
    WrappingAlgorithm {
        RsaesPkcs1V15 = "RSAES_PKCS1_V1_5",
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        RsaAesKeyWrapSha1 = "RSA_AES_KEY_WRAP_SHA_1",
        RsaAesKeyWrapSha256 = "RSA_AES_KEY_WRAP_SHA_256",
        Sm2pke = "SM2PKE",
    }
);

wire_enum!(
    /// `WrappingKeySpec` (G-3).
    WrappingKeySpec {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        Sm2 = "SM2",
    }
);

wire_enum!(
    /// `ImportType` (I-20).
    ImportType {
        NewKeyMaterial = "NEW_KEY_MATERIAL",
        ExistingKeyMaterial = "EXISTING_KEY_MATERIAL",
    }
);

wire_enum!(
    /// `SigningAlgorithmSpec` (§3.16).
    SigningAlgorithm {
        RsassaPssSha256 = "RSASSA_PSS_SHA_256",
        RsassaPssSha384 = "RSASSA_PSS_SHA_384",
        RsassaPssSha512 = "RSASSA_PSS_SHA_512",
        RsassaPkcs1V15Sha256 = "RSASSA_PKCS1_V1_5_SHA_256",
        RsassaPkcs1V15Sha384 = "RSASSA_PKCS1_V1_5_SHA_384",
        RsassaPkcs1V15Sha512 = "RSASSA_PKCS1_V1_5_SHA_512",
        EcdsaSha256 = "ECDSA_SHA_256",
        EcdsaSha384 = "ECDSA_SHA_384",
        EcdsaSha512 = "ECDSA_SHA_512",
        Sm2dsa = "SM2DSA",
        MlDsaShake256 = "ML_DSA_SHAKE_256",
        Ed25519Sha512 = "ED25519_SHA_512",
        Ed25519PhSha512 = "ED25519_PH_SHA_512",
    }
);

wire_enum!(
    /// `MessageType` of Sign/Verify.
    MessageType {
        Raw = "RAW",
        Digest = "DIGEST",
        ExternalMu = "EXTERNAL_MU",
    }
);

wire_enum!(
    /// `EncapsulationAlgorithmSpec` of Encapsulate/Decapsulate.
    EncapsulationAlgorithm {
        MlKem = "ML_KEM",
    }
);

wire_enum!(
    /// `MacAlgorithmSpec` (§3.16).
    MacAlgorithm {
        HmacSha224 = "HMAC_SHA_224",
        HmacSha256 = "HMAC_SHA_256",
        HmacSha384 = "HMAC_SHA_384",
        HmacSha512 = "HMAC_SHA_512",
    }
);
