//! [`TgaApiError`]: the documented error answers of TGA, with what each means for a retry.
//!
//! [`envelope::decode`](crate::envelope::decode) produces them (inside an
//! [`ErrorKind::Api`](tg_common::ErrorKind::Api)); `err.tga_error()`
//! ([`TgaErrorExt`]) reads one back out of a [`tg_common::Error`].

use std::fmt;

use tg_common::Error;

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
    /// [`tg_common::status_safety`]); retry.
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

/// TGA's view of an [`Error`]: import the trait to call `err.tga_error()`. The method names carry
/// the provider, so the traits of several client crates import together.
pub trait TgaErrorExt: sealed::Sealed {
    /// TGA's documented error answer, when the service gave one.
    fn tga_error(&self) -> Option<&TgaApiError>;

    /// Whether TGA refused the token or the Origin (`TokenMissing`, `TokenInvalid`,
    /// `DomainMismatch`): no retry helps, fix the configuration. TGA answers these with 400
    /// or 403, never 401, so [`Error::is_unauthorized`] is false for them.
    fn is_bad_token(&self) -> bool {
        matches!(
            self.tga_error(),
            Some(
                TgaApiError::TokenMissing
                    | TgaApiError::TokenInvalid
                    | TgaApiError::DomainMismatch { .. }
            )
        )
    }
}

impl TgaErrorExt for Error {
    fn tga_error(&self) -> Option<&TgaApiError> {
        self.api_detail::<TgaApiError>()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tg_common::Error {}
}
