//! Panicking callbacks, a failing task, out-of-range settings, dead letters nobody collects
//! and refusals of the whole request: nothing is lost without the caller being told.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tg_common::{Backoff, Error, ErrorKind};
use uuid::Uuid;

use super::senders::{Recorder, answer, seq};
use super::{ToFake, config, event, invalid, report, track_all};
use crate::error::TgaApiError;
use crate::event::{EncodedEvent, Event, EventName};
use crate::tracker::*;

fn seqs(letters: &[DeadLetter]) -> Vec<i64> {
    let mut seqs: Vec<i64> = letters.iter().map(|l| seq(&l.event)).collect();
    seqs.sort_unstable();
    seqs
}

#[tokio::test(start_paused = true)]
async fn a_panicking_sink_neither_stops_delivery_nor_loses_its_letter() {
    let sink = DeadLetterSink::new(|_| panic!("the sink is broken"));
    let sender = Arc::new(Recorder::new());
    let tracker = Tracker::start(Arc::clone(&sender), config().with_dead_letters(sink)).unwrap();
    for n in 0..20 {
        let e = if n == 7 { invalid(n) } else { event(n) };
        tracker.track(&e).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    let want: Vec<i64> = (0..20).filter(|n| *n != 7).collect();
    assert_eq!(sender.delivered(), want, "the rest of the split batch");
    assert_eq!((flushed.panics, flushed.dead_lettered), (1, 1));
    assert!(flushed.to_string().contains("1 panics caught"), "{flushed}");
    assert_eq!(seqs(&tracker.take_dead_letters()), vec![7], "handed back");
    let stats = tracker.stats();
    assert_eq!((stats.panics, stats.sent, stats.pending()), (1, 19, 0));
    // The tracker goes on.
    track_all(&tracker, 20..22).await;
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered().len(), 21);
}

/// Panics on its first call, then accepts everything.
struct PanicsOnce {
    panicked: AtomicBool,
    inner: Recorder,
}

impl BatchSender for PanicsOnce {
    async fn send(&self, batch: &[EncodedEvent]) -> Result<(), Error> {
        tokio::task::yield_now().await;
        if !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("the sender is broken");
        }
        self.inner.send(batch).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_panicking_sender_dead_letters_its_batch_and_the_tracker_goes_on() {
    let sender = Arc::new(PanicsOnce {
        panicked: AtomicBool::new(false),
        inner: Recorder::new(),
    });
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    track_all(&tracker, 0..3).await;
    let flushed = report(tracker.flush().await);
    assert_eq!((flushed.panics, flushed.dead_lettered), (1, 3));
    let error = flushed.config_error.unwrap();
    assert!(matches!(error.kind(), ErrorKind::Config { .. }), "{error}");
    assert!(
        error.to_string().contains("the sender is broken"),
        "{error}"
    );
    assert_eq!(seqs(&tracker.take_dead_letters()), vec![0, 1, 2]);
    track_all(&tracker, 3..5).await;
    tracker.flush().await.unwrap();
    assert_eq!(sender.inner.delivered(), vec![3, 4]);
}

#[tokio::test]
async fn every_duration_and_size_is_bounded() {
    let long = MAX_DURATION + Duration::from_millis(1);
    let backoff = Backoff::default();
    for (bad, field) in [
        (config().with_linger(Duration::MAX), "linger"),
        (config().with_linger(long), "linger"),
        (
            config().with_attempt_timeout(Some(Duration::MAX)),
            "attempt_timeout",
        ),
        (
            config().with_attempt_timeout(Some(Duration::from_micros(999))),
            "attempt_timeout",
        ),
        (
            config().with_max_in_flight(MAX_IN_FLIGHT + 1),
            "max_in_flight",
        ),
        (config().with_max_wait(long), "max_wait"),
        (
            config().with_queue_bytes(MIN_QUEUE_BYTES - 1),
            "queue_bytes",
        ),
        (
            config().with_queue_bytes(MAX_QUEUE_BYTES + 1),
            "queue_bytes",
        ),
        (
            config().with_max_dead_letters(MAX_DEAD_LETTERS + 1),
            "max_dead_letters",
        ),
        (
            config().with_queue_capacity(MAX_QUEUE_CAPACITY + 1),
            "queue_capacity",
        ),
        (
            config().with_backoff(Backoff {
                max: Duration::MAX,
                ..backoff
            }),
            "backoff.max",
        ),
        (
            config().with_backoff(Backoff {
                initial: Duration::from_micros(10),
                ..backoff
            }),
            "backoff.initial",
        ),
        (
            config().with_backoff(Backoff {
                initial: backoff.max + Duration::from_secs(1),
                ..backoff
            }),
            "backoff.initial",
        ),
        (
            config().with_backoff(Backoff {
                max_retry_after: Duration::MAX,
                ..backoff
            }),
            "backoff.max_retry_after",
        ),
    ] {
        let err = Tracker::start(Recorder::new(), bad).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
    // The bounds themselves are accepted.
    let widest = config()
        .with_linger(MAX_DURATION)
        .with_attempt_timeout(Some(MAX_DURATION))
        .with_max_in_flight(MAX_IN_FLIGHT)
        .with_max_dead_letters(MAX_DEAD_LETTERS)
        .with_max_wait(MAX_DURATION)
        .with_queue_bytes(MAX_QUEUE_BYTES)
        .with_backoff(Backoff {
            initial: MIN_DURATION,
            max: MAX_DURATION,
            max_retry_after: MAX_DURATION,
        });
    let tracker = Tracker::start(Recorder::new(), widest).unwrap();
    tracker.track(&event(0)).await.unwrap();
    assert_eq!(tracker.flush().await.map_err(|e| e.to_string()), Ok(()));
}

#[tokio::test(start_paused = true)]
async fn without_a_sink_dead_letters_are_kept_until_taken_and_bounded() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with([answer(400, r#"{"message":"Token is invalid."}"#)]);
    let tracker = Tracker::start(Arc::clone(&sender), config().with_max_dead_letters(3)).unwrap();
    track_all(&tracker, 0..5).await;
    let flushed = report(tracker.flush().await);
    assert_eq!((flushed.dead_lettered, flushed.dead_letters_lost), (5, 2));
    assert_eq!(
        flushed.config_error.unwrap().api_detail::<TgaApiError>(),
        Some(&TgaApiError::TokenInvalid)
    );
    assert_eq!(tracker.dead_letters_kept(), 3);
    let letters = tracker.take_dead_letters();
    assert_eq!(seqs(&letters), vec![0, 1, 2]);
    assert!(
        letters
            .iter()
            .all(|l| l.message.contains("Token is invalid"))
    );
    assert!(tracker.take_dead_letters().is_empty());
    assert_eq!(tracker.stats().dead_letters_lost, 2);
    // Reported once; the store has room again.
    tracker.flush().await.unwrap();
    tracker.track(&invalid(9)).await.unwrap();
    let shut = report(tracker.shutdown(Duration::from_secs(1)).await);
    assert_eq!((shut.dead_lettered, shut.dead_letters_lost), (1, 0));
    assert!(shut.config_error.is_none());
    assert_eq!(seqs(&tracker.take_dead_letters()), vec![9]);
}

fn app_event(n: i64, app: &str) -> Event {
    Event::new(n + 1, EventName::CustomEvent, Uuid::nil(), app).with_custom("seq", n)
}

fn to_fake() -> Arc<ToFake> {
    let fake = tg_mock::tga::TgaFake::new();
    let token = fake.issue_token("docs", "docs.example.org");
    Arc::new(ToFake { fake, token })
}

#[tokio::test(start_paused = true)]
async fn a_refused_app_name_is_not_bisected() {
    let sender = to_fake();
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    for n in 0..20 {
        tracker.track(&app_event(n, "wrong")).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    assert_eq!(sender.fake.counts().requests, 1, "one request, not 39");
    assert_eq!(flushed.dead_lettered, 20);
    assert_eq!(
        flushed.config_error.unwrap().api_detail::<TgaApiError>(),
        Some(&TgaApiError::AppNameMismatch)
    );
    let letters = tracker.take_dead_letters();
    assert_eq!(seqs(&letters), (0..20).collect::<Vec<_>>());
    assert!(letters.iter().all(|l| !l.is_about_this_event()));
}

#[tokio::test(start_paused = true)]
async fn a_batch_of_two_app_names_is_separated_by_app_name() {
    let sender = to_fake();
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    for n in 0..20 {
        let app = if n % 2 == 0 { "docs" } else { "wrong" };
        tracker.track(&app_event(n, app)).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    assert_eq!(
        sender.fake.counts().requests,
        3,
        "the batch, then one per app"
    );
    assert_eq!(sender.fake.accepted_count(), 10);
    assert_eq!(flushed.dead_lettered, 10);
    let want: Vec<i64> = (0..20).filter(|n| n % 2 == 1).collect();
    assert_eq!(seqs(&tracker.take_dead_letters()), want);
}

#[tokio::test(start_paused = true)]
async fn letters_for_a_dropped_receiver_are_kept() {
    let (sink, letters) = DeadLetterSink::channel();
    drop(letters);
    let sender = Arc::new(Recorder::new());
    sender.fail_with([answer(400, r#"{"message":"Token is invalid."}"#)]);
    let tracker = Tracker::start(Arc::clone(&sender), config().with_dead_letters(sink)).unwrap();
    track_all(&tracker, 0..4).await;
    let flushed = report(tracker.flush().await);
    assert_eq!((flushed.dead_lettered, flushed.dead_letters_lost), (4, 0));
    assert_eq!(seqs(&tracker.take_dead_letters()), vec![0, 1, 2, 3]);
}
