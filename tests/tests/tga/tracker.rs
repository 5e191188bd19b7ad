//! The tracker over HTTP.

use super::*;

#[tokio::test(start_paused = true)]
async fn the_trackers_retries_are_the_only_retries() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    // A 429 is retried by tg-common for a plain `send`; under the tracker it is not.
    s.server.push_fault(FaultRule::next(
        2,
        Fault::RespondUnprocessed(
            reply(429, messages::TOO_MANY_REQUESTS).with_header("retry-after", "3"),
        ),
    ));
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    let start = tokio::time::Instant::now();
    for n in 0..5 {
        tracker.track(&app_init(&client, n)).await.unwrap();
    }
    tracker.flush().await.unwrap();
    let stats = tracker.stats();
    assert_eq!(s.server.request_count(), 3);
    assert_eq!((stats.requests, stats.retried, stats.sent), (3, 2, 5));
    // The flush sends at once; each retry waits for the Retry-After.
    assert!(
        start.elapsed() >= Duration::from_secs(3 + 3),
        "Retry-After honoured"
    );
    assert_eq!(s.fake.accepted_count(), 5);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_tracker_isolates_invalid_events_over_http() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let (sink, mut dead) = DeadLetterSink::channel();
    let tracker = client
        .tracker(TrackerConfig::default().with_dead_letters(sink))
        .unwrap();
    for n in 0..20 {
        let mut event = app_init(&client, n);
        if n == 7 {
            event = event.with_custom(INVALID_MARKER, true);
        }
        tracker.track(&event).await.unwrap();
    }
    let flushed = tracker.flush().await.unwrap_err();
    let report = flushed.report().unwrap();
    assert_eq!(report.dead_lettered, 1, "{flushed}");
    assert!(report.config_error.is_none(), "{flushed}");
    let letter = dead.try_recv().unwrap();
    assert!(letter.event.json().contains("\"seq\":7"));
    assert_eq!(letter.message, messages::VALIDATION_MISMATCH);
    assert!(letter.is_about_this_event());
    assert!(dead.try_recv().is_err());
    assert_eq!(s.fake.accepted_count(), 19);
    assert_eq!(tracker.stats().dead_lettered, 1);
}

/// An entry in the outbox's stored form (version 1, append time, the caller's bytes).
fn spool_entry(payload: &[u8]) -> bytes::Bytes {
    let mut entry = vec![1u8];
    entry.extend_from_slice(&1_700_000_000_000u64.to_le_bytes());
    entry.extend_from_slice(payload);
    entry.into()
}

#[tokio::test(start_paused = true)]
async fn a_damaged_spool_entry_becomes_a_dead_letter_and_the_rest_is_delivered() {
    use tga_client::spool::{MemorySpool, Spool};
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let spool = std::sync::Arc::new(MemorySpool::new(100, 1 << 20));
    // Entries read back are not parsed again: one that looks like an object but is not JSON
    // goes out in a batch, the service refuses the batch, and splitting isolates it.
    let good = |n| app_init(&client, n).encode().unwrap();
    spool
        .append(spool_entry(good(0).json().as_bytes()))
        .await
        .unwrap();
    spool
        .append(spool_entry(br#"{"user_id":1,"event_name":}"#))
        .await
        .unwrap();
    spool
        .append(spool_entry(good(1).json().as_bytes()))
        .await
        .unwrap();
    // One that is not an object at all is refused without being sent.
    spool.append(spool_entry(b"[1]")).await.unwrap();
    let tracker = client
        .tracker(TrackerConfig::default().with_spool(spool))
        .unwrap();
    let flushed = tracker.flush().await.unwrap_err();
    let report = flushed.report().unwrap();
    assert_eq!(report.dead_lettered, 2, "{flushed}");
    // The damaged entry is handed back as it was stored, with the service's refusal.
    let letters = tracker.take_dead_letters();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].event.json(), r#"{"user_id":1,"event_name":}"#);
    assert!(letters[0].is_about_this_event(), "{:?}", letters[0]);
    assert_eq!(s.fake.accepted_count(), 2);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}
