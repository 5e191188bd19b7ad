//! What a fake service is: a function from a recorded request to a reply.
//!
//! The server toolkit ([`crate::server`]) applies scripted faults and the strict rate limiter
//! before a request reaches the service, and records every request it receives.

use std::fmt::Write as _;
use std::io::Read;
use tokio::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

/// A request as the fake server received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// The path, percent-encoded as received (`/v1/KEY/add_event`).
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The body bytes exactly as received (still gzipped if the client gzipped them).
    pub body: Bytes,
    /// Which connection carried it: requests on one keep-alive connection share the id.
    pub connection: u64,
    /// When the server finished reading it (tokio's clock, so virtual time applies).
    pub received_at: Instant,
    /// The body with gzip removed, inflated by the server before any lock is taken and capped
    /// at [`MAX_INFLATED_BYTES`]; `None` when not gzipped or not built by the server.
    pub inflated: Option<Bytes>,
}

/// The largest body a gzip request may inflate to; the server answers a larger one 413.
pub const MAX_INFLATED_BYTES: usize = 32 * 1024 * 1024;

/// Why [`inflate`] refused a gzip body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflateError {
    /// Not valid gzip.
    Invalid,
    /// It inflates to more than the cap.
    TooLarge,
}

/// Gunzips `body`, reading at most `cap` bytes of output (a gzip bomb stops there).
pub fn inflate(body: &[u8], cap: usize) -> Result<Bytes, InflateError> {
    let mut out = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::GzDecoder::new(body)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| InflateError::Invalid)?;
    if out.len() > cap {
        return Err(InflateError::TooLarge);
    }
    Ok(Bytes::from(out))
}

impl Request {
    /// A request with no headers and no body, for testing a service without a server.
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        Request {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            connection: 0,
            received_at: Instant::now(),
            inflated: None,
        }
    }

    /// The same request with this body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.inflated = None;
        self
    }

    /// The same request with this header added.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            self.headers.append(name, v);
        }
        self
    }

    /// A header's value as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body with any `Content-Encoding: gzip` removed; `None` when gunzip fails.
    /// The server inflates before any lock ([`Request::inflated`]); a request built otherwise is
    /// inflated here, capped at [`MAX_INFLATED_BYTES`].
    pub fn decoded_body(&self) -> Option<Bytes> {
        match self.header("content-encoding") {
            Some(enc) if enc.eq_ignore_ascii_case("gzip") => match &self.inflated {
                Some(b) => Some(b.clone()),
                None => inflate(&self.body, MAX_INFLATED_BYTES).ok(),
            },
            Some(enc) if !enc.eq_ignore_ascii_case("identity") => None,
            _ => Some(self.body.clone()),
        }
    }

    /// The query parameters, percent-decoded (`+` as space).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some(q) = &self.query else {
            return Vec::new();
        };
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k, true), percent_decode(v, true))
            })
            .collect()
    }

    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// `text` with every byte percent-encoded (`%4B`), or only those outside RFC 3986's unreserved
/// set when `all` is false.
pub(crate) fn percent_encode(text: &str, all: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if !all && (b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); bad escapes stay as they are.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A reply from a fake service.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// Extra headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// A reply with this status and body and no headers.
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// A JSON reply.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        let mut r = Reply::new(status, value.to_string());
        r.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        r
    }

    /// The same reply with this header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A fake service: answers every request that passed the fault script and the rate limiter.
pub trait FakeService: Send + Sync + 'static {
    /// A short name (`tgtrack`), used in logs.
    fn name(&self) -> &'static str;

    /// Answers one request.
    fn handle(&self, request: &Request) -> Reply;

    /// The answer the service gives when its rate limit is exceeded.
    fn rate_limited(&self, request: &Request) -> Reply {
        let _ = request;
        Reply::json(429, &serde_json::json!({"message": "Too many requests"}))
    }

    /// A wait before [`FakeService::handle`] answers (long polling holds a request until there is
    /// something to answer); `None`, the default, answers at once.
    fn hold(&self, request: &Request) -> Option<futures_util::future::BoxFuture<'static, ()>> {
        let _ = request;
        None
    }

    /// The key that a rate limit counts per (the API key in the path or the token header);
    /// `None` when the request carries none.
    fn rate_limit_key(&self, request: &Request) -> Option<String> {
        let _ = request;
        Some(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded() {
        let r = Request::new(Method::GET, "/x?a=1&b=hello%20world&c=a+b&d");
        assert_eq!(r.query_param("b").as_deref(), Some("hello world"));
        assert_eq!(r.query_param("c").as_deref(), Some("a b"));
        assert_eq!(r.query_param("d").as_deref(), Some(""));
        assert_eq!(r.path, "/x");
    }
}

/// A service that gives every request the same reply (for transport tests).
#[derive(Debug, Clone)]
pub struct FixedReply(pub Reply);

impl FakeService for FixedReply {
    fn name(&self) -> &'static str {
        "fixed"
    }

    fn handle(&self, _request: &Request) -> Reply {
        self.0.clone()
    }
}
