//! Request and result types of every endpoint, one module per resource, plus the shared value
//! types (money, currencies, enumerations).
//!
//! Result types derive `Serialize` as well as `Deserialize`, so a decoded result re-encodes to
//! the JSON it came from (unknown fields aside).

mod access_token;
mod affiliate;
mod bot;
mod coupon;
mod currency;
pub(crate) mod enums;
mod member;
pub mod money;
mod order;
mod payment_method;
mod plan;
mod project;
mod report;
mod revenue;
mod users_count;
mod webhook;

pub use access_token::{AccessToken, CreateAccessToken};
pub use affiliate::{Affiliate, CreateAffiliate};
pub use bot::{RegisterBot, RegisteredBot};
pub use coupon::{Coupon, CouponRevenue, ListCoupons};
pub use currency::Currency;
pub use enums::{
    GatewayNameForm, IntervalUnit, InviteeOnly, Newcomers, OrderStatus, PaymentGateway,
    PaymentGatewayName, RevenueDirection, SingleUse,
};
pub use member::{ListMembers, Member, Membership};
pub(crate) use money::Money;
pub use order::{CreateOrder, CreatedOrder, CryptoToken, GetOrder, ListOrders, Order};
pub use payment_method::{ListPaymentMethods, PaymentMethod, TokenOption};
pub use plan::{
    CreatePlan, DurationUnit, ListPlans, NewPlanOptions, Plan, PlanDuration, PlanOptions,
};
pub use project::{ListProjects, Project, ProjectOptions};
pub use report::{
    CountOrders, GetPaymentMethodsReport, GetPlansReport, PaymentMethodReport, PeriodRevenue,
    PlanReport, ReportQuery,
};
pub use revenue::{GetRevenue, RevenueSummary};
pub use users_count::{CountUsers, UsersCount};
pub use webhook::{DeleteWebhook, SetWebhook, Webhook, WebhookDeleted};

/// `#[serde(with = "secret_string")]`: a [`tg_common::Secret`] as a plain JSON string.
///
/// Serializing exposes the value: only results that hold secrets use it, so that a decoded
/// result re-encodes to the JSON it came from.
pub(crate) mod secret_string {
    use serde::Deserialize;
    use tg_common::Secret;

    pub(crate) fn serialize<S: serde::Serializer>(
        secret: &Secret,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        Ok(Secret::new(String::deserialize(d)?))
    }
}
