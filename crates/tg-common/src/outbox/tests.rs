//! The outbox over a memory spool with scripted deliverers, in virtual time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use super::spool::{MemorySpool, Spool, SpoolError};
use super::*;
use crate::retry::Backoff;

/// Delivers by a script (one outcome per entry, `Delivered` once the script is empty) and
/// records what it was given.
#[derive(Default, Clone)]
struct Scripted {
    script: Arc<Mutex<VecDeque<Option<Delivery>>>>,
    got: Arc<Mutex<Vec<Bytes>>>,
    delivered: Arc<Mutex<Vec<Bytes>>>,
}

impl Scripted {
    fn then(&self, outcome: Option<Delivery>) -> &Self {
        self.script.lock().unwrap().push_back(outcome);
        self
    }

    fn delivered(&self) -> Vec<Bytes> {
        self.delivered.lock().unwrap().clone()
    }
}

impl Deliverer for Scripted {
    async fn deliver(&self, entries: &[Claimed]) -> Vec<Delivery> {
        let mut out = Vec::new();
        for entry in entries {
            self.got.lock().unwrap().push(entry.bytes.clone());
            let next = self.script.lock().unwrap().pop_front();
            let outcome = match next {
                // `None` in the script: a panic.
                Some(None) => panic!("a deliverer that panics"),
                Some(Some(outcome)) => outcome,
                None => Delivery::Delivered,
            };
            if matches!(outcome, Delivery::Delivered) {
                self.delivered.lock().unwrap().push(entry.bytes.clone());
            }
            let failed = !matches!(outcome, Delivery::Delivered);
            out.push(outcome);
            if failed {
                break;
            }
        }
        out
    }

    fn drain_time(&self, entries: u64) -> Option<Duration> {
        Some(Duration::from_secs(entries))
    }
}

fn config(spool: &Arc<MemorySpool>) -> OutboxConfig {
    let spool: Arc<dyn Spool> = spool.clone();
    OutboxConfig::new(spool).backoff(Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(1),
        max_retry_after: Duration::from_secs(60),
    })
}

fn bytes(n: u32) -> Bytes {
    Bytes::from(format!("{{\"n\":{n}}}"))
}

fn retry(status: u16) -> Delivery {
    Delivery::of(Err(crate::Error::http(status, b"", None)))
}

#[tokio::test(start_paused = true)]
async fn everything_appended_is_delivered_in_order_and_acknowledged() {
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let d = Scripted::default();
    d.then(Some(retry(503))).then(Some(retry(502)));
    let outbox = Outbox::start(d.clone(), config(&spool).claim_max(4)).unwrap();
    for n in 0..10 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    outbox.flush().await.unwrap();
    assert_eq!(d.delivered(), (0..10).map(bytes).collect::<Vec<_>>());
    let stats = outbox.stats().await;
    assert_eq!(
        (stats.appended, stats.delivered, stats.retried),
        (10, 10, 8),
        "{stats:?}"
    );
    assert_eq!((stats.backlog_entries, stats.backlog_bytes), (0, 0));
    outbox.shutdown(Duration::from_secs(1)).await.unwrap();
    assert!(matches!(
        outbox.append(b"{}").await,
        Err(OutboxError::Closed)
    ));
}

#[tokio::test(start_paused = true)]
async fn a_refused_entry_is_kept_until_taken_and_a_sink_gets_the_others() {
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let refused = || Delivery::of(Err(crate::Error::http(400, b"bad", None)));
    let d = Scripted::default();
    d.then(Some(refused()));
    let outbox = Outbox::start(d.clone(), config(&spool)).unwrap();
    outbox.append(&bytes(1)).await.unwrap();
    outbox.append(&bytes(2)).await.unwrap();
    let report = match outbox.flush().await {
        Err(OutboxError::NotDelivered(report)) => report,
        other => panic!("{other:?}"),
    };
    assert_eq!(report.rejected, 1);
    // Kept: its entry stays in the spool until taken.
    assert_eq!(outbox.stats().await.backlog_entries, 1);
    let letters = outbox.take_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].bytes, bytes(1));
    assert!(matches!(letters[0].cause, LetterCause::Rejected(_)));
    outbox.flush().await.unwrap();
    assert_eq!(outbox.stats().await.backlog_entries, 0);

    // With a sink that panics once: the letter it dropped is kept, the panic counted.
    let got = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (g, c) = (Arc::clone(&got), Arc::clone(&calls));
    let sink = LetterSink::new(move |letter| {
        if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            panic!("a sink that panics once");
        }
        g.lock().unwrap().push(letter.bytes);
    });
    let d = Scripted::default();
    d.then(Some(refused())).then(Some(refused()));
    let outbox = Outbox::start(d, config(&spool).letters(sink)).unwrap();
    outbox.append(&bytes(3)).await.unwrap();
    outbox.append(&bytes(4)).await.unwrap();
    let report = outbox.flush().await.unwrap_err();
    assert!(matches!(report, OutboxError::NotDelivered(r) if r.rejected == 2 && r.panics == 1));
    assert_eq!(*got.lock().unwrap(), [bytes(4)]);
    assert_eq!(outbox.take_letters()[0].bytes, bytes(3));
}

#[tokio::test(start_paused = true)]
async fn a_full_spool_hands_the_bytes_over_instead_of_dropping_them() {
    let spool = Arc::new(MemorySpool::new(2, 1 << 20));
    let (sink, mut rx) = LetterSink::channel();
    // A deliverer that never gets through: the spool stays full.
    let d = Scripted::default();
    for _ in 0..1000 {
        d.then(Some(retry(503)));
    }
    let outbox = Outbox::start(d, config(&spool).letters(sink)).unwrap();
    for n in 0..5 {
        let appended = outbox.append_or_letter(bytes(n)).await;
        assert_eq!(matches!(appended, Appended::Stored(_)), n < 2, "{n}");
    }
    for n in 2..5 {
        let letter = rx.recv().await.unwrap();
        assert_eq!(letter.bytes, bytes(n));
        assert!(matches!(letter.cause, LetterCause::NotStored(_)));
    }
    assert_eq!(outbox.stats().await.not_stored, 3);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_deliverer_is_counted_and_its_entries_retried() {
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let d = Scripted::default();
    d.then(None);
    let outbox = Outbox::start(d.clone(), config(&spool)).unwrap();
    outbox.append(&bytes(1)).await.unwrap();
    let report = outbox.flush().await.unwrap_err();
    assert!(matches!(report, OutboxError::NotDelivered(r) if r.panics == 1));
    assert_eq!(d.delivered(), [bytes(1)]);
}

#[tokio::test(start_paused = true)]
async fn shutdown_releases_its_claims_and_the_next_outbox_delivers_them() {
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let stuck = Scripted::default();
    for _ in 0..10_000 {
        stuck.then(Some(retry(503)));
    }
    let outbox = Outbox::start(stuck, config(&spool)).unwrap();
    for n in 0..5 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stats = outbox.stats().await;
    assert_eq!(stats.backlog_entries, 5);
    assert!(stats.oldest_age_ms.is_some(), "{stats:?}");
    assert_eq!(stats.drain_eta_ms, Some(5_000));
    match outbox.shutdown(Duration::from_secs(2)).await {
        Err(OutboxError::NotDelivered(report)) => assert_eq!(report.left_in_spool, 5),
        other => panic!("{other:?}"),
    }
    assert_eq!(spool.stats_now().claimed, 0, "claims released");
    let d = Scripted::default();
    let next = Outbox::start(d.clone(), config(&spool)).unwrap();
    next.flush().await.unwrap();
    assert_eq!(d.delivered(), (0..5).map(bytes).collect::<Vec<_>>());
}

/// Records when each delivery started and how many entries it had; holds each delivery
/// until `gate` gives a permit when gated.
#[derive(Clone)]
struct Timed {
    calls: Arc<Mutex<Vec<(tokio::time::Instant, usize)>>>,
    gate: Arc<tokio::sync::Semaphore>,
    running: Arc<std::sync::atomic::AtomicUsize>,
    most: Arc<std::sync::atomic::AtomicUsize>,
}

impl Timed {
    fn new(permits: usize) -> Self {
        Timed {
            calls: Arc::default(),
            gate: Arc::new(tokio::sync::Semaphore::new(permits)),
            running: Arc::default(),
            most: Arc::default(),
        }
    }
}

impl Deliverer for Timed {
    async fn deliver(&self, entries: &[Claimed]) -> Vec<Delivery> {
        use std::sync::atomic::Ordering::SeqCst;
        self.calls
            .lock()
            .unwrap()
            .push((tokio::time::Instant::now(), entries.len()));
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        self.gate.acquire().await.unwrap().forget();
        self.running.fetch_sub(1, SeqCst);
        vec![Delivery::Delivered; entries.len()]
    }
}

#[tokio::test(start_paused = true)]
async fn full_claims_go_at_once_and_a_partial_one_waits_for_the_linger() {
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let d = Timed::new(1_000);
    let config = config(&spool)
        .claim_max(4)
        .linger(Duration::from_secs(2), 4);
    let outbox = Outbox::start(d.clone(), config).unwrap();
    let start = tokio::time::Instant::now();
    for n in 0..6 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls = d.calls.lock().unwrap().clone();
    assert_eq!(calls, [(start, 4), (start + Duration::from_secs(2), 2)]);
    // A flush does not wait for the linger.
    outbox.append(&bytes(6)).await.unwrap();
    outbox.flush().await.unwrap();
    assert_eq!(d.calls.lock().unwrap().len(), 3);
    assert_eq!(tokio::time::Instant::now(), start + Duration::from_secs(3));
    outbox.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn deliveries_run_concurrently_up_to_the_bound() {
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let d = Timed::new(0);
    let outbox = Outbox::start(d.clone(), config(&spool).claim_max(1).concurrency(3)).unwrap();
    for n in 0..5 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(d.running.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(outbox.counters().in_flight, 3);
    d.gate.add_permits(5);
    outbox.flush().await.unwrap();
    assert_eq!(d.most.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(outbox.counters().delivered, 5);
    outbox.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn entries_appended_while_a_delivery_runs_go_out_beside_it() {
    // The first delivery is held (waiting for the quota, say); what is appended after it is
    // claimed and delivered at once, not after the first ends.
    let spool = Arc::new(MemorySpool::new(1000, 1 << 20));
    let d = Timed::new(0);
    let outbox = Outbox::start(d.clone(), config(&spool).concurrency(2)).unwrap();
    let start = tokio::time::Instant::now();
    outbox.append(&bytes(0)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    for n in 1..4 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    let calls = d.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [(start, 1), (start + Duration::from_millis(10), 3)],
        "the second delivery began while the first was held"
    );
    assert_eq!(d.running.load(std::sync::atomic::Ordering::SeqCst), 2);
    d.gate.add_permits(2);
    outbox.flush().await.unwrap();
    assert_eq!(outbox.counters().delivered, 4);
    outbox.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn what_a_memory_spool_holds_at_shutdown_is_handed_back_without_kept_letters() {
    let spool = Arc::new(MemorySpool::for_outbox(10, 1 << 20));
    let refused = || Delivery::of(Err(crate::Error::http(400, b"bad", None)));
    let d = Scripted::default();
    d.then(Some(refused()));
    for _ in 0..10_000 {
        d.then(Some(retry(503)));
    }
    let outbox = Outbox::start(d, config(&spool).ack_letters(true)).unwrap();
    for n in 0..3 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The kept letter's entry is acknowledged at once: it takes no room.
    assert_eq!(spool.stats_now().entries, 2);
    assert_eq!(
        spool.stats_now().bytes,
        (bytes(1).len() + bytes(2).len()) as u64,
        "the envelope is not counted"
    );
    let _ = outbox.shutdown(Duration::from_secs(1)).await;
    assert_eq!(outbox.take_left().await, [bytes(1), bytes(2)]);
    assert_eq!(spool.stats_now().entries, 0);
    assert_eq!(outbox.take_letters().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn room_is_signalled_as_soon_as_entries_are_acknowledged() {
    let spool = Arc::new(MemorySpool::for_outbox(2, 1 << 20));
    let d = Timed::new(0);
    let outbox = Outbox::start(d.clone(), config(&spool)).unwrap();
    for n in 0..2 {
        outbox.append(&bytes(n)).await.unwrap();
    }
    let full = outbox.append(&bytes(2)).await.unwrap_err();
    assert!(matches!(&full, OutboxError::Spool(e) if matches!(**e, SpoolError::Full { .. })));
    let mut room = outbox.room();
    let waited = tokio::time::timeout(Duration::from_secs(3600), room.freed()).await;
    assert!(waited.is_err(), "no room while nothing was delivered");
    d.gate.add_permits(2);
    let at = tokio::time::Instant::now();
    room.freed().await;
    assert_eq!(
        tokio::time::Instant::now(),
        at,
        "signalled at once, not polled"
    );
    outbox.append(&bytes(2)).await.unwrap();
    d.gate.add_permits(1);
    outbox.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_worker_is_woken_when_the_appends_it_waits_for_came_not_before() {
    let spool = Arc::new(MemorySpool::new(10, 1 << 20));
    let state = shared::OutboxState::new(&config(&spool));
    let woken = || async {
        tokio::time::timeout(Duration::ZERO, state.wake.notified())
            .await
            .is_ok()
    };
    state.appended();
    assert!(!woken().await, "nobody waits: no wake");
    let seen = state.appends();
    assert!(state.wait_for_appends(seen, 3));
    state.appended();
    state.appended();
    assert!(!woken().await, "two of three");
    state.appended();
    assert!(woken().await, "the third");
    state.awake();
    state.appended();
    assert!(!woken().await, "awake: appends do not wake");
    // Appends that came before the wait are counted: no wait then.
    assert!(!state.wait_for_appends(seen, 3));
}
