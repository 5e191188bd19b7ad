//! Room in the queue, in virtual time: `track` waits for room (resuming at the acknowledgement
//! that makes it) at most `max_wait`, and the queue is bounded by bytes as well as by count.

use std::sync::Arc;
use std::time::Duration;

use tg_common::ErrorKind;
use tokio::time::Instant;

use super::senders::Recorder;
use super::{config, event, settle, track_all};
use crate::tracker::*;

/// The JSON length of `event(n)` for a one-digit `n`.
fn event_len() -> usize {
    event(0).encode().unwrap().len()
}

/// A tracker over a held-back sender whose queue (two events, batches of one, one in flight)
/// is full: events 0 to 3 tracked (one in flight, one cut and waiting for a slot, two queued).
async fn full_queue(max_wait: Duration) -> (Arc<Recorder>, Tracker) {
    let sender = Arc::new(Recorder::gated());
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config()
            .with_max_batch(1)
            .with_max_in_flight(1)
            .with_queue_capacity(2)
            .with_max_wait(max_wait),
    )
    .unwrap();
    track_all(&tracker, 0..4).await;
    settle().await;
    (sender, tracker)
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_makes_track_wait_at_most_max_wait() {
    let (sender, tracker) = full_queue(Duration::from_secs(3)).await;
    let start = Instant::now();
    // Without a maximum wait the call would wait for as long as the sender is held.
    let tracked = tokio::time::timeout(Duration::from_secs(600), tracker.track(&event(4))).await;
    match tracked {
        Ok(Err(TrackError::Full { waited })) => assert_eq!(waited, Duration::from_secs(3)),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(Instant::now() - start, Duration::from_secs(3));
    assert_eq!(tracker.stats().full_waits_expired, 1);
    // Room that comes within the wait is taken.
    let waiting = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.track(&event(5)).await }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    sender.release(100);
    waiting.await.unwrap().unwrap();
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![0, 1, 2, 3, 5]);
}

#[tokio::test(start_paused = true)]
async fn the_queue_is_bounded_by_bytes_as_well_as_count() {
    let sender = Arc::new(Recorder::gated());
    let len = event_len();
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config()
            .with_max_batch(2)
            .with_max_in_flight(1)
            .with_queue_capacity(1_000)
            .with_queue_bytes((3 * len).max(MIN_QUEUE_BYTES))
            .with_when_full(FullPolicy::DropNewest),
    )
    .unwrap();
    let fits = (3 * len).max(MIN_QUEUE_BYTES) / len;
    track_all(&tracker, 0..fits as i64).await;
    settle().await;
    assert_eq!(tracker.stats().held_bytes, (fits * len) as u64);
    // Bytes held in flight and in the batch count: the next event finds no room.
    assert!(matches!(
        tracker.track(&event(fits as i64)).await,
        Err(TrackError::Dropped)
    ));
    assert!(matches!(
        tracker.try_track(&event(fits as i64)),
        Err(TrackError::Dropped)
    ));
    assert_eq!(tracker.stats().dropped, 2);
    sender.release(1_000);
    tracker.flush().await.unwrap();
    assert_eq!(
        tracker.stats().held_bytes,
        0,
        "delivered events give their bytes back"
    );
    tracker.track(&event(fits as i64)).await.unwrap();
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered().len(), fits + 1);
}

#[tokio::test(start_paused = true)]
async fn an_event_larger_than_the_queue_is_refused_at_once() {
    let tracker =
        Tracker::start(Recorder::new(), config().with_queue_bytes(MIN_QUEUE_BYTES)).unwrap();
    let big = event(0).with_custom("blob", "x".repeat(MIN_QUEUE_BYTES));
    let start = Instant::now();
    match tracker.track(&big).await {
        Err(TrackError::Invalid(e)) => {
            assert!(matches!(e.kind(), ErrorKind::InvalidInput { field, .. } if field == "event"));
            assert!(e.to_string().contains("queue_bytes"), "{e}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(Instant::now(), start);
    assert_eq!(tracker.stats().queued, 0);
}

#[tokio::test(start_paused = true)]
async fn bytes_of_dead_letters_and_handed_back_events_are_given_back() {
    let sender = Arc::new(Recorder::new());
    sender.fail_with([super::senders::answer(
        400,
        r#"{"message":"Token is invalid."}"#,
    )]);
    let tracker = Tracker::start(Arc::clone(&sender), config()).unwrap();
    track_all(&tracker, 0..3).await;
    assert!(tracker.flush().await.is_err());
    assert_eq!(tracker.stats().held_bytes, 0);
    let gated = Arc::new(Recorder::gated());
    let tracker = Tracker::start(Arc::clone(&gated), config()).unwrap();
    track_all(&tracker, 0..3).await;
    assert!(tracker.shutdown(Duration::from_secs(1)).await.is_err());
    assert_eq!(tracker.stats().held_bytes, 0);
}

#[tokio::test(start_paused = true)]
async fn a_caller_waiting_for_room_is_answered_closed_at_shutdown() {
    let sender = Arc::new(Recorder::gated());
    let len = event_len();
    let tracker = Tracker::start(
        Arc::clone(&sender),
        config()
            .with_max_in_flight(1)
            .with_queue_bytes(MIN_QUEUE_BYTES)
            .with_max_wait(Duration::from_secs(60)),
    )
    .unwrap();
    let fits = MIN_QUEUE_BYTES / len;
    track_all(&tracker, 0..fits as i64).await;
    let waiting = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.track(&event(99)).await }
    });
    settle().await;
    assert!(!waiting.is_finished());
    let start = Instant::now();
    let shut = tracker.shutdown(Duration::from_secs(1)).await;
    assert!(matches!(waiting.await.unwrap(), Err(TrackError::Closed)));
    assert!(Instant::now() - start <= Duration::from_secs(1));
    let back = shut.unwrap_err().report().unwrap().undelivered.len();
    assert_eq!(back, fits);
}

#[tokio::test(start_paused = true)]
async fn wait_policy_waits_for_room() {
    let (sender, tracker) = full_queue(Duration::from_secs(120)).await;
    let waiting = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.track(&event(4)).await }
    });
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        !waiting.is_finished(),
        "track must wait while the queue is full"
    );
    assert!(matches!(
        tracker.try_track(&event(99)),
        Err(TrackError::Dropped)
    ));
    // One in flight; three wait (the batch being filled is no longer cut apart from them).
    assert_eq!(tracker.queue_len(), 3);
    sender.release(100);
    waiting.await.unwrap().unwrap();
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![0, 1, 2, 3, 4]);
    let stats = tracker.stats();
    assert_eq!((stats.dropped, stats.sent), (1, 5));
}

#[tokio::test(start_paused = true)]
async fn a_waiting_track_resumes_as_soon_as_room_is_made() {
    let (sender, tracker) = full_queue(Duration::from_secs(120)).await;
    let waiting = tokio::spawn({
        let tracker = tracker.clone();
        async move {
            tracker.track(&event(4)).await.unwrap();
            tokio::time::Instant::now()
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!waiting.is_finished());
    let released = tokio::time::Instant::now();
    sender.release(1);
    // Signalled by the acknowledgement, not found by polling (which waited 20 ms a try).
    assert_eq!(waiting.await.unwrap(), released);
    sender.release(100);
    tracker.flush().await.unwrap();
    assert_eq!(sender.delivered(), vec![0, 1, 2, 3, 4]);
}
