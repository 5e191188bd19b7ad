//! Typed client for the TGTrack ("Откуда Подписки") bot API:
//! `POST https://bot-api.tgtrack.ru/v1/{API_KEY}/{METHOD}` with a JSON body.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tg_common::Error> {
//! # let fake = std::sync::Arc::new(tg_mock::tgtrack::TgtrackFake::new());
//! # fake.add_key("YOUR_API_KEY", tg_mock::tgtrack::Mode::Production);
//! # let server = tg_mock::MockServer::start(fake).await.unwrap();
//! use rust_decimal::Decimal;
//! use tgtrack_client::Client;
//!
//! let client = Client::builder("YOUR_API_KEY")
//! #   .core(|c| c.with_base_url(server.base_url()).with_plain_http_loopback(true))
//!     .build()?;
//!
//! // The bot received a Telegram update: forward it byte for byte if TGTrack needs it.
//! let update = br#"{"update_id":912345678,"message":{"message_id":17,
//!     "from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},
//!     "chat":{"id":7123456789,"type":"private"},"date":1700000000,"text":"/start ref-42"}}"#;
//! let forwarded = client.forward_if_tracked(update).await?;
//! assert!(forwarded.is_some());
//!
//! // Later, a sale of 1,500.00 by that user.
//! client
//!     .add_event(7_123_456_789, "sale")
//!     .amount(Decimal::new(150_000, 2))
//!     .label("product", "course")
//!     .send()
//!     .await?;
//!
//! let info = client.get_user_info(7_123_456_789).send().await?.data;
//! assert_eq!(info.map(|u| u.invite_link).as_deref(), Some("ref-42"));
//! # Ok(())
//! # }
//! ```
//!
//! - [`Client`]: one request builder per method (`client.add_event(..).amount(..).send()`),
//!   over the shared transport of `tg-common` with TGTrack's quotas; only `get_user_info` is
//!   retried after an ambiguous failure unless a call opts in with `.retry_unsafe()`.
//! - [`model`]: the objects and request bodies of every method, with wire-exact encoding
//!   (user ids as strings, amounts as exact JSON numbers, unset fields omitted).
//! - [`envelope`]: the `OK` / `error` response envelope, decoded into a [`Response`] or a
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
pub use envelope::Response;
pub use error::{ErrorCode, TgtrackApiError};
pub use error_ext::TgtrackErrorExt;
pub use forward::{RawJson, RawUpdate, SambotEncoding};
pub use forward_queue::{FailedForward, ForwardQueue, ForwardStats, Submission};
pub use method::{DEFAULT_QUOTAS, Method, MethodRequest};
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

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
