//! tg-mock as a dev server: its admin endpoints complete and refund orders and deliver signed
//! webhooks to a receiver on loopback, and tgmembership-client's `WebhookVerifier` accepts what
//! the receiver gets; `tg-mock sign`'s output verifies too. The fake's clock is fixed at [`NOW`]
//! and verification uses the same instant.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;
use tg_mock::tgmembership::{DeliveryOutcome, TgmembershipFake, parse_sign_args, sign_output};
use tg_mock::{FakeService, Reply, Request};
use tg_mock::{MockServer, deliver};
use tgmembership_client::prelude::*;
use tgmembership_client::{
    Client, OrderStatus, PaymentGateway, WebhookError, WebhookEvent, WebhookEventKind,
    WebhookVerifier,
};
use tokio::sync::mpsc;

const BOT: i64 = 1347378140;
const NOW: i64 = 1_760_000_000;
/// A member the fake is seeded with.
const MEMBER: i64 = 1111111111;

/// A receiver that hands every request it gets to the test, and answers 200.
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

struct Setup {
    fake: Arc<TgmembershipFake>,
    server: MockServer,
    receiver: MockServer,
    inbox: mpsc::UnboundedReceiver<Request>,
    client: Client,
    key: String,
}

impl Setup {
    async fn new(test: &str) -> Setup {
        let key = format!("tgm-dev-{test}-41d2");
        let fake = Arc::new(TgmembershipFake::new(BOT, &key));
        fake.set_now(Some(NOW));
        let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
        let (tx, inbox) = mpsc::unbounded_channel();
        let receiver = MockServer::start(Arc::new(Receiver(tx))).await.unwrap();
        let url = server.base_url();
        let client = Client::builder(BOT, key.as_str())
            .core(|c| c.with_loopback_url(url))
            .build()
            .unwrap();
        Setup {
            fake,
            server,
            receiver,
            inbox,
            client,
            key,
        }
    }

    /// Registers the receiver through the API (an https URL, as the API requires) and returns a
    /// verifier holding the secret the API answered.
    async fn register(&self) -> WebhookVerifier {
        let url = format!("https://127.0.0.1:{}/tgm", self.receiver.addr().port());
        let hook = self.client.webhooks().set(&url).send().await.unwrap();
        WebhookVerifier::new(hook.secret).unwrap()
    }

    /// POSTs to an admin endpoint and returns its status and JSON answer.
    async fn admin(&self, action: &str, body: &str) -> (u16, Value) {
        let url = format!(
            "{}/v1/bot{BOT}/{}/_admin/{action}",
            self.server.base_url(),
            self.key
        );
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        let answer = deliver::post(&url, &headers, Bytes::from(body.to_owned()))
            .await
            .unwrap();
        (
            answer.status,
            serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
        )
    }

    /// The next delivery the receiver got, verified.
    async fn verified(&mut self, verifier: &WebhookVerifier) -> (Request, WebhookEvent) {
        let got = self.inbox.recv().await.unwrap();
        let event = verifier
            .verify_headers_at(&got.headers, &got.body, NOW)
            .and_then(|_| WebhookEvent::parse(&got.body))
            .unwrap();
        (got, event)
    }
}

#[tokio::test]
async fn completing_an_order_delivers_an_event_the_verifier_accepts() {
    let mut s = Setup::new("complete").await;
    let verifier = s.register().await;
    let order = s
        .client
        .orders()
        .create(20, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await
        .unwrap();

    let (status, answer) = s
        .admin(&format!("orders/{}/complete", order.order_key), "")
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["order_status"], "COMPLETED");

    let (got, event) = s.verified(&verifier).await;
    assert_eq!(got.path, "/tgm");
    assert_eq!(event.event, WebhookEventKind::OrderCompleted);
    assert_eq!(event.data["order_key"], order.order_key.as_str());
    assert_eq!(event.data["member_id"], MEMBER);
    // The same delivery verifies again (verifying records nothing); once claimed and
    // committed, its nonce is a replay.
    assert_eq!(
        verifier.verify_headers_at(&got.headers, &got.body, NOW),
        Ok(NOW)
    );
    let nonce = got
        .headers
        .get(tgmembership_client::NONCE_HEADER)
        .unwrap()
        .to_str()
        .unwrap();
    verifier
        .claim_at(nonce, NOW, NOW)
        .await
        .unwrap()
        .commit_at(NOW)
        .await
        .unwrap();
    assert_eq!(
        verifier.claim_at(nonce, NOW, NOW).await.unwrap_err(),
        WebhookError::Replay
    );
    // The API sees the order paid; the outbox saw the receiver's 200.
    let fetched = s
        .client
        .orders()
        .get(&order.order_key)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.order_status, OrderStatus::Completed);
    let log = s.fake.outbox_settled().await;
    assert_eq!(log[0].outcome, DeliveryOutcome::Answered(200));

    let (status, _) = s
        .admin(&format!("orders/{}/complete", order.order_key), "")
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn refunding_delivers_the_refund_and_the_end_of_the_membership() {
    let mut s = Setup::new("refund").await;
    let verifier = s.register().await;
    let order = s
        .client
        .orders()
        .create(20, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await
        .unwrap();
    let path = format!("orders/{}", order.order_key);
    assert_eq!(s.admin(&format!("{path}/refund"), "").await.0, 409);
    assert_eq!(s.admin(&format!("{path}/complete"), "").await.0, 200);
    s.verified(&verifier).await;

    let (status, answer) = s.admin(&format!("{path}/refund"), "").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["order_status"], "REFUNDED");
    let (_, refunded) = s.verified(&verifier).await;
    assert_eq!(
        refunded.event,
        WebhookEventKind::Unknown("order_refunded".into())
    );
    assert_eq!(refunded.data["order_key"], order.order_key.as_str());
    let (_, ended) = s.verified(&verifier).await;
    assert_eq!(ended.event, WebhookEventKind::MembershipTerminated);
    assert_eq!(ended.data["member_id"], MEMBER);
    assert_eq!(ended.data["membership"]["end"], NOW);
}

#[tokio::test]
async fn any_event_goes_to_a_receiver_given_per_call() {
    let mut s = Setup::new("deliver").await;
    // Registered at a URL off this machine: the fake would not send there.
    let hook = s
        .client
        .webhooks()
        .set("https://bot.example.com/tgm")
        .send()
        .await
        .unwrap();
    let verifier = WebhookVerifier::new(hook.secret).unwrap();
    let body = format!(
        r#"{{"event":"membership_renewed","data":{{"member_id":{MEMBER}}},"receiver":"http://127.0.0.1:{}/elsewhere"}}"#,
        s.receiver.addr().port()
    );
    let (status, answer) = s.admin("deliver", &body).await;
    assert_eq!(status, 200, "{answer}");
    let (got, event) = s.verified(&verifier).await;
    assert_eq!(got.path, "/elsewhere");
    assert_eq!(event.event, WebhookEventKind::MembershipRenewed);

    // Without a receiver, the delivery is listed but not sent.
    let (status, answer) = s.admin("deliver", r#"{"event":"x"}"#).await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"]["deliveries"][0]["status"], "skipped");
    let log = s.fake.outbox_settled().await;
    assert!(matches!(log[1].outcome, DeliveryOutcome::Skipped(_)));
}

#[test]
fn sign_output_verifies_and_a_changed_body_does_not() {
    let secret = "0123456789abcdef0123456789abcdef";
    let verifier = WebhookVerifier::new(secret).unwrap();
    let body = r#"{"event":"donation_completed","debug_id":"d1","data":{"amount":"5.00"}}"#;
    let args: Vec<String> = ["--body", body, "--timestamp", &NOW.to_string()]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
    let out = sign_output(&parse_sign_args(&args).unwrap(), secret, b"").unwrap();
    let header = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .to_owned()
    };
    let (signature, nonce) = (header("X-TGM-Signature: "), header("X-TGM-Nonce: "));
    let changed = body.replace("5.00", "500.00");
    assert_eq!(
        verifier.verify_at(&signature, &nonce, changed.as_bytes(), NOW),
        Err(WebhookError::SignatureMismatch)
    );
    let event = verifier
        .verify_event_at(&signature, &nonce, body.as_bytes(), NOW)
        .unwrap();
    assert_eq!(event.event, WebhookEventKind::DonationCompleted);
}
