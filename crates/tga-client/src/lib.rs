#![cfg_attr(docsrs, feature(doc_cfg))]
// The README's blocks are doctests of a scratch crate that depends on this crate as a user's
// would (`cargo xtask readme-check`, part of `cargo xtask test`), not of this crate: here they
// would see its dev-dependencies and miss the features and crates the README names.
#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]
#![cfg_attr(doctest, doc = "See README.md.")]
//!
//! ## Modules
//!
//! - [`Client`] and its builder; [`Client::send_events`] posts one batch, not
//!   retried after an ambiguous failure unless the call opts in with
//!   [`retry_unsafe`](tg_common::RequestBuilder::retry_unsafe); [`HttpSender`] is the tracker's
//!   transport.
//! - the two operations, [`SendEvents`] and [`GetEventThresholds`], sent through
//!   `tg-common`'s [`RequestBuilder`].
//! - [`Event`] and its field types; the documents' examples round-trip exactly.
//! - [`EventThresholds`]: the per-launch caps of `GET /events/threshold`
//!   ([`Client::event_thresholds`]), which a tracker can apply per session.
//! - [`TokenInfo`]: reading the app name and domain out of a token, as configuration defaults.
//! - [`Identity`]: the token, app name and Origin a client presents.
//! - [`init_data`]: validating a Mini App's initData (bot token or Telegram's Ed25519 key),
//!   and the `Authorization: tma` axum extractor (feature `axum`).
//! - [`envelope`]: what an answer means ([`envelope::decode`]); success is a 2xx carrying
//!   the service's `Success record.` answer, not any 2xx.
//! - [`TgaApiError`]: TGA's documented error answers (read with [`TgaErrorExt`]).
//! - [`limits`]: every size and configuration bound checked before anything is sent.
//! - [`prelude`]: the traits most programs call methods of, in one `use tga_client::prelude::*`.
//! - [`spool`]: where accepted events wait for delivery: in memory, on disk, or in a Redis
//!   stream shared by replicas.
//! - [`Tracker`]: queueing, batching, retries, dead letters, flush and shutdown, over any
//!   [`BatchSender`].
//!
//! Delivery through the tracker is at least once: a batch whose answer was lost may be sent
//! again.

mod client;
pub mod envelope;
mod error;
mod event;
mod identity;
pub mod init_data;
pub mod limits;
mod operation;
pub mod prelude;
mod thresholds;
mod token;
mod tracker;

pub use client::{Client, ClientBuilder, HttpSender};
pub use error::TgaApiError;
pub use error::TgaErrorExt;
pub use event::{
    AuthType, ClientTimestamp, CustomData, EncodedEvent, Event, EventName, ExtraFields, Message,
    TYPED_FIELDS, encode_batch,
};
pub use identity::Identity;
pub use operation::*;
// What `ClientBuilder::shared_limiter` takes, so this crate is the only dependency.
#[cfg(feature = "redis")]
pub use tg_common::limit::{FailMode, RedisConfig};
/// Where accepted events wait for delivery; moved to `tg_common::outbox::spool`, re-exported
/// here under its former path.
pub use tg_common::outbox::spool;
pub use thresholds::EventThresholds;
// What this crate's API takes and returns from `tg-common`, so it is the only dependency.
pub use tg_common::transport::GzipLevel;
pub use tg_common::{
    ApiError, Backoff, CoreConfig, Error, ErrorKind, Quota, RateLimiter, RequestBuilder,
    RetryPolicy, RetrySafety, Secret, Timeouts,
};
pub use tg_common::{Context, RateLimitOrigin, TimeoutPhase, TransportKind};
pub use token::TokenInfo;
pub use tracker::{
    BatchSender, DeadLetter, DeadLetterSink, DeliveryReport, FullPolicy, TrackError, Tracker,
    TrackerConfig, TrackerStats,
};
// The session id type of [`Event`].
pub use uuid::{self, Uuid};

/// The provider name in errors.
pub const PROVIDER: &str = "tga";

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://tganalytics.xyz";

/// The staging base URL, an alternative for trying an integration
/// (`.core(|c| c.with_base_url(STAGING_BASE_URL))`).
pub const STAGING_BASE_URL: &str = "https://staging.tganalytics.xyz";
