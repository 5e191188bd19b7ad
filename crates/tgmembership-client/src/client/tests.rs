//! Unit tests of the client wiring: configuration errors, the URL as sent (each path segment
//! encoded once), idempotency per endpoint, masking of the key. The endpoints themselves are
//! exercised against the fake in the workspace's `tests/tests/tgmembership/`.

use std::sync::Arc;

use futures_util::StreamExt;
use serde_json::json;
use tg_common::{ErrorKind, Idempotency, RetryPolicy};
use tg_mock::{FixedReply, MockServer, Reply};

use super::*;
use crate::model::PaymentGateway;
use crate::operation::*;

const KEY: &str = "sk_unit_4f9a2b";

async fn server(reply: Reply) -> MockServer {
    MockServer::start(Arc::new(FixedReply(reply)))
        .await
        .unwrap()
}

fn client(server: &MockServer, key: &str) -> Client {
    let url = server.base_url();
    Client::builder(42, key)
        .core(|c| c.with_loopback_url(url))
        .retry_policy(RetryPolicy {
            base_delay: std::time::Duration::ZERO,
            max_delay: std::time::Duration::ZERO,
            jitter: false,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

fn ok(result: serde_json::Value) -> Reply {
    Reply::json(200, &json!({"ok": true, "code": 200, "result": result}))
}

fn config_reason(e: &Error) -> String {
    match e.kind() {
        ErrorKind::Config { reason } => reason.to_string(),
        other => panic!("not a config error: {other:?}"),
    }
}

#[test]
fn build_refuses_a_bad_bot_id_an_empty_key_and_plain_http() {
    for bot in [0, -7] {
        let e = Client::builder(bot, KEY).build().unwrap_err();
        assert!(config_reason(&e).contains("bot id"), "{e}");
        assert!(!format!("{e} {e:?}").contains(KEY));
    }
    let e = Client::builder(1, "  ").build().unwrap_err();
    assert!(config_reason(&e).contains("empty"), "{e}");
    let e = Client::builder(1, KEY)
        .core(|c| c.with_base_url("http://127.0.0.1:1"))
        .build()
        .unwrap_err();
    assert!(config_reason(&e).contains("https"), "{e}");
    let e = Client::builder(1, KEY)
        .core(|c| c.with_loopback_url("http://api.tgmembership.com"))
        .build()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Config { .. }));
    let c = Client::builder(1347378140, KEY).build().unwrap();
    assert_eq!(c.bot_id(), 1347378140);
}

#[test]
fn debug_never_shows_the_key() {
    let builder = Client::builder(1, KEY);
    let shown = format!("{builder:?}");
    assert!(!shown.contains(KEY), "{shown}");
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("api.tgmembership.com"), "{shown}");
    let request = client
        .orders()
        .create(19, PaymentGateway::Stripe)
        .retry_unsafe();
    let shown = format!("{request:?}");
    assert!(!shown.contains(KEY), "{shown}");
}

#[tokio::test]
async fn the_url_holds_the_version_bot_key_and_method_each_segment_encoded_once() {
    let s = server(ok(json!({
        "order_key": "a/b c", "order_date": 1, "order_status": "PENDING", "member_id": 0,
        "plan_id": 1, "project_id": 0, "payment_gateway": "stripe"
    })))
    .await;
    let c = client(&s, "k-e.y_1");
    let order = c.orders().get("a/b c").send().await.unwrap();
    assert_eq!(order.order_key, "a/b c");
    let r = &s.requests()[0];
    assert_eq!(r.method, http::Method::GET);
    assert_eq!(r.path, "/v1/bot42/k-e.y_1/orders/a%2Fb%20c");
    assert_eq!(r.query, None);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn gets_carry_the_query_and_bodies_are_json() {
    let s = server(ok(json!([]))).await;
    let c = client(&s, KEY);
    c.plans()
        .list()
        .project_id(3)
        .limit(5)
        .send()
        .await
        .unwrap();
    c.webhooks()
        .delete("https://example.com/hook")
        .send()
        .await
        .unwrap();
    let got = s.requests();
    assert_eq!(got[0].path, format!("/v1/bot42/{KEY}/plans"));
    assert_eq!(got[0].query.as_deref(), Some("project_id=3&limit=5"));
    assert_eq!(got[1].method, http::Method::DELETE);
    assert_eq!(got[1].path, format!("/v1/bot42/{KEY}/webhook"));
    assert_eq!(got[1].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&got[1].body).unwrap();
    assert_eq!(body, json!({"url": "https://example.com/hook"}));
}

#[tokio::test]
async fn invalid_input_is_refused_before_sending_and_names_the_operation() {
    let s = server(ok(json!([]))).await;
    let c = client(&s, KEY);
    let e = c.members().list().limit(1001).send().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e}");
    assert_eq!(e.context().unwrap().operation, "GET members");
    let e = c
        .affiliates()
        .create(5)
        .affiliate_id("1ab")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e}");
    assert_eq!(e.context().unwrap().operation, "POST affiliate");
    assert_eq!(s.request_count(), 0);
}

#[tokio::test]
async fn a_stream_with_an_invalid_page_size_yields_one_error_and_sends_nothing() {
    let s = server(ok(json!([]))).await;
    let c = client(&s, KEY);
    for size in [0, 101] {
        let items: Vec<_> = c.orders().list().page_size(size).stream().collect().await;
        assert_eq!(items.len(), 1, "page size {size}");
        let e = items.into_iter().next().unwrap().unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e}");
        assert_eq!(e.context().unwrap().operation, "GET orders");
    }
    assert_eq!(s.request_count(), 0);
}

#[tokio::test]
async fn a_stream_uses_the_endpoint_maximum_page_by_default_and_keeps_the_filters() {
    let s = server(ok(json!([]))).await;
    let c = client(&s, KEY);
    let items: Vec<_> = c
        .members()
        .list()
        .plan_id(7)
        .offset(3)
        .stream()
        .collect()
        .await;
    assert!(items.is_empty());
    let r = &s.requests()[0];
    assert_eq!(r.query.as_deref(), Some("plan_id=7&limit=1000&offset=3"));
}

#[tokio::test]
async fn creates_are_sent_once_after_a_5xx_reads_are_retried_and_retry_unsafe_opts_in() {
    let s = server(Reply::json(
        503,
        &json!({"ok": false, "code": 503, "description": "Service Unavailable"}),
    ))
    .await;
    let c = client(&s, KEY);
    let e = c
        .plans()
        .create(
            "Weekly",
            "1 week",
            rust_decimal::Decimal::ONE,
            crate::Currency::Eur,
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(s.request_count(), 1);
    s.clear_requests();
    c.users().count().send().await.unwrap_err();
    assert_eq!(s.request_count(), 3, "the default policy makes 3 attempts");
    s.clear_requests();
    c.plans()
        .create(
            "Weekly",
            "1 week",
            rust_decimal::Decimal::ONE,
            crate::Currency::Eur,
        )
        .retry_unsafe()
        .send()
        .await
        .unwrap_err();
    assert_eq!(s.request_count(), 3);
}

#[tokio::test]
async fn fetch_all_collects_every_page_or_returns_the_first_error() {
    let s = server(ok(json!([
        {"project_id": 1, "project_name": "A", "options": {}},
        {"project_id": 2, "project_name": "B", "options": {}}
    ])))
    .await;
    let c = client(&s, KEY);
    // The fixed reply is always two items: pages of 3 make the first one short.
    let all = c.projects().list().page_size(3).fetch_all().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(s.request_count(), 1);
    let e = c
        .projects()
        .list()
        .page_size(0)
        .fetch_all()
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e}");
}

#[tokio::test]
async fn what_render_returns_is_what_the_server_receives() {
    let s = server(ok(json!({
        "order_key": "k", "amount": "3", "currency": "EUR", "checkout_url": "https://pay.example/k"
    })))
    .await;
    let c = client(&s, KEY);
    let create = c.orders().create(19, PaymentGateway::Stripe).member_id(7);
    let call = create.render().unwrap();
    assert_eq!(call.method, http::Method::POST);
    assert_eq!(call.target.masked_path(), "/v1/bot42/[redacted]/orders");
    assert_eq!(call.idempotency, Idempotency::NotIdempotent);
    assert_eq!(call.operation, "POST orders");
    create.send().await.unwrap();
    let list = c.plans().list().project_id(3).limit(5);
    let listed = list.render().unwrap();
    assert_eq!(listed.idempotency, Idempotency::Idempotent);
    list.await.unwrap_err(); // IntoFuture; the fixed reply is not a list of plans
    let got = s.requests();
    assert_eq!(got[0].method, call.method);
    assert_eq!(got[0].path, format!("/v1/bot42/{KEY}/orders"));
    assert_eq!(got[0].body, call.body);
    assert_eq!(got[1].path, format!("/v1/bot42/{KEY}/plans"));
    assert_eq!(got[1].query, listed.query);
}

#[test]
fn the_bot_token_is_never_shown_by_the_request_or_its_call() {
    const TOKEN: &str = "1347378140:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    let c = Client::builder(1, KEY).build().unwrap();
    let register = c.bots().register(TOKEN);
    let call = register.render().unwrap();
    let shown = format!("{register:?} {call:?} {call:#?}");
    assert!(!shown.contains("AAHdq"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("body_len"), "{shown}");
    assert!(
        String::from_utf8_lossy(&call.body).contains(TOKEN),
        "sent as is"
    );
}

#[test]
fn one_setter_serves_the_request_value_and_its_builder() {
    let c = Client::builder(1, KEY).build().unwrap();
    let value = c
        .request(crate::ListPlans::new().project_id(3).limit(5))
        .render();
    let builder = c.plans().list().project_id(3).limit(5).render();
    let (value, builder) = (value.unwrap(), builder.unwrap());
    assert_eq!(value.query.as_deref(), Some("project_id=3&limit=5"));
    assert_eq!(value.query, builder.query);
    assert_eq!(value.target.masked_path(), builder.target.masked_path());
}
