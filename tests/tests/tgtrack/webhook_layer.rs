//! The webhook layer in front of a plain axum handler over loopback, forwarding to the fake
//! TGTrack: the right secret token forwards the exact bytes and reaches the handler with them;
//! a wrong or missing one is 401 with nothing forwarded and the handler never called; the
//! bot's answer does not wait for TGTrack, and a busy limiter queues instead of dropping.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{call_order, hold_virtual_time, spend_the_day};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use tg_mock::tgtrack::{Mode as FakeMode, TgtrackFake};
use tg_mock::{Fault, FaultRule, MockServer};
use tgtrack_client::webhook::TelegramWebhookLayer;
use tgtrack_client::{Client, ForwardQueue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "webhook-Secret_42";

/// A private `/start` of user `7100000000 + id`, with odd spacing and escapes, as a
/// re-serialization would not keep them.
fn start_update(id: i64) -> String {
    let user = 7_100_000_000 + id;
    format!(
        "{{ \"update_id\" : {id},\"message\":{{\"message_id\":17,\"from\":{{\"id\":{user},\"is_bot\":false,\"first_name\":\"Va\\u0073ya\"}},\"chat\":{{\"id\":{user},\"type\":\"private\"}},\"date\":1700000000,\"text\":\"/start ref-{id}\"}}}}\n"
    )
}

const HELLO: &str = r#"{"update_id":2,"message":{"message_id":3,"chat":{"id":5,"type":"private"},"date":1,"text":"hello"}}"#;

struct Bot {
    /// The TGTrack key (one per test: clients of one key share a process-wide limiter).
    key: &'static str,
    /// Bodies the handler received.
    seen: Arc<Mutex<Vec<Bytes>>>,
    addr: std::net::SocketAddr,
    queue: ForwardQueue,
    tgtrack: Arc<TgtrackFake>,
    tgtrack_server: MockServer,
}

async fn bot(key: &'static str, answer: StatusCode) -> Bot {
    let tgtrack = Arc::new(TgtrackFake::new());
    tgtrack.add_key(key, FakeMode::Production);
    let tgtrack_server = MockServer::start(Arc::clone(&tgtrack)).await.unwrap();
    let client = Client::builder(key)
        .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
        // A direct call would give up on a busy limiter after 50 ms; the queue waits.
        .max_rate_wait(Duration::from_millis(50))
        .build()
        .unwrap();
    let queue = ForwardQueue::start(client).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route(
            "/telegram",
            post(
                move |State(seen): State<Arc<Mutex<Vec<Bytes>>>>, body: Bytes| async move {
                    seen.lock().unwrap().push(body);
                    answer
                },
            ),
        )
        .with_state(Arc::clone(&seen))
        .layer(TelegramWebhookLayer::new(SECRET, queue.clone()).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Bot {
        key,
        seen,
        addr,
        queue,
        tgtrack,
        tgtrack_server,
    }
}

/// Posts `body` as Telegram would, with this secret-token header (none when `None`); returns
/// the status.
async fn deliver(bot: &Bot, secret: Option<&str>, body: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(bot.addr).await.unwrap();
    let header = secret
        .map(|s| format!("x-telegram-bot-api-secret-token: {s}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /telegram HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{header}connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(body.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

fn forwarded(bot: &Bot) -> Vec<Vec<u8>> {
    bot.tgtrack
        .forwarded(bot.key)
        .into_iter()
        .map(|f| f.body.to_vec())
        .collect()
}

#[tokio::test]
async fn the_right_secret_forwards_the_exact_bytes_and_the_handler_gets_them_too() {
    let bot = bot("key-right", StatusCode::OK).await;
    let update = start_update(1);
    assert_eq!(deliver(&bot, Some(SECRET), &update).await, 200);
    assert_eq!(deliver(&bot, Some(SECRET), HELLO).await, 200);
    let stats = bot.queue.close(Duration::from_secs(10)).await;
    assert_eq!((stats.outbox.delivered, stats.not_tracked), (1, 1));
    assert_eq!(forwarded(&bot), [update.as_bytes().to_vec()]);
    let seen = bot.seen.lock().unwrap().clone();
    assert_eq!(seen, [Bytes::from(update), Bytes::from(HELLO)]);
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_401_and_reaches_nothing() {
    let bot = bot("key-wrong", StatusCode::OK).await;
    let update = start_update(1);
    for secret in [
        None,
        Some("webhook-Secret_43"),
        Some("webhook-Secret_4"),
        Some("webhook-Secret_422"),
        Some(""),
    ] {
        assert_eq!(deliver(&bot, secret, &update).await, 401, "{secret:?}");
    }
    let stats = bot.queue.close(Duration::from_secs(10)).await;
    assert_eq!(stats.outbox.appended + stats.not_tracked, 0, "{stats:?}");
    assert!(forwarded(&bot).is_empty());
    assert!(bot.tgtrack_server.requests().is_empty());
    assert!(
        bot.seen.lock().unwrap().is_empty(),
        "the handler was called"
    );
}

#[tokio::test]
async fn an_update_the_bot_did_not_accept_is_not_forwarded() {
    // Telegram delivers it again; forwarding now would count the start twice.
    let bot = bot("key-refused", StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(deliver(&bot, Some(SECRET), &start_update(1)).await, 500);
    bot.queue.close(Duration::from_secs(10)).await;
    assert!(forwarded(&bot).is_empty());
    assert_eq!(bot.seen.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_answer_does_not_wait_for_tgtrack() {
    let bot = bot("key-slow", StatusCode::OK).await;
    bot.tgtrack_server
        .push_fault(FaultRule::next(1, Fault::Delay(Duration::from_secs(3))));
    let started = tokio::time::Instant::now();
    assert_eq!(deliver(&bot, Some(SECRET), &start_update(1)).await, 200);
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    let stats = bot.queue.close(Duration::from_secs(20)).await;
    assert_eq!(stats.outbox.delivered, 1);
}

#[tokio::test(start_paused = true)]
async fn a_busy_limiter_queues_the_updates_instead_of_dropping_them() {
    let bot = bot("key-busy", StatusCode::OK).await;
    // TGTrack's quota is 3 a second: eight starts at once need more than two seconds.
    let started = tokio::time::Instant::now();
    let updates: Vec<String> = (1..=8).map(start_update).collect();
    for u in &updates {
        assert_eq!(deliver(&bot, Some(SECRET), u).await, 200);
    }
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    let stats = bot.queue.close(Duration::from_secs(30)).await;
    assert_eq!(
        (
            stats.outbox.delivered,
            stats.outbox.rejected,
            stats.outbox.not_stored
        ),
        (8, 0, 0),
        "{stats:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let expected: Vec<Vec<u8>> = updates.iter().map(|u| u.as_bytes().to_vec()).collect();
    assert_eq!(forwarded(&bot), expected, "in order, byte for byte");
}

/// Waits for the queue's backlog to drain, then says what the fake TGTrack got, first
/// deliveries only (the outbox delivers at least once).
async fn drained(bot: &Bot) -> Vec<Vec<u8>> {
    bot.queue.flush().await.unwrap();
    let mut seen = std::collections::HashSet::new();
    forwarded(bot)
        .into_iter()
        .filter(|b| seen.insert(b.clone()))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn with_the_daily_quota_spent_2000_starts_are_all_kept_then_delivered() {
    let bot = bot("key-spent", StatusCode::OK).await;
    // The day's quota is spent: nothing goes out for a day (as after a 429 with a day's
    // Retry-After).
    let client = Client::builder(bot.key).build().unwrap();
    spend_the_day(&client).await;
    let updates: Vec<String> = (1..=2000).map(start_update).collect();
    for u in &updates {
        assert_eq!(deliver(&bot, Some(SECRET), u).await, 200);
    }
    let stats = bot.queue.stats().await;
    assert_eq!(
        (stats.outbox.appended, stats.outbox.not_stored),
        (2000, 0),
        "{stats:?}"
    );
    assert!(stats.outbox.backlog_entries > 0, "{stats:?}");
    // The projection counts the spent day.
    assert!(
        stats.outbox.drain_eta_ms.unwrap() >= 20 * 3600 * 1000,
        "{stats:?}"
    );
    assert!(stats.outbox.backlog_bytes >= stats.outbox.backlog_entries * 200);
    let expected: Vec<Vec<u8>> = updates.iter().map(|u| u.as_bytes().to_vec()).collect();
    assert_eq!(
        drained(&bot).await,
        expected,
        "every start, in order, byte for byte"
    );
    let stats = bot.queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        (stats.outbox.rejected, stats.pending()),
        (0, 0),
        "{stats:?}"
    );
    assert_eq!(stats.outbox.backlog_entries, 0);
}

/// Starts and events waiting together for a spent day: the issue's 2,000 of each.
const MIXED: i64 = 2000;

#[tokio::test(start_paused = true)]
async fn with_the_daily_quota_spent_starts_and_events_wait_and_starts_go_first() {
    let bot = bot("key-spent-mixed", StatusCode::OK).await;
    // Another client of the same key (one quota), whose events wait up to two days.
    let client = Client::builder(bot.key)
        .core(|c| c.with_loopback_url(bot.tgtrack_server.base_url()))
        .max_rate_wait(Duration::from_secs(2 * 86_400))
        .build()
        .unwrap();
    spend_the_day(&client).await;
    let started = tokio::time::Instant::now();
    let events: Vec<_> = (0..MIXED)
        .map(|i| tokio::spawn(client.add_event(1_000 + i, "lesson").send()))
        .collect();
    // Every start arrives within the spent day.
    let heartbeat = hold_virtual_time();
    let updates: Vec<String> = (1..=MIXED).map(start_update).collect();
    for u in &updates {
        assert_eq!(deliver(&bot, Some(SECRET), u).await, 200);
    }
    heartbeat.abort();
    assert!(started.elapsed() < Duration::from_secs(3600));
    let stats = bot.queue.stats().await;
    assert_eq!(
        (stats.outbox.appended, stats.outbox.not_stored),
        (MIXED as u64, 0),
        "every start stored before its 200"
    );
    for e in events {
        e.await.unwrap().unwrap();
    }
    let mut expected: Vec<Vec<u8>> = updates.iter().map(|u| u.as_bytes().to_vec()).collect();
    let mut got = drained(&bot).await;
    expected.sort();
    got.sort();
    assert!(got == expected, "every start, once, byte for byte");
    assert_eq!(bot.tgtrack.accepted_events(bot.key).len(), MIXED as usize);
    // Once the day is over, every start goes before every event, though the events waited
    // first: the queue's calls hold the next slots of the quota.
    let order = call_order(&bot.tgtrack_server);
    assert_eq!(order.find('E'), Some(MIXED as usize), "{order}");
    // At the quota: a day, then 500 calls an hour (2,000 starts in four hours, 2,000 events
    // at 400 an hour, the rest being reserved, in five more).
    let took = started.elapsed();
    assert!(took < Duration::from_secs(86_400 + 10 * 3600), "{took:?}");
}
