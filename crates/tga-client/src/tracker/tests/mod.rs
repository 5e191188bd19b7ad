//! Tests of the tracker with scripted senders, in virtual time.

mod senders;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tg_common::{Backoff, ErrorKind};
use tokio::time::Instant;
use uuid::Uuid;

use self::senders::{Chaos, Recorder, answer, reset, seq, validation};
use super::delivery::{Action, classify};
use super::*;
use crate::error::TgaApiError;
use crate::event::{Event, EventName};

fn event(n: i64) -> Event {
    Event::new(n + 1, EventName::CustomEvent, Uuid::nil(), "app").with_custom("seq", n)
}

fn invalid(n: i64) -> Event {
    event(n).with_custom("tg_mock_invalid", true)
}

fn config() -> TrackerConfig {
    TrackerConfig::default()
}

async fn track_all(tracker: &Tracker, range: std::ops::Range<i64>) {
    for n in range {
        tracker.track(&event(n)).await.unwrap();
    }
}

/// The report of a flush or shutdown that did not deliver everything.
fn report(result: Result<(), TrackError>) -> DeliveryReport {
    match result {
        Err(TrackError::NotDelivered(report)) => *report,
        other => panic!("expected a report, got {other:?}"),
    }
}

/// Lets the spawned tasks run without moving the clock.
async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_goes_out_before_the_linger() {
    let sender = Arc::new(Recorder::new());
    let tracker = Tracker::start(Arc::clone(&sender), config().with_max_batch(5)).unwrap();
    let start = Instant::now();
    track_all(&tracker, 0..7).await;
    settle().await;
    let batches = sender.batches.lock().unwrap().clone();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].0, start, "sent without waiting");
    assert_eq!(batches[0].1, vec![0, 1, 2, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn a_partial_batch_waits_for_the_linger() {
    let sender = Arc::new(Recorder::new());
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    let start = Instant::now();
    track_all(&tracker, 0..3).await;
    tokio::time::sleep(Duration::from_millis(1_990)).await;
    assert!(sender.batches.lock().unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let batches = sender.batches.lock().unwrap().clone();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].0 - start, Duration::from_secs(2));
    assert_eq!(batches[0].1, vec![0, 1, 2]);
    assert_eq!(tracker.stats().sent, 3);
}

#[tokio::test(start_paused = true)]
async fn flush_sends_at_once_and_waits_for_the_acknowledgement() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with([reset(), answer(503, "")]);
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    let start = Instant::now();
    track_all(&tracker, 0..3).await;
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![0, 1, 2]);
    let attempts = sender.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0], start, "the flush did not wait for the linger");
    let stats = tracker.stats();
    assert_eq!((stats.queued, stats.sent, stats.retried), (3, 3, 2));
    assert_eq!(stats.pending(), 0);
    // Nothing queued: answers at once.
    tracker.flush().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn flush_waits_for_earlier_batches_still_retrying() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with([answer(503, ""), answer(503, ""), answer(503, "")]);
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config().with_max_batch(2).with_max_in_flight(4),
    )
    .unwrap();
    track_all(&tracker, 0..5).await;
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![0, 1, 2, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn in_flight_batches_are_bounded() {
    let sender = Arc::new(Recorder::gated());
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config().with_max_batch(2).with_max_in_flight(3),
    )
    .unwrap();
    track_all(&tracker, 0..20).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        sender
            .max_concurrent
            .load(std::sync::atomic::Ordering::SeqCst),
        3
    );
    assert_eq!(tracker.stats().in_flight, 3);
    sender.release(100);
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), (0..20).collect::<Vec<_>>());
    assert_eq!(sender.batch_sizes(), vec![2; 10]);
    assert_eq!(
        sender
            .max_concurrent
            .load(std::sync::atomic::Ordering::SeqCst),
        3
    );
    assert_eq!(tracker.stats().in_flight, 0);
}

#[tokio::test(start_paused = true)]
async fn drop_policy_drops_and_counts() {
    let sender = Arc::new(Recorder::gated());
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config()
            .with_max_batch(1)
            .with_max_in_flight(1)
            .with_queue_capacity(3)
            .with_when_full(FullPolicy::DropNewest),
    )
    .unwrap();
    let mut dropped = 0;
    for n in 0..10 {
        match tracker.track(&event(n)).await {
            Ok(()) => {}
            Err(TrackError::Dropped) => dropped += 1,
            Err(e) => panic!("unexpected {e}"),
        }
        settle().await;
    }
    // One in flight, one cut and waiting for a slot, three queued.
    let stats = tracker.stats();
    assert_eq!(stats.queued, 5);
    assert_eq!(dropped, 5);
    assert_eq!(stats.dropped, 5);
    sender.release(100);
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![0, 1, 2, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn rejected_events_are_isolated_and_dead_lettered() {
    let (sink, mut letters) = DeadLetterSink::channel();
    let sender = Arc::new(Recorder::new());
    let tracker = Tracker::start(Arc::clone(&sender), config().with_dead_letters(sink)).unwrap();
    for n in 0..20 {
        let e = if n == 3 || n == 17 {
            invalid(n)
        } else {
            event(n)
        };
        tracker.track(&e).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    assert_eq!(flushed.dead_lettered, 2);
    assert!(flushed.config_error.is_none(), "{flushed}");
    tracker.flush().await.unwrap();
    let want: Vec<i64> = (0..20).filter(|n| *n != 3 && *n != 17).collect();
    assert_eq!(sender.delivered(), want, "each valid event exactly once");
    let mut dead = Vec::new();
    while let Ok(letter) = letters.try_recv() {
        assert_eq!(letter.message, "VALIDATION_MISMATCH_REPORT");
        assert!(letter.is_about_this_event());
        assert!(matches!(
            letter.error.api_detail::<TgaApiError>(),
            Some(TgaApiError::ValidationMismatch { .. })
        ));
        dead.push(seq(&letter.event));
    }
    dead.sort_unstable();
    assert_eq!(dead, vec![3, 17]);
    let stats = tracker.stats();
    assert_eq!((stats.sent, stats.dead_lettered, stats.retried), (18, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn configuration_errors_dead_letter_the_batch_without_retrying() {
    let (sink, mut letters) = DeadLetterSink::channel();
    let sender = Arc::new(Recorder::new());
    sender.fail_with([answer(400, r#"{"message":"Token is invalid."}"#)]);
    let tracker = Tracker::start(Arc::clone(&sender), config().with_dead_letters(sink)).unwrap();
    track_all(&tracker, 0..4).await;
    let flushed = report(tracker.flush().await);
    assert_eq!(flushed.dead_lettered, 4);
    assert_eq!(
        flushed.config_error.unwrap().api_detail::<TgaApiError>(),
        Some(&TgaApiError::TokenInvalid)
    );
    let mut dead = Vec::new();
    while let Ok(letter) = letters.try_recv() {
        assert!(!letter.is_about_this_event());
        assert!(
            letter.message.contains("Token is invalid"),
            "{}",
            letter.message
        );
        dead.push(seq(&letter.event));
    }
    assert_eq!(dead, vec![0, 1, 2, 3]);
    let stats = tracker.stats();
    assert_eq!(
        (stats.requests, stats.retried, stats.dead_lettered),
        (1, 0, 4)
    );
    let last = tracker.last_error().unwrap();
    assert_eq!(
        last.api_detail::<TgaApiError>(),
        Some(&TgaApiError::TokenInvalid)
    );
    // The tracker keeps working after.
    track_all(&tracker, 4..6).await;
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![4, 5]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with([crate::envelope::decode::<()>(
        429,
        b"{}",
        Some(Duration::from_secs(42)),
        crate::envelope::Sent::default(),
    )
    .unwrap_err()]);
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    track_all(&tracker, 0..1).await;
    tracker.flush().await.unwrap();
    let attempts = sender.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 2);
    let gap = attempts[1] - attempts[0];
    assert!(gap >= Duration::from_secs(42), "{gap:?}");
    assert!(gap <= Duration::from_secs(43), "{gap:?}");
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_within_the_ceiling() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with((0..12).map(|_| answer(502, "")));
    let backoff = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(5),
        max_retry_after: Duration::from_secs(60),
    };
    let tracker = Tracker::start(Arc::clone(&sender), config().with_backoff(backoff)).unwrap();
    track_all(&tracker, 0..1).await;
    tracker.flush().await.unwrap();
    let attempts = sender.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 13);
    for (i, pair) in attempts.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        assert!(
            gap <= backoff.ceiling(i as u32) + Duration::from_millis(1),
            "{i}: {gap:?}"
        );
    }
    assert_eq!(tracker.stats().retried, 12);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_send_times_out_and_is_retried() {
    let sender = Arc::new(Recorder::gated());
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config().with_attempt_timeout(Some(Duration::from_secs(5))),
    )
    .unwrap();
    track_all(&tracker, 0..2).await;
    let flushed = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.flush().await }
    });
    tokio::time::sleep(Duration::from_secs(6)).await;
    let last = tracker.last_error().unwrap();
    assert!(matches!(last.kind(), ErrorKind::Timeout { .. }), "{last}");
    sender.release(100);
    flushed.await.unwrap().unwrap();
    assert_eq!(sender.delivered(), vec![0, 1]);
    assert!(tracker.stats().retried >= 1);
}

#[tokio::test(start_paused = true)]
async fn shutdown_delivers_what_is_queued_without_waiting_for_the_linger() {
    let sender = Arc::new(Recorder::new());
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    track_all(&tracker, 0..3).await;
    let start = Instant::now();
    tracker.shutdown(Duration::from_secs(10)).await.unwrap();
    assert_eq!(Instant::now(), start);
    assert_eq!(sender.delivered(), vec![0, 1, 2]);
    assert!(matches!(
        tracker.track(&event(9)).await,
        Err(TrackError::Closed)
    ));
    assert!(matches!(
        tracker.try_track(&event(9)),
        Err(TrackError::Closed)
    ));
    assert!(matches!(tracker.flush().await, Err(TrackError::Closed)));
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_returns_what_could_not_be_delivered_by_the_deadline() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with((0..10_000).map(|_| answer(503, "")));
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config().with_max_batch(3).with_max_in_flight(2),
    )
    .unwrap();
    track_all(&tracker, 0..10).await;
    let waiting_flush = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.flush().await }
    });
    settle().await;
    let start = Instant::now();
    let left = report(tracker.shutdown(Duration::from_secs(5)).await).undelivered;
    assert_eq!(Instant::now() - start, Duration::from_secs(5));
    let mut seqs: Vec<i64> = left.iter().map(seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..10).collect::<Vec<_>>());
    assert!(matches!(
        waiting_flush.await.unwrap(),
        Err(TrackError::Closed)
    ));
    let stats = tracker.stats();
    assert_eq!((stats.undelivered, stats.sent, stats.pending()), (10, 0, 0));
    // The returned events decode back to what was tracked.
    assert_eq!(left[0].decode().unwrap().app_name, "app");
}

#[tokio::test(start_paused = true)]
async fn local_validation_rejects_before_queueing() {
    let tracker = Tracker::start(Recorder::new(), config()).unwrap();
    let bad = Event::new(0, "app-init", Uuid::nil(), "app");
    match tracker.track(&bad).await {
        Err(TrackError::Invalid(e)) => {
            assert!(
                matches!(e.kind(), ErrorKind::InvalidInput { field, .. } if field == "user_id")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(tracker.stats().queued, 0);
}

#[test]
fn start_outside_a_runtime_is_a_config_error() {
    let err = Tracker::start(Recorder::new(), config()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
}

#[tokio::test]
async fn out_of_range_configuration_is_refused() {
    for bad in [
        config().with_max_batch(0),
        config().with_max_batch(MAX_BATCH_LIMIT + 1),
        config().with_max_in_flight(0),
        config().with_queue_capacity(0),
        config().with_attempt_timeout(Some(Duration::ZERO)),
        config().with_backoff(Backoff {
            initial: Duration::ZERO,
            ..Backoff::default()
        }),
    ] {
        let err = Tracker::start(Recorder::new(), bad).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { .. }),
            "{err}"
        );
    }
}

#[test]
fn backoff_ceiling_doubles_up_to_the_cap() {
    let b = Backoff::default();
    assert_eq!(b.ceiling(0), Duration::from_millis(500));
    assert_eq!(b.ceiling(1), Duration::from_secs(1));
    assert_eq!(b.ceiling(5), Duration::from_secs(16));
    assert_eq!(b.ceiling(6), Duration::from_secs(30));
    assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(30));
    for attempt in 0..20 {
        assert!(b.delay(attempt, None) <= b.ceiling(attempt));
        assert!(b.delay(attempt, Some(Duration::from_secs(45))) >= Duration::from_secs(45));
    }
    assert_eq!(
        b.delay(0, Some(Duration::from_secs(100_000))),
        Duration::from_secs(600)
    );
}

#[test]
fn errors_are_classified() {
    let cases = [
        (
            answer(400, r#"{"message":"Failed to record"}"#),
            Action::Retry,
        ),
        (answer(429, ""), Action::Retry),
        (answer(500, ""), Action::Retry),
        (reset(), Action::Retry),
        (validation(), Action::Split),
        (
            answer(400, r#"{"message":"Invalid app_name is specified."}"#),
            Action::ByAppName,
        ),
        (answer(413, ""), Action::Split),
        (
            answer(400, r#"{"message":"Token is invalid."}"#),
            Action::DeadLetter,
        ),
        (
            answer(
                400,
                r#"{"message":"The token is not specified in the headers or is specified incorrectly."}"#,
            ),
            Action::DeadLetter,
        ),
        (
            answer(403, r#"{"message":"The domain name does not match."}"#),
            Action::DeadLetter,
        ),
        (answer(404, ""), Action::DeadLetter),
        (tg_common::Error::config("no"), Action::DeadLetter),
        (tg_common::Error::invalid_input("x", "y"), Action::Split),
    ];
    for (error, want) in cases {
        assert_eq!(classify(&error), want, "{error}");
    }
}

/// Every valid event arrives at least once and the dead letters are exactly the invalid ones,
/// while the sender fails, stalls and loses answers at random.
#[tokio::test(start_paused = true)]
async fn nothing_is_lost_under_random_failures() {
    const EVENTS: i64 = 3_000;
    let (sink, mut letters) = DeadLetterSink::channel();
    let sender = Arc::new(Chaos::new(7));
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config()
            .with_queue_capacity(256)
            .with_attempt_timeout(Some(Duration::from_secs(10)))
            .with_dead_letters(sink),
    )
    .unwrap();
    let is_invalid = |n: i64| n % 97 == 0;
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let tracker = tracker.clone();
            tokio::spawn(async move {
                let mut n = p;
                while n < EVENTS {
                    let e = if is_invalid(n) { invalid(n) } else { event(n) };
                    // A caller told the queue stayed full tries again.
                    while let Err(e) = tracker.track(&e).await {
                        assert!(matches!(e, TrackError::Full { .. }), "{e}");
                    }
                    n += 4;
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    assert_eq!(flushed.dead_lettered, (EVENTS as u64).div_ceil(97));
    assert_eq!((flushed.panics, flushed.undelivered.len()), (0, 0));
    let accepted = sender.accepted.lock().unwrap().clone();
    let valid: HashSet<i64> = (0..EVENTS).filter(|n| !is_invalid(*n)).collect();
    let got: HashSet<i64> = accepted.keys().copied().collect();
    assert_eq!(
        got, valid,
        "every valid event at least once, no invalid one"
    );
    let mut dead = Vec::new();
    while let Ok(letter) = letters.try_recv() {
        dead.push(seq(&letter.event));
    }
    dead.sort_unstable();
    let want: Vec<i64> = (0..EVENTS).filter(|n| is_invalid(*n)).collect();
    assert_eq!(dead, want, "dead letters are exactly the invalid events");
    let stats = tracker.stats();
    assert_eq!(stats.sent + stats.dead_lettered, EVENTS as u64);
    assert!(stats.retried > 0);
    let duplicates = accepted.values().filter(|c| **c > 1).count();
    assert!(duplicates > 0, "lost answers cause resends (at least once)");
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[test]
fn a_queued_event_costs_its_json() {
    let e = event(1).encode().unwrap();
    assert_eq!(e.len(), e.json().len());
}

/// Sends straight into the fake service's handler (no HTTP), mapping its answers.
struct ToFake {
    fake: tg_mock::tga::TgaFake,
    token: String,
}

impl BatchSender for ToFake {
    async fn send(&self, batch: &[EncodedEvent]) -> Result<(), tg_common::Error> {
        use tg_mock::FakeService;
        let request = tg_mock::Request::new(http::Method::POST, "/events")
            .with_header("tga-auth-token", &self.token)
            .with_header("origin", "https://docs.example.org")
            .with_header("content-type", "application/json")
            .with_body(crate::event::encode_batch(batch));
        let reply = self.fake.handle(&request);
        crate::envelope::decode::<()>(
            reply.status.as_u16(),
            &reply.body,
            None,
            crate::envelope::Sent::default(),
        )
    }
}

#[tokio::test(start_paused = true)]
async fn events_reach_the_fake_service() {
    let fake = tg_mock::tga::TgaFake::new();
    let token = fake.issue_token("docs", "docs.example.org");
    fake.fail_next(3);
    let sender = Arc::new(ToFake { fake, token });
    let (sink, mut letters) = DeadLetterSink::channel();
    let tracker = Tracker::start(Arc::clone(&sender), config().with_dead_letters(sink)).unwrap();
    let full = |n: i64| {
        Event::new(n + 1, EventName::ConnectionError, Uuid::new_v4(), "docs")
            .with_custom("seq", n)
            .with_premium(true)
            .with_success(false)
            .with_error_code(None)
            .with_auth_type(crate::event::AuthType::TonProof)
            .with_messages(vec![crate::event::Message::new("EQ", "100")])
            .with_client_timestamp_now()
            .with_platform("tdesktop")
    };
    for n in 0..50 {
        let e = if n == 10 {
            full(n).with_custom("tg_mock_invalid", true)
        } else {
            full(n)
        };
        tracker.track(&e).await.unwrap();
    }
    assert_eq!(report(tracker.flush().await).dead_lettered, 1);
    assert_eq!(
        sender.fake.accepted_count(),
        49,
        "{:?}",
        sender.fake.last_rejection()
    );
    let accepted = sender.fake.accepted_events();
    assert!(accepted.iter().all(|e| e["error_code"].is_null()));
    assert_eq!(accepted[0]["auth_type"], "ton_proof");
    assert_eq!(seq(&letters.try_recv().unwrap().event), 10);
    assert!(letters.try_recv().is_err());
    assert_eq!(tracker.stats().retried, 3);
}

mod failures;
mod room;

#[tokio::test(start_paused = true)]
async fn track_measures_an_object_only_when_the_event_could_hold_one_too_long() {
    let sender = Arc::new(Recorder::new());
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    let limit = crate::event::limits::MAX_OBJECT_BYTES;
    // `{"k":"…"}` is 8 bytes around the text.
    let fits = event(0).with_custom("k", "x".repeat(limit - 8 - 20));
    tracker.track(&fits).await.unwrap();
    for (text, field) in [(limit - 8 + 1, "custom_data"), (4 * limit, "custom_data")] {
        let big = event(1).with_custom("k", "x".repeat(text));
        match tracker.track(&big).await {
            Err(TrackError::Invalid(e)) => assert!(e.to_string().contains(field), "{e}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let extra = event(2).with_extra("note", "x".repeat(limit));
    match tracker.try_track(&extra) {
        Err(TrackError::Invalid(e)) => assert!(e.to_string().contains("extra.note"), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(tracker.queue_len(), 1);
}
