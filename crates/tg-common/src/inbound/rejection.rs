//! The answer to a request a check refused before the handler ran.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// A request refused before the handler ran: the status to answer, the reason (the body, never
/// a secret) and, for a 503, when to come back (`Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    reason: Cow<'static, str>,
    retry_after: Option<Duration>,
}

impl Rejection {
    /// A refusal answered `status` with `reason` as its body.
    pub fn new(status: StatusCode, reason: impl Into<Cow<'static, str>>) -> Self {
        Rejection {
            status,
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// The same refusal with `Retry-After: after` (whole seconds).
    pub fn retry_after(mut self, after: Option<Duration>) -> Self {
        self.retry_after = after;
        self
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason, sent as the body.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The answer: the status, the reason as the body, and `Retry-After` when set.
    pub fn into_response<B: From<Bytes>>(self) -> Response<B> {
        let body = match self.reason {
            Cow::Borrowed(reason) => Bytes::from_static(reason.as_bytes()),
            Cow::Owned(reason) => Bytes::from(reason),
        };
        let mut response = Response::new(B::from(body));
        *response.status_mut() = self.status;
        if let Some(after) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
        }
        response
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.reason)
    }
}

impl std::error::Error for Rejection {}

#[cfg(feature = "axum")]
impl axum_core::response::IntoResponse for Rejection {
    fn into_response(self) -> axum_core::response::Response {
        Rejection::into_response(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_carries_the_status_reason_and_retry_after() {
        let answer: Response<Bytes> = Rejection::new(StatusCode::SERVICE_UNAVAILABLE, "busy")
            .retry_after(Some(Duration::from_millis(2500)))
            .into_response();
        assert_eq!(answer.status(), 503);
        assert_eq!(answer.body(), "busy");
        assert_eq!(answer.headers()[header::RETRY_AFTER], "2");
        let plain: Response<Bytes> = Rejection::new(StatusCode::UNAUTHORIZED, "no").into_response();
        assert!(plain.headers().get(header::RETRY_AFTER).is_none());
    }
}
