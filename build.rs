//! Generates the protocol layer from botocore's KMS model (`model/kms-2014-11-01.json`):
//! `$OUT_DIR/model.rs` (every enum of the model and the `Operation` enum; included by
//! `src/model.rs`) and `$OUT_DIR/requests.rs` (every input shape as a typed request, with the
//! decoding that checks the model's constraints; included by `src/protocol/requests.rs`).
//! The generator itself lives in `build/codegen.rs`.

#[path = "build/codegen.rs"]
mod codegen;

fn main() {
    let model_path = "model/kms-2014-11-01.json";
    println!("cargo:rerun-if-changed={model_path}");
    println!("cargo:rerun-if-changed=build/codegen.rs");
    let text = std::fs::read_to_string(model_path).expect("read the vendored KMS model");
    let model: serde_json::Value = serde_json::from_str(&text).expect("the KMS model is JSON");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let generated = codegen::generate(&model);
    std::fs::write(out.join("model.rs"), generated.model).expect("write model.rs");
    std::fs::write(out.join("requests.rs"), generated.requests).expect("write requests.rs");
}
