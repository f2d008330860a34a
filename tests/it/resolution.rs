//! resolution tests (to be written).
