//! protocol tests (to be written).
