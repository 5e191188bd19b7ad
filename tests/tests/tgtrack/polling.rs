//! The long-polling reader against the fake Telegram `getUpdates` and the fake TGTrack over
//! loopback: updates handed on byte for byte and in order, the tracked ones forwarded byte for
//! byte, offsets confirmed only after handing on, the long-poll timeout and `allowed_updates`,
//! backoff after failures, the pause after empty answers (short polling, a proxy answering `[]`
//! at once), a graceful stop, and the bot token kept out of everything printed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use super::{call_order, hold_virtual_time, spend_the_day};
use futures_util::StreamExt;
use tg_common::outbox::LetterCause;
use tg_common::outbox::spool::MemorySpool;
use tg_common::{ErrorKind, RetryPolicy};
use tg_mock::telegram::{TelegramFake, error_reply};
use tg_mock::tgtrack::{Mode as FakeMode, TgtrackFake};
use tg_mock::{Fault, FaultRule, Matcher, MockServer};
use tgtrack_client::TelegramApiError;
use tgtrack_client::{Client, ForwardQueue, Poller};

const TOKEN: &str = "7123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const KEY: &str = "track-key";

struct Setup {
    telegram: TelegramFake,
    telegram_server: MockServer,
    tgtrack: Arc<TgtrackFake>,
    tgtrack_server: MockServer,
    client: Client,
}

async fn setup() -> Setup {
    let telegram = TelegramFake::new();
    telegram.add_bot(TOKEN);
    let telegram_server = MockServer::start(Arc::new(telegram.clone())).await.unwrap();
    let tgtrack = Arc::new(TgtrackFake::new());
    tgtrack.add_key(KEY, FakeMode::Production);
    let tgtrack_server = MockServer::start(Arc::clone(&tgtrack)).await.unwrap();
    let client = Client::builder(KEY)
        .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
        .build()
        .unwrap();
    Setup {
        telegram,
        telegram_server,
        tgtrack,
        tgtrack_server,
        client,
    }
}

fn poller(s: &Setup, token: &str) -> tgtrack_client::PollerBuilder {
    let base = s.telegram_server.base_url();
    Poller::builder(token)
        .core(move |c| c.with_loopback_url(base))
        .timeout(Duration::from_secs(20))
        .backoff(RetryPolicy {
            jitter: false,
            ..tgtrack_client::default_poll_backoff()
        })
}

/// A private `/start ref-42` as Telegram formats it, plus odd spacing, escapes and an integer
/// beyond 2^64 that a parse-and-serialize round trip would change.
fn start_update(id: i64) -> String {
    format!(
        "{{\"update_id\":{id},\n \"message\":{{\"message_id\":17,\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Va\\u0073ya\",\"language_code\":\"ru\"}},\"chat\":{{\"id\":7123456789,\"first_name\":\"Vasya\",\"type\":\"private\"}},\"date\":1700000000,\"text\":\"/start ref-42\",\"entities\":[{{\"offset\":0,\"length\":6,\"type\":\"bot_command\"}}],\"x\":123456789012345678901234567890}} }}"
    )
}

fn text_update(id: i64, text: &str) -> String {
    format!(
        "{{\"update_id\":{id},\"message\":{{\"message_id\":18,\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Vasya\"}},\"chat\":{{\"id\":7123456789,\"type\":\"private\"}},\"date\":1700000001,\"text\":\"{text}\"}}}}"
    )
}

fn blocked_update(id: i64) -> String {
    format!(
        "{{\"update_id\":{id},\"my_chat_member\":{{\"chat\":{{\"id\":7123456789,\"first_name\":\"Vasya\",\"type\":\"private\"}},\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Vasya\"}},\"date\":1700000100,\"old_chat_member\":{{\"user\":{{\"id\":7123456,\"is_bot\":true,\"first_name\":\"Bot\",\"username\":\"my_bot\"}},\"status\":\"member\"}},\"new_chat_member\":{{\"user\":{{\"id\":7123456,\"is_bot\":true,\"first_name\":\"Bot\",\"username\":\"my_bot\"}},\"status\":\"kicked\",\"until_date\":0}}}}}}"
    )
}

fn callback_update(id: i64) -> String {
    format!(
        "{{\"update_id\":{id},\"callback_query\":{{\"id\":\"4382bfdwdsb323b2d9\",\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Vasya\"}},\"chat_instance\":\"-1\",\"data\":\"/start\"}}}}"
    )
}

#[tokio::test]
async fn every_update_is_handed_on_byte_for_byte_and_only_tracked_ones_are_forwarded() {
    let s = setup().await;
    let pushed = [
        start_update(100),
        text_update(101, "hello"),
        callback_update(102),
        blocked_update(103),
    ];
    for u in &pushed {
        s.telegram.push_update(TOKEN, u.clone()).unwrap();
    }
    let queue = ForwardQueue::start(s.client.clone()).unwrap();
    let mut p = poller(&s, TOKEN).forward_to(queue.clone()).build().unwrap();
    for (i, expected) in pushed.iter().enumerate() {
        let got = p.next_update().await.unwrap().unwrap();
        assert_eq!(got.update_id, 100 + i as i64);
        assert_eq!(got.raw.as_bytes(), expected.as_bytes(), "update {i}");
    }
    p.stop_handle().stop();
    assert!(p.next_update().await.is_none());
    let stats = queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        (
            stats.outbox.delivered,
            stats.not_tracked,
            stats.outbox.rejected
        ),
        (2, 2, 0)
    );

    let forwarded = s.tgtrack.forwarded(KEY);
    let bodies: Vec<&[u8]> = forwarded.iter().map(|f| &f.body[..]).collect();
    assert_eq!(bodies, [pushed[0].as_bytes(), pushed[3].as_bytes()]);
    assert!(forwarded.iter().all(|f| f.method == "on_telegram_webhook"));
    // TGTrack accepted the start as Telegram sent it.
    let user = s.tgtrack.user(KEY, "7123456789").unwrap();
    assert_eq!(user.invite_link, "ref-42");
}

#[tokio::test]
async fn offsets_confirm_only_what_was_handed_on() {
    let s = setup().await;
    for id in [10, 11, 12] {
        s.telegram
            .push_update(TOKEN, text_update(id, "hi"))
            .unwrap();
    }
    let mut p = poller(&s, TOKEN).build().unwrap();
    assert_eq!(p.next_update().await.unwrap().unwrap().update_id, 10);
    assert_eq!(p.offset(), Some(11));
    // Fetched in one batch, but only the first was handed on.
    assert_eq!(s.telegram.pending(TOKEN), [10, 11, 12]);
    p.stop_handle().stop();
    assert!(p.next_update().await.is_none());
    // The graceful stop confirmed the handed-on update, and only it.
    assert_eq!(s.telegram.pending(TOKEN), [11, 12]);
    let calls = s.telegram.calls(TOKEN);
    assert_eq!(calls[0].offset, None);
    assert_eq!(calls.last().unwrap().offset, Some(11));

    // A new poller gets the rest again, then confirms them with the next call.
    let mut again = poller(&s, TOKEN).build().unwrap();
    let ids: Vec<i64> = [
        again.next_update().await.unwrap().unwrap().update_id,
        again.next_update().await.unwrap().unwrap().update_id,
    ]
    .into();
    assert_eq!(ids, [11, 12]);
    s.telegram
        .push_update(TOKEN, text_update(13, "later"))
        .unwrap();
    assert_eq!(again.next_update().await.unwrap().unwrap().update_id, 13);
    assert_eq!(s.telegram.calls(TOKEN).last().unwrap().offset, Some(13));
    assert_eq!(s.telegram.pending(TOKEN), [13]);
}

#[tokio::test(start_paused = true)]
async fn the_long_poll_waits_for_updates_and_sends_timeout_and_allowed_updates() {
    let s = setup().await;
    let p = poller(&s, TOKEN)
        .timeout(Duration::from_secs(25))
        .limit(50)
        .allowed_updates(["message", "my_chat_member"])
        .build()
        .unwrap();
    let mut stream = Box::pin(p.into_stream());
    let telegram = s.telegram.clone();
    let started = tokio::time::Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(40)).await;
        // Left out by allowed_updates: never created.
        assert_eq!(telegram.push_update(TOKEN, callback_update(5)), Ok(None));
        telegram.push_update(TOKEN, text_update(6, "late")).unwrap();
    });
    let got = stream.next().await.unwrap().unwrap();
    assert_eq!(got.update_id, 6);
    assert!(started.elapsed() >= Duration::from_secs(40));
    let calls = s.telegram.calls(TOKEN);
    // One empty 25 s poll, then the one that got the update.
    assert_eq!(calls.len(), 2, "{calls:?}");
    for c in &calls {
        assert_eq!(c.timeout, Some(25));
        assert_eq!(c.limit, Some(50));
        assert_eq!(
            c.allowed_updates.as_deref(),
            Some(&["message".to_owned(), "my_chat_member".to_owned()][..])
        );
    }
}

#[tokio::test(start_paused = true)]
async fn failed_polls_are_reported_backed_off_and_recovered_from() {
    let s = setup().await;
    s.telegram.push_update(TOKEN, text_update(1, "x")).unwrap();
    s.telegram_server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(tg_mock::Reply::new(502, "<html>Bad Gateway</html>")),
    ));
    s.telegram_server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(
            tg_mock::Reply::json(
                429,
                &serde_json::json!({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}),
            ),
        ),
    ));
    s.telegram.set_webhook(TOKEN, true);
    let mut p = poller(&s, TOKEN).build().unwrap();
    let started = tokio::time::Instant::now();
    let first = p.next_update().await.unwrap().unwrap_err();
    assert!(
        matches!(first.kind(), ErrorKind::Http { status: 502, .. }),
        "{first:?}"
    );
    let second = p.next_update().await.unwrap().unwrap_err();
    assert_eq!(
        second.api_detail::<TelegramApiError>().unwrap().retry_after,
        Some(7)
    );
    let third = p.next_update().await.unwrap().unwrap_err();
    assert_eq!(third.status(), Some(409), "{third:?}");
    // 0.5 s after the first failure, the 7 s asked for after the second.
    assert!(
        started.elapsed() >= Duration::from_millis(7_500),
        "{:?}",
        started.elapsed()
    );
    s.telegram.set_webhook(TOKEN, false);
    let got = p.next_update().await.unwrap().unwrap();
    assert_eq!(got.update_id, 1);
    // The third failure waited 2 s (0.5, 1, 2: doubling).
    assert!(started.elapsed() >= Duration::from_millis(9_500));
}

/// Polls with `p` until 10 s of virtual time have passed (or 5 s of real time, so that a
/// flood stays bounded), then stops it; the `getUpdates` requests the server got and how many
/// updates were handed on.
async fn poll_for_ten_seconds(s: &Setup, mut p: Poller) -> (usize, usize) {
    let stop = p.stop_handle();
    let virtual_stop = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        virtual_stop.stop();
    });
    let real_stop = stop.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5));
        real_stop.stop();
    });
    let mut handed = 0;
    while let Some(update) = p.next_update().await {
        update.unwrap();
        handed += 1;
    }
    let calls = s
        .telegram_server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/getUpdates"))
        .count();
    (calls, handed)
}

#[tokio::test(start_paused = true)]
async fn short_polling_pauses_after_each_empty_answer() {
    let s = setup().await;
    let p = poller(&s, TOKEN).timeout(Duration::ZERO).build().unwrap();
    let telegram = s.telegram.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(4_500)).await;
        telegram.push_update(TOKEN, text_update(1, "a")).unwrap();
        telegram.push_update(TOKEN, text_update(2, "b")).unwrap();
    });
    let started = tokio::time::Instant::now();
    let (calls, handed) = poll_for_ten_seconds(&s, p).await;
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "stopped early"
    );
    assert_eq!(handed, 2);
    // One call a second (the default pause), the answer with updates followed at once by the
    // next call: 10 or 11 calls, not thousands.
    assert!((10..=12).contains(&calls), "{calls} calls in 10 s");
    for call in s.telegram.calls(TOKEN) {
        assert_eq!(call.timeout, Some(0));
    }
}

#[tokio::test(start_paused = true)]
async fn a_proxy_answering_empty_at_once_to_a_long_poll_is_paced() {
    let s = setup().await;
    let empty = tg_mock::Reply::json(200, &serde_json::json!({"ok": true, "result": []}));
    s.telegram_server.push_fault(FaultRule {
        matcher: Matcher::path("getUpdates"),
        fault: Fault::RespondUnprocessed(empty),
        times: None,
    });
    let p = poller(&s, TOKEN)
        .empty_answer_pause(Duration::from_secs(3))
        .build()
        .unwrap();
    let (calls, handed) = poll_for_ten_seconds(&s, p).await;
    assert_eq!(handed, 0);
    // At 0, 3, 6 and 9 s (the stop's confirming call is not made: nothing was handed on).
    assert_eq!(calls, 4, "{calls} calls in 10 s");

    let err = poller(&s, TOKEN)
        .empty_answer_pause(Duration::from_secs(61))
        .build()
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidInput { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_wrong_token_ends_the_stream_with_a_401_that_never_names_it() {
    let s = setup().await;
    let wrong = "7123456:WRONGtokenWRONGtokenWRONGtoken";
    let p = poller(&s, wrong).build().unwrap();
    let printed = format!("{p:?}");
    let mut stream = Box::pin(p.into_stream());
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.api_detail::<TelegramApiError>().unwrap().description,
        "Unauthorized"
    );
    assert!(
        stream.next().await.is_none(),
        "a rejected token ends the stream"
    );
    let text = format!("{err} {err:?} {printed}");
    assert!(
        !text.contains("WRONGtoken") && !text.contains("7123456"),
        "{text}"
    );
    // The token did travel, in the path, to the fake.
    assert!(
        s.telegram_server.requests()[0]
            .path
            .contains("WRONGtokenWRONGtokenWRONGtoken")
    );
}

#[tokio::test]
async fn an_answer_echoing_the_token_is_scrubbed() {
    let s = setup().await;
    let echo = error_reply(
        400,
        &format!("Bad Request: no such bot {TOKEN} (bot{TOKEN})"),
    );
    s.telegram_server.push_fault(FaultRule {
        matcher: Matcher::path("getUpdates"),
        fault: Fault::RespondUnprocessed(echo),
        times: Some(1),
    });
    let mut p = poller(&s, TOKEN).build().unwrap();
    let err = p.next_update().await.unwrap().unwrap_err();
    let text = format!("{err} {err:?} {err:#?}");
    assert!(
        !text.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        "{text}"
    );
    assert!(text.contains("[redacted]"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn stop_interrupts_a_long_poll() {
    let s = setup().await;
    let mut p = poller(&s, TOKEN)
        .timeout(Duration::from_secs(50))
        .build()
        .unwrap();
    let stop = p.stop_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.stop();
    });
    let started = tokio::time::Instant::now();
    assert!(p.next_update().await.is_none());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(p.next_update().await.is_none());
}

#[test]
fn bad_settings_fail_before_anything_is_sent() {
    let printed = format!("{:?}", Poller::builder(TOKEN));
    assert!(
        !printed.contains("AAHdqTcv") && !printed.contains("7123456"),
        "{printed}"
    );
    let err = Poller::builder("not-a-token").build().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err:?}");
    assert!(!err.to_string().contains("not-a-token"));
    let err = Poller::builder(TOKEN).limit(0).build().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { .. }));
    let err = Poller::builder(TOKEN)
        .allowed_updates(["Message"])
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { .. }));
    let err = Poller::builder(TOKEN)
        .core(|c| c.with_base_url("http://example.org"))
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
}

// The forward queue the poller and the webhook layer share.

/// A failed forward's bytes and HTTP status.
type Failure = (Vec<u8>, Option<u16>);

fn queue_client(s: &Setup, key: &str) -> Client {
    let base = s.tgtrack_server.base_url();
    Client::builder(key)
        .core(|c| c.with_loopback_url(base))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_forward_tgtrack_refused_reaches_the_failure_callback_with_its_bytes() {
    let s = setup().await;
    let failed: Arc<std::sync::Mutex<Vec<Failure>>> = Arc::default();
    let record = Arc::clone(&failed);
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = Arc::clone(&calls);
    // An unknown key: TGTrack answers 401 to every forward.
    let queue = ForwardQueue::builder(queue_client(&s, "unknown-key"))
        .on_failure(move |letter| {
            if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                panic!("a callback that panics once");
            }
            let status = match &letter.cause {
                LetterCause::Rejected(e) => e.status(),
                _ => None,
            };
            record.lock().unwrap().push((letter.bytes.to_vec(), status));
        })
        .start()
        .unwrap();
    let updates = [start_update(1), blocked_update(2), start_update(3)];
    for u in &updates {
        assert!(matches!(
            queue.submit(u.clone()).await,
            tgtrack_client::Submission::Queued(_)
        ));
    }
    let stats = queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        (
            stats.outbox.rejected,
            stats.outbox.delivered,
            stats.pending()
        ),
        (3, 0, 0)
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    let failed = failed.lock().unwrap().clone();
    assert_eq!(
        failed,
        [
            (updates[0].as_bytes().to_vec(), Some(401)),
            (updates[2].as_bytes().to_vec(), Some(401))
        ]
    );
    // The update the panicking callback dropped is kept.
    let kept = queue.take_failed();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].bytes, updates[1].as_bytes());
}

#[tokio::test]
async fn a_full_or_closed_queue_hands_the_update_over_never_drops_it() {
    let s = setup().await;
    // A spool of one update, and a key TGTrack refuses: the refused update stays kept (in the
    // spool) until taken, so the spool stays full.
    let queue = ForwardQueue::builder(queue_client(&s, "full-key"))
        .spool(Arc::new(MemorySpool::new(1, 1 << 20)))
        .start()
        .unwrap();
    assert!(matches!(
        queue.submit(start_update(1)).await,
        tgtrack_client::Submission::Queued(_)
    ));
    assert_eq!(
        queue.submit(start_update(2)).await,
        tgtrack_client::Submission::Refused
    );
    assert_eq!(
        queue.submit(text_update(3, "hello")).await,
        tgtrack_client::Submission::NotTracked
    );
    queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        queue.submit(start_update(4)).await,
        tgtrack_client::Submission::Refused
    );
    let stats = queue.stats().await;
    assert_eq!(
        (
            stats.outbox.appended,
            stats.outbox.not_stored,
            stats.not_tracked,
            stats.outbox.rejected
        ),
        (1, 2, 1, 1),
        "{stats:?}"
    );
    let kept: Vec<(Vec<u8>, bool)> = queue
        .take_failed()
        .into_iter()
        .map(|l| {
            (
                l.bytes.to_vec(),
                matches!(l.cause, LetterCause::Rejected(_)),
            )
        })
        .collect();
    assert_eq!(kept.len(), 3, "every update handed over is kept");
    for (n, rejected) in [(1, true), (2, false), (4, false)] {
        assert!(
            kept.contains(&(start_update(n).into_bytes(), rejected)),
            "update {n}"
        );
    }
}

#[test]
fn a_queue_outside_a_runtime_is_a_config_error() {
    let client = Client::builder("k").build().unwrap();
    let err = ForwardQueue::start(client).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn with_the_daily_quota_spent_2000_polled_starts_are_kept_then_go_before_2000_events() {
    let s = setup().await;
    let key = "spent-key";
    s.tgtrack.add_key(key, FakeMode::Production);
    let client = queue_client(&s, key);
    spend_the_day(&client).await;
    // Events of the same key wait up to two days for the day to turn.
    let events: Vec<_> = (0..2000i64)
        .map(|i| {
            let request = client
                .add_event(1_000 + i, "lesson")
                .max_rate_wait(Duration::from_secs(2 * 86_400));
            tokio::spawn(request.send())
        })
        .collect();
    // 2,000 users start the bot.
    let updates: Vec<String> = (1..=2000)
        .map(|id| start_update(id).replace("7123456789", &(7_100_000_000 + id).to_string()))
        .collect();
    for u in &updates {
        s.telegram.push_update(TOKEN, u.clone()).unwrap();
    }
    // Every start is polled within the spent day.
    let heartbeat = hold_virtual_time();
    let started = tokio::time::Instant::now();
    let queue = ForwardQueue::start(client).unwrap();
    let mut p = poller(&s, TOKEN).forward_to(queue.clone()).build().unwrap();
    for _ in &updates {
        p.next_update().await.unwrap().unwrap();
    }
    p.stop_handle().stop();
    assert!(p.next_update().await.is_none());
    heartbeat.abort();
    assert!(started.elapsed() < Duration::from_secs(3600));
    let stats = queue.stats().await;
    assert_eq!(
        (stats.outbox.appended, stats.outbox.not_stored),
        (2000, 0),
        "{stats:?}"
    );
    for e in events {
        e.await.unwrap().unwrap();
    }
    queue.flush().await.unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut first: Vec<Vec<u8>> = s
        .tgtrack
        .forwarded(key)
        .into_iter()
        .map(|f| f.body.to_vec())
        .filter(|b| seen.insert(b.clone()))
        .collect();
    let mut expected: Vec<Vec<u8>> = updates.iter().map(|u| u.as_bytes().to_vec()).collect();
    first.sort();
    expected.sort();
    assert!(first == expected, "every start, once, byte for byte");
    // Every start went before every event.
    let order = call_order(&s.tgtrack_server);
    assert_eq!(order.find('E'), Some(2000), "{order}");
    let stats = queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        (stats.outbox.rejected, stats.pending()),
        (0, 0),
        "{stats:?}"
    );
}
