//! The client's own wiring against a canned server: path, method, headers, body, the
//! `get_user_info` data rule, key handling in the builder, and the forwarding filter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::json;
use tg_common::{ErrorKind, ProviderClient};
use tg_mock::{FixedReply, MockServer, Reply};

use super::Client;
use crate::Mode;
use crate::prelude::*;

async fn canned(reply: serde_json::Value) -> MockServer {
    MockServer::start(Arc::new(FixedReply(Reply::json(200, &reply))))
        .await
        .unwrap()
}

fn client(server: &MockServer, key: &str) -> Client {
    Client::builder(key)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_typed_call_posts_json_to_v1_key_method() {
    let server = canned(json!({"status": "OK", "mode": "production"})).await;
    let c = client(&server, "unit-wiring-key");
    let r = c
        .add_event(7_000_000_001, "sale")
        .amount(Decimal::from_str("1500.00").unwrap())
        .label("manager", "Jane")
        .send()
        .await
        .unwrap();
    assert_eq!(r.mode, Some(Mode::Production));
    let sent = &server.requests()[0];
    assert_eq!(sent.method, http::Method::POST);
    assert_eq!(sent.path, "/v1/unit-wiring-key/add_event");
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        r#"{"user_id":"7000000001","event_type":"sale","amount":1500.00,"labels":[{"name":"manager","value":"Jane"}]}"#
    );
}

#[tokio::test(start_paused = true)]
async fn get_user_info_without_data_is_a_decode_error() {
    let server = canned(json!({"status": "OK", "mode": "production"})).await;
    let c = client(&server, "unit-no-data-key");
    let e = c.get_user_info(5).send().await.unwrap_err();
    match e.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "data"),
        other => panic!("unexpected {other:?}"),
    }
    // Methods without data accept the same answer.
    assert!(c.my_bot_was_stopped(5).send().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn invalid_input_names_the_method_and_sends_nothing() {
    let server = canned(json!({"status": "OK"})).await;
    let c = client(&server, "unit-invalid-key");
    let e = c.add_event(0, "sale").send().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e:?}");
    assert!(e.to_string().starts_with("tgtrack add_event: "), "{e}");
    let e = c
        .my_bot_was_started("bad\u{0}value")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e:?}");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn the_key_is_trimmed_and_an_empty_key_is_refused() {
    let server = canned(json!({"status": "OK"})).await;
    let c = client(&server, "  unit-trimmed-key\n");
    c.my_bot_was_stopped(1).send().await.unwrap();
    assert_eq!(
        server.requests()[0].path,
        "/v1/unit-trimmed-key/my_bot_was_stopped"
    );
    let e = Client::builder(" ").build().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Config { .. }), "{e:?}");
}

#[test]
fn the_default_base_url_must_stay_https() {
    let e = Client::builder("unit-https-key")
        .core(|c| c.with_base_url("http://bot-api.tgtrack.ru"))
        .build()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Config { .. }), "{e:?}");
    assert!(Client::builder("unit-https-key").build().is_ok());
}

#[test]
fn the_reserved_share_is_0_to_100_percent() {
    let e = Client::builder("unit-share-key")
        .reserved_share(101)
        .build()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Config { .. }), "{e:?}");
    assert!(e.to_string().contains("101"), "{e}");
    for percent in [0, 20, 100] {
        let c = Client::builder("unit-share-key")
            .reserved_share(percent)
            .build()
            .unwrap();
        let limiter = c.core().limiter().unwrap();
        assert_eq!(limiter.reserved_share().as_percent(), percent);
    }
    let c = Client::builder("unit-share-key").build().unwrap();
    assert_eq!(
        c.core().limiter().unwrap().reserved_share().as_percent(),
        crate::DEFAULT_RESERVED_PERCENT
    );
}

#[tokio::test(start_paused = true)]
async fn forward_if_tracked_skips_untracked_updates_and_refuses_garbage() {
    let server = canned(json!({"status": "OK"})).await;
    let c = client(&server, "unit-filter-key");
    let chat = r#"{"update_id":1,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5,"type":"private"},"date":1,"text":"hello"}}"#;
    assert!(
        c.forward_if_tracked(chat.as_bytes())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(server.request_count(), 0);
    let e = c.forward_if_tracked(b"{\"update_id\":").await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e:?}");
    assert_eq!(server.request_count(), 0);
    let start = chat.replace("hello", "/start ref-1");
    let r = c.forward_if_tracked(start.as_bytes()).await.unwrap();
    assert!(r.is_some());
    assert_eq!(&server.requests()[0].body[..], start.as_bytes());
}

#[tokio::test(start_paused = true)]
async fn render_is_what_is_sent_and_masks_the_key() {
    let server = canned(json!({"status": "OK"})).await;
    let c = client(&server, "unit-render-key");
    let request = c.add_event(7_000_000_002, "sale").label("plan", "pro");
    let call = request.render().unwrap();
    assert_eq!(call.method, http::Method::POST);
    assert_eq!(call.target.masked_path(), "/v1/[redacted]/add_event");
    assert_eq!(call.idempotency, tg_common::Idempotency::NotIdempotent);
    assert!(!format!("{call:?}").contains("unit-render-key"));
    request.await.unwrap(); // IntoFuture: awaited directly
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/v1/unit-render-key/add_event");
    assert_eq!(sent.body, call.body);

    let info = c.get_user_info(5).render().unwrap();
    assert_eq!(info.idempotency, tg_common::Idempotency::Idempotent);
    assert_eq!(info.target.masked_path(), "/v1/[redacted]/get_user_info");
}

#[tokio::test(start_paused = true)]
async fn one_setter_serves_the_request_value_and_its_builder() {
    let server = canned(json!({"status": "OK"})).await;
    let c = client(&server, "unit-setters-key");
    let value = crate::AddEvent::new(7_000_000_003, "sale").amount(Decimal::new(150, 1));
    c.request(value.clone()).send().await.unwrap();
    c.add_event(7_000_000_003, "sale")
        .amount(Decimal::new(150, 1))
        .send()
        .await
        .unwrap();
    let sent = server.requests();
    assert_eq!(sent[0].body, sent[1].body);
    assert!(
        std::str::from_utf8(&sent[0].body)
            .unwrap()
            .contains(r#""amount":15.0"#)
    );

    let update = crate::RawUpdate::try_from(r#"{"update_id":1}"#).unwrap();
    let sambot = c
        .sambot_on_tg_webhook(update.clone())
        .encoding(crate::SambotEncoding::String);
    assert_eq!(sambot.render().unwrap().body, sambot.operation().body());
    let forward = c.on_toolsy_event(update.into());
    let call = forward.render().unwrap();
    assert_eq!(call.target.masked_path(), "/v1/[redacted]/on_toolsy_event");
    assert_eq!(&call.body[..], br#"{"update_id":1}"#);
}

#[tokio::test(start_paused = true)]
async fn an_error_answer_keeps_its_retry_after() {
    let body =
        json!({"status": "error", "error_code": 429, "error_description": "Too many requests"});
    for status in [200, 429] {
        let reply = Reply::json(status, &body).with_header("retry-after", "7");
        let server = MockServer::start(Arc::new(FixedReply(reply)))
            .await
            .unwrap();
        let c = Client::builder("unit-retry-after-key")
            .core(|c| c.with_loopback_url(server.base_url()))
            .retry_policy(tg_common::RetryPolicy::none())
            .build()
            .unwrap();
        let e = c.get_user_info(5).send().await.unwrap_err();
        assert!(e.is_rate_limited(), "{status}: {e:?}");
        assert_eq!(
            e.retry_after(),
            Some(std::time::Duration::from_secs(7)),
            "{status}"
        );
    }
}
