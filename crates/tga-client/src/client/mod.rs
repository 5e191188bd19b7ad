//! The HTTP client of `POST /events`, on the shared transport of `tg-common`.
//!
//! [`Client`] holds the token, the app name and the Origin it presents, and whether bodies are
//! gzipped. [`Client::send`] posts one batch of events and maps the answer
//! ([`map_response`](crate::outcome::map_response)); [`Client::tracker`] starts a batching
//! [`Tracker`] that sends through this client.
//!
//! Sending events is not idempotent: a request that may have reached the service (a timeout, a
//! reset connection, a 5xx) is not sent again unless the caller opts in with
//! [`SendEvents::retry_unsafe`]. Requests the service refused without recording anything (429,
//! `Failed to record`, a connection never established) are retried by `tg-common`.

mod builder;
mod http_sender;
mod send;
mod thresholds;

use std::sync::Arc;

use http::HeaderValue;
use tg_common::{Core, Error};
use uuid::Uuid;

pub use builder::ClientBuilder;
pub use http_sender::HttpSender;
pub use send::SendEvents;

use crate::event::{EncodedEvent, Event, EventName};
use crate::identity::Identity;
use crate::tracker::{Tracker, TrackerConfig};

/// A TGA client. Cheap to clone: clones share the connection pool and the configuration.
///
/// Debug prints the base URL, app name and Origin, never the token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    core: Core,
    identity: Identity,
    /// The Origin header, checked once when the client is built.
    origin: HeaderValue,
    gzip: bool,
    /// The largest uncompressed body of one request.
    max_request_bytes: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("core", &self.inner.core)
            .field("app_name", &self.inner.identity.app_name)
            .field("origin", &self.inner.identity.origin)
            .field("gzip", &self.inner.gzip)
            .field("max_request_bytes", &self.inner.max_request_bytes)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client for this token (the `TGA-Auth-Token` issued by the Data
    /// Chief bot).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
    /// # let token = fake.issue_token("my_app", "my-app.example.com");
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// use tga_client::Client;
    ///
    /// // The app name and the Origin are read from the token (or set with .app_name / .origin).
    /// let client = Client::builder(token)
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    ///     .build()?;
    /// assert_eq!(client.app_name(), "my_app");
    /// assert_eq!(client.origin(), "https://my-app.example.com");
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(token: impl Into<tg_common::Secret>) -> ClientBuilder {
        ClientBuilder::new(token.into())
    }

    /// The app name events must carry (given, or read from the token).
    pub fn app_name(&self) -> &str {
        &self.inner.identity.app_name
    }

    /// The Origin header this client sends (given, or derived from the token).
    pub fn origin(&self) -> &str {
        &self.inner.identity.origin
    }

    /// Whether request bodies are gzipped.
    pub fn gzip(&self) -> bool {
        self.inner.gzip
    }

    /// The largest uncompressed body of one request, in bytes.
    pub fn max_request_bytes(&self) -> usize {
        self.inner.max_request_bytes
    }

    /// An event with the four required fields, carrying this client's app name.
    pub fn event(&self, user_id: i64, event_name: impl Into<EventName>, session_id: Uuid) -> Event {
        Event::new(user_id, event_name, session_id, self.app_name())
    }

    /// One `POST /events` of `events`, each validated first ([`Event::validate`]); await the
    /// returned request. An empty slice, an invalid event, or a batch whose JSON is longer than
    /// [`Client::max_request_bytes`] fails with [`tg_common::ErrorKind::InvalidInput`] naming
    /// the field (`events[3].user_id`, `events`) and nothing is sent: send a large batch
    /// through a [`Tracker`], which cuts it by bytes.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
    /// # let token = fake.issue_token("my_app", "my-app.example.com");
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tga_client::Client::builder(token)
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// use tga_client::{EventName, Uuid};
    ///
    /// let session = Uuid::new_v4();
    /// let events = [
    ///     client.event(111_111_111, EventName::AppInit, session),
    ///     client.event(111_111_111, "checkout-step", session).with_custom("step", 1),
    /// ];
    /// client.send(&events).await?; // validated, gzipped, sent once
    /// # assert_eq!(fake.accepted_count(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send<'a>(&self, events: &'a [Event]) -> SendEvents<'a> {
        SendEvents::new(self.clone(), send::Batch::Events(events))
    }

    /// One `POST /events` of events already encoded (as a [`Tracker`] holds them); await the
    /// returned request. An empty slice fails with [`tg_common::ErrorKind::InvalidInput`].
    pub fn send_encoded<'a>(&self, events: &'a [EncodedEvent]) -> SendEvents<'a> {
        SendEvents::new(self.clone(), send::Batch::Encoded(events))
    }

    /// Starts a [`Tracker`] that delivers through this client (see [`HttpSender`]). Must be
    /// called inside a Tokio runtime. Its batches are cut to fit both its `max_batch_bytes`
    /// and this client's [`Client::max_request_bytes`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
    /// # let token = fake.issue_token("my_app", "my-app.example.com");
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tga_client::Client::builder(token)
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// use std::time::Duration;
    ///
    /// use tga_client::{TrackerConfig, Uuid};
    ///
    /// let tracker = client.tracker(TrackerConfig::default())?;
    /// let session = Uuid::new_v4();
    /// for step in 0..3 {
    ///     let event = client.event(111_111_111, "checkout-step", session).with_custom("step", step);
    ///     tracker.track(&event).await?; // queued; sent in batches in the background
    /// }
    /// tracker.flush().await?; // an error says what was dead-lettered or handed back
    /// # assert_eq!(fake.accepted_count(), 3);
    /// tracker.shutdown(Duration::from_secs(5)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tracker(&self, config: TrackerConfig) -> Result<Tracker, Error> {
        let bytes = config.max_batch_bytes.min(self.max_request_bytes());
        Tracker::start(
            HttpSender::new(self.clone()),
            config.with_max_batch_bytes(bytes),
        )
    }
}

#[cfg(test)]
mod tests;
