//! CreateKey, DescribeKey, ListKeys, Enable/DisableKey, UpdateKeyDescription, tags and key
//! policies (contract §3.1 – §3.3, §3.14, C-1 … C-31), a file per operation family.

use aws_sdk_kms::types::KeyState;
use aws_sdk_kms::Client;

use crate::common::describe;

mod create;
mod describe;
mod enable_disable;
mod list;
mod policy;
mod tags;

/// DescribeKey's (KeyState, Enabled): the two must agree (C-20).
async fn state(c: &Client, id: &str) -> (KeyState, bool) {
    let md = describe(c, id).await;
    (md.key_state().unwrap().clone(), md.enabled())
}
