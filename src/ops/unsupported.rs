//! Custom key stores (CloudHSM and external key stores): out of scope for the simulator
//! (contract C-8). Their six operations decode and validate their input like every other
//! operation (W-35), then answer `UnsupportedOperationException` naming the operation, never
//! `UnknownOperationException` [CHOICE]: the operations exist in AWS's API, kmsim just does not
//! offer what they manage.

use serde::Serialize;

use crate::error::{KmsError, KmsResult};
use crate::model::Operation;
use crate::node::Node;
use crate::protocol::requests::{
    ConnectCustomKeyStoreRequest, CreateCustomKeyStoreRequest, DeleteCustomKeyStoreRequest,
    DescribeCustomKeyStoresRequest, DisconnectCustomKeyStoreRequest, UpdateCustomKeyStoreRequest,
};

/// Never sent: these handlers always refuse.
#[derive(Debug, Serialize)]
pub struct Never {}

/// `UnsupportedOperationException` for a custom-key-store operation.
pub fn custom_key_store(op: Operation) -> KmsError {
    KmsError::unsupported(format!(
        "{} is not supported: kmsim does not simulate custom key stores (AWS CloudHSM or external key stores).",
        op.name()
    ))
}

/// CreateCustomKeyStore (C-8).
pub fn create_custom_key_store(_: &Node, _: CreateCustomKeyStoreRequest) -> KmsResult<Never> {
    Err(custom_key_store(Operation::CreateCustomKeyStore))
}

/// ConnectCustomKeyStore (C-8).
pub fn connect_custom_key_store(_: &Node, _: ConnectCustomKeyStoreRequest) -> KmsResult<Never> {
    Err(custom_key_store(Operation::ConnectCustomKeyStore))
}

/// DeleteCustomKeyStore (C-8).
pub fn delete_custom_key_store(_: &Node, _: DeleteCustomKeyStoreRequest) -> KmsResult<Never> {
    Err(custom_key_store(Operation::DeleteCustomKeyStore))
}

/// DescribeCustomKeyStores (C-8).
pub fn describe_custom_key_stores(_: &Node, _: DescribeCustomKeyStoresRequest) -> KmsResult<Never> {
    Err(custom_key_store(Operation::DescribeCustomKeyStores))
}

/// DisconnectCustomKeyStore (C-8).
pub fn disconnect_custom_key_store(
    _: &Node,
    _: DisconnectCustomKeyStoreRequest,
) -> KmsResult<Never> {
    Err(custom_key_store(Operation::DisconnectCustomKeyStore))
}

/// UpdateCustomKeyStore (C-8).
pub fn update_custom_key_store(_: &Node, _: UpdateCustomKeyStoreRequest) -> KmsResult<Never> {
    Err(custom_key_store(Operation::UpdateCustomKeyStore))
}
