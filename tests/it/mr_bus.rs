//! mr_bus tests (to be written).
