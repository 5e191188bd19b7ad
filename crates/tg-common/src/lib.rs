#![cfg_attr(docsrs, feature(doc_cfg))]
// The README's blocks are doctests of a scratch crate that depends on this crate as a user's
// would (`cargo xtask readme-check`, part of `cargo xtask test`), not of this crate: here they
// would see its dev-dependencies and miss the features and crates the README names.
#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]
#![cfg_attr(doctest, doc = "See README.md.")]
//!
//! ## How a request flows
//!
//! A provider crate describes each operation once ([`Operation`]); the one
//! [`RequestBuilder`] validates it and renders the [`Call`], which flows through
//! [`Core::execute`]: the core waits for the [`RateLimiter`], sends over the pooled
//! [`transport::Transport`] with per-attempt and overall timeouts, reads the body under a cap,
//! hands it to the provider's decoder, and retries only what the retry rule (`status_safety`, [`Idempotency`], [`RetryPolicy`]) says is safe.

// One path per public item: the call pipeline's vocabulary (the modules below that are not
// `pub`) is named from the root only; a subsystem (`limit`, `outbox`, `transport`, ...) is a
// public module and the only path of its items. The prelude re-exports traits for glob import.
mod client;
mod error;
#[cfg(feature = "inbound")]
pub mod inbound;
pub mod json;
pub mod limit;
mod operation;
#[cfg(feature = "outbox")]
pub mod outbox;
pub mod prelude;
mod retry;
pub mod scrub;
mod secret;
pub mod telemetry;
pub mod transport;

pub use client::{
    Call, CallOptions, ClientHandle, Core, CoreConfig, DEFAULT_MAX_BODY, HandleClient, RawResponse,
    Timeouts,
};
pub use error::{
    ApiError, BoxError, Context, EXCERPT_LEN, Error, ErrorKind, RateLimitOrigin, RetrySafety,
    TimeoutPhase, TransportKind, excerpt,
};
/// The `http` crate, whose `Method` and `HeaderMap` [`Call`] takes.
pub use http;
pub use limit::limiter::RateLimiter;
pub use limit::quota::Quota;
pub use operation::{HasOperation, Operation, Paginated, ProviderClient, RequestBuilder, paginate};
pub use retry::{Backoff, Idempotency, RetryPolicy, is_retryable_status, status_safety};
pub use secret::{KeyFormat, MASK, Secret};

// The spool's files name their module `crate::spool` (they moved here from tga-client).
#[cfg(feature = "outbox")]
use outbox::spool;
