//! mr_stress tests (to be written).
