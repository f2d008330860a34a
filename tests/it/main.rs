//! Integration tests: one binary (one link), a module per operation family.

mod common;

mod access;
mod aliases;
mod auth;
mod bounded;
mod cli;
mod crypto;
mod data_key_pairs;
mod deletion;
mod durable;
mod gateway;
mod grants;
mod import;
mod import_asym;
mod import_rotation;
mod key_agreement;
mod key_families;
mod key_last_usage;
mod keys;
mod load;
mod logs;
mod mr_bus;
mod mr_rules;
mod mr_stress;
mod multi_region;
mod nats_faults;
mod protocol;
mod re_encrypt_asym;
mod recipient;
mod resolution;
mod rotation;
mod seed;
mod smoke;
mod state_table;
mod wrap;
