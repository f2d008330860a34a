//! wrap tests (to be written).
