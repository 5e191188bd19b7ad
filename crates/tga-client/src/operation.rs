//! TGA's two operations, as [`Operation`]s sent through [`tg_common::RequestBuilder`]:
//! [`SendEvents`] (`POST /events`) and [`GetEventThresholds`] (`GET /events/threshold`).
//!
//! Sending events is not idempotent: a request that may have reached the service (a timeout, a
//! reset connection, a 5xx) is not sent again unless the caller opts in with
//! [`RequestBuilder::retry_unsafe`](tg_common::RequestBuilder::retry_unsafe). Requests the
//! service refused without recording anything (429, `Failed to record`, a connection never
//! established) are retried by `tg-common`.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::Method;
use tg_common::{Call, Error, ErrorKind, Idempotency, Operation, RawResponse};

use crate::client::{Client, TOKEN_HEADER};
use crate::envelope;
use crate::event::{EncodedEvent, Event, encode_batch};
use crate::thresholds::EventThresholds;

/// `POST /events` of one batch, made by [`Client::send_events`] or [`Client::send_encoded`]
/// (or [`SendEvents::new`] / [`SendEvents::encoded`] and
/// [`RequestBuilder::new`](tg_common::RequestBuilder::new)).
///
/// The batch is validated and encoded when the value is made; an invalid one is refused by
/// `render` and `send`, before anything is sent. `Ok` means the service acknowledged the batch
/// (a 2xx with its `Success record.` answer, see [`envelope::decode`]); an error carries a
/// [`TgaApiError`](crate::TgaApiError) for every documented answer.
///
/// Debug prints the number of events and the body's length, never their content.
#[derive(Clone)]
pub struct SendEvents {
    events: usize,
    body: Result<Bytes, Invalid>,
}

/// Why a batch is refused, kept to rebuild the error each time it is asked for.
#[derive(Debug, Clone)]
struct Invalid {
    field: Cow<'static, str>,
    reason: Cow<'static, str>,
}

impl Invalid {
    fn from_error(error: Error) -> Self {
        match error.into_kind() {
            ErrorKind::InvalidInput { field, reason } => Invalid { field, reason },
            other => Invalid {
                field: Cow::Borrowed("events"),
                reason: Cow::Owned(Error::new(other).to_string()),
            },
        }
    }

    fn error(&self) -> Error {
        Error::invalid_input(self.field.clone(), self.reason.clone())
    }
}

fn empty() -> Invalid {
    Invalid {
        field: Cow::Borrowed("events"),
        reason: Cow::Borrowed("must hold at least one event"),
    }
}

impl SendEvents {
    /// A batch of `events`, each validated ([`Event::validate`]) and encoded now. An empty
    /// slice or an invalid event (named `events[3].user_id`) is refused when sent.
    pub fn new(events: &[Event]) -> Self {
        let body = if events.is_empty() {
            Err(empty())
        } else {
            events
                .iter()
                .enumerate()
                .map(|(i, event)| {
                    event
                        .validate()
                        .and_then(|()| event.encode())
                        .map_err(|e| at_index(i, e))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|encoded| Bytes::from(encode_batch(&encoded)))
                .map_err(Invalid::from_error)
        };
        SendEvents {
            events: events.len(),
            body,
        }
    }

    /// A batch of events already encoded (as a [`Tracker`](crate::Tracker) holds them), sent
    /// as they are. An empty slice is refused when sent.
    pub fn encoded(events: &[EncodedEvent]) -> Self {
        let body = if events.is_empty() {
            Err(empty())
        } else {
            Ok(Bytes::from(encode_batch(events)))
        };
        SendEvents {
            events: events.len(),
            body,
        }
    }

    /// How many events the batch holds.
    pub fn len(&self) -> usize {
        self.events
    }

    /// Whether the batch holds no event (it is then refused).
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// The uncompressed JSON array that is sent, or the error that refuses the batch.
    pub fn body(&self) -> Result<&Bytes, Error> {
        self.body.as_ref().map_err(Invalid::error)
    }
}

impl fmt::Debug for SendEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SendEvents");
        debug.field("events", &self.events);
        match &self.body {
            Ok(body) => debug.field("body_bytes", &body.len()),
            Err(invalid) => debug.field("invalid", invalid),
        };
        debug.finish()
    }
}

/// Names the event of a validation error: `user_id` becomes `events[3].user_id`.
fn at_index(index: usize, error: Error) -> Error {
    match error.into_kind() {
        ErrorKind::InvalidInput { field, reason } => {
            Error::invalid_input(format!("events[{index}].{field}"), reason)
        }
        other => Error::new(other),
    }
}

/// Refuses a body longer than the request budget.
fn check_body_len(len: usize, events: usize, max_bytes: usize) -> Result<(), Error> {
    if len > max_bytes {
        return Err(Error::invalid_input(
            "events",
            format!(
                "{events} events are {len} bytes of JSON, more than one request holds \
                 ({max_bytes}); send fewer at once, or track them with a Tracker, which cuts \
                 batches by bytes"
            ),
        ));
    }
    Ok(())
}

impl Operation for SendEvents {
    type Client = Client;
    type Output = ();

    const NAME: &'static str = "POST /events";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "events";
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;

    fn validate(&self) -> Result<(), Error> {
        self.body().map(|_| ())
    }

    /// The batch, refused when longer than the client's
    /// [`max_request_bytes`](Client::max_request_bytes).
    fn json_body(&self, client: &Client) -> Result<Option<Bytes>, Error> {
        let body = self.body()?;
        check_body_len(body.len(), self.events, client.max_request_bytes())?;
        Ok(Some(body.clone()))
    }

    /// The token, the Origin and gzip.
    fn finish(&self, client: &Client, call: Call) -> Result<Call, Error> {
        let mut call = client
            .with_origin(call)
            .header(TOKEN_HEADER, client.token_header());
        call.gzip = client.gzip_level();
        Ok(call)
    }

    fn decode(&self, client: &Client, response: RawResponse) -> Result<(), Error> {
        envelope::decode(
            response.status,
            &response.body,
            response.retry_after(),
            client.sent(),
        )
    }
}

/// `GET /events/threshold`, made by [`Client::event_thresholds`]: the per-launch caps the
/// official SDK fetches when it starts. Sent as the SDK sends it, with the Origin and without
/// the token; idempotent, so retried within the client's retry policy.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GetEventThresholds;

impl GetEventThresholds {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        GetEventThresholds
    }
}

impl Operation for GetEventThresholds {
    type Client = Client;
    type Output = EventThresholds;

    const NAME: &'static str = "GET /events/threshold";
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "events/threshold";
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    /// The Origin.
    fn finish(&self, client: &Client, call: Call) -> Result<Call, Error> {
        Ok(client.with_origin(call))
    }

    fn decode(&self, client: &Client, response: RawResponse) -> Result<EventThresholds, Error> {
        envelope::decode(
            response.status,
            &response.body,
            response.retry_after(),
            client.sent(),
        )
    }
}
