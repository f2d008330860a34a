//! Integration tests: one binary (one link), a module per operation family.

mod common;

mod aliases;
mod cli;
mod crypto;
mod deletion;
mod gateway;
mod import;
mod import_asym;
mod import_rotation;
mod key_families;
mod keys;
mod load;
mod mr_bus;
mod mr_rules;
mod mr_stress;
mod multi_region;
mod protocol;
mod resolution;
mod rotation;
mod smoke;
mod state_table;
mod wrap;
