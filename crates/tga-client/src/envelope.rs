//! The one [`decode`] of TGA's answers: success, or an error naming what was wrong.
//!
//! Every answer the documents list is mapped, for both operations ([`Answer`] says what a 2xx
//! holds for each):
//!
//! - `POST /events` (`()`): success is decided from the status *and* the body: a 2xx whose JSON
//!   `message` is `Success record.` (the live service answers 202, the documents say 201), or a
//!   204 with an empty body (a 204 cannot carry one). Any other 2xx (a captive portal's HTML
//!   page, a proxy's empty 200, a JSON `Failed to record`) is not a delivery: it is an error
//!   that [`TgaApiError::is_retryable`] says to retry.
//! - `GET /events/threshold` ([`EventThresholds`]): a 2xx with a JSON object of event names to
//!   non-negative integers; another 2xx body is [`ErrorKind::Decode`](tg_common::ErrorKind::Decode)
//!   naming the entry that is not a count.
//!
//! Error answers are read the same way for both: 429 is [`TgaApiError::TooManyRequests`], a
//! retryable 5xx [`TgaApiError::Server`] (the status table is
//! [`tg_common::status_safety`]), the documented 400 and 403 messages their
//! [`TgaApiError`], anything else [`Error::http`].

use std::time::Duration;

use serde::Deserialize;
use tg_common::{Error, Operation, RetrySafety};
use tg_common::{is_retryable_status, status_safety};

use crate::PROVIDER;
use crate::error::TgaApiError;
use crate::operation::{GetEventThresholds, SendEvents};
use crate::thresholds::EventThresholds;

/// What the request carried that helps explain an answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent<'a> {
    /// The Origin header sent, if any.
    pub origin: Option<&'a str>,
    /// The domain the token was created for, when known.
    pub token_domain: Option<&'a str>,
}

/// What a 2xx answer of an operation holds: `()` for `POST /events` (the `Success record.`
/// answer), [`EventThresholds`] for `GET /events/threshold`. Sealed.
pub trait Answer: Sized + sealed::Sealed {
    /// The operation in error contexts (`POST /events`).
    const OPERATION: &'static str;

    /// Reads a 2xx answer; an error here carries no context yet.
    fn from_2xx(status: u16, body: &[u8], retry_after: Option<Duration>) -> Result<Self, Error>;
}

impl Answer for () {
    const OPERATION: &'static str = SendEvents::NAME;

    /// Success is the JSON `{"message":"Success record."}` (case, surrounding space, the final
    /// period and other keys ignored), or a 204 with an empty body. A 2xx `Failed to record` is
    /// [`TgaApiError::FailedToRecord`]; any other 2xx is [`TgaApiError::UnconfirmedSuccess`]
    /// (retryable, but only for idempotent calls: the service may have recorded the events).
    fn from_2xx(status: u16, body: &[u8], retry_after: Option<Duration>) -> Result<(), Error> {
        let api = |safety, detail| Err(Error::api(status, safety, retry_after, detail));
        match object_message(body).as_deref() {
            Some(m) if is(m, SUCCESS) => Ok(()),
            None if status == 204 && body.iter().all(u8::is_ascii_whitespace) => Ok(()),
            Some(m) if is(m, FAILED_TO_RECORD) => {
                api(RetrySafety::Always, TgaApiError::FailedToRecord)
            }
            _ => api(
                RetrySafety::IfIdempotent,
                TgaApiError::UnconfirmedSuccess {
                    status,
                    body: tg_common::excerpt(body),
                },
            ),
        }
    }
}

impl Answer for EventThresholds {
    const OPERATION: &'static str = GetEventThresholds::NAME;

    /// A JSON object of event names to non-negative integers; anything else is a decode error
    /// naming the entry that is not a count.
    fn from_2xx(status: u16, body: &[u8], _: Option<Duration>) -> Result<Self, Error> {
        tg_common::json::decode(status, body)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl Sealed for crate::thresholds::EventThresholds {}
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    message: Option<String>,
}

const TOKEN_MISSING: &str = "The token is not specified in the headers or is specified incorrectly";
const TOKEN_INVALID: &str = "Token is invalid";
const APP_NAME_MISMATCH: &str = "Invalid app_name is specified";
const FAILED_TO_RECORD: &str = "Failed to record";
const VALIDATION_MISMATCH: &str = "VALIDATION_MISMATCH_REPORT";
const DOMAIN_MISMATCH: &str = "The domain name does not match";
const SUCCESS: &str = "Success record";

/// Whether `message` is `expected`, ignoring case, surrounding space and a final period.
fn is(message: &str, expected: &str) -> bool {
    message
        .trim()
        .trim_end_matches('.')
        .eq_ignore_ascii_case(expected)
}

/// Maps an answer (status, body, Retry-After) of the operation whose success is `T` to `T` or
/// an error.
///
/// A 2xx is read by [`Answer::from_2xx`]: for `POST /events`, one that is not the service's
/// success answer is an error naming what was wrong. A documented error becomes
/// [`Error::api`] holding a [`TgaApiError`]; an undocumented answer becomes [`Error::http`].
/// Errors carry the context `tga` / [`Answer::OPERATION`]; `sent` explains a domain mismatch.
///
/// ```
/// use tga_client::envelope::{Sent, decode};
/// use tga_client::{EventThresholds, TgaApiError, TgaErrorExt};
///
/// decode::<()>(202, br#"{"message":"Success record."}"#, None, Sent::default())?;
/// let err = decode::<()>(200, b"<html>", None, Sent::default()).unwrap_err();
/// assert!(matches!(err.tga_error(), Some(TgaApiError::UnconfirmedSuccess { status: 200, .. })));
/// let caps: EventThresholds = decode(200, br#"{"app-hide":3}"#, None, Sent::default())?;
/// assert_eq!(caps.len(), 1);
/// # Ok::<(), tga_client::Error>(())
/// ```
pub fn decode<T: Answer>(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    sent: Sent<'_>,
) -> Result<T, Error> {
    let context = |e: Error| e.with_context(PROVIDER, T::OPERATION);
    if (200..300).contains(&status) {
        return T::from_2xx(status, body, retry_after).map_err(context);
    }
    Err(context(error_answer(status, body, retry_after, sent)))
}

/// The error of an answer that is not a 2xx.
fn error_answer(status: u16, body: &[u8], retry_after: Option<Duration>, sent: Sent<'_>) -> Error {
    let message = serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|e| e.message);
    let api =
        |safety: RetrySafety, detail: TgaApiError| Error::api(status, safety, retry_after, detail);
    match (status, message.as_deref()) {
        (429, _) => api(RetrySafety::Always, TgaApiError::TooManyRequests),
        (500..=599, _) if is_retryable_status(status) => api(
            status_safety(status),
            TgaApiError::Server { status, message },
        ),
        (400, Some(m)) if is(m, FAILED_TO_RECORD) => {
            api(RetrySafety::Always, TgaApiError::FailedToRecord)
        }
        (400, Some(m)) if is(m, TOKEN_MISSING) => {
            api(RetrySafety::Never, TgaApiError::TokenMissing)
        }
        (400, Some(m)) if is(m, TOKEN_INVALID) => {
            api(RetrySafety::Never, TgaApiError::TokenInvalid)
        }
        (400, Some(m)) if is(m, APP_NAME_MISMATCH) => {
            api(RetrySafety::Never, TgaApiError::AppNameMismatch)
        }
        (400, Some(m)) if is(m, VALIDATION_MISMATCH) => {
            let details = validation_details(body);
            api(
                RetrySafety::Never,
                TgaApiError::ValidationMismatch {
                    message: m.to_owned(),
                    details,
                },
            )
        }
        (403, Some(m)) if is(m, DOMAIN_MISMATCH) => api(
            RetrySafety::Never,
            TgaApiError::DomainMismatch {
                origin: sent.origin.map(str::to_owned),
                token_domain: sent.token_domain.map(str::to_owned),
            },
        ),
        _ => Error::http(status, body, retry_after),
    }
}

/// The `message` of a body that is a JSON object (not of an array or any other JSON).
fn object_message(body: &[u8]) -> Option<String> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    object.get("message")?.as_str().map(str::to_owned)
}

/// The body as compact JSON when it holds keys besides `status` and `message`.
fn validation_details(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let extra = object.keys().any(|k| k != "status" && k != "message");
    extra.then(|| tg_common::excerpt(value.to_string().as_bytes()))
}

#[cfg(test)]
mod tests;
