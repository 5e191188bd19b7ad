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
