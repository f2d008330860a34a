//! import_rotation tests (to be written).
