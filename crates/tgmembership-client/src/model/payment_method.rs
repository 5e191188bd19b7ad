//! `GET paymentMethods`: the payment methods installed in the bot.

use serde::{Deserialize, Serialize};

use crate::model::PaymentGateway;

/// `GET paymentMethods`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListPaymentMethods;
/// An installed payment method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// The gateway id (`"paypal"`): what `POST orders` takes.
    pub name: PaymentGateway,
    /// The name shown to payers (`"PayPal"`).
    pub display_name: String,
    /// Whether it can renew a recurring plan.
    pub supports_recurring: bool,
    /// Whether `POST orders` needs an `email` for it.
    pub requires_email: bool,
    /// The tokens it accepts (crypto gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenOption>>,
}

/// A token a crypto gateway accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenOption {
    /// `TOKEN.NETWORK` (`"BTC.LN"`): what `POST orders` takes as `token`.
    pub token: String,
    /// The name shown to payers (`"Bitcoin (Lightning)"`).
    pub display_name: String,
}
