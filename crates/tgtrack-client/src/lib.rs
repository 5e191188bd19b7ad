#![cfg_attr(docsrs, feature(doc_cfg))]
// The README's blocks are doctests of a scratch crate that depends on this crate as a user's
// would (`cargo xtask readme-check`, part of `cargo xtask test`), not of this crate: here they
// would see its dev-dependencies and miss the features and crates the README names.
#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]
#![cfg_attr(doctest, doc = "See README.md.")]
//!
//! ## Modules
//!
//! - [`Client`]: one method per TGTrack method, each returning `tg-common`'s
//!   [`RequestBuilder`] (`client.add_event(..).amount(..).send()`), over the shared transport
//!   with TGTrack's quotas; only `get_user_info` is retried after an ambiguous failure unless a
//!   call opts in with `.retry_unsafe()`.
//! - every method as a [`tg_common::Operation`] (its name, path, idempotency and
//!   priority as constants; checks, body, decoding), including the forwarding methods
//!   ([`OnTelegramWebhook`], ...) and [`SambotForward`] for forwarded payloads.
//! - the optional fields of each request as one setter trait per request type, beside its
//!   operation ([`AddEventSetters`], ...), for the request value and its builder alike;
//!   [`prelude`] imports them.
//! - Models (at the root: [`AddEvent`], [`UserInfo`], ...): the objects and request bodies of every method, with wire-exact encoding
//!   (user ids as strings, amounts as exact JSON numbers, unset fields omitted).
//! - [`envelope`]: the `OK` / `error` response envelope, decoded into an [`OkAnswer`](envelope::OkAnswer) or a
//!   [`tg_common::Error`] carrying a [`TgtrackApiError`] (read with [`TgtrackErrorExt`]).
//! - [`RawUpdate`] and [`RawJson`]: Telegram updates and builder webhooks forwarded byte for byte.
//! - [`is_tracked_update`]: which Telegram updates TGTrack needs, to save the daily quota.
//! - [`ForwardQueue`]: forwarding tracked updates in the background, in order, within the
//!   quota, without making the bot wait, over tg-common's outbox (a memory, disk or Redis
//!   spool).
//! - `webhook` (feature `tower` or `axum`): a tower layer for a webhook endpoint that checks
//!   Telegram's secret token before forwarding anything.
//! - [`Poller`]: long polling of Telegram's `getUpdates` that keeps each update's exact bytes.
//! - [`start_param`]: the `/start` command and its deep-link parameter.
//! - [`DEFAULT_QUOTAS`], [`DEFAULT_RESERVED_PERCENT`] and [`GOAL_WINDOW`]: the default quotas,
//!   the reserved share and the goal window.
//! - [`validate`]: the checks run before a request is sent.

mod client;
pub mod envelope;
mod error;
mod forward;
mod forward_queue;
mod limits;
mod model;
mod operation;
mod poll;
pub mod start_param;
mod update_filter;
pub mod validate;
#[cfg(feature = "tower")]
pub mod webhook;

pub use client::{Client, ClientBuilder};
pub use error::TgtrackErrorExt;
pub use error::{ErrorCode, TgtrackApiError};
pub use forward::{RawJson, RawUpdate, SambotEncoding, sambot_body};
pub use forward_queue::{
    DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_ENTRIES, ForwardQueue, ForwardQueueBuilder, ForwardStats,
    QUEUE_MAX_RATE_WAIT, Submission,
};
pub use limits::{DEFAULT_QUOTAS, DEFAULT_RESERVED_PERCENT, GOAL_WINDOW};
pub use model::*;
// The forwarding operations and every request type's setter trait.
pub use operation::*;
#[cfg(feature = "teloxide")]
pub use poll::TeloxideListener;
pub use poll::{
    DEFAULT_EMPTY_ANSWER_PAUSE, DEFAULT_POLL_TIMEOUT, MAX_EMPTY_ANSWER_PAUSE, POLL_TIMEOUT_MARGIN,
    PolledUpdate, Poller, PollerBuilder, StopHandle, TELEGRAM, TELEGRAM_BASE_URL,
    TRACKED_UPDATE_KINDS, TelegramApiError, default_poll_backoff,
};
// The amount type of `add_event` and `send_reach_goal`.
pub use rust_decimal::{self, Decimal};
// What `ClientBuilder::shared_limiter` takes, so this crate is the only dependency.
#[cfg(feature = "redis")]
pub use tg_common::limit::{FailMode, RedisConfig};
// What this crate's API takes and returns from `tg-common`, so it is the only dependency.
pub use tg_common::{
    ApiError, CoreConfig, Error, ErrorKind, HasOperation, Operation, Quota, RateLimiter,
    RequestBuilder, RetryPolicy, RetrySafety, Secret, Timeouts,
};
pub use tg_common::{Context, RateLimitOrigin, TimeoutPhase, TransportKind};
pub use update_filter::{TrackedKind, is_tracked_update};

pub mod prelude;

/// The provider name in errors.
pub const PROVIDER: &str = "tgtrack";

/// The documented base URL; requests go to `{DEFAULT_BASE_URL}/v1/{API_KEY}/{METHOD}`.
pub const DEFAULT_BASE_URL: &str = "https://bot-api.tgtrack.ru";
