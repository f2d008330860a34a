//! deletion tests (to be written).
