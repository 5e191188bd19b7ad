//! An event already serialized to JSON: what the tracker queues and a sender sends.

use std::fmt;

use serde_json::value::RawValue;
use tg_common::Error;

use super::Event;

/// One event as its JSON object, encoded once when it is tracked.
///
/// Holding the JSON instead of the [`Event`] keeps a queued event small (one allocation of its
/// JSON length) and makes a request body a concatenation. [`EncodedEvent::decode`] gives the
/// event back.
#[derive(Clone)]
pub struct EncodedEvent(Box<RawValue>);

impl EncodedEvent {
    /// Serializes `event` (no validation: see [`Event::validate`]).
    pub fn encode(event: &Event) -> Result<Self, Error> {
        serde_json::value::to_raw_value(event)
            .map(EncodedEvent)
            .map_err(|e| Error::invalid_input("event", e.to_string()))
    }

    /// The JSON object of the event.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The event this JSON holds.
    pub fn decode(&self) -> Result<Event, Error> {
        serde_json::from_str(self.json()).map_err(|e| Error::invalid_input("event", e.to_string()))
    }

    /// The length of the JSON in bytes.
    pub fn len(&self) -> usize {
        self.json().len()
    }

    /// Whether the JSON is empty (never true for an encoded event).
    pub fn is_empty(&self) -> bool {
        self.json().is_empty()
    }
}

impl PartialEq for EncodedEvent {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl Eq for EncodedEvent {}

impl fmt::Debug for EncodedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EncodedEvent").field(&self.json()).finish()
    }
}

impl TryFrom<&Event> for EncodedEvent {
    type Error = Error;

    fn try_from(event: &Event) -> Result<Self, Error> {
        EncodedEvent::encode(event)
    }
}

/// The body of one `POST /events`: a JSON array of the events, uncompressed.
pub fn encode_batch(events: &[EncodedEvent]) -> Vec<u8> {
    let len = events.iter().map(|e| e.len() + 1).sum::<usize>() + 2;
    let mut body = Vec::with_capacity(len);
    body.push(b'[');
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(event.json().as_bytes());
    }
    body.push(b']');
    body
}
