//! `GET coupons`: the bot's coupons.
//!
//! A coupon's `newcomers`, `singleuse` and `invitee_only` are booleans, unlike the integer plan
//! options of the same names ([`crate::model::PlanOptions`]).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Currency, PaymentGateway, RevenueDirection};

/// `GET coupons`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCoupons;
/// A coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    /// The code customers enter.
    pub name: String,
    /// Fixed discount.
    #[serde(with = "crate::model::money::string")]
    pub amount: Decimal,
    /// Percentage discount.
    #[serde(with = "crate::model::money::string")]
    pub percent: Decimal,
    /// Minimum order amount (`0`: none).
    #[serde(with = "crate::model::money::string")]
    pub min_amount: Decimal,
    /// Maximum order amount (`0`: none).
    #[serde(with = "crate::model::money::string")]
    pub max_amount: Decimal,
    /// How many times it may be used (`0`: unlimited).
    pub uses: i64,
    /// How many times it was used.
    pub used: i64,
    /// The gateways it is restricted to, when restricted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_gateways: Option<Vec<PaymentGateway>>,
    /// The plans it applies to.
    #[serde(default)]
    pub plans: Vec<i64>,
    /// A condition on the customer's revenue, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<CouponRevenue>,
    /// Newcomers only.
    pub newcomers: bool,
    /// Once per customer.
    pub singleuse: bool,
    /// Affiliate invitees only.
    pub invitee_only: bool,
    /// Applied without being entered.
    pub auto_apply: bool,
    /// Active.
    pub enabled: bool,
}

/// A coupon's condition on the customer's revenue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponRevenue {
    /// Above or below the amount.
    pub direction: RevenueDirection,
    /// The threshold.
    #[serde(with = "crate::model::money::string")]
    pub amount: Decimal,
    /// The threshold's currency.
    pub currency: Currency,
}
