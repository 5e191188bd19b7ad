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
//! tracker.flush().await?;
//! assert!(tracker.shutdown(Duration::from_secs(5)).await.is_empty());
//! # assert_eq!(fake.accepted_count(), 4);
//! # Ok(())
//! # }
//! ```
//!
//! - [`client`]: [`Client`] and its builder; [`Client::send`] posts one batch, not retried
//!   after an ambiguous failure unless the call opts in with
//!   [`retry_unsafe`](SendEvents::retry_unsafe); [`HttpSender`] is the tracker's transport.
//! - [`event`]: [`Event`] and its field types; the documents' examples round-trip exactly.
//! - [`token`]: reading the app name and domain out of a token, as configuration defaults.
//! - [`identity`]: the token, app name and Origin a client presents.
//! - [`outcome`]: what an answer means ([`TgaApiError`]); any 2xx is success.
//! - [`spool`]: where accepted events wait for delivery: in memory, on disk, or in a Redis
//!   stream shared by replicas.
//! - [`tracker`]: queueing, batching, retries, dead letters, flush and shutdown, over any
//!   [`BatchSender`].
//!
//! Delivery through the tracker is at least once: a batch whose answer was lost may be sent
//! again.

pub mod client;
pub mod event;
pub mod identity;
pub mod outcome;
pub mod spool;
pub mod token;
pub mod tracker;

pub use client::{Client, ClientBuilder, HttpSender, SendEvents};
pub use event::{AuthType, ClientTimestamp, EncodedEvent, Event, EventName, Message};
pub use identity::Identity;
pub use outcome::{TgaApiError, map_response};
pub use token::TokenInfo;
pub use tracker::{
    BatchSender, DeadLetter, DeadLetterSink, FullPolicy, TrackError, Tracker, TrackerConfig,
    TrackerStats,
};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
