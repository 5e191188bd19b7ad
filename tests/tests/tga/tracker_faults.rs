//! The TGA tracker over loopback HTTP against the fake TGA, in virtual time, where delivery goes
//! wrong: a dead-letter sink that panics, configuration out of range, a token the service
//! refuses, and an app name the service refuses. Every event ends delivered, handed back, or
//! reported by `flush` and `shutdown`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use integration_tests::support::TgaSetup as Setup;
use std::time::Duration;

use serde_json::Value;
use tg_common::ErrorKind;
use tg_mock::tga::{INVALID_MARKER, TgaFake, messages};
use tg_mock::{Fault, FaultRule, Reply};
use tga_client::{
    Client, DeadLetter, DeadLetterSink, DeliveryReport, Event, EventName, TgaApiError, TrackError,
    TrackerConfig,
};
use uuid::Uuid;

const APP: &str = "docs";
const DOMAIN: &str = "docs.example.org";

fn event(client: &Client, n: i64) -> Event {
    client
        .event(n + 1, EventName::AppInit, Uuid::from_u128(n as u128 / 8))
        .with_custom("seq", n)
}

fn seq(json: &str) -> i64 {
    let value: Value = serde_json::from_str(json).unwrap();
    value["custom_data"]["seq"].as_i64().unwrap()
}

fn seqs(letters: &[DeadLetter]) -> Vec<i64> {
    let mut seqs: Vec<i64> = letters.iter().map(|l| seq(l.event.json())).collect();
    seqs.sort_unstable();
    seqs
}

fn report(result: Result<(), TrackError>) -> DeliveryReport {
    match result {
        Err(TrackError::NotDelivered(report)) => *report,
        other => panic!("expected a report, got {other:?}"),
    }
}

/// Issue 13 item 4: the sink runs inside delivery; its panic used to end the delivery task and
/// lose the rest of the split batch (0 of 19 delivered, `flush` returned Ok).
#[tokio::test(start_paused = true)]
async fn a_panicking_sink_loses_nothing_and_flush_reports_the_panic() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let sink = DeadLetterSink::new(|_| panic!("the dead-letter sink is broken"));
    let tracker = client
        .tracker(TrackerConfig::default().with_dead_letters(sink))
        .unwrap();
    for n in 0..20 {
        let mut e = event(&client, n);
        if n == 11 {
            e = e.with_custom(INVALID_MARKER, true);
        }
        tracker.track(&e).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    let mut delivered: Vec<i64> = s
        .fake
        .accepted_events()
        .iter()
        .map(|e| e["custom_data"]["seq"].as_i64().unwrap())
        .collect();
    delivered.sort_unstable();
    assert_eq!(delivered, (0..20).filter(|n| *n != 11).collect::<Vec<_>>());
    assert_eq!((flushed.panics, flushed.dead_lettered), (1, 1), "{flushed}");
    let kept = tracker.take_dead_letters();
    assert_eq!(seqs(&kept), vec![11], "the letter the sink dropped is kept");
    assert_eq!(kept[0].message, messages::VALIDATION_MISMATCH);
    assert_eq!(tracker.stats().panics, 1);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

/// Issue 13 item 5: `linger = Duration::MAX` used to be accepted and the first `track` panicked
/// the worker. Every duration and size is bounded before anything starts.
#[tokio::test(start_paused = true)]
async fn configuration_that_would_overflow_is_refused_before_anything_starts() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    for (config, field) in [
        (
            TrackerConfig::default().with_linger(Duration::MAX),
            "linger",
        ),
        (
            TrackerConfig::default().with_attempt_timeout(Some(Duration::MAX)),
            "attempt_timeout",
        ),
        (
            TrackerConfig::default().with_max_in_flight(usize::MAX),
            "max_in_flight",
        ),
        (
            TrackerConfig::default().with_max_dead_letters(usize::MAX),
            "max_dead_letters",
        ),
    ] {
        let err = client.tracker(config).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
    assert_eq!(s.server.request_count(), 0);
}

/// Issue 13 item 6: with a token the service refuses and no sink, everything used to be
/// dead-lettered, logged and dropped, and `flush` returned Ok.
#[tokio::test(start_paused = true)]
async fn a_refused_token_is_reported_and_every_dead_letter_is_kept() {
    let s = Setup::new(APP, DOMAIN).await;
    let foreign = TgaFake::new().issue_token(APP, DOMAIN);
    let client = s.builder_for(&foreign).build().unwrap();
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    for n in 0..20 {
        tracker.track(&event(&client, n)).await.unwrap();
    }
    let flushed = tracker.flush().await.unwrap_err();
    let text = format!("{flushed} {flushed:?}");
    let got = flushed.report().unwrap();
    assert_eq!(got.dead_lettered, 20, "{flushed}");
    assert_eq!(got.dead_letters_lost, 0);
    let error = got.config_error.as_ref().unwrap();
    assert_eq!(
        error.api_detail::<TgaApiError>(),
        Some(&TgaApiError::TokenInvalid)
    );
    assert!(text.contains("Token is invalid"), "{text}");
    let (_, signature) = foreign.split_once('!').unwrap();
    assert!(!text.contains(signature), "the token leaked: {text}");
    assert_eq!(s.server.request_count(), 1, "refused as a whole, not split");
    assert_eq!(s.fake.accepted_count(), 0);

    assert_eq!(tracker.dead_letters_kept(), 20);
    let letters = tracker.take_dead_letters();
    assert_eq!(seqs(&letters), (0..20).collect::<Vec<_>>());
    assert!(letters.iter().all(|l| !l.is_about_this_event()));
    assert!(tracker.take_dead_letters().is_empty());

    // The next failure is reported by shutdown.
    tracker.track(&event(&client, 20)).await.unwrap();
    let shut = report(tracker.shutdown(Duration::from_secs(5)).await);
    assert_eq!(shut.dead_lettered, 1);
    assert!(shut.config_error.is_some() && shut.undelivered.is_empty());
    assert_eq!(seqs(&tracker.take_dead_letters()), vec![20]);
}

/// Issue 13 item 7: a wrong app name of the client used to be bisected like a bad event, 39
/// requests for 20 events.
#[tokio::test(start_paused = true)]
async fn a_refused_app_name_of_the_client_costs_one_request() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s
        .builder_for(&s.token)
        .app_name("not-docs")
        .build()
        .unwrap();
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    for n in 0..20 {
        tracker.track(&event(&client, n)).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    assert_eq!(s.server.requests().len(), 1, "exactly one request");
    assert_eq!(s.fake.counts().requests, 1);
    assert_eq!(flushed.dead_lettered, 20);
    assert_eq!(
        flushed.config_error.unwrap().api_detail::<TgaApiError>(),
        Some(&TgaApiError::AppNameMismatch)
    );
    let letters = tracker.take_dead_letters();
    assert_eq!(seqs(&letters), (0..20).collect::<Vec<_>>());
    assert!(
        letters
            .iter()
            .all(|l| l.message.contains("Invalid app_name"))
    );
    assert_eq!(tracker.stats().requests, 1);
}

/// An event of another app among the client's own: the batch is separated by app name, the
/// client's events are delivered and the stranger is dead-lettered (3 requests, not a
/// bisection).
#[tokio::test(start_paused = true)]
async fn an_event_of_another_app_is_separated_from_the_batch() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    for n in 0..20 {
        let e = if n == 5 {
            Event::new(n + 1, EventName::AppInit, Uuid::nil(), "another-app").with_custom("seq", n)
        } else {
            event(&client, n)
        };
        tracker.track(&e).await.unwrap();
    }
    let flushed = report(tracker.flush().await);
    assert_eq!(s.server.request_count(), 3);
    assert_eq!(s.fake.accepted_count(), 19);
    assert_eq!(flushed.dead_lettered, 1);
    assert_eq!(seqs(&tracker.take_dead_letters()), vec![5]);
}

/// Issue 16 item 4: while the service is down, `track` with the default `FullPolicy::Wait`
/// used to block its caller for the whole outage. Now a caller waits at most `max_wait` and gets
/// `TrackError::Full`; every event accepted is delivered once the service is back.
#[tokio::test(start_paused = true)]
async fn an_outage_longer_than_the_queue_holds_answers_callers_within_max_wait() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    s.server.push_fault(FaultRule::next(
        12,
        Fault::RespondUnprocessed(Reply::new(503, "upstream unavailable")),
    ));
    let max_wait = Duration::from_secs(2);
    let tracker = client
        .tracker(
            // Batches of 20: the 200 events outlast what the batch and the queue hold.
            TrackerConfig::default()
                .with_max_batch(20)
                .with_queue_capacity(50)
                .with_max_in_flight(1)
                .with_max_wait(max_wait),
        )
        .unwrap();
    let (mut accepted, mut refused) = (Vec::new(), 0);
    for n in 0..200 {
        let start = tokio::time::Instant::now();
        let e = event(&client, n);
        let tracked = tokio::time::timeout(Duration::from_secs(3_600), tracker.track(&e)).await;
        match tracked.expect("track returned") {
            Ok(()) => accepted.push(n),
            Err(TrackError::Full { waited }) => {
                assert_eq!(waited, max_wait);
                assert_eq!(start.elapsed(), max_wait, "answered when the wait ran out");
                refused += 1;
            }
            Err(e) => panic!("unexpected {e}"),
        }
        assert!(start.elapsed() <= max_wait);
    }
    println!(
        "outage: {} accepted, {refused} refused after {max_wait:?} each, {} requests",
        accepted.len(),
        s.server.request_count()
    );
    assert!(refused > 0, "the outage outlasted the queue");
    assert!(accepted.len() >= 90, "{} accepted", accepted.len());
    tracker.flush().await.unwrap();
    let mut delivered: Vec<i64> = s
        .fake
        .accepted_events()
        .iter()
        .map(|e| e["custom_data"]["seq"].as_i64().unwrap())
        .collect();
    delivered.sort_unstable();
    delivered.dedup();
    assert_eq!(
        delivered, accepted,
        "every accepted event, once the service is back"
    );
    let stats = tracker.stats();
    assert_eq!(stats.full_waits_expired, refused);
    assert_eq!((stats.pending(), stats.held_bytes), (0, 0));
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}
