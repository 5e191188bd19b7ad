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
//! * Each request type is a [`tg_common::Operation`] (its name, HTTP method, path and
//!   idempotency as constants; validation, query, body, decoding) with its optional parameters
//!   as one setter trait (`ListPlansSetters`, at the root), for the request value and its
//!   builder alike (import [`prelude`]).
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
mod operation;
#[cfg(feature = "tower")]
pub mod receiver;
pub mod validate;
mod webhook;

#[cfg(test)]
mod test_support;

pub use client::*;
pub use error::{TgmembershipApiError, TgmembershipErrorExt};
pub use events::{DonationEvent, MembershipEvent, OrderEvent, TypedEvent};
// Request types and answers, and the `money` module (the only path of `Money` and the money
// helpers: rounding, the decimal string format, serde adapters).
pub use model::*;
pub use nonce::{
    DEFAULT_NONCE_CAPACITY, DeliveryClaim, MemoryNonceStore, NonceState, NonceStore,
    NonceStoreError, NonceStoreErrorKind, StoreFuture,
};
#[cfg(feature = "redis")]
pub use nonce::{DEFAULT_REDIS_TIMEOUT, RedisNonceStore};
// The setter traits (operation.rs holds no other public item).
pub use operation::*;
pub use webhook::{
    DEFAULT_LEASE, DEFAULT_TOLERANCE, MIN_SECRET_LEN, NONCE_HEADER, SIGNATURE_HEADER,
    STORE_RETRY_AFTER, SignatureHeader, WebhookError, WebhookEvent, WebhookEventKind,
    WebhookSecretError, WebhookVerifier, sign,
};

// The money type of prices and reports.
pub use rust_decimal::{self, Decimal};

// What `ClientBuilder::shared_limiter` takes, so this crate is the only dependency.
#[cfg(feature = "redis")]
pub use tg_common::limit::{FailMode, RedisConfig};

// What this crate's API takes and returns from `tg-common`, so it is the only dependency.
pub use tg_common::{
    ApiError, CoreConfig, Error, ErrorKind, Quota, RateLimiter, RequestBuilder, RetryPolicy,
    RetrySafety, Secret, Timeouts,
};
pub use tg_common::{Context, RateLimitOrigin, TimeoutPhase, TransportKind};

pub mod prelude;

/// The provider name in errors.
pub const PROVIDER: &str = "tgmembership";

/// The production base URL; the client appends `/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`.
pub const DEFAULT_BASE_URL: &str = "https://api.tgmembership.com";
