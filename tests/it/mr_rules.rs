//! mr_rules tests (to be written).
