//! (f) Flush.

use super::*;

#[tokio::test(start_paused = true)]
async fn flush_returns_only_once_everything_before_it_is_acknowledged() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    // The first try is lost with the connection, the retry is answered after 5 s.
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetBeforeHeaders));
    s.server
        .push_fault(FaultRule::next(1, Fault::Delay(Duration::from_secs(5))));
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    for n in 0..10 {
        tracker.track(&app_init(&client, n)).await.unwrap();
    }
    let flushing = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.flush().await }
    });
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!flushing.is_finished(), "flush returned before the answer");
    assert_eq!(tracker.stats().sent, 0);
    flushing.await.unwrap().unwrap();
    assert_eq!(s.fake.accepted_count(), 10);
    let stats = tracker.stats();
    assert_eq!((stats.sent, stats.pending()), (10, 0));
    assert_eq!(s.server.request_count(), 2);
}
