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
//! [`Core::execute`]: the core waits for the [`limit::RateLimiter`], sends over the pooled
//! [`transport::Transport`] with per-attempt and overall timeouts, reads the body under a cap,
//! hands it to the provider's decoder, and retries only what [`retry::decide`] says is safe.

pub mod client;
pub mod error;
pub mod json;
pub mod limit;
pub mod operation;
#[cfg(feature = "outbox")]
pub mod outbox;
pub mod prelude;
pub mod retry;
pub mod scrub;
pub mod secret;
pub mod telemetry;
pub mod transport;

pub use client::{Call, CallOptions, Core, CoreConfig, RawResponse, Timeouts};
pub use error::{ApiError, BoxError, Context, Error, ErrorKind, RetrySafety};
/// The `http` crate, whose `Method` and `HeaderMap` [`Call`] takes.
pub use http;
pub use limit::{Quota, RateLimiter};
pub use operation::{HasOperation, Operation, OperationPath, ProviderClient, RequestBuilder};
pub use retry::{Idempotency, RetryPolicy};
pub use secret::Secret;

// The spool's files name their module `crate::spool` (they moved here from tga-client).
#[cfg(feature = "outbox")]
use outbox::spool;
