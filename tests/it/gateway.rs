//! gateway tests (to be written).
