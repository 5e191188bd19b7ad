//! What every request type provides, and the transport-free rendering of a request: the path
//! after `/v1/bot{BOT_ID}/{API_KEY}/` (as raw segments, and percent-encoded), the
//! percent-encoded query string and the JSON body.
//!
//! Rendering validates first: an invalid request fails with
//! [`ErrorKind::InvalidInput`](tg_common::ErrorKind::InvalidInput) and nothing is sent.

use std::fmt;

use serde::de::DeserializeOwned;
use tg_common::Error;
use tg_common::transport::{encode_segment, query_string};

use crate::endpoint::Endpoint;
use crate::envelope::Envelope;

/// A request to one endpoint, with the type its `result` decodes into.
pub trait ApiRequest {
    /// The decoded `result`.
    type Output: DeserializeOwned;

    /// The endpoint it calls.
    fn endpoint(&self) -> Endpoint;

    /// Checks every documented constraint; called by [`ApiRequest::render`].
    fn validate(&self) -> Result<(), Error>;

    /// The path after `/v1/bot{BOT_ID}/{API_KEY}/` as raw, unencoded segments
    /// (`["orders", "a/b"]`); the transport percent-encodes each one exactly once.
    fn path_segments(&self) -> Vec<String> {
        self.endpoint()
            .path()
            .split('/')
            .map(str::to_owned)
            .collect()
    }

    /// The path after `/v1/bot{BOT_ID}/{API_KEY}/`, each segment percent-encoded.
    fn path(&self) -> String {
        encode_path(&self.path_segments())
    }

    /// The query parameters, unencoded, in a stable order.
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The JSON body, for POST and DELETE.
    fn json_body(&self) -> Option<serde_json::Value> {
        None
    }

    /// Takes the result out of a successful envelope; the default requires one.
    fn output(envelope: Envelope<Self::Output>) -> Result<Self::Output, Error>
    where
        Self: Sized,
    {
        envelope.into_result()
    }

    /// Validates, then renders the path, query string and body.
    fn render(&self) -> Result<RenderedRequest, Error> {
        let Outgoing {
            endpoint,
            query,
            body,
        } = outgoing(self)?;
        let segments = self.path_segments();
        Ok(RenderedRequest {
            endpoint,
            path: encode_path(&segments),
            segments,
            query,
            body,
        })
    }
}

/// A validated request without its path, which the client takes from the endpoint (prepared
/// once) or, for a templated path, from [`ApiRequest::path_segments`].
pub(crate) struct Outgoing {
    pub(crate) endpoint: Endpoint,
    pub(crate) query: Option<String>,
    pub(crate) body: Option<Vec<u8>>,
}

/// Validates `request`, then encodes its query string and body.
pub(crate) fn outgoing<R: ApiRequest + ?Sized>(request: &R) -> Result<Outgoing, Error> {
    let endpoint = request.endpoint();
    request
        .validate()
        .map_err(|e| e.with_context(crate::PROVIDER, endpoint.operation()))?;
    let body = match request.json_body() {
        Some(value) => Some(serde_json::to_vec(&value).map_err(|e| {
            Error::invalid_input("body", format!("could not encode the body: {e}"))
                .with_context(crate::PROVIDER, endpoint.operation())
        })?),
        None => None,
    };
    Ok(Outgoing {
        endpoint,
        query: encode_query(&request.query_pairs()),
        body,
    })
}

/// A validated request, ready for the transport.
#[derive(Clone, PartialEq, Eq)]
pub struct RenderedRequest {
    /// The endpoint (HTTP method, operation name, idempotency).
    pub endpoint: Endpoint,
    /// The path after `/v1/bot{BOT_ID}/{API_KEY}/`, percent-encoded (for display and tests).
    pub path: String,
    /// The same path as raw segments: what the transport sends, encoding each one once.
    pub segments: Vec<String>,
    /// The query string without `?`, percent-encoded; `None` when there are no parameters.
    pub query: Option<String>,
    /// The JSON body (`Content-Type: application/json`), when the method has one.
    pub body: Option<Vec<u8>>,
}

impl RenderedRequest {
    /// The body parsed back into JSON, for tests and diagnostics.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
    }
}

impl fmt::Debug for RenderedRequest {
    /// Prints the body's length only: a body may hold a secret (`bot_token`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderedRequest")
            .field("endpoint", &self.endpoint)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// Joins raw path segments with `/`, each percent-encoded by tg-common's one encoder.
fn encode_path(segments: &[String]) -> String {
    let mut out = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_segment(segment, &mut out);
    }
    out
}

/// Joins pairs into `k=v&k=v` with both sides percent-encoded; `None` when empty.
fn encode_query(pairs: &[(&'static str, String)]) -> Option<String> {
    (!pairs.is_empty()).then(|| query_string(pairs.iter().map(|(k, v)| (*k, v.clone()))))
}

/// Collects optional query parameters in order.
#[derive(Debug, Default)]
pub(crate) struct QueryPairs(Vec<(&'static str, String)>);

impl QueryPairs {
    /// Adds `name=value` when `value` is set.
    pub(crate) fn opt(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.0.push((name, v.to_string()));
        }
        self
    }

    /// Adds `name=value`.
    pub(crate) fn add(mut self, name: &'static str, value: impl ToString) -> Self {
        self.0.push((name, value.to_string()));
        self
    }

    /// The pairs.
    pub(crate) fn finish(self) -> Vec<(&'static str, String)> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_once_and_joined() {
        let segments = ["orders".to_owned(), "a b/c%é".to_owned()];
        assert_eq!(encode_path(&segments), "orders/a%20b%2Fc%25%C3%A9");
    }

    #[test]
    fn query_is_none_when_empty_and_joined_otherwise() {
        assert_eq!(encode_query(&[]), None);
        assert_eq!(
            encode_query(&[("a", "1".into()), ("b", "x y".into())]).as_deref(),
            Some("a=1&b=x%20y")
        );
    }

    #[test]
    fn debug_hides_the_body() {
        let r = RenderedRequest {
            endpoint: Endpoint::RegisterBot,
            path: "bot".into(),
            segments: vec!["bot".into()],
            query: None,
            body: Some(br#"{"bot_token":"123:SECRET"}"#.to_vec()),
        };
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("SECRET"));
        assert!(dbg.contains("body_len"));
    }
}
