//! state_table tests (to be written).
