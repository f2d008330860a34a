//! keys tests (to be written).
