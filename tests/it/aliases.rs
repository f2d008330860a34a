//! aliases tests (to be written).
