//! Every bound this crate checks before anything is queued or sent: the size of a field, an
//! event and a request (the service documents none; `docs/tga.md` gives the source of each),
//! and the ranges a [`TrackerConfig`](crate::TrackerConfig) accepts.

pub use crate::event::limits::{
    DEFAULT_MAX_REQUEST_BYTES, MAX_EVENT_BYTES, MAX_INVOICE_PAYLOAD_BYTES, MAX_MESSAGES,
    MAX_OBJECT_BYTES, MAX_REQUEST_BYTES_LIMIT, MIN_REQUEST_BYTES, text_limit,
};
pub use crate::tracker::{
    DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT, MAX_CAPPED_SESSIONS, MAX_DEAD_LETTERS, MAX_DURATION,
    MAX_IN_FLIGHT, MAX_QUEUE_BYTES, MAX_QUEUE_CAPACITY, MIN_DURATION, MIN_QUEUE_BYTES,
};
