//! rotation tests (to be written).
