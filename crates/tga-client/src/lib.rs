//! Client of Telegram Mini Apps Analytics (TGA): typed events for `POST /events`, the mapping
//! of every documented answer, and a batching [`Tracker`] that never loses an event where the
//! official SDK does.
//!
//! - [`event`]: [`Event`] and its field types; the documents' examples round-trip exactly.
//! - [`token`]: reading the app name and domain out of a token, as configuration defaults.
//! - [`identity`]: the token, app name and Origin a client presents.
//! - [`outcome`]: what an answer means ([`TgaApiError`]); any 2xx is success.
//! - [`tracker`]: queueing, batching, retries, dead letters, flush and shutdown, over any
//!   [`BatchSender`].
//!
//! Delivery through the tracker is at least once: a batch whose answer was lost may be sent
//! again.

pub mod event;
pub mod identity;
pub mod outcome;
pub mod token;
pub mod tracker;

pub use event::{AuthType, ClientTimestamp, EncodedEvent, Event, EventName, Message};
pub use identity::Identity;
pub use outcome::{TgaApiError, map_response};
pub use token::TokenInfo;
pub use tracker::{
    BatchSender, DeadLetter, DeadLetterSink, FullPolicy, TrackError, Tracker, TrackerConfig,
    TrackerStats,
};
