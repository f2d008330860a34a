//! The KMS enumerations, as generated from botocore's model (`crate::model`: wire spellings,
//! the model's order for W-35's value sets), under the names the contract uses, plus the KMS
//! rules that hang off them.

pub use crate::model::{
    AlgorithmSpec as WrappingAlgorithm, CustomerMasterKeySpec, DataKeyPairSpec, DataKeySpec,
    EncapsulationAlgorithmSpec as EncapsulationAlgorithm,
    EncryptionAlgorithmSpec as EncryptionAlgorithm, ExpirationModelType as ExpirationModel,
    GrantOperation, ImportState, ImportType, IncludeKeyMaterial,
    KeyAgreementAlgorithmSpec as KeyAgreementAlgorithm,
    KeyLastUsageTrackingOperation as TrackedOperation, KeyManagerType as KeyManager,
    KeyMaterialState, KeySpec, KeyUsageType as KeyUsage, MacAlgorithmSpec as MacAlgorithm,
    MessageType, MultiRegionKeyType, OriginType as Origin, RotationType,
    SigningAlgorithmSpec as SigningAlgorithm, WrappingKeySpec,
};

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
