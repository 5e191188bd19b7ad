//! Typed async client for the TGmembership API
//! (`https://api.tgmembership.com/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`): plans, orders, members,
//! reports, coupons, projects, webhooks.
//!
//! * [`model`]: a request type per endpoint, validated before anything is sent, and the result
//!   types. Money is [`rust_decimal::Decimal`], written as a string on the wire, lossless both
//!   ways.
//! * [`envelope`]: the tolerant decoding of the response envelope and the typed
//!   [`TgmembershipApiError`].
//! * [`endpoint`]: every method's HTTP method, path and idempotency (what the transport may
//!   retry).
//! * [`mod@paginate`]: a stream over `members`, `orders`, `plans` and `projects`.
//! * [`webhook`]: receiving events: the envelope and the HMAC-SHA512 signature verifier.
//!
//! Errors are [`tg_common::Error`]; they name the operation (`GET orders`), never a URL, since
//! the URL holds the API key.

pub mod endpoint;
pub mod envelope;
pub mod model;
pub mod paginate;
pub mod request;
pub mod validate;
pub mod webhook;

#[cfg(test)]
mod against_fake;
#[cfg(test)]
mod doc_examples;

pub use endpoint::Endpoint;
pub use envelope::{Envelope, TgmembershipApiError};
pub use model::{
    AccessToken, Affiliate, Coupon, CouponRevenue, CreateAccessToken, CreateAffiliate, CreateOrder,
    CreatePlan, CreatedOrder, CryptoToken, Currency, DeleteWebhook, DurationUnit, GatewayNameForm,
    GetOrder, IntervalUnit, InviteeOnly, ListCoupons, ListMembers, ListOrders, ListPaymentMethods,
    ListPlans, ListProjects, Member, Membership, NewPlanOptions, Newcomers, Order, OrderStatus,
    OrdersCount, PaymentGateway, PaymentGatewayName, PaymentMethod, PaymentMethodReport,
    PaymentMethodsReport, PeriodRevenue, Plan, PlanDuration, PlanOptions, PlanReport, PlansReport,
    Project, ProjectOptions, RegisterBot, RegisteredBot, ReportQuery, Revenue, RevenueDirection,
    RevenueSummary, SetWebhook, SingleUse, TokenOption, UsersCount, Webhook, WebhookDeleted,
};
pub use paginate::{Paginated, paginate};
pub use request::{ApiRequest, RenderedRequest};
pub use webhook::{WebhookError, WebhookEvent, WebhookEventKind, WebhookVerifier};

/// The provider name in errors.
pub const PROVIDER: &str = "tgmembership";

/// The production base URL, up to the version segment.
pub const DEFAULT_BASE_URL: &str = "https://api.tgmembership.com/v1";
