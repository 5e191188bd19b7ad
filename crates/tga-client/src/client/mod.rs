//! The HTTP client of TGA, on the shared transport and request pipeline of `tg-common`.
//!
//! [`Client`] holds the token, the app name and the Origin it presents, and whether bodies are
//! gzipped. [`Client::send_events`] posts one batch of events ([`SendEvents`]) and
//! [`Client::event_thresholds`] fetches the per-launch caps ([`GetEventThresholds`]), each
//! returning a [`RequestBuilder`] to `.send().await` (or `.await`); [`Client::tracker`] starts
//! a batching [`Tracker`] that sends through this client ([`HttpSender`]).
//!
//! Sending events is not idempotent: a request that may have reached the service (a timeout, a
//! reset connection, a 5xx) is not sent again unless the caller opts in with
//! [`RequestBuilder::retry_unsafe`]. Requests the service refused without recording anything
//! (429, `Failed to record`, a connection never established) are retried by `tg-common`.

mod builder;
mod http_sender;

use http::{HeaderName, HeaderValue};
use tg_common::transport::GzipLevel;
use tg_common::{Call, ClientHandle, Error, HandleClient, RequestBuilder};
use uuid::Uuid;

pub use builder::ClientBuilder;
pub use http_sender::HttpSender;

use crate::envelope::Sent;
use crate::event::{EncodedEvent, Event, EventName};
use crate::identity::Identity;
use crate::operation::{GetEventThresholds, SendEvents};
use crate::tracker::{Tracker, TrackerConfig};

/// The header that carries the token.
pub(crate) const TOKEN_HEADER: HeaderName = HeaderName::from_static("tga-auth-token");

/// A TGA client. Cheap to clone: clones share the connection pool and the configuration.
///
/// Debug prints the base URL, app name and Origin, never the token.
#[derive(Clone, Debug)]
pub struct Client(ClientHandle<Settings>);

/// What a TGA client holds beside the core: who it is and how it sends bodies.
pub struct Settings {
    identity: Identity,
    /// The Origin header, checked once when the client is built.
    origin: HeaderValue,
    /// The token header's value, marked sensitive, checked once when the client is built.
    token: HeaderValue,
    /// The gzip level of request bodies; `None`: sent uncompressed.
    gzip: Option<GzipLevel>,
    /// The largest uncompressed body of one request.
    max_request_bytes: usize,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("app_name", &self.identity.app_name)
            .field("origin", &self.identity.origin)
            .field("gzip", &self.gzip)
            .field("max_request_bytes", &self.max_request_bytes)
            .finish_non_exhaustive()
    }
}

impl HandleClient for Client {
    const PROVIDER: &'static str = crate::PROVIDER;
    type Settings = Settings;

    fn handle(&self) -> &ClientHandle<Settings> {
        &self.0
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

    /// What this client holds beside the core.
    fn settings(&self) -> &Settings {
        self.0.settings()
    }

    /// The app name events must carry (given, or read from the token).
    pub fn app_name(&self) -> &str {
        &self.settings().identity.app_name
    }

    /// The Origin header this client sends (given, or derived from the token).
    pub fn origin(&self) -> &str {
        &self.settings().identity.origin
    }

    /// Whether request bodies are gzipped.
    pub fn gzip(&self) -> bool {
        self.settings().gzip.is_some()
    }

    /// The gzip level of request bodies (`None` when they are sent uncompressed).
    pub fn gzip_level(&self) -> Option<GzipLevel> {
        self.settings().gzip
    }

    /// The largest uncompressed body of one request, in bytes.
    pub fn max_request_bytes(&self) -> usize {
        self.settings().max_request_bytes
    }

    /// An event with the four required fields, carrying this client's app name.
    pub fn event(&self, user_id: i64, event_name: impl Into<EventName>, session_id: Uuid) -> Event {
        Event::new(user_id, event_name, session_id, self.app_name())
    }

    /// One `POST /events` of `events`, each validated first ([`Event::validate`]): a
    /// [`RequestBuilder`] of [`SendEvents`], sent by `.send().await` (or `.await`). An empty
    /// slice, an invalid event, or a batch whose JSON is longer than
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
    /// client.send_events(&events).send().await?; // validated, gzipped, sent once
    /// # assert_eq!(fake.accepted_count(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_events(&self, events: &[Event]) -> RequestBuilder<SendEvents> {
        RequestBuilder::new(self.clone(), SendEvents::new(events))
    }

    /// One `POST /events` of events already encoded (as a [`Tracker`] holds them), sent as
    /// they are: a [`RequestBuilder`] of [`SendEvents`]. An empty slice, or a batch longer than
    /// [`Client::max_request_bytes`], fails with [`tg_common::ErrorKind::InvalidInput`].
    pub fn send_encoded(&self, events: &[EncodedEvent]) -> RequestBuilder<SendEvents> {
        RequestBuilder::new(self.clone(), SendEvents::encoded(events))
    }

    /// `GET /events/threshold` ([`GetEventThresholds`]): per event name, the most events one
    /// app launch may send (`0`: none). Sent as the SDK sends it, with the Origin and without
    /// the token. Retried (the call is idempotent) within the client's retry policy.
    ///
    /// Give the caps to a tracker with
    /// [`TrackerConfig::with_thresholds`](crate::TrackerConfig::with_thresholds).
    pub fn event_thresholds(&self) -> RequestBuilder<GetEventThresholds> {
        RequestBuilder::new(self.clone(), GetEventThresholds::new())
    }

    /// `call` with this client's Origin.
    pub(crate) fn with_origin(&self, call: Call) -> Call {
        call.header(http::header::ORIGIN, self.settings().origin.clone())
    }

    /// The token header's value (sensitive).
    pub(crate) fn token_header(&self) -> HeaderValue {
        self.settings().token.clone()
    }

    /// What this client sends that explains an answer.
    pub(crate) fn sent(&self) -> Sent<'_> {
        let identity = &self.settings().identity;
        Sent {
            origin: Some(&identity.origin),
            token_domain: identity.token_domain.as_deref(),
        }
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
