//! The names most programs use: `use tga_client::prelude::*;`.
//!
//! The client and its requests, the event types, the tracker and the error types with
//! [`TgaErrorExt`] (so `err.tga_error()` works).

pub use crate::client::{Client, ClientBuilder};
pub use crate::error::{TgaApiError, TgaErrorExt};
pub use crate::event::{AuthType, ClientTimestamp, EncodedEvent, Event, EventName, Message};
pub use crate::operation::{GetEventThresholds, SendEvents};
pub use crate::thresholds::EventThresholds;
pub use crate::tracker::{TrackError, Tracker, TrackerConfig};
pub use tg_common::{Error, ErrorKind, Operation, RequestBuilder, Secret};
pub use uuid::Uuid;
