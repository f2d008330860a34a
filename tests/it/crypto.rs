//! crypto tests (to be written).
