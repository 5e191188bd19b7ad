//! Outgoing deliveries: the fake services POST webhooks to a receiver, the way the real ones do.

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What the receiver answered.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Bytes,
}

/// POSTs `body` with `headers` to `url` (plain http; receivers in tests run on loopback).
pub async fn post(url: &str, headers: &HeaderMap, body: Bytes) -> Result<Delivery, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("bad receiver URL: {e}"))?;
    let mut builder = http::Request::builder().method(Method::POST).uri(uri);
    if let Some(h) = builder.headers_mut() {
        h.extend(headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let request = builder
        .body(Full::new(body))
        .map_err(|e| format!("bad delivery request: {e}"))?;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("delivery failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("delivery answer cut short: {e}"))?
        .to_bytes();
    Ok(Delivery { status, body })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{FixedReply, MockServer, Reply};

    #[tokio::test]
    async fn posts_to_a_receiver_and_reads_its_answer() {
        let receiver = MockServer::start(Arc::new(FixedReply(Reply::new(200, "thanks"))))
            .await
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-sig", http::HeaderValue::from_static("t=1,v1=AB"));
        let url = format!("{}/hook", receiver.base_url());
        let d = post(&url, &headers, Bytes::from_static(b"{\"event\":\"x\"}"))
            .await
            .unwrap();
        assert_eq!(d.status, 200);
        assert_eq!(&d.body[..], b"thanks");
        let got = receiver.requests();
        assert_eq!(got[0].path, "/hook");
        assert_eq!(got[0].header("x-sig"), Some("t=1,v1=AB"));
        assert_eq!(&got[0].body[..], b"{\"event\":\"x\"}");
    }
}
