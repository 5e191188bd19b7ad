//! tgmembership-client's receiver (`receiver::ReceiverLayer` and the `VerifiedWebhook`
//! extractor) in a real axum server on loopback, fed deliveries the fake TGmembership signed:
//! a genuine delivery reaches the handler as a typed event; forged, stale and unsigned ones do
//! not; an event reaches the handler at least once (a non-2xx answer, a panic or a dropped
//! connection releases its nonce for the service's retry; only a 2xx commits it); data that
//! does not fit the typed event still reaches the handler; and the Redis nonce store, stalled,
//! blocks neither the server nor the delivery past its timeout. The fake and the receiver
//! share the system clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use bytes::Bytes;
use integration_tests::support::OwnRedis;
use serde_json::json;
use tg_common::Secret;
use tg_mock::tgmembership::{DeliveryOutcome, SignedWebhook, TgmembershipFake};
use tg_mock::{MockServer, deliver};
use tgmembership_client::prelude::*;
use tgmembership_client::receiver::{ReceiverLayer, VerifiedWebhook};
use tgmembership_client::sign;
use tgmembership_client::{
    Client, Currency, NonceStore, PaymentGateway, RedisNonceStore, TypedEvent, WebhookError,
    WebhookVerifier,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, mpsc};

const BOT: i64 = 1347378140;
const MEMBER: i64 = 1111111111;

/// What the handler does with the next delivery (after reporting it); `Ok` when none is left.
enum Act {
    Answer(StatusCode),
    Panic,
    /// Waits until notified, then answers 200.
    Wait(Arc<Notify>),
    /// Never answers; reports on the channel when its future is dropped.
    Hang(mpsc::UnboundedSender<()>),
}

#[derive(Clone)]
struct AppState {
    handled: mpsc::UnboundedSender<VerifiedWebhook>,
    script: Arc<Mutex<VecDeque<Act>>>,
}

struct DropSignal(mpsc::UnboundedSender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

async fn on_delivery(State(state): State<AppState>, hook: VerifiedWebhook) -> StatusCode {
    let _ = state.handled.send(hook);
    let act = state.script.lock().unwrap().pop_front();
    match act {
        None => StatusCode::OK,
        Some(Act::Answer(status)) => status,
        Some(Act::Panic) => panic!("the handler's database is down"),
        Some(Act::Wait(notify)) => {
            notify.notified().await;
            StatusCode::OK
        }
        Some(Act::Hang(dropped)) => {
            let _signal = DropSignal(dropped);
            std::future::pending::<()>().await;
            StatusCode::OK
        }
    }
}

struct Setup {
    fake: Arc<TgmembershipFake>,
    server: MockServer,
    key: String,
    client: Client,
    addr: SocketAddr,
    handled: mpsc::UnboundedReceiver<VerifiedWebhook>,
    script: Arc<Mutex<VecDeque<Act>>>,
    secret: Secret,
}

impl Setup {
    /// The fake, a client, and an axum receiver registered as the bot's webhook, its nonces in
    /// the default memory store.
    async fn new(test: &str) -> Setup {
        Setup::with_store(test, None, Duration::from_secs(60)).await
    }

    /// The same with the nonces in `store` and claims held for `lease`.
    async fn with_store(test: &str, store: Option<Arc<dyn NonceStore>>, lease: Duration) -> Setup {
        let key = format!("tgm-recv-{test}-9b3e");
        let fake = Arc::new(TgmembershipFake::new(BOT, &key));
        let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
        let url = server.base_url();
        let client = Client::builder(BOT, key.as_str())
            .core(|c| c.with_loopback_url(url))
            .build()
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hook = client
            .webhooks()
            .set(format!("https://127.0.0.1:{}/tgm", addr.port()))
            .send()
            .await
            .unwrap();
        let mut verifier = WebhookVerifier::new(hook.secret.clone())
            .unwrap()
            .with_lease(lease);
        if let Some(store) = store {
            verifier = verifier.with_nonce_store(store);
        }
        let (tx, handled) = mpsc::unbounded_channel();
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let app = Router::new()
            .route(
                "/tgm",
                post(on_delivery).layer(ReceiverLayer::new(verifier)),
            )
            .route("/health", get(|| async { "up" }))
            .with_state(AppState {
                handled: tx,
                script: Arc::clone(&script),
            });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Setup {
            fake,
            server,
            key,
            client,
            addr,
            handled,
            script,
            secret: hook.secret,
        }
    }

    fn hook_url(&self) -> String {
        format!("http://{}/tgm", self.addr)
    }

    /// POSTs a delivery to the receiver and returns its status and body.
    async fn post(&self, headers: &http::HeaderMap, body: Bytes) -> (u16, String) {
        let d = deliver::post(&self.hook_url(), headers, body)
            .await
            .unwrap();
        (d.status, String::from_utf8_lossy(&d.body).into_owned())
    }

    /// Delivers `d` again, as the service retries it.
    async fn deliver(&self, d: &SignedWebhook) -> (u16, String) {
        self.post(&d.header_map(), d.body.clone()).await
    }

    /// A delivery signed by the fake for the registered webhook.
    fn signed(&self, event: &str, data: serde_json::Value) -> SignedWebhook {
        self.fake.webhook_deliveries(event, data).pop().unwrap()
    }

    /// A paid order's `order_completed`, as the fake signs it.
    async fn paid_order(&self) -> SignedWebhook {
        let order = self
            .client
            .orders()
            .create(20, PaymentGateway::Stripe)
            .member_id(MEMBER)
            .send()
            .await
            .unwrap();
        self.fake
            .complete_order(&order.order_key)
            .unwrap()
            .pop()
            .unwrap()
    }

    fn then(&self, act: Act) {
        self.script.lock().unwrap().push_back(act);
    }

    /// Whether the handler ran (for deliveries whose answer has already come back).
    fn handler_ran(&mut self) -> bool {
        self.handled.try_recv().is_ok()
    }

    /// The delivery the handler got next.
    async fn next_handled(&mut self) -> VerifiedWebhook {
        tokio::time::timeout(Duration::from_secs(10), self.handled.recv())
            .await
            .unwrap()
            .unwrap()
    }
}

/// An HTTP/1.1 POST over a plain socket: the status line and headers, and the body.
async fn raw_post(addr: SocketAddr, d: &SignedWebhook) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(&request_bytes(d)).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_ascii_lowercase(), body.to_owned())
}

/// An HTTP/1.1 GET from a thread of its own after `delay`: the status line and how long the
/// answer took by the wall clock (a server blocking its only thread cannot hide it).
fn probe_after(
    addr: SocketAddr,
    path: &str,
    delay: Duration,
) -> tokio::sync::oneshot::Receiver<(String, Duration)> {
    use std::io::{Read, Write};
    let (tx, rx) = tokio::sync::oneshot::channel();
    let request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let started = Instant::now();
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let took = started.elapsed();
        let status = String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        let _ = tx.send((status, took));
    });
    rx
}

fn request_bytes(d: &SignedWebhook) -> Vec<u8> {
    let mut request = format!(
        "POST /tgm HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        d.body.len()
    );
    for (name, value) in &d.header_map() {
        request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(&d.body);
    bytes
}

#[tokio::test]
async fn a_completed_order_reaches_the_handler_typed() {
    let mut s = Setup::new("complete").await;
    let (status, _) = s
        .post(&http::HeaderMap::new(), Bytes::from_static(b"{}"))
        .await;
    assert_eq!(status, 400, "an unsigned delivery");
    assert!(!s.handler_ran());

    // The payer pays; the fake signs the delivery and the test posts it.
    let signed = s.paid_order().await;
    let (status, _) = s.deliver(&signed).await;
    assert_eq!(status, 200);
    let hook = s.next_handled().await;
    let Ok(TypedEvent::OrderCompleted(o)) = &hook.typed else {
        panic!("{:?}", hook.typed);
    };
    assert_eq!(o.member_id, Some(MEMBER));
    assert_eq!(o.currency, Some(Currency::Eur));
    assert_eq!(o.money().unwrap().to_string(), "1.23 EUR");
    assert_eq!(hook.timestamp, signed.timestamp);
    assert_eq!(hook.nonce, signed.nonce);
    assert_eq!(hook.body, signed.body);
    assert_eq!(hook.data().unwrap()["order_key"], o.order_key.as_str());
}

#[tokio::test]
async fn a_2xx_commits_and_the_next_duplicate_is_a_replay_the_handler_does_not_see() {
    let mut s = Setup::new("commit").await;
    let signed = s.paid_order().await;
    assert_eq!(s.deliver(&signed).await.0, 200);
    s.next_handled().await;
    let (status, body) = s.deliver(&signed).await;
    assert_eq!(status, 200);
    assert!(body.contains("replay"), "{body}");
    assert!(!s.handler_ran());
}

#[tokio::test]
async fn a_500_from_the_handler_lets_the_retried_delivery_reach_it_again() {
    let mut s = Setup::new("h500").await;
    let signed = s.paid_order().await;
    // The handler's database is down: it answers 500 and the service retries.
    s.then(Act::Answer(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(s.deliver(&signed).await.0, 500);
    s.next_handled().await;
    assert_eq!(s.deliver(&signed).await.0, 200, "the retry");
    let again = s.next_handled().await;
    assert!(matches!(again.typed, Ok(TypedEvent::OrderCompleted(_))));
    // Handled now: the next one is a replay.
    assert_eq!(s.deliver(&signed).await.0, 200);
    assert!(!s.handler_ran());
}

#[tokio::test]
async fn data_that_does_not_fit_reaches_the_handler_and_its_400_is_retried() {
    let mut s = Setup::new("h400").await;
    // Signed by the service, but an order_completed without `order_key`.
    let odd = s.signed(
        "order_completed",
        json!({"orderKey": "K-7", "amount": "2.50"}),
    );
    s.then(Act::Answer(StatusCode::BAD_REQUEST));
    assert_eq!(s.deliver(&odd).await.0, 400, "the handler's own answer");
    let hook = s.next_handled().await;
    match &hook.typed {
        Err(WebhookError::InvalidPayload { message, .. }) => {
            assert!(message.contains("order_key"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hook.data().unwrap()["orderKey"], "K-7");
    assert_eq!(hook.data().unwrap()["amount"], "2.50");
    // The retry reaches the handler again, which handles it from the raw JSON this time.
    assert_eq!(s.deliver(&odd).await.0, 200);
    assert!(s.next_handled().await.typed.is_err());
    assert_eq!(s.deliver(&odd).await.0, 200);
    assert!(!s.handler_ran());

    // A signed body that is not even the envelope reaches the handler too.
    let mut headers = odd.header_map();
    let body = Bytes::from_static(b"[\"not an envelope\"]");
    headers.insert(
        "x-tgm-signature",
        sign(&s.secret, "n-array", odd.timestamp, &body)
            .parse()
            .unwrap(),
    );
    headers.insert("x-tgm-nonce", "n-array".parse().unwrap());
    assert_eq!(s.post(&headers, body.clone()).await.0, 200);
    let hook = s.next_handled().await;
    assert!(hook.event.is_err() && hook.typed.is_err());
    assert_eq!(hook.body, body);
}

#[tokio::test]
async fn a_panicking_handler_releases_the_nonce() {
    let mut s = Setup::new("panic").await;
    let signed = s.paid_order().await;
    s.then(Act::Panic);
    let (status, body) = s.deliver(&signed).await;
    assert_eq!(status, 500, "{body}");
    s.next_handled().await;
    assert_eq!(s.deliver(&signed).await.0, 200, "the retry");
    s.next_handled().await;
}

/// current_thread: the connection task drops the handler (and the claim) before the test runs
/// again.
#[tokio::test(flavor = "current_thread")]
async fn a_dropped_connection_releases_the_nonce() {
    let mut s = Setup::new("dropped").await;
    let signed = s.paid_order().await;
    let (dropped_tx, mut dropped) = mpsc::unbounded_channel();
    s.then(Act::Hang(dropped_tx));
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    stream.write_all(&request_bytes(&signed)).await.unwrap();
    s.next_handled().await;
    // The service gives up on the answer and closes the connection.
    drop(stream);
    tokio::time::timeout(Duration::from_secs(10), dropped.recv())
        .await
        .expect("the handler's future was not dropped")
        .unwrap();
    assert_eq!(s.deliver(&signed).await.0, 200, "the retry");
    s.next_handled().await;
}

#[tokio::test]
async fn a_concurrent_duplicate_is_told_to_retry_while_the_first_is_handled() {
    let mut s = Setup::new("concurrent").await;
    let signed = s.paid_order().await;
    let go = Arc::new(Notify::new());
    s.then(Act::Wait(Arc::clone(&go)));
    let first = {
        let url = s.hook_url();
        let (headers, body) = (signed.header_map(), signed.body.clone());
        tokio::spawn(async move { deliver::post(&url, &headers, body).await.unwrap() })
    };
    s.next_handled().await;
    // While the first is in the handler, the duplicate gets 503 with Retry-After.
    let (head, body) = raw_post(s.addr, &signed).await;
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(head.contains("retry-after: 60"), "{head}");
    assert!(body.contains("being handled"), "{body}");
    assert!(!s.handler_ran());
    go.notify_one();
    assert_eq!(first.await.unwrap().status, 200);
    // The first committed: the duplicate retried now is a replay.
    assert_eq!(s.deliver(&signed).await.0, 200);
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
    let (base, key) = (s.server.base_url(), s.key.clone());
    let admin = |action: String| {
        let url = format!("{base}/v1/bot{BOT}/{key}/_admin/{action}");
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
    let hook = s.next_handled().await;
    assert!(
        matches!(&hook.typed, Ok(TypedEvent::OrderCompleted(o)) if o.order_key == order.order_key)
    );

    assert_eq!(
        admin(format!("orders/{}/refund", order.order_key)).await,
        200
    );
    let (mut refunded, mut ended) = (false, false);
    for _ in 0..2 {
        match s.next_handled().await.typed {
            Ok(TypedEvent::Unknown { event, data }) if event == "order_refunded" => {
                assert_eq!(data["order_key"], order.order_key.as_str());
                refunded = true;
            }
            Ok(TypedEvent::MembershipTerminated(m)) if m.member_id == MEMBER => ended = true,
            other => panic!("{other:?}"),
        }
    }
    assert!(refunded && ended);
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
    assert!(!s.handler_ran());

    // The genuine one still goes through: refused deliveries burn no nonce.
    let (status, _) = s.deliver(&genuine).await;
    assert_eq!(status, 200);
    let hook = s.next_handled().await;
    assert!(matches!(&hook.typed, Ok(TypedEvent::MembershipRenewed(m)) if m.plan_id == 20));
}

#[tokio::test]
async fn the_extractor_without_the_layer_handles_nothing() {
    let app = Router::new().route("/tgm", post(|_: VerifiedWebhook| async { "handled" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tgm", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let d = deliver::post(&url, &http::HeaderMap::new(), Bytes::from_static(b"{}"))
        .await
        .unwrap();
    assert_eq!(
        d.status, 500,
        "a retryable answer, nothing handled unverified"
    );
}

fn redis_store(redis: &OwnRedis, timeout: Duration) -> Arc<dyn NonceStore> {
    Arc::new(
        RedisNonceStore::new(&redis.url, format!("tgm-recv-{}:", std::process::id()))
            .unwrap()
            .with_timeout(timeout),
    )
}

/// Two replicas share one Redis: a 500 on one releases the nonce for the retry on the other; a
/// duplicate while it is handled is told to retry; a 2xx commits for both.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn with_redis_replicas_share_in_progress_and_done() {
    let redis = OwnRedis::start();
    let store = redis_store(&redis, Duration::from_secs(2));
    let mut a =
        Setup::with_store("redis-a", Some(Arc::clone(&store)), Duration::from_secs(30)).await;
    // Replica b verifies with a's secret (one webhook URL, one secret).
    let b_verifier = WebhookVerifier::new(a.secret.clone())
        .unwrap()
        .with_nonce_store(Arc::clone(&store))
        .with_lease(Duration::from_secs(30));
    let (b_tx, mut b_handled) = mpsc::unbounded_channel();
    let b_script = Arc::new(Mutex::new(VecDeque::new()));
    let b_app = Router::new()
        .route(
            "/tgm",
            post(on_delivery).layer(ReceiverLayer::new(b_verifier)),
        )
        .with_state(AppState {
            handled: b_tx,
            script: Arc::clone(&b_script),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, b_app).await });
    let b_url = format!("http://{b_addr}/tgm");

    let signed = a.paid_order().await;
    a.then(Act::Answer(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(a.deliver(&signed).await.0, 503);
    a.next_handled().await;
    // The retry lands on replica b, which holds it while a duplicate comes to a.
    let go = Arc::new(Notify::new());
    b_script
        .lock()
        .unwrap()
        .push_back(Act::Wait(Arc::clone(&go)));
    let on_b = {
        let (headers, body) = (signed.header_map(), signed.body.clone());
        tokio::spawn(async move { deliver::post(&b_url, &headers, body).await.unwrap() })
    };
    tokio::time::timeout(Duration::from_secs(10), b_handled.recv())
        .await
        .unwrap()
        .unwrap();
    let (head, _) = raw_post(a.addr, &signed).await;
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(head.contains("retry-after: 30"), "{head}");
    go.notify_one();
    assert_eq!(on_b.await.unwrap().status, 200);
    // Committed by b: a replay on a.
    let (status, body) = a.deliver(&signed).await;
    assert_eq!((status, body.contains("replay")), (200, true), "{body}");
    assert!(!a.handler_ran());
}

/// A hold left by a crashed replica ends with its lease.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn with_redis_an_abandoned_hold_ends_with_its_lease() {
    let redis = OwnRedis::start();
    let store = redis_store(&redis, Duration::from_secs(2));
    let mut s = Setup::with_store(
        "redis-lease",
        Some(Arc::clone(&store)),
        Duration::from_secs(1),
    )
    .await;
    let signed = s.paid_order().await;
    // A replica claims the nonce and dies without releasing it.
    let crashed = WebhookVerifier::new(s.secret.clone())
        .unwrap()
        .with_nonce_store(Arc::clone(&store))
        .with_lease(Duration::from_secs(1));
    std::mem::forget(
        crashed
            .claim(&signed.nonce, signed.timestamp)
            .await
            .unwrap(),
    );
    assert_eq!(s.deliver(&signed).await.0, 503);
    assert!(!s.handler_ran());
    // Redis's clock ends the lease (the test waits for it: no virtual time in Redis).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(s.deliver(&signed).await.0, 200);
    s.next_handled().await;
}

/// With Redis stopped (SIGSTOP), on a single-threaded server: an unrelated route answers at
/// once, the delivery gets a retryable 503 within the store's timeout, and once Redis is back
/// the retry is handled.
#[tokio::test(flavor = "current_thread")]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn with_redis_stalled_the_server_stays_responsive_and_the_delivery_is_retryable() {
    let redis = OwnRedis::start();
    let timeout = Duration::from_millis(500);
    let store = redis_store(&redis, timeout);
    let mut s = Setup::with_store("redis-stall", Some(store), Duration::from_secs(30)).await;
    // A first delivery connects the store.
    let warm = s.paid_order().await;
    assert_eq!(s.deliver(&warm).await.0, 200);
    s.next_handled().await;

    redis.signal("-STOP");
    let signed = s.paid_order().await;
    let started = Instant::now();
    let delivery = {
        let addr = s.addr;
        let signed = signed.clone();
        tokio::spawn(async move { raw_post(addr, &signed).await })
    };
    // GET /health from another thread, by the wall clock, while the delivery waits on Redis.
    let health = probe_after(s.addr, "/health", Duration::from_millis(100));
    let (head, body) = delivery.await.unwrap();
    let delivery_took = started.elapsed();
    let (health, health_took) = health.await.unwrap();
    redis.signal("-CONT");
    eprintln!("Redis stopped: GET /health {health_took:?}, the delivery's 503 {delivery_took:?}");

    assert_eq!(health, "HTTP/1.1 200 OK");
    assert!(
        health_took < Duration::from_millis(250),
        "GET /health took {health_took:?}"
    );
    assert!(head.starts_with("http/1.1 503"), "{head} {body}");
    assert!(head.contains("retry-after: 5"), "{head}");
    assert!(body.contains("nonce store"), "{body}");
    assert!(
        delivery_took < timeout + Duration::from_millis(750),
        "the delivery took {delivery_took:?}"
    );
    assert!(!s.handler_ran());
    // Redis is back: the service's retry is handled.
    let retried = s.deliver(&signed).await;
    assert_eq!(retried.0, 200, "{}", retried.1);
    s.next_handled().await;
}
