//! tgmembership-client's axum receiver (`receiver::VerifiedWebhook`) in a real axum server on
//! loopback, fed by tg-mock's admin endpoints and by hand-made deliveries: a genuine delivery
//! reaches the handler as a typed event; forged, stale, unsigned and replayed ones do not, and
//! each gets its documented answer. The fake and the receiver share the system clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::post;
use bytes::Bytes;
use serde_json::json;
use tg_common::Secret;
use tg_mock::tgmembership::{DeliveryOutcome, SignedWebhook, TgmembershipFake};
use tg_mock::{MockServer, deliver};
use tgmembership_client::prelude::*;
use tgmembership_client::receiver::VerifiedWebhook;
use tgmembership_client::webhook::sign;
use tgmembership_client::{Client, Currency, PaymentGateway, TypedEvent, WebhookVerifier};
use tokio::sync::mpsc;

const BOT: i64 = 1347378140;
const MEMBER: i64 = 1111111111;

#[derive(Clone)]
struct AppState {
    verifier: WebhookVerifier,
    handled: mpsc::UnboundedSender<VerifiedWebhook>,
}

impl FromRef<AppState> for WebhookVerifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

async fn on_delivery(
    axum::extract::State(state): axum::extract::State<AppState>,
    hook: VerifiedWebhook,
) -> &'static str {
    let _ = state.handled.send(hook);
    "handled"
}

struct Setup {
    fake: Arc<TgmembershipFake>,
    server: MockServer,
    key: String,
    client: Client,
    hook_url: String,
    handled: mpsc::UnboundedReceiver<VerifiedWebhook>,
    secret: Secret,
}

impl Setup {
    /// The fake, a client, and an axum receiver registered as the bot's webhook.
    async fn new(test: &str) -> Setup {
        let key = format!("tgm-recv-{test}-9b3e");
        let fake = Arc::new(TgmembershipFake::new(BOT, &key));
        let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
        let url = server.base_url();
        let client = Client::builder(BOT, key.as_str())
            .core(|c| c.with_loopback_url(url))
            .build()
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hook = client
            .webhooks()
            .set(format!("https://127.0.0.1:{port}/tgm"))
            .send()
            .await
            .unwrap();
        let (tx, handled) = mpsc::unbounded_channel();
        let app = Router::new()
            .route("/tgm", post(on_delivery))
            .with_state(AppState {
                verifier: WebhookVerifier::new(hook.secret.clone()).unwrap(),
                handled: tx,
            });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Setup {
            fake,
            server,
            key,
            client,
            hook_url: format!("http://127.0.0.1:{port}/tgm"),
            handled,
            secret: hook.secret,
        }
    }

    /// POSTs a delivery to the receiver and returns its status and body.
    async fn post(&self, headers: &http::HeaderMap, body: Bytes) -> (u16, String) {
        let d = deliver::post(&self.hook_url, headers, body).await.unwrap();
        (d.status, String::from_utf8_lossy(&d.body).into_owned())
    }

    /// A delivery signed by the fake for the registered webhook.
    fn signed(&self, event: &str, data: serde_json::Value) -> SignedWebhook {
        self.fake.webhook_deliveries(event, data).pop().unwrap()
    }

    /// Whether the handler ran (for deliveries whose answer has already come back).
    fn handler_ran(&mut self) -> bool {
        self.handled.try_recv().is_ok()
    }
}

#[tokio::test]
async fn a_completed_order_reaches_the_handler_typed() {
    let mut s = Setup::new("complete").await;
    let order = s
        .client
        .orders()
        .create(20, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await
        .unwrap();
    let (status, _) = s
        .post(&http::HeaderMap::new(), Bytes::from_static(b"{}"))
        .await;
    assert_eq!(status, 400, "an unsigned delivery");
    assert!(!s.handler_ran());

    // The payer pays; the fake signs the delivery and the test posts it.
    let signed = s
        .fake
        .complete_order(&order.order_key)
        .unwrap()
        .pop()
        .unwrap();
    let (status, body) = s.post(&signed.header_map(), signed.body.clone()).await;
    assert_eq!((status, body.as_str()), (200, "handled"));
    let hook = s.handled.recv().await.unwrap();
    let TypedEvent::OrderCompleted(o) = &hook.typed else {
        panic!("{:?}", hook.typed);
    };
    assert_eq!(o.order_key, order.order_key);
    assert_eq!(o.member_id, Some(MEMBER));
    assert_eq!(o.currency, Some(Currency::Eur));
    assert_eq!(o.money().unwrap().to_string(), "1.23 EUR");
    assert_eq!(hook.timestamp, signed.timestamp);
    assert_eq!(hook.event.data["order_key"], order.order_key.as_str());

    // The same delivery again: answered 200 (nothing for the service to retry), not handled.
    let (status, body) = s.post(&signed.header_map(), signed.body.clone()).await;
    assert_eq!(status, 200);
    assert!(body.contains("replay"), "{body}");
    assert!(!s.handler_ran());
}

#[tokio::test]
async fn tg_mock_admin_deliveries_are_handled() {
    let mut s = Setup::new("admin").await;
    let order = s
        .client
        .orders()
        .create(20, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await
        .unwrap();
    let admin = |action: String| {
        let url = format!(
            "{}/v1/bot{BOT}/{}/_admin/{action}",
            s.server.base_url(),
            s.key
        );
        async move {
            deliver::post(&url, &http::HeaderMap::new(), Bytes::new())
                .await
                .unwrap()
                .status
        }
    };
    assert_eq!(
        admin(format!("orders/{}/complete", order.order_key)).await,
        200
    );
    let hook = s.handled.recv().await.unwrap();
    assert!(matches!(&hook.typed, TypedEvent::OrderCompleted(o) if o.order_key == order.order_key));

    assert_eq!(
        admin(format!("orders/{}/refund", order.order_key)).await,
        200
    );
    let refunded = s.handled.recv().await.unwrap();
    match &refunded.typed {
        TypedEvent::Unknown { event, data } => {
            assert_eq!(event, "order_refunded");
            assert_eq!(data["order_key"], order.order_key.as_str());
        }
        other => panic!("{other:?}"),
    }
    let ended = s.handled.recv().await.unwrap();
    assert!(matches!(&ended.typed, TypedEvent::MembershipTerminated(m) if m.member_id == MEMBER));
    let log = s.fake.outbox_settled().await;
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|r| r.outcome == DeliveryOutcome::Answered(200))
    );
}

#[tokio::test]
async fn forged_stale_and_malformed_deliveries_are_refused() {
    let mut s = Setup::new("refused").await;
    let genuine = s.signed(
        "membership_renewed",
        json!({"member_id": MEMBER, "plan_id": 20}),
    );

    // A changed body.
    let forged =
        Bytes::from(String::from_utf8_lossy(&genuine.body).replace("1111111111", "2222222222"));
    assert_eq!(s.post(&genuine.header_map(), forged).await.0, 401);
    // Signed with another secret.
    let mut headers = genuine.header_map();
    let other = sign(
        &Secret::new("not-the-secret-0123456789"),
        &genuine.nonce,
        genuine.timestamp,
        &genuine.body,
    );
    headers.insert("x-tgm-signature", other.parse().unwrap());
    assert_eq!(s.post(&headers, genuine.body.clone()).await.0, 401);
    // Correctly signed, 10 minutes old.
    let mut headers = genuine.header_map();
    let stale = sign(&s.secret, "n-stale", genuine.timestamp - 600, &genuine.body);
    headers.insert("x-tgm-signature", stale.parse().unwrap());
    headers.insert("x-tgm-nonce", "n-stale".parse().unwrap());
    assert_eq!(s.post(&headers, genuine.body.clone()).await.0, 401);
    // No nonce header.
    let mut headers = genuine.header_map();
    headers.remove("x-tgm-nonce");
    assert_eq!(s.post(&headers, genuine.body.clone()).await.0, 400);
    // Correctly signed, but a known event whose data lacks its subject.
    let bad = s.signed("membership_renewed", json!({"plan_id": 20}));
    assert_eq!(s.post(&bad.header_map(), bad.body.clone()).await.0, 400);
    assert!(!s.handler_ran());

    // The genuine one still goes through: refused deliveries burn no nonce.
    let (status, _) = s.post(&genuine.header_map(), genuine.body.clone()).await;
    assert_eq!(status, 200);
    let hook = s.handled.recv().await.unwrap();
    assert!(matches!(&hook.typed, TypedEvent::MembershipRenewed(m) if m.plan_id == 20));
}
