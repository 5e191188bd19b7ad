#![cfg_attr(docsrs, feature(doc_cfg))]
// The README's blocks are doctests of a scratch crate that depends on this crate as a user's
// would (`cargo xtask readme-check`, part of `cargo xtask test`), not of this crate: here they
// would see its dev-dependencies and miss the features and crates the README names.
#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]
#![cfg_attr(doctest, doc = "See README.md.")]
//!
//! ## Modules
//!
//! * [`Client`]: one method per endpoint (`client.orders().create(..)`), each a
//!   [`RequestBuilder`] (tg-common's) that validates before sending; pagination streams over
//!   `members`, `orders`, `plans` and `projects`.
//! * Models (at the root): a request type per endpoint, named by its verb (`ListPlans`, `CreateOrder`,
//!   `CountUsers`), and the result types, named by what they hold (`Plan`, `CreatedOrder`,
//!   `UsersCount`). Money is [`rust_decimal::Decimal`], written as a string on the wire,
//!   lossless both ways ([`money`]: rounding, the string format, serde adapters).
//! * [`operation`]: each request type as a [`tg_common::Operation`] (its name, HTTP method,
//!   path and idempotency as constants; validation, query, body, decoding); [`setters`]: the optional parameters, one trait per request type, for the
//!   request value and its builder alike (import [`prelude`]).
//! * [`envelope`]: the tolerant decoding of the response envelope; the typed
//!   [`TgmembershipApiError`].
//! * Receiving webhooks: [`WebhookEvent`] and the HMAC-SHA512 signature check
//!   [`WebhookVerifier`]; [`NonceStore`]: the nonce stores that hold a delivery *in progress* and *done* (at-least-once);
//!   [`TypedEvent`]: the events' typed data; `receiver` (feature `tower`): the layer that verifies a
//!   delivery, runs the handler and commits the nonce only on its 2xx answer, and (feature
//!   `axum`) the `VerifiedWebhook` extractor.
//!
//! Errors are [`tg_common::Error`]; they name the operation (`GET orders`), never a URL, since
//! the URL holds the API key.

mod client;
pub mod envelope;
mod error;
mod events;
mod model;
mod nonce;
pub mod operation;
#[cfg(feature = "tower")]
pub mod receiver;
pub mod setters;
pub mod validate;
mod webhook;

#[cfg(test)]
mod test_support;

pub use client::{
    AffiliatesHandler, BotsHandler, Client, ClientBuilder, CountOrdersBuilder, CountUsersBuilder,
    CouponsHandler, CreateAccessTokenBuilder, CreateAffiliateBuilder, CreateOrderBuilder,
    CreatePlanBuilder, DeleteWebhookBuilder, GetOrderBuilder, GetPaymentMethodsReportBuilder,
    GetPlansReportBuilder, GetRevenueBuilder, ListCouponsBuilder, ListMembersBuilder,
    ListOrdersBuilder, ListPaymentMethodsBuilder, ListPlansBuilder, ListProjectsBuilder,
    MembersHandler, OrdersHandler, PaymentMethodsHandler, PlansHandler, ProjectsHandler,
    RegisterBotBuilder, SetWebhookBuilder, UsersHandler, WebhooksHandler,
};
pub use error::{TgmembershipApiError, TgmembershipErrorExt};
pub use events::{DonationEvent, MembershipEvent, OrderEvent, TypedEvent};
pub use model::{
    AccessToken, Affiliate, CountOrders, CountUsers, Coupon, CouponRevenue, CreateAccessToken,
    CreateAffiliate, CreateOrder, CreatePlan, CreatedOrder, CryptoToken, Currency, DeleteWebhook,
    DurationUnit, GatewayNameForm, GetOrder, GetPaymentMethodsReport, GetPlansReport, GetRevenue,
    IntervalUnit, InviteeOnly, ListCoupons, ListMembers, ListOrders, ListPaymentMethods, ListPlans,
    ListProjects, Member, Membership, NewPlanOptions, Newcomers, Order, OrderStatus,
    PaymentGateway, PaymentGatewayName, PaymentMethod, PaymentMethodReport, PeriodRevenue, Plan,
    PlanDuration, PlanOptions, PlanReport, Project, ProjectOptions, RegisterBot, RegisteredBot,
    ReportQuery, RevenueDirection, RevenueSummary, SetWebhook, SingleUse, TokenOption, UsersCount,
    Webhook, WebhookDeleted,
};
// The money type of prices and reports.
pub use rust_decimal::{self, Decimal};
// What `ClientBuilder::shared_limiter` takes, so this crate is the only dependency.
#[cfg(feature = "redis")]
pub use tg_common::limit::{FailMode, RedisConfig};
// What this crate's API takes and returns from `tg-common`, so it is the only dependency.
// The money helpers (rounding, the decimal string format, serde adapters) and `Money`.
pub use model::money;
pub use nonce::{
    DEFAULT_NONCE_CAPACITY, DeliveryClaim, MemoryNonceStore, NonceState, NonceStore,
    NonceStoreError, NonceStoreErrorKind, StoreFuture,
};
#[cfg(feature = "redis")]
pub use nonce::{DEFAULT_REDIS_TIMEOUT, RedisNonceStore};
pub use tg_common::{
    ApiError, CoreConfig, Error, ErrorKind, Quota, RateLimiter, RequestBuilder, RetryPolicy,
    RetrySafety, Secret, Timeouts,
};
pub use tg_common::{Context, RateLimitOrigin, TimeoutPhase, TransportKind};
pub use webhook::{
    DEFAULT_LEASE, DEFAULT_TOLERANCE, MIN_SECRET_LEN, NONCE_HEADER, SIGNATURE_HEADER,
    STORE_RETRY_AFTER, SignatureHeader, WebhookError, WebhookEvent, WebhookEventKind,
    WebhookSecretError, WebhookVerifier, sign,
};

pub mod prelude;

/// The provider name in errors.
pub const PROVIDER: &str = "tgmembership";

/// The production base URL; the client appends `/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`.
pub const DEFAULT_BASE_URL: &str = "https://api.tgmembership.com";
