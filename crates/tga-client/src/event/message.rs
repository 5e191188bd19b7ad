//! One entry of `messages`: a transfer in a TON Connect transaction.

use serde::{Deserialize, Serialize};

/// A transfer in a transaction: `{ "address": string, "amount": string }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The destination address.
    pub address: String,
    /// The amount in nanotons, as a string of decimal digits (kept as text so no precision is
    /// lost; [`Event::validate`](super::Event::validate) checks the digits).
    pub amount: String,
}

impl Message {
    /// A transfer of `amount` nanotons to `address`.
    pub fn new(address: impl Into<String>, amount: impl Into<String>) -> Self {
        Message {
            address: address.into(),
            amount: amount.into(),
        }
    }

    /// A transfer of `nanotons` to `address`.
    pub fn nanotons(address: impl Into<String>, nanotons: u128) -> Self {
        Message::new(address, nanotons.to_string())
    }
}
