//! Every tracing span and event the core emits names the provider, operation, attempt, status
//! and latency in OpenTelemetry's HTTP-client shape (`http.request.method`, `server.address`,
//! `url.full` with the key masked, `http.response.status_code`, `error.type`), and never the key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;

use http::{HeaderName, Method};
use support::loopback_core;
use tg_common::{Call, Error, RawResponse, Secret};
use tg_mock::leak::TracingCapture;
use tg_mock::{Fault, FaultRule, FixedReply, MockServer, Reply};

const KEY: &str = "TRACE-SECRET-KEY-42";

fn decode(r: RawResponse) -> Result<(), Error> {
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(Error::http(r.status, &r.body, r.retry_after()))
    }
}

#[test]
fn spans_carry_the_request_facts_and_no_secret() {
    let capture = TracingCapture::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    tracing::subscriber::with_default(capture.clone(), || {
        rt.block_on(async {
            let server = MockServer::start(Arc::new(FixedReply(Reply::json(
                200,
                &serde_json::json!({}),
            ))))
            .await
            .unwrap();
            // One success, then a 503 retried once and answered.
            server.push_fault(FaultRule::next(
                1,
                Fault::RespondUnprocessed(Reply::new(503, format!("no route /v1/{KEY}/m"))),
            ));
            let (core, path) = loopback_core(server.base_url(), "tgtrack", KEY);
            let call = Call::new("get_user_info", Method::GET, path)
                .secret_header(HeaderName::from_static("x-key"), &Secret::new(KEY))
                .unwrap();
            core.execute(call, decode).await.unwrap();
        });
    });
    let text = capture.text();
    assert!(text.contains("span tg_request"), "{text}");
    assert!(text.contains("provider=\"tgtrack\""), "{text}");
    assert!(text.contains("operation=get_user_info"), "{text}");
    assert!(text.contains("attempt=2"), "{text}");
    assert!(text.contains("http.response.status_code=503"), "{text}");
    assert!(text.contains("error.type=\"503\""), "{text}");
    assert!(text.contains("http.response.status_code=200"), "{text}");
    assert!(text.contains("latency_ms="), "{text}");
    assert!(text.contains("otel.kind=\"client\""), "{text}");
    assert!(text.contains("otel.name=\"GET\""), "{text}");
    assert!(text.contains("http.request.method=\"GET\""), "{text}");
    assert!(text.contains("server.address=\"127.0.0.1\""), "{text}");
    assert!(
        text.contains("url.full=\"http://127.0.0.1:") && text.contains("[redacted]"),
        "url.full with the key masked: {text}"
    );
    assert!(!text.contains(KEY), "secret in tracing output: {text}");
    // The server echoed the path in its 503 page: the key in it reaches the log masked.
    assert!(text.contains("/v1/[redacted]/m"), "{text}");
}
