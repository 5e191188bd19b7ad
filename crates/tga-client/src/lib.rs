//! Client of Telegram Mini Apps Analytics (TGA): typed events for `POST /events`, the mapping
//! of every documented answer, and a batching [`Tracker`] that never loses an event where the
//! official SDK does.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
//! # let token = fake.issue_token("my_app", "my-app.example.com");
//! # let server = tg_mock::MockServer::start(fake.clone()).await?;
//! use std::time::Duration;
//!
//! use tga_client::{Client, EventName, TrackerConfig};
//!
//! // The app name and the Origin are read from the token (or set with .app_name / .origin).
//! let client = Client::builder(token)
//! #   .core(|c| c.with_base_url(server.base_url()).with_plain_http_loopback(true))
//!     .build()?;
//! assert_eq!(client.origin(), "https://my-app.example.com");
//!
//! // One request: validated, gzipped, sent once.
//! let session = uuid::Uuid::new_v4();
//! client.send(&[client.event(111_111_111, EventName::AppInit, session)]).await?;
//!
//! // Batching in the background, at least once, until shutdown.
//! let tracker = client.tracker(TrackerConfig::default())?;
//! for step in 0..3 {
//!     let event = client.event(111_111_111, "checkout-step", session).with_custom("step", step);
//!     tracker.track(&event).await?;
//! }
//! tracker.flush().await?; // an error says what was dead-lettered or handed back
//! tracker.shutdown(Duration::from_secs(5)).await?;
//! # assert_eq!(fake.accepted_count(), 4);
//! # Ok(())
//! # }
//! ```
//!
//! - [`client`]: [`Client`] and its builder; [`Client::send`] posts one batch, not retried
//!   after an ambiguous failure unless the call opts in with
//!   [`retry_unsafe`](SendEvents::retry_unsafe); [`HttpSender`] is the tracker's transport.
//! - [`event`]: [`Event`] and its field types; the documents' examples round-trip exactly.
//! - [`thresholds`]: the per-launch caps of `GET /events/threshold`
//!   ([`Client::event_thresholds`]), which a tracker can apply per session.
//! - [`token`]: reading the app name and domain out of a token, as configuration defaults.
//! - [`identity`]: the token, app name and Origin a client presents.
//! - [`init_data`]: validating a Mini App's initData (bot token or Telegram's Ed25519 key),
//!   and the `Authorization: tma` axum extractor (feature `axum`).
//! - [`outcome`]: what an answer means ([`TgaApiError`]); success is a 2xx carrying
//!   the service's `Success record.` answer, not any 2xx.
//! - [`spool`]: where accepted events wait for delivery: in memory, on disk, or in a Redis
//!   stream shared by replicas.
//! - [`tracker`]: queueing, batching, retries, dead letters, flush and shutdown, over any
//!   [`BatchSender`].
//!
//! Delivery through the tracker is at least once: a batch whose answer was lost may be sent
//! again.

pub mod client;
mod error_ext;
pub mod event;
pub mod identity;
pub mod init_data;
pub mod outcome;
pub mod spool;
pub mod thresholds;
pub mod token;
pub mod tracker;

pub use client::{Client, ClientBuilder, HttpSender, SendEvents};
pub use error_ext::TgaErrorExt;
pub use event::{AuthType, ClientTimestamp, EncodedEvent, Event, EventName, ExtraFields, Message};
pub use identity::Identity;
pub use init_data::{InitData, InitDataError, InitDataValidator};
pub use outcome::{TgaApiError, map_response, map_threshold_response};
/// The foundation crate, for what the names below do not cover (`tg_common::transport`, ...).
pub use tg_common;
pub use thresholds::EventThresholds;
// What this crate's API takes and returns from `tg-common`, so it is the only dependency.
pub use tg_common::error::{Context, RateLimitOrigin, TimeoutPhase, TransportKind};
pub use tg_common::{
    ApiError, CoreConfig, Error, ErrorKind, Quota, RateLimiter, RetryPolicy, RetrySafety, Secret,
    Timeouts,
};
pub use token::TokenInfo;
pub use tracker::{
    BatchSender, DeadLetter, DeadLetterSink, DeliveryReport, FullPolicy, TrackError, Tracker,
    TrackerConfig, TrackerStats,
};
// The session id type of [`Event`].
pub use uuid::{self, Uuid};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
