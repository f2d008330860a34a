//! Single-Region symmetric BYOK through the SDK: scenario T1, GetParametersForImport (G-*),
//! ImportKeyMaterial (I-*), DeleteImportedKeyMaterial (D-*) and expiry (I-50), with the
//! material wrapped on the client by `crate::wrap`; a file per rule family.

mod deletion;
mod parameters;
mod reimport;
mod scenario_t1;
mod tokens;
mod validation;
mod wrapping;

/// I-6: the message when KEY_MATERIAL_EXPIRES (given or by default) comes without ValidTo.
const I6_MESSAGE: &str =
    "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES";
