//! The admin endpoints: through `FakeService::handle`, and over loopback to a receiver.

use std::sync::Arc;

use http::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::*;
use crate::MockServer;

const BOT: i64 = 7;
const KEY: &str = "admin-test-key";
const NOW: i64 = 1_721_304_000;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// A seeded pending order of member 1111111111.
const ORDER: &str = "66804997RC5418150";

fn fake() -> TgmembershipFake {
    let f = TgmembershipFake::new(BOT, KEY);
    f.set_now(Some(NOW));
    f
}

fn admin(f: &TgmembershipFake, method: Method, action: &str, body: Value) -> (u16, Value) {
    let req = Request::new(method, &format!("/v1/bot{BOT}/{KEY}/_admin/{action}"))
        .with_header("content-type", "application/json")
        .with_body(body.to_string());
    let reply = f.handle(&req);
    (
        reply.status.as_u16(),
        reply.json_body().unwrap_or(Value::Null),
    )
}

fn events(answer: &Value) -> Vec<String> {
    answer["result"]["deliveries"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|x| x["event"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A receiver that hands each request it gets to the test.
struct Receiver(mpsc::UnboundedSender<Request>);

impl FakeService for Receiver {
    fn name(&self) -> &'static str {
        "receiver"
    }

    fn handle(&self, request: &Request) -> Reply {
        let _ = self.0.send(request.clone());
        Reply::new(200, "ok")
    }
}

#[tokio::test]
async fn complete_over_loopback_delivers_a_signed_order_completed() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = MockServer::start(Arc::new(Receiver(tx))).await.unwrap();
    let f = Arc::new(fake());
    // Registered as the API requires (https); delivered over plain http on loopback.
    f.add_webhook(
        &format!("https://127.0.0.1:{}/hook", receiver.addr().port()),
        SECRET,
    );
    let server = MockServer::start(Arc::clone(&f)).await.unwrap();

    let url = format!(
        "{}/v1/bot{BOT}/{KEY}/_admin/orders/{ORDER}/complete",
        server.base_url()
    );
    let answer = crate::deliver::post(&url, &http::HeaderMap::new(), bytes::Bytes::new())
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let v: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(v["result"]["order_status"], "COMPLETED");
    let d = &v["result"]["deliveries"][0];
    assert_eq!(
        d["target"],
        format!("http://127.0.0.1:{}/hook", receiver.addr().port())
    );

    let got = rx.recv().await.unwrap();
    assert_eq!(got.path, "/hook");
    let nonce = got.header("x-tgm-nonce").unwrap();
    assert_eq!(
        got.header("x-tgm-signature").unwrap(),
        sign_webhook(SECRET, nonce, NOW, &got.body)
    );
    assert_eq!(d["body"].as_str().unwrap().as_bytes(), &got.body[..]);
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body["event"], "order_completed");
    assert_eq!(body["data"]["order_key"], ORDER);

    let log = f.outbox_settled().await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, DeliveryOutcome::Answered(200));
    let (status, listed) = admin(&f, Method::GET, "deliveries", json!({}));
    assert_eq!(status, 200);
    assert_eq!(listed["result"][0]["status"], "answered");
    assert_eq!(listed["result"][0]["detail"], 200);
}

#[test]
fn complete_then_refund_changes_the_order_and_names_the_events() {
    let f = fake();
    f.add_webhook("https://bot.example.com/hook", SECRET);
    let (status, v) = admin(
        &f,
        Method::POST,
        &format!("orders/{ORDER}/complete"),
        json!({}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(events(&v), ["order_completed"]);
    // Not on loopback: signed and listed, but not sent.
    assert_eq!(v["result"]["deliveries"][0]["status"], "skipped");
    assert!(
        v["result"]["deliveries"][0]["signature"]
            .as_str()
            .unwrap()
            .starts_with(&format!("t={NOW},v1="))
    );
    let (status, _) = admin(
        &f,
        Method::POST,
        &format!("orders/{ORDER}/complete"),
        json!({}),
    );
    assert_eq!(status, 409);

    let (status, v) = admin(
        &f,
        Method::POST,
        &format!("orders/{ORDER}/refund"),
        json!({}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["result"]["order_status"], "REFUNDED");
    assert_eq!(events(&v), ["order_refunded", "membership_terminated"]);
    assert_eq!(f.order(ORDER).unwrap().order_status, "REFUNDED");
    let (status, _) = admin(
        &f,
        Method::POST,
        &format!("orders/{ORDER}/refund"),
        json!({}),
    );
    assert_eq!(status, 409);
    let (status, _) = admin(&f, Method::POST, "orders/NOPE/complete", json!({}));
    assert_eq!(status, 404);
}

#[test]
fn deliver_signs_any_event_and_checks_its_input() {
    let f = fake();
    let (status, v) = admin(&f, Method::POST, "deliver", json!({"event": "x"}));
    assert_eq!(status, 409, "no webhook yet: {v}");
    f.add_webhook("https://bot.example.com/hook", SECRET);
    let (status, v) = admin(
        &f,
        Method::POST,
        "deliver",
        json!({"event": "membership_renewed", "data": {"member_id": 5}, "receiver": "http://127.0.0.1:9/r"}),
    );
    assert_eq!(status, 200, "{v}");
    let d = &v["result"]["deliveries"][0];
    assert_eq!(d["target"], "http://127.0.0.1:9/r");
    let body: Value = serde_json::from_str(d["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["event"], "membership_renewed");
    assert_eq!(body["data"]["member_id"], 5);
    for bad in [
        json!({}),
        json!({"event": ""}),
        json!({"event": "x", "data": [1]}),
        json!({"event": "x", "receiver": "https://example.com/r"}),
    ] {
        assert_eq!(
            admin(&f, Method::POST, "deliver", bad.clone()).0,
            400,
            "{bad}"
        );
    }
}

#[test]
fn admin_needs_the_key_a_known_action_and_its_method() {
    let f = fake();
    let req = Request::new(
        Method::GET,
        &format!("/v1/bot{BOT}/wrong-key/_admin/deliveries"),
    );
    assert_eq!(f.handle(&req).status.as_u16(), 401);
    assert_eq!(admin(&f, Method::POST, "frobnicate", json!({})).0, 404);
    assert_eq!(
        admin(
            &f,
            Method::GET,
            &format!("orders/{ORDER}/complete"),
            json!({})
        )
        .0,
        405
    );
    assert_eq!(admin(&f, Method::POST, "deliveries", json!({})).0, 405);
}
