//! An event already serialized to JSON: what the tracker queues and a sender sends.

use std::fmt;

use serde_json::value::RawValue;
use tg_common::Error;

use super::Event;

/// The bytes of an SDK-shaped event's JSON, rounded up: the first buffer an encoding gets.
const TYPICAL_EVENT_BYTES: usize = 640;

/// One event as its JSON object, encoded once when it is tracked.
///
/// Holding the JSON instead of the [`Event`] keeps a queued event small (one allocation of its
/// JSON length) and makes a request body a concatenation. [`EncodedEvent::decode`] gives the
/// event back.
#[derive(Clone)]
pub struct EncodedEvent(Box<str>);

impl EncodedEvent {
    /// Serializes `event` (no validation: see [`Event::validate`]); fails when the JSON is
    /// longer than [`MAX_EVENT_BYTES`](super::limits::MAX_EVENT_BYTES).
    pub fn encode(event: &Event) -> Result<Self, Error> {
        // Sized for a typical event at once (serde_json starts at 128 bytes and doubles).
        let mut json = Vec::with_capacity(TYPICAL_EVENT_BYTES);
        serde_json::to_writer(&mut json, event)
            .map_err(|e| Error::invalid_input("event", e.to_string()))?;
        super::limits::check_encoded_len(json.len())?;
        let json =
            String::from_utf8(json).map_err(|e| Error::invalid_input("event", e.to_string()))?;
        Ok(EncodedEvent(json.into_boxed_str()))
    }

    /// One event received as JSON (from a web frontend), checked and kept byte for byte.
    ///
    /// The text must be one JSON object that decodes as an [`Event`] (the four required fields
    /// present, typed fields of their types) and passes [`Event::validate`]; it is then kept
    /// and sent exactly as given, unknown fields and their JSON form included. Fails with
    /// [`tg_common::ErrorKind::InvalidInput`] naming the field.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let raw: Box<RawValue> =
            serde_json::from_str(json).map_err(|e| Error::invalid_input("event", e.to_string()))?;
        EncodedEvent::checked(raw)
    }

    /// The events of a JSON array received as text (the body the official SDK posts), each
    /// checked as by [`EncodedEvent::from_json`] and kept byte for byte. Errors name the index
    /// (`[3].user_id`); an empty array is refused.
    pub fn from_json_array(json: &str) -> Result<Vec<Self>, Error> {
        let items: Vec<Box<RawValue>> = serde_json::from_str(json)
            .map_err(|e| Error::invalid_input("events", e.to_string()))?;
        if items.is_empty() {
            return Err(Error::invalid_input(
                "events",
                "must hold at least one event",
            ));
        }
        items
            .into_iter()
            .enumerate()
            .map(|(i, raw)| EncodedEvent::checked(raw).map_err(|e| at_index(i, e)))
            .collect()
    }

    fn checked(raw: Box<RawValue>) -> Result<Self, Error> {
        if !raw.get().starts_with('{') {
            return Err(Error::invalid_input("event", "must be a JSON object"));
        }
        super::limits::check_encoded_len(raw.get().len())?;
        let event: Event = serde_json::from_str(raw.get())
            .map_err(|e| Error::invalid_input("event", e.to_string()))?;
        event.validate()?;
        Ok(EncodedEvent(raw.into()))
    }

    /// An event read back from a spool, where only events this crate encoded and checked are
    /// appended (a disk spool checks each record's CRC): the text must be UTF-8 and look like
    /// one JSON object, and is not parsed again. Should a damaged entry still get through, the
    /// service refuses its batch as invalid and the tracker's splitting isolates the entry as a
    /// dead letter; nothing else is lost.
    pub(crate) fn from_spooled(bytes: &[u8]) -> Result<Self, Error> {
        let text =
            std::str::from_utf8(bytes).map_err(|e| Error::invalid_input("event", e.to_string()))?;
        let text = text.trim_ascii();
        if !(text.starts_with('{') && text.ends_with('}')) {
            return Err(Error::invalid_input("event", "must be a JSON object"));
        }
        super::limits::check_encoded_len(text.len())?;
        Ok(EncodedEvent(text.into()))
    }

    /// The JSON object of the event.
    pub fn json(&self) -> &str {
        &self.0
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

/// Names the event of an error: `user_id` becomes `[3].user_id`.
fn at_index(index: usize, error: Error) -> Error {
    match error.into_kind() {
        tg_common::ErrorKind::InvalidInput { field, reason } => {
            Error::invalid_input(format!("[{index}].{field}"), reason)
        }
        other => Error::new(other),
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
