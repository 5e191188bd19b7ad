//! Base URLs and request paths. A path may hold a secret segment (the API key): it is turned
//! into a URI only at the moment of sending, and its Debug masks the secret.

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

use crate::error::Error;
use crate::secret::{MASK, Secret};

/// A validated base URL: https, or plain http to a loopback address when explicitly allowed.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    scheme: &'static str,
    /// Parsed once, so that building a request's URI parses only its path and query.
    uri_scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    /// The `Host` header for this authority (the port only when it is not the scheme's
    /// default), built once instead of by the pool on every HTTP/1 request.
    host: http::HeaderValue,
    path: String,
}

impl BaseUrl {
    /// Parses an https base URL (`https://bot-api.tgtrack.ru`, optionally with a path prefix).
    pub fn https(url: &str) -> Result<Self, Error> {
        Self::parse(url, false)
    }

    /// Parses a base URL; `allow_plain_loopback` also accepts `http://` to 127.0.0.0/8, `[::1]`
    /// or `localhost`, for fake servers. Plain http to any other host is refused, so a typo can
    /// never send a key in clear text.
    pub fn parse(url: &str, allow_plain_loopback: bool) -> Result<Self, Error> {
        let uri: http::Uri = url
            .parse()
            .map_err(|_| Error::config(format!("base URL `{url}` is not a valid URL")))?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => "https",
            Some(s) if s.eq_ignore_ascii_case("http") => "http",
            _ => {
                return Err(Error::config(format!(
                    "base URL `{url}` must start with https://"
                )));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| Error::config(format!("base URL `{url}` has no host")))?;
        if authority.as_str().contains('@') {
            return Err(Error::config("base URL must not carry credentials"));
        }
        if uri.query().is_some() {
            return Err(Error::config(format!(
                "base URL `{url}` must not have a query"
            )));
        }
        if scheme == "http" {
            if !allow_plain_loopback {
                return Err(Error::config(format!(
                    "base URL `{url}` uses plain http; only https is allowed (plain http to a loopback address needs the explicit opt-in)"
                )));
            }
            if !is_loopback(authority.host()) {
                return Err(Error::config(format!(
                    "base URL `{url}` uses plain http to a host that is not loopback; use https"
                )));
            }
        }
        let path = uri.path().trim_end_matches('/').to_owned();
        let default_port = if scheme == "https" { 443 } else { 80 };
        let host = match authority.port_u16() {
            Some(port) if port != default_port => format!("{}:{port}", authority.host()),
            _ => authority.host().to_owned(),
        };
        let host = http::HeaderValue::try_from(host)
            .map_err(|_| Error::config(format!("base URL `{url}` has an invalid host")))?;
        Ok(BaseUrl {
            scheme,
            uri_scheme: if scheme == "https" {
                http::uri::Scheme::HTTPS
            } else {
                http::uri::Scheme::HTTP
            },
            authority: authority.clone(),
            host,
            path,
        })
    }

    /// The `Host` header value for requests to this URL.
    pub(crate) fn host_header(&self) -> &http::HeaderValue {
        &self.host
    }

    /// The host, without the port.
    pub(crate) fn host(&self) -> &str {
        self.authority.host()
    }

    /// The URL of `masked_path` (a path whose secret segments are masked) with `query`: for a
    /// span's `url.full`, never for sending.
    pub(crate) fn masked_url(&self, masked_path: &str, query: Option<&str>) -> String {
        let mut url = format!(
            "{}://{}{}{masked_path}",
            self.scheme, self.authority, self.path
        );
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        url
    }

    /// Whether this URL uses TLS.
    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// Builds the URI for `path` and an optional encoded query. Never log the result.
    pub(crate) fn join(&self, path: RequestPath, query: Option<&str>) -> Result<http::Uri, Error> {
        let query = query.filter(|q| !q.is_empty());
        let mut s = if self.path.is_empty() && query.is_none() && !path.encoded.is_empty() {
            // The common case: the path's own buffer becomes the URI's, without a copy.
            path.encoded
        } else {
            let extra = query.map_or(0, |q| q.len() + 1);
            let mut s = String::with_capacity(self.path.len() + path.encoded.len() + extra + 1);
            s.push_str(&self.path);
            s.push_str(&path.encoded);
            if let Some(q) = query {
                if s.is_empty() {
                    s.push('/');
                }
                s.push('?');
                s.push_str(q);
            }
            s
        };
        if s.is_empty() {
            s.push('/');
        }
        // The URI may hold a key: on failure say only which part is malformed.
        let malformed =
            || Error::invalid_input("path", "a path segment could not form a valid URI");
        let path_and_query = http::uri::PathAndQuery::from_maybe_shared(bytes::Bytes::from(s))
            .map_err(|_| malformed())?;
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.uri_scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query);
        http::Uri::from_parts(parts).map_err(|_| malformed())
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({self})")
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.path)
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Whether each byte is an unreserved URI character (RFC 3986: ALPHA / DIGIT / `-._~`).
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Whether `path` is unreserved segments joined by single slashes (`orders/count`), so that
/// it is its own encoding: decided at compile time for an operation's constant path.
pub(crate) const fn is_plain_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut previous = b'/';
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ok = if b == b'/' {
            previous != b'/'
        } else {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
        };
        if !ok {
            return false;
        }
        previous = b;
        i += 1;
    }
    previous != b'/'
}

/// Percent-encodes one path segment (everything but unreserved characters).
pub fn encode_segment(seg: &str, out: &mut String) {
    let unreserved = |b: u8| UNRESERVED[usize::from(b)];
    if seg.bytes().all(unreserved) {
        out.push_str(seg);
        return;
    }
    for b in seg.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(
                char::from_digit(u32::from(b >> 4), 16).map_or('0', |c| c.to_ascii_uppercase()),
            );
            out.push(
                char::from_digit(u32::from(b & 15), 16).map_or('0', |c| c.to_ascii_uppercase()),
            );
        }
    }
}

/// Percent-encodes a query component (form style: space as `%20`).
pub fn encode_query_component(value: &str, out: &mut String) {
    encode_segment(value, out)
}

/// Builds a query string from pairs, percent-encoding names and values.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut s = String::new();
    for (k, v) in pairs {
        if !s.is_empty() {
            s.push('&');
        }
        encode_query_component(k, &mut s);
        s.push('=');
        encode_query_component(&v, &mut s);
    }
    s
}

/// The path of one request below the base URL, percent-encoded as it is built; the secret
/// segments (an API key) are masked in Debug.
#[derive(Clone, Default)]
pub struct RequestPath {
    /// `/seg/seg…`, each segment percent-encoded.
    encoded: String,
    /// The bytes of `encoded` from the first secret segment to the end of the last one: one
    /// span, so that copying a path copies no list (a path holds one key at most in practice;
    /// with two, the plain segments between them are masked too).
    secret: Option<Range<usize>>,
    /// Made by [`RequestPath::with_plain_path`] and not changed since: the same for every call
    /// of its operation (its URI may be kept).
    constant: bool,
}

impl RequestPath {
    /// An empty path.
    pub const fn new() -> Self {
        RequestPath {
            encoded: String::new(),
            secret: None,
            constant: false,
        }
    }

    /// This path followed by `path`, a [plain](is_plain_path) path, in one allocation of the
    /// final size: what an operation's fixed path costs per call.
    pub(crate) fn with_plain_path(&self, path: &str) -> RequestPath {
        let mut encoded = String::with_capacity(self.encoded.len() + 1 + path.len());
        encoded.push_str(&self.encoded);
        encoded.push('/');
        encoded.push_str(path);
        RequestPath {
            encoded,
            secret: self.secret.clone(),
            constant: true,
        }
    }

    /// Whether this path is an operation's constant path (see [`RequestPath::with_plain_path`]).
    pub(crate) fn is_constant(&self) -> bool {
        self.constant
    }

    /// The encoded path (it holds the key: never format it).
    pub(crate) fn encoded(&self) -> &str {
        &self.encoded
    }

    /// Appends `/` and `seg` percent-encoded; returns where the segment starts.
    fn push(&mut self, seg: &str) -> usize {
        self.constant = false;
        if self.encoded.capacity() == 0 {
            self.encoded.reserve(64);
        }
        self.encoded.push('/');
        let start = self.encoded.len();
        encode_segment(seg, &mut self.encoded);
        start
    }

    /// Appends a plain segment (percent-encoded when sent).
    pub fn segment(mut self, seg: impl AsRef<str>) -> Self {
        self.push(seg.as_ref());
        self
    }

    /// Appends a segment that is a secret (an API key in the path).
    pub fn secret(mut self, secret: &Secret) -> Self {
        let start = self.push(secret.expose());
        let start = self.secret.as_ref().map_or(start, |s| s.start);
        self.secret = Some(start..self.encoded.len());
        self
    }

    /// Appends several plain segments split on `/` (`orders/count`).
    pub fn segments(mut self, path: &str) -> Self {
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            self.push(seg);
        }
        self
    }
}

impl RequestPath {
    /// The encoded path with every secret segment replaced by the mask (`/v1/[redacted]/add_event`):
    /// safe to show and to compare in tests.
    pub fn masked_path(&self) -> String {
        let Some(span) = &self.secret else {
            return self.encoded.clone();
        };
        let mut out = String::with_capacity(self.encoded.len());
        out.push_str(self.encoded.get(..span.start).unwrap_or_default());
        out.push_str(MASK);
        out.push_str(self.encoded.get(span.end..).unwrap_or_default());
        out
    }
}

impl fmt::Debug for RequestPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestPath({})", self.masked_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_required_and_plain_http_only_to_loopback_with_opt_in() {
        assert!(BaseUrl::https("https://bot-api.tgtrack.ru").is_ok());
        assert!(BaseUrl::https("http://bot-api.tgtrack.ru").is_err());
        assert!(BaseUrl::https("http://127.0.0.1:8080").is_err());
        assert!(BaseUrl::parse("http://127.0.0.1:8080", true).is_ok());
        assert!(BaseUrl::parse("http://localhost:1", true).is_ok());
        assert!(BaseUrl::parse("http://[::1]:1", true).is_ok());
        assert!(BaseUrl::parse("http://10.0.0.1", true).is_err());
        assert!(BaseUrl::parse("http://127.0.0.1.evil.com", true).is_err());
        assert!(BaseUrl::parse("ftp://x", true).is_err());
        assert!(BaseUrl::parse("https://user:pw@x", true).is_err());
        assert!(BaseUrl::parse("not a url", true).is_err());
    }

    #[test]
    fn join_encodes_segments_and_debug_masks_the_secret() {
        let base = BaseUrl::https("https://api.tgmembership.com/").unwrap();
        let key = Secret::new("k/ey 1");
        let path = RequestPath::new()
            .segment("v1")
            .segment("bot42")
            .secret(&key)
            .segments("orders/count");
        let uri = base.join(path.clone(), Some("a=1")).unwrap();
        assert_eq!(
            uri.to_string(),
            "https://api.tgmembership.com/v1/bot42/k%2Fey%201/orders/count?a=1"
        );
        let dbg = format!("{path:?}");
        assert!(!dbg.contains("k/ey") && !dbg.contains("k%2Fey"), "{dbg}");
        assert_eq!(dbg, format!("RequestPath(/v1/bot42/{MASK}/orders/count)"));
    }

    #[test]
    fn a_plain_path_is_appended_as_is_in_one_exact_allocation_and_secrets_stay_masked() {
        let key = Secret::new("k/ey");
        let prefix = RequestPath::new().segment("v1").secret(&key);
        assert!(is_plain_path("orders/count"));
        let path = prefix.with_plain_path("orders/count");
        assert_eq!(
            path.encoded,
            prefix.clone().segments("orders/count").encoded
        );
        assert_eq!(path.encoded, "/v1/k%2Fey/orders/count");
        assert_eq!(
            path.encoded.capacity(),
            path.encoded.len(),
            "one exact allocation"
        );
        assert_eq!(path.masked_path(), format!("/v1/{MASK}/orders/count"));
        for odd in ["/a", "a//b", "a/", "", "b c", "é", "orders/{order_key}"] {
            assert!(!is_plain_path(odd), "{odd}");
        }
        let two = prefix.segment("mid").secret(&Secret::new("other"));
        let shown = two.masked_path();
        assert!(
            !shown.contains("k%2Fey") && !shown.contains("other"),
            "{shown}"
        );
    }

    #[test]
    fn join_keeps_a_prefix_and_gives_an_empty_path_a_slash() {
        let base = BaseUrl::parse("http://127.0.0.1:9/api/", true).unwrap();
        let uri = base.join(RequestPath::new().segment("a b"), None).unwrap();
        assert_eq!(uri.to_string(), "http://127.0.0.1:9/api/a%20b");
        let bare = BaseUrl::https("https://example.org").unwrap();
        let uri = bare.join(RequestPath::new(), Some("x=1")).unwrap();
        assert_eq!(uri.to_string(), "https://example.org/?x=1");
        assert_eq!(uri.scheme_str(), Some("https"));
        assert_eq!(bare.host_header(), "example.org");
        assert_eq!(base.host_header(), "127.0.0.1:9");
        let default_port = BaseUrl::https("https://Example.org:443/x").unwrap();
        assert_eq!(default_port.host_header(), "Example.org");
        let bad = bare.join(RequestPath::new(), Some("x=\u{7f}"));
        assert!(bad.is_err());
    }

    #[test]
    fn query_string_encodes() {
        assert_eq!(
            query_string([("a b", "c&d".to_owned()), ("x", "é".to_owned())]),
            "a%20b=c%26d&x=%C3%A9"
        );
    }
}
