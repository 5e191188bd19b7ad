//! A server that echoes the key in any form (raw, percent-encoded, JSON-escaped, case-changed)
//! never gets it into an error's Display, Debug, `{:#?}`, source chain or a tracing field, even
//! after the decoder un-escapes the JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;

use http::Method;
use support::loopback_core;
use tg_common::transport::RequestPath;
use tg_common::{Call, Core, CoreConfig, Error, RawResponse, RetrySafety, Secret};
use tg_mock::leak::{TracingCapture, echo_forms, error_texts, shown_as};
use tg_mock::{Fault, FaultRule, FixedReply, MockServer, Reply};

/// A provider's typed error holding the decoded (un-escaped) description.
#[derive(Debug)]
struct Described {
    description: String,
}

impl std::fmt::Display for Described {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the server said: {}", self.description)
    }
}

impl std::error::Error for Described {}

/// Like a provider's envelope decoder: the description is JSON-decoded into a typed error;
/// anything else becomes a decode error carrying the decoded text as its message.
fn decode(r: RawResponse) -> Result<(), Error> {
    if (200..300).contains(&r.status) {
        return Ok(());
    }
    let value: serde_json::Value = serde_json::from_slice(&r.body)
        .map_err(|e| Error::decode(r.status, ".", e.to_string(), &r.body))?;
    let description = value["description"].as_str().unwrap_or_default().to_owned();
    if r.status == 422 {
        return Err(Error::decode(r.status, "result", description, &r.body));
    }
    let safety = tg_common::status_safety(r.status);
    Err(Error::api(
        r.status,
        safety,
        None,
        Described { description },
    ))
}

fn run(key: &str, form: &str, final_status: u16) {
    let capture = TracingCapture::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let err = tracing::subscriber::with_default(capture.clone(), || {
        rt.block_on(async {
            let server = MockServer::start(Arc::new(FixedReply(Reply::new(
                final_status,
                format!("{{\"ok\":false,\"description\":\"no route /v1/{form}/m\"}}"),
            ))))
            .await
            .unwrap();
            // First a 503 echoing the key: retried, so the DEBUG "retrying" event renders it.
            server.push_fault(FaultRule::next(
                1,
                Fault::RespondUnprocessed(Reply::new(
                    503,
                    format!("{{\"description\":\"busy: /v1/{form}/m\"}}"),
                )),
            ));
            let (core, path) = loopback_core(server.base_url(), "test", key);
            let call = Call::new("m", Method::GET, path);
            core.execute(call, decode).await.unwrap_err()
        })
    });
    let mut texts = error_texts(&err);
    let log = capture.text();
    assert!(log.contains("retrying"), "{log}");
    texts.push(log);
    for text in texts {
        assert_eq!(
            shown_as(key, &text),
            None,
            "key form {form:?} leaked: {text}"
        );
        assert!(
            text.contains("[redacted]") || text.contains("attempt="),
            "{text}"
        );
    }
    assert_eq!(err.retry_safety(), RetrySafety::Never);
}

#[test]
fn every_echo_form_is_scrubbed_from_api_errors_and_logs() {
    let key = "Sk:Live_Key9";
    for form in echo_forms(key) {
        run(key, &form, 400);
    }
}

#[test]
fn every_echo_form_is_scrubbed_from_decode_errors() {
    let key = "Sk:Live_Key9";
    for form in echo_forms(key) {
        run(key, &form, 422);
    }
}

#[test]
fn a_short_key_is_scrubbed_too() {
    for form in echo_forms("k:9") {
        run("k:9", &form, 400);
    }
}

#[test]
fn an_error_without_an_echo_keeps_its_typed_detail() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let server = MockServer::start(Arc::new(FixedReply(Reply::new(
            400,
            "{\"description\":\"bad plan\"}",
        ))))
        .await
        .unwrap();
        let mut config = CoreConfig::new(server.base_url());
        config.allow_plain_http_loopback = true;
        let key = Secret::new("Sk:Live_Key9");
        let core = Core::new("test", &key, config).unwrap();
        let path = RequestPath::new().segment("v1").secret(&key).segment("m");
        let err = core
            .execute(Call::new("m", Method::GET, path), decode)
            .await
            .unwrap_err();
        assert_eq!(
            err.api_detail::<Described>().unwrap().description,
            "bad plan"
        );
    });
}
