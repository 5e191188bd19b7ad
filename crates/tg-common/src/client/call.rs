//! One request as a provider crate describes it ([`Call`]), the caller's per-call options, and
//! the [`RawResponse`] a provider's decoder receives.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::error::Error;
use crate::limit::Priority;
use crate::retry::Idempotency;
use crate::secret::Secret;
use crate::transport::RequestPath;
use crate::transport::gzip::GzipLevel;

/// Per-call choices a request builder collects from its caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Retry after an ambiguous failure (timeout, reset, 5xx) even though the call is not
    /// idempotent: the caller accepts that the effect may happen twice.
    pub retry_unsafe: bool,
    /// This call's maximum wait for the rate limiter, instead of the client's.
    pub max_rate_wait: Option<Duration>,
}

/// One request, described by a provider crate.
///
/// Debug prints the body's length only (`body_len`): a body may hold a secret (a bot token).
#[derive(Clone)]
pub struct Call {
    /// The operation as the provider documents it (`add_event`, `GET orders`): used in errors
    /// and tracing instead of the URL.
    pub operation: Cow<'static, str>,
    /// The HTTP method.
    pub method: Method,
    /// The path below the base URL (may hold the key as a secret segment).
    pub target: RequestPath,
    /// An encoded query string without `?`.
    pub query: Option<String>,
    /// Extra headers; values carrying secrets are marked sensitive by [`Call::secret_header`].
    pub headers: HeaderMap,
    /// The body (sent as is, or gzipped when `gzip` is set).
    pub body: Bytes,
    /// Compress the body with gzip at this level and send `Content-Encoding: gzip` (`None`:
    /// send it as is).
    pub gzip: Option<GzipLevel>,
    /// Whether repeating the request is harmless.
    pub idempotency: Idempotency,
    /// This call's maximum wait for the limiter, overriding the client's.
    pub max_rate_wait: Option<Duration>,
    /// How this call competes for the key's quotas (default: [`Priority::Normal`]).
    pub priority: Priority,
    /// This call's attempt limit, overriding the client's retry policy (1: no retry, for
    /// callers that retry on their own, like a batching tracker).
    pub max_attempts: Option<u32>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("target", &self.target)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("gzip", &self.gzip)
            .field("idempotency", &self.idempotency)
            .field("max_rate_wait", &self.max_rate_wait)
            .field("priority", &self.priority)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

impl Call {
    /// A call with no body.
    pub fn new(
        operation: impl Into<Cow<'static, str>>,
        method: Method,
        target: RequestPath,
    ) -> Self {
        let idempotency = if method == Method::GET || method == Method::DELETE {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        Call {
            operation: operation.into(),
            method,
            target,
            query: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            gzip: None,
            idempotency,
            max_rate_wait: None,
            priority: Priority::Normal,
            max_attempts: None,
        }
    }

    /// A JSON body (sets `Content-Type: application/json`).
    pub fn json_body(mut self, body: impl Into<Bytes>) -> Self {
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = body.into();
        self
    }

    /// An encoded query string.
    pub fn query(mut self, query: String) -> Self {
        self.query = (!query.is_empty()).then_some(query);
        self
    }

    /// A header whose value is a secret: marked sensitive so it is never logged by hyper.
    pub fn secret_header(mut self, name: HeaderName, secret: &Secret) -> Result<Self, Error> {
        let mut value = HeaderValue::from_str(secret.expose())
            .map_err(|_| Error::config(format!("the {name} secret is not a valid header value")))?;
        value.set_sensitive(true);
        self.headers.insert(name, value);
        Ok(self)
    }

    /// A plain header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Limits this call to `attempts` attempts (1: never retried here).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// This call's maximum wait for the limiter.
    pub fn max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.max_rate_wait = Some(max_wait);
        self
    }

    /// How this call competes for the key's quotas.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Applies the caller's per-call options.
    pub fn with_options(mut self, options: CallOptions) -> Self {
        if options.retry_unsafe {
            self.idempotency = Idempotency::Idempotent;
        }
        if let Some(wait) = options.max_rate_wait {
            self.max_rate_wait = Some(wait);
        }
        self
    }

    /// Marks the call idempotent or not.
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }
}

/// An HTTP answer as a provider's decoder receives it, before decoding: the status, the headers
/// and the whole body (read under the configured cap). Not `http::Response`: nothing streams.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body (at most the configured cap).
    pub body: Bytes,
}

impl RawResponse {
    /// The Retry-After header as a delay (seconds form; an HTTP date is ignored).
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_body_length_not_the_body() {
        let call = Call::new("POST bot", Method::POST, RequestPath::new())
            .json_body(&br#"{"bot_token":"123:SECRET"}"#[..]);
        let shown = format!("{call:?} {call:#?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("body_len: 26"), "{shown}");
    }
}
