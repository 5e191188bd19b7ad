#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]
//!
//! ## Modules
//!
//! - [`Client`]: one request builder per method (`client.add_event(..).amount(..).send()`),
//!   over the shared transport of `tg-common` with TGTrack's quotas; only `get_user_info` is
//!   retried after an ambiguous failure unless a call opts in with `.retry_unsafe()`.
//! - [`model`]: the objects and request bodies of every method, with wire-exact encoding
//!   (user ids as strings, amounts as exact JSON numbers, unset fields omitted).
//! - [`envelope`]: the `OK` / `error` response envelope, decoded into an [`OkAnswer`] or a
//!   [`tg_common::Error`] carrying a [`TgtrackApiError`].
//! - [`forward`]: Telegram updates and builder webhooks forwarded byte for byte.
//! - [`update_filter`]: which Telegram updates TGTrack needs, to save the daily quota.
//! - [`forward_queue`]: forwarding tracked updates in the background, in order, within the
//!   quota, without making the bot wait.
//! - `webhook` (feature `tower` or `axum`): a tower layer for a webhook endpoint that checks
//!   Telegram's secret token before forwarding anything.
//! - [`poll`]: long polling of Telegram's `getUpdates` that keeps each update's exact bytes.
//! - [`start_param`]: the `/start` command and its deep-link parameter.
//! - [`method`]: method names, idempotency and the default quotas.
//! - [`validate`]: the checks run before a request is sent.

mod client;
pub mod envelope;
pub mod error;
mod error_ext;
pub mod forward;
pub mod forward_queue;
pub mod method;
pub mod model;
pub mod poll;
pub mod start_param;
pub mod update_filter;
pub mod validate;
#[cfg(feature = "tower")]
pub mod webhook;

pub use client::{
    AddEventBuilder, Client, ClientBuilder, ForwardBuilder, GetUserInfoBuilder,
    MyBotWasStartedBuilder, MyBotWasStoppedBuilder, RequestBuilder, SambotBuilder,
    SendReachGoalBuilder, UserDidStartBotBuilder,
};
pub use envelope::OkAnswer;
pub use error::{ErrorCode, TgtrackApiError};
pub use error_ext::TgtrackErrorExt;
pub use forward::{RawJson, RawUpdate, SambotEncoding};
pub use forward_queue::{FailedForward, ForwardQueue, ForwardStats, Submission};
pub use method::{ApiMethod, DEFAULT_QUOTAS, MethodRequest};
pub use model::{
    AddEvent, EventResult, GetUserInfo, Label, Mode, MyBotWasStarted, MyBotWasStopped,
    SendReachGoal, StartValue, User, UserDidStartBot, UserInfo,
};
pub use poll::{PolledUpdate, Poller, StopHandle};
// The amount type of `add_event` and `send_reach_goal`.
pub use rust_decimal::{self, Decimal};
/// The foundation crate, for what the names below do not cover (`tg_common::transport`, ...).
pub use tg_common;
// What this crate's API takes and returns from `tg-common`, so it is the only dependency.
pub use tg_common::error::{Context, RateLimitOrigin, TimeoutPhase, TransportKind};
pub use tg_common::{
    ApiError, CoreConfig, Error, ErrorKind, Quota, RateLimiter, RetryPolicy, RetrySafety, Secret,
    Timeouts,
};
pub use update_filter::{TrackedKind, is_tracked_update};

/// The provider name in errors.
pub const PROVIDER: &str = "tgtrack";

/// The documented base URL; requests go to `{DEFAULT_BASE_URL}/v1/{API_KEY}/{METHOD}`.
pub const DEFAULT_BASE_URL: &str = "https://bot-api.tgtrack.ru";
