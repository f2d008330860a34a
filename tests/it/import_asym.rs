//! import_asym tests (to be written).
