//! One `POST /events`: the request builder [`SendEvents`] and the call the client makes.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use http::{HeaderName, Method};
use tg_common::transport::RequestPath;
use tg_common::{Call, Error, ErrorKind, Idempotency, Response};

use super::Client;
use crate::PROVIDER;
use crate::event::{EncodedEvent, Event, encode_batch};
use crate::outcome::{OPERATION, Sent, map_response};

/// The header that carries the token.
const TOKEN_HEADER: HeaderName = HeaderName::from_static("tga-auth-token");

/// What one request carries.
#[derive(Clone, Copy)]
pub(super) enum Batch<'a> {
    /// Events to validate and encode.
    Events(&'a [Event]),
    /// Events already encoded.
    Encoded(&'a [EncodedEvent]),
}

impl Batch<'_> {
    fn len(&self) -> usize {
        match self {
            Batch::Events(events) => events.len(),
            Batch::Encoded(events) => events.len(),
        }
    }

    /// The uncompressed JSON array, after validating every event and the size.
    fn body(&self, max_bytes: usize) -> Result<Vec<u8>, Error> {
        if self.len() == 0 {
            return Err(Error::invalid_input(
                "events",
                "must hold at least one event",
            ));
        }
        let body = match self {
            Batch::Encoded(events) => encode_batch(events),
            Batch::Events(events) => {
                let encoded = events
                    .iter()
                    .enumerate()
                    .map(|(i, event)| {
                        event
                            .validate()
                            .and_then(|()| event.encode())
                            .map_err(|e| at_index(i, e))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                encode_batch(&encoded)
            }
        };
        check_body_len(body.len(), self.len(), max_bytes)?;
        Ok(body)
    }
}

/// Refuses a body longer than the request budget.
pub(super) fn check_body_len(len: usize, events: usize, max_bytes: usize) -> Result<(), Error> {
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

/// Names the event of a validation error: `user_id` becomes `events[3].user_id`.
fn at_index(index: usize, error: Error) -> Error {
    match error.into_kind() {
        ErrorKind::InvalidInput { field, reason } => {
            Error::invalid_input(format!("events[{index}].{field}"), reason)
        }
        other => Error::new(other),
    }
}

/// A `POST /events` of one batch, made by [`Client::send`] or [`Client::send_encoded`].
///
/// Await it to send. `Ok` means the service acknowledged the batch (a 2xx with its `Success record.`
/// answer, see [`map_response`]); an error carries
/// a [`TgaApiError`](crate::TgaApiError) for every documented answer.
#[must_use = "a request does nothing until it is awaited"]
pub struct SendEvents<'a> {
    client: Client,
    batch: Batch<'a>,
    retry_unsafe: bool,
}

impl std::fmt::Debug for SendEvents<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendEvents")
            .field("events", &self.batch.len())
            .field("retry_unsafe", &self.retry_unsafe)
            .finish_non_exhaustive()
    }
}

impl<'a> SendEvents<'a> {
    pub(super) fn new(client: Client, batch: Batch<'a>) -> Self {
        SendEvents {
            client,
            batch,
            retry_unsafe: false,
        }
    }

    /// Also retries after failures where the service may have recorded the events (a timeout,
    /// a reset connection, a 5xx), within the client's retry policy. The service may then hold
    /// some events twice.
    pub fn retry_unsafe(mut self) -> Self {
        self.retry_unsafe = true;
        self
    }

    async fn run(self) -> Result<(), Error> {
        let body = self
            .batch
            .body(self.client.max_request_bytes())
            .map_err(|e| e.with_context(PROVIDER, OPERATION))?;
        let idempotency = if self.retry_unsafe {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        self.client.post(body, idempotency, None).await
    }
}

impl<'a> IntoFuture for SendEvents<'a> {
    type Output = Result<(), Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl Client {
    /// Posts `body` (a JSON array of events) once through the core, with at most
    /// `max_attempts` attempts when given.
    pub(super) async fn post(
        &self,
        body: Vec<u8>,
        idempotency: Idempotency,
        max_attempts: Option<u32>,
    ) -> Result<(), Error> {
        let inner = &self.inner;
        let path = RequestPath::new().segment("events");
        let mut call = Call::new(OPERATION, Method::POST, path)
            .json_body(body)
            .secret_header(TOKEN_HEADER, &inner.identity.token)
            .map_err(|e| e.with_context(PROVIDER, OPERATION))?
            .header(http::header::ORIGIN, inner.origin.clone())
            .idempotency(idempotency);
        call.gzip = inner.gzip;
        if let Some(attempts) = max_attempts {
            call = call.max_attempts(attempts);
        }
        let sent = Sent {
            origin: Some(&inner.identity.origin),
            token_domain: inner.identity.token_domain.as_deref(),
        };
        inner
            .core
            .execute(call, |response: Response| {
                map_response(
                    response.status,
                    &response.body,
                    response.retry_after(),
                    sent,
                )
            })
            .await
    }
}
