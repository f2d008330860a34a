//! import tests (to be written).
