//! The one error type of every client: what went wrong, where, and whether a retry may help.
//!
//! Errors name the provider and the operation (`tgtrack` / `add_event`), never a URL: two of the
//! services carry the API key in the URL path.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::limit::Quota;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The longest excerpt of a response body kept in an error.
pub const EXCERPT_LEN: usize = 256;

/// Whether retrying the failed request may help, and when it is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetrySafety {
    /// Retrying cannot help (bad input, bad key, a decode error).
    Never,
    /// The server may have processed the request: only an idempotent request may be retried.
    IfIdempotent,
    /// The server refused the request without processing it (429, a connection that was never
    /// established): any request may be retried.
    Always,
}

/// Where a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The service: `tga`, `tgtrack`, `tgmembership`.
    pub provider: &'static str,
    /// The operation, named as the provider documents it (`add_event`, `GET orders`).
    pub operation: Cow<'static, str>,
}

/// A failure of the connection itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be established (refused, unreachable, DNS): nothing was sent.
    Connect,
    /// The TLS handshake failed: nothing was sent.
    Tls,
    /// The server's certificate was refused (unknown issuer, wrong host name, expired): nothing
    /// was sent, and a retry meets the same certificate, so it is never retried.
    Certificate,
    /// The connection was closed or reset after the request was (maybe) sent.
    Reset,
    /// The response was cut short (truncated body, malformed framing).
    Incomplete,
    /// Another I/O or protocol failure.
    Other,
}

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection (TCP and TLS).
    Connect,
    /// One attempt: sending the request and reading the whole response body.
    Attempt,
    /// The overall deadline of the call, retries and rate-limit waits included.
    Overall,
}

/// Whether a rate limit was hit locally (our limiter) or answered by the server (429).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitOrigin {
    /// The client's limiter refused: capacity does not return within the allowed wait.
    Local {
        /// The quota that binds.
        quota: Quota,
    },
    /// The server answered 429.
    Remote,
}

/// A provider's own error answer, typed by the provider crate.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: u16,
    /// Whether a retry may help.
    pub safety: RetrySafety,
    /// Server-suggested delay before a retry (Retry-After or the provider's own field).
    pub retry_after: Option<Duration>,
    /// The provider crate's typed error; get it back with [`ApiError::detail`].
    pub source: BoxError,
}

impl ApiError {
    /// The provider crate's typed error, if it is a `T`.
    pub fn detail<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.source.downcast_ref::<T>()
    }
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connection failed.
    Transport {
        /// What failed.
        kind: TransportKind,
        /// The underlying error (hyper, I/O, rustls). Never carries a URL.
        source: Option<BoxError>,
    },
    /// A timeout fired.
    Timeout {
        /// Which one.
        phase: TimeoutPhase,
        /// Its configured length.
        after: Duration,
    },
    /// An HTTP status the provider's envelope does not explain.
    Http {
        /// The status.
        status: u16,
        /// The start of the body, lossy UTF-8, at most [`EXCERPT_LEN`] bytes.
        excerpt: String,
        /// Retry-After, if the server sent one.
        retry_after: Option<Duration>,
    },
    /// The provider's own error answer.
    Api(ApiError),
    /// The response could not be decoded into the expected type.
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// The JSON path that failed (`result[3].amount`), `.` for the document itself.
        path: String,
        /// What was wrong there.
        message: String,
        /// The start of the body, lossy UTF-8, at most [`EXCERPT_LEN`] bytes.
        excerpt: String,
    },
    /// The response body exceeded the configured cap.
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
        /// The Content-Length the server declared, if it declared one.
        declared: Option<u64>,
    },
    /// The caller's input was rejected before any request was sent.
    InvalidInput {
        /// The field (`start_value`, `limit`, `labels[2].name`).
        field: Cow<'static, str>,
        /// Why.
        reason: Cow<'static, str>,
    },
    /// The record is older than the service accepts (a goal past its window): refused before
    /// anything was sent; sending it later cannot help.
    Expired {
        /// The field that dates it (`started_at`).
        field: Cow<'static, str>,
        /// How old it is.
        age: Duration,
        /// The oldest the service accepts.
        limit: Duration,
    },
    /// A rate limit was hit.
    RateLimited {
        /// Local limiter or server.
        origin: RateLimitOrigin,
        /// How long until capacity returns, when known.
        retry_after: Option<Duration>,
    },
    /// The shared rate-limiter store (Redis) could not be reached; nothing was sent.
    LimiterUnavailable {
        /// Why: the store's error. The Redis backend always sets it: the `redis` crate's error
        /// (a refused connection) or a `limit::RedisFailure` (a timeout, the cooldown after a
        /// failure).
        source: Option<BoxError>,
    },
    /// The client is misconfigured (bad base URL, plain http, empty key).
    Config {
        /// What is wrong.
        reason: Cow<'static, str>,
    },
}

/// The error of every client in this workspace.
///
/// Cheap to move (one box). Match on [`Error::kind`]; ask [`Error::is_retryable`].
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    context: Option<Context>,
}

impl Error {
    /// An error of this kind with no context yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            context: None,
        }))
    }

    /// The caller's input was rejected before any request was sent.
    pub fn invalid_input(
        field: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error::new(ErrorKind::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        })
    }

    /// The record dated by `field` is `age` old, past the `limit` the service accepts.
    pub fn expired(field: impl Into<Cow<'static, str>>, age: Duration, limit: Duration) -> Self {
        Error::new(ErrorKind::Expired {
            field: field.into(),
            age,
            limit,
        })
    }

    /// The client is misconfigured.
    pub fn config(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Config {
            reason: reason.into(),
        })
    }

    /// A decode failure at `path` of a response with this status and body.
    pub fn decode(
        status: u16,
        path: impl Into<String>,
        message: impl Into<String>,
        body: &[u8],
    ) -> Self {
        Error::new(ErrorKind::Decode {
            status,
            path: path.into(),
            message: message.into(),
            excerpt: excerpt(body),
        })
    }

    /// An HTTP status the provider's envelope does not explain.
    pub fn http(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        Error::new(ErrorKind::Http {
            status,
            excerpt: excerpt(body),
            retry_after,
        })
    }

    /// A provider's typed error answer.
    pub fn api(
        status: u16,
        safety: RetrySafety,
        retry_after: Option<Duration>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::new(ErrorKind::Api(ApiError {
            status,
            safety,
            retry_after,
            source: Box::new(source),
        }))
    }

    /// Attaches the provider and operation, keeping any context already set.
    pub fn with_context(
        mut self,
        provider: &'static str,
        operation: impl Into<Cow<'static, str>>,
    ) -> Self {
        if self.0.context.is_none() {
            self.0.context = Some(Context {
                provider,
                operation: operation.into(),
            });
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Consumes the error, returning what went wrong.
    pub fn into_kind(self) -> ErrorKind {
        self.0.kind
    }

    /// The provider and operation, when the error came from a request.
    pub fn context(&self) -> Option<&Context> {
        self.0.context.as_ref()
    }

    /// The provider's typed error, when this is an [`ErrorKind::Api`] holding a `T`.
    pub fn api_detail<T: std::error::Error + 'static>(&self) -> Option<&T> {
        match &self.0.kind {
            ErrorKind::Api(api) => api.detail::<T>(),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.0.kind {
            ErrorKind::Http { status, .. } | ErrorKind::Decode { status, .. } => Some(*status),
            ErrorKind::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// Whether a retry may help and when it is safe.
    pub fn retry_safety(&self) -> RetrySafety {
        match &self.0.kind {
            ErrorKind::Transport { kind, .. } => match kind {
                TransportKind::Connect | TransportKind::Tls => RetrySafety::Always,
                TransportKind::Certificate => RetrySafety::Never,
                _ => RetrySafety::IfIdempotent,
            },
            ErrorKind::Timeout { phase, .. } => match phase {
                TimeoutPhase::Connect => RetrySafety::Always,
                TimeoutPhase::Attempt => RetrySafety::IfIdempotent,
                TimeoutPhase::Overall => RetrySafety::Never,
            },
            ErrorKind::Http { status, .. } => crate::retry::status_safety(*status),
            ErrorKind::Api(api) => api.safety,
            ErrorKind::RateLimited { .. } | ErrorKind::LimiterUnavailable { .. } => {
                RetrySafety::Always
            }
            ErrorKind::Decode { .. }
            | ErrorKind::BodyTooLarge { .. }
            | ErrorKind::InvalidInput { .. }
            | ErrorKind::Expired { .. }
            | ErrorKind::Config { .. } => RetrySafety::Never,
        }
    }

    /// Whether a later retry may succeed (for a non-idempotent request, check
    /// [`Error::retry_safety`] first: a retry may repeat its effect).
    pub fn is_retryable(&self) -> bool {
        self.retry_safety() != RetrySafety::Never
    }

    /// The delay the server or the limiter asked for, when known.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.0.kind {
            ErrorKind::Http { retry_after, .. } | ErrorKind::RateLimited { retry_after, .. } => {
                *retry_after
            }
            ErrorKind::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// This error with every text it holds passed through `text`, and every source error
    /// replaced by `source(old)` (the key scrubber's hook).
    pub(crate) fn map_text(
        mut self,
        text: impl Fn(String) -> String,
        source: impl Fn(BoxError) -> BoxError,
    ) -> Self {
        let kind = std::mem::replace(
            &mut self.0.kind,
            ErrorKind::Config {
                reason: Cow::Borrowed(""),
            },
        );
        self.0.kind = match kind {
            ErrorKind::Transport { kind, source: src } => ErrorKind::Transport {
                kind,
                source: src.map(&source),
            },
            ErrorKind::Http {
                status,
                excerpt,
                retry_after,
            } => ErrorKind::Http {
                status,
                excerpt: text(excerpt),
                retry_after,
            },
            ErrorKind::Api(api) => ErrorKind::Api(ApiError {
                source: source(api.source),
                ..api
            }),
            ErrorKind::Decode {
                status,
                path,
                message,
                excerpt,
            } => ErrorKind::Decode {
                status,
                path: text(path),
                message: text(message),
                excerpt: text(excerpt),
            },
            ErrorKind::InvalidInput { field, reason } => ErrorKind::InvalidInput {
                field: Cow::Owned(text(field.into_owned())),
                reason: Cow::Owned(text(reason.into_owned())),
            },
            ErrorKind::Expired { field, age, limit } => ErrorKind::Expired {
                field: Cow::Owned(text(field.into_owned())),
                age,
                limit,
            },
            ErrorKind::LimiterUnavailable { source: src } => ErrorKind::LimiterUnavailable {
                source: src.map(&source),
            },
            ErrorKind::Config { reason } => ErrorKind::Config {
                reason: Cow::Owned(text(reason.into_owned())),
            },
            other => other,
        };
        self
    }

    /// Whether the record was refused as older than the service accepts
    /// ([`ErrorKind::Expired`]).
    pub fn is_expired(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Expired { .. })
    }

    /// Whether this is a rate-limit answer (local or remote, including a provider's 429 envelope).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.0.kind, ErrorKind::RateLimited { .. }) || self.status() == Some(429)
    }
}

/// Predicates for the common cases, so callers need not match on [`ErrorKind`].
///
/// The status predicates read the status of the service's answer: the provider's own error
/// code when its envelope carries one (TGTrack's `error_code`, TGmembership's `code`), else
/// the HTTP status. A decode failure is not an answer they describe.
impl Error {
    /// The status of the service's answer, for an [`ErrorKind::Api`] or [`ErrorKind::Http`].
    pub fn answer_status(&self) -> Option<u16> {
        match &self.0.kind {
            ErrorKind::Api(api) => Some(api.status),
            ErrorKind::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the service refused the credentials (status 401). TGA answers a bad token with
    /// 400: see `tga_client::TgaErrorExt`.
    pub fn is_unauthorized(&self) -> bool {
        self.answer_status() == Some(401)
    }

    /// Whether the service refused the action for these credentials (status 403).
    pub fn is_forbidden(&self) -> bool {
        self.answer_status() == Some(403)
    }

    /// Whether the service found no such thing (status 404).
    pub fn is_not_found(&self) -> bool {
        self.answer_status() == Some(404)
    }

    /// Whether the service failed on its side (status 5xx).
    pub fn is_server_error(&self) -> bool {
        self.answer_status()
            .is_some_and(|s| (500..600).contains(&s))
    }

    /// The provider's own error answer ([`ErrorKind::Api`]); its typed detail is the provider
    /// crate's error trait (`err.tgtrack_error()`, ...).
    pub fn as_api(&self) -> Option<&ApiError> {
        match &self.0.kind {
            ErrorKind::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Whether the caller's input was refused before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self.0.kind, ErrorKind::InvalidInput { .. })
    }

    /// Whether the client is misconfigured.
    pub fn is_config(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Config { .. })
    }

    /// Whether a timeout fired.
    pub fn is_timeout(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Timeout { .. })
    }

    /// Whether the connection failed (see [`TransportKind`]).
    pub fn is_transport(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Transport { .. })
    }

    /// Whether the answer could not be decoded or was too large.
    pub fn is_decode(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::Decode { .. } | ErrorKind::BodyTooLarge { .. }
        )
    }
}

/// At most [`EXCERPT_LEN`] bytes of a body as lossy UTF-8, cut on a character boundary.
pub fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(EXCERPT_LEN)];
    let text = String::from_utf8_lossy(cut);
    let mut s = text.into_owned();
    if body.len() > EXCERPT_LEN {
        s.push('…');
    }
    s
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind);
        if let Some(ctx) = &self.0.context {
            d.field("provider", &ctx.provider);
            d.field("operation", &ctx.operation);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ctx) = &self.0.context {
            write!(f, "{} {}: ", ctx.provider, ctx.operation)?;
        }
        match &self.0.kind {
            ErrorKind::Transport { kind, source } => {
                let what = match kind {
                    TransportKind::Connect => "could not connect",
                    TransportKind::Tls => "TLS handshake failed",
                    TransportKind::Certificate => "the server's certificate was refused",
                    TransportKind::Reset => "connection closed or reset",
                    TransportKind::Incomplete => "response cut short",
                    TransportKind::Other => "transport error",
                };
                f.write_str(what)?;
                if let Some(src) = source {
                    write!(f, " ({src})")?;
                }
                Ok(())
            }
            ErrorKind::Timeout { phase, after } => {
                let what = match phase {
                    TimeoutPhase::Connect => "connect",
                    TimeoutPhase::Attempt => "attempt",
                    TimeoutPhase::Overall => "overall deadline",
                };
                write!(f, "{what} timed out after {after:?}")
            }
            ErrorKind::Http {
                status, excerpt, ..
            } => {
                write!(f, "unexpected HTTP status {status}: {excerpt}")
            }
            ErrorKind::Api(api) => write!(f, "API error (HTTP {}): {}", api.status, api.source),
            ErrorKind::Decode {
                status,
                path,
                message,
                excerpt,
            } => write!(
                f,
                "could not decode the response (HTTP {status}) at `{path}`: {message}; body starts: {excerpt}"
            ),
            ErrorKind::BodyTooLarge { limit, declared } => match declared {
                Some(n) => write!(f, "response body of {n} bytes exceeds the {limit}-byte cap"),
                None => write!(f, "response body exceeds the {limit}-byte cap"),
            },
            ErrorKind::InvalidInput { field, reason } => {
                write!(f, "invalid `{field}`: {reason} (nothing was sent)")
            }
            ErrorKind::Expired { field, age, limit } => write!(
                f,
                "expired: `{field}` is {} days old, the service accepts at most {} (nothing was sent)",
                age.as_secs() / 86_400,
                days(*limit)
            ),
            ErrorKind::RateLimited {
                origin,
                retry_after,
            } => {
                match origin {
                    RateLimitOrigin::Local { quota } => {
                        write!(f, "rate limited locally by the quota {quota}")?
                    }
                    RateLimitOrigin::Remote => f.write_str("rate limited by the server (429)")?,
                }
                if let Some(d) = retry_after {
                    write!(f, "; capacity returns in {d:?}")?;
                }
                Ok(())
            }
            ErrorKind::LimiterUnavailable { source } => {
                f.write_str("the shared rate limiter is unreachable; nothing was sent")?;
                if let Some(src) = source {
                    write!(f, " ({src})")?;
                }
                Ok(())
            }
            ErrorKind::Config { reason } => write!(f, "configuration error: {reason}"),
        }
    }
}

/// A duration in whole days (`21 days`), or as Debug when it is not whole days.
fn days(d: Duration) -> String {
    if d.subsec_nanos() == 0 && d.as_secs() % 86_400 == 0 {
        format!("{} days", d.as_secs() / 86_400)
    } else {
        format!("{d:?}")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Transport {
                source: Some(src), ..
            }
            | ErrorKind::LimiterUnavailable { source: Some(src) } => Some(src.as_ref()),
            ErrorKind::Api(api) => Some(api.source.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn excerpt_is_capped_on_a_char_boundary() {
        let body = "é".repeat(300);
        let e = excerpt(body.as_bytes());
        assert!(e.len() <= EXCERPT_LEN + 4);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn invalid_input_names_the_field_and_is_not_retryable() {
        let e = Error::invalid_input("limit", "must be between 1 and 100")
            .with_context("tgmembership", "GET plans");
        assert_eq!(
            e.to_string(),
            "tgmembership GET plans: invalid `limit`: must be between 1 and 100 (nothing was sent)"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn an_expired_record_says_so_and_is_not_retryable() {
        let day = Duration::from_secs(86_400);
        let e = Error::expired("started_at", 22 * day, 21 * day)
            .with_context("tgtrack", "send_reach_goal");
        assert_eq!(
            e.to_string(),
            "tgtrack send_reach_goal: expired: `started_at` is 22 days old, the service accepts \
             at most 21 days (nothing was sent)"
        );
        assert!(e.is_expired());
        assert!(!e.is_retryable());
        assert!(!e.is_invalid_input());
    }

    #[derive(Debug)]
    struct Detail;

    impl fmt::Display for Detail {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("detail")
        }
    }

    impl std::error::Error for Detail {}

    #[test]
    fn predicates_read_the_answer_status_and_the_kind() {
        let api = |status| Error::api(status, RetrySafety::Never, None, Detail);
        let http = |status| Error::http(status, b"{}", None);
        for make in [&api as &dyn Fn(u16) -> Error, &http] {
            assert!(make(401).is_unauthorized() && !make(403).is_unauthorized());
            assert!(make(403).is_forbidden() && !make(401).is_forbidden());
            assert!(make(404).is_not_found() && !make(405).is_not_found());
            assert!(make(503).is_server_error() && !make(499).is_server_error());
            assert!(make(429).is_rate_limited());
        }
        assert_eq!(api(404).answer_status(), Some(404));
        assert!(
            api(400)
                .as_api()
                .is_some_and(|a| a.detail::<Detail>().is_some())
        );
        assert!(http(400).as_api().is_none());
        let decode = Error::decode(401, ".", "expected an object", b"x");
        assert!(!decode.is_unauthorized() && decode.is_decode());
        assert!(Error::invalid_input("f", "r").is_invalid_input());
        assert!(Error::config("r").is_config() && !Error::config("r").is_invalid_input());
        let timeout = Error::new(ErrorKind::Timeout {
            phase: TimeoutPhase::Attempt,
            after: Duration::from_secs(1),
        });
        assert!(
            timeout.is_timeout() && !timeout.is_transport() && timeout.answer_status().is_none()
        );
        let reset = Error::new(ErrorKind::Transport {
            kind: TransportKind::Reset,
            source: None,
        });
        assert!(reset.is_transport() && !reset.is_timeout());
    }
}
