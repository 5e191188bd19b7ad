//! What an answer to `POST /events` means: success, or a typed [`TgaApiError`].
//!
//! Every answer the documents list is mapped. Success is decided from the status *and* the
//! body: a 2xx whose JSON `message` is `Success record.` (the live service answers 202, the
//! documents say 201), or a 204 with an empty body (a 204 cannot carry one). Any other 2xx (a
//! captive portal's HTML page, a proxy's empty 200, a JSON `Failed to record`) is not a
//! delivery: it is an error that [`TgaApiError::is_retryable`] says to retry.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use tg_common::retry::{is_retryable_status, status_safety};
use tg_common::{Error, RetrySafety};

mod threshold;

pub use threshold::{THRESHOLD_OPERATION, map_threshold_response};

use crate::PROVIDER;

/// The operation name in error contexts.
pub const OPERATION: &str = "POST /events";

/// A documented error answer of `POST /events`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TgaApiError {
    /// 400 `Failed to record`: the service did not record the events (its own fault); retry.
    FailedToRecord,
    /// 400: the `TGA-Auth-Token` header is missing or not a token.
    TokenMissing,
    /// 400 `Token is invalid.`: the token was not issued by the Data Chief bot.
    TokenInvalid,
    /// 400 `Invalid app_name is specified.`: an event's `app_name` is not the token's app.
    AppNameMismatch,
    /// 400 `VALIDATION_MISMATCH_REPORT`: an event does not satisfy the schema.
    ValidationMismatch {
        /// The server's `message`.
        message: String,
        /// The body, when it holds more than `status` and `message`.
        details: Option<String>,
    },
    /// 403 `The domain name does not match.`: the Origin is not the token's domain.
    DomainMismatch {
        /// The Origin that was sent, if any.
        origin: Option<String>,
        /// The domain the token was created for, when known.
        token_domain: Option<String>,
    },
    /// 429: too many requests; retry later.
    TooManyRequests,
    /// A 5xx answer that a retry may fix (not 501, 505 or 511: see
    /// [`tg_common::retry::status_safety`]); retry.
    Server {
        /// The status.
        status: u16,
        /// The server's `message`, if the body had one.
        message: Option<String>,
    },
    /// A 2xx whose body is not the service's success answer (an HTML page from a captive portal
    /// or proxy, an empty 200, some other JSON): the events may not have been recorded; retry.
    UnconfirmedSuccess {
        /// The status.
        status: u16,
        /// The start of the body (empty when there was none).
        body: String,
    },
}

impl TgaApiError {
    /// Whether a later retry of the same events may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            TgaApiError::FailedToRecord
                | TgaApiError::TooManyRequests
                | TgaApiError::Server { .. }
                | TgaApiError::UnconfirmedSuccess { .. }
        )
    }

    /// Whether the error is about the content of some event (finding and removing the bad
    /// events lets the rest through), rather than about the token, the Origin or the service.
    pub fn is_about_events(&self) -> bool {
        matches!(
            self,
            TgaApiError::ValidationMismatch { .. } | TgaApiError::AppNameMismatch
        )
    }
}

impl fmt::Display for TgaApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TgaApiError::FailedToRecord => {
                f.write_str("the service failed to record the events (\"Failed to record\"); retry later")
            }
            TgaApiError::TokenMissing => f.write_str(
                "the TGA-Auth-Token header is missing or malformed: set the token issued by the Data Chief bot",
            ),
            TgaApiError::TokenInvalid => f.write_str(
                "the token is invalid (\"Token is invalid.\"): use a token issued by the Data Chief bot",
            ),
            TgaApiError::AppNameMismatch => f.write_str(
                "an event's app_name is not the app the token was created for (\"Invalid app_name is specified.\")",
            ),
            TgaApiError::ValidationMismatch { message, details } => {
                write!(f, "the service rejected an event as invalid ({message})")?;
                if let Some(details) = details {
                    write!(f, ": {details}")?;
                }
                Ok(())
            }
            TgaApiError::DomainMismatch {
                origin,
                token_domain,
            } => {
                f.write_str("the service refused the request because the domain name does not match: ")?;
                match origin {
                    Some(origin) => write!(f, "the Origin header sent was {origin}, ")?,
                    None => f.write_str("no Origin header was sent, ")?,
                }
                match token_domain {
                    Some(domain) => write!(
                        f,
                        "but the token was created for {domain}; send the Origin https://{domain}"
                    ),
                    None => f.write_str(
                        "but it must match the domain the token was created for; configure the Origin of your Mini App's URL",
                    ),
                }
            }
            TgaApiError::TooManyRequests => f.write_str("too many requests (HTTP 429); retry later"),
            TgaApiError::Server { status, message } => {
                write!(f, "server error (HTTP {status})")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            TgaApiError::UnconfirmedSuccess { status, body } => {
                write!(
                    f,
                    "HTTP {status} without the service's success answer (\"Success record.\"), so the events may not have been recorded (a proxy or captive portal may have answered); "
                )?;
                if body.is_empty() {
                    f.write_str("the body was empty")
                } else {
                    write!(f, "the body began: {body}")
                }
            }
        }
    }
}

impl std::error::Error for TgaApiError {}

/// What the request carried that helps explain an answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent<'a> {
    /// The Origin header sent, if any.
    pub origin: Option<&'a str>,
    /// The domain the token was created for, when known.
    pub token_domain: Option<&'a str>,
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

/// Maps an answer of `POST /events` (status, body, Retry-After) to success or an error.
///
/// Success is a 2xx with the JSON `{"message":"Success record."}` (case, surrounding space,
/// the final period and other keys ignored), or a 204 with an empty body. A 2xx `Failed to
/// record` is [`TgaApiError::FailedToRecord`]; any other 2xx is
/// [`TgaApiError::UnconfirmedSuccess`] (retryable, but only for idempotent calls: the service
/// may have recorded the events). A documented error becomes [`Error::api`] holding a
/// [`TgaApiError`]; an undocumented 4xx becomes [`Error::http`]. Errors carry the context
/// `tga` / `POST /events`.
pub fn map_response(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    sent: Sent<'_>,
) -> Result<(), Error> {
    let message = serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|e| e.message);
    let api = |safety: RetrySafety, detail: TgaApiError| {
        Err(Error::api(status, safety, retry_after, detail).with_context(PROVIDER, OPERATION))
    };
    if (200..300).contains(&status) {
        return match object_message(body).as_deref() {
            Some(m) if is(m, SUCCESS) => Ok(()),
            None if status == 204 && body.iter().all(u8::is_ascii_whitespace) => Ok(()),
            Some(m) if is(m, FAILED_TO_RECORD) => {
                api(RetrySafety::Always, TgaApiError::FailedToRecord)
            }
            _ => api(
                RetrySafety::IfIdempotent,
                TgaApiError::UnconfirmedSuccess {
                    status,
                    body: tg_common::error::excerpt(body),
                },
            ),
        };
    }
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
        _ => Err(Error::http(status, body, retry_after).with_context(PROVIDER, OPERATION)),
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
    extra.then(|| tg_common::error::excerpt(value.to_string().as_bytes()))
}

#[cfg(test)]
mod tests;
