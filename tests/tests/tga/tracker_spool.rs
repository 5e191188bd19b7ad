//! The tracker over a spool, end to end against the fake TGA: a tracker killed with SIGKILL
//! loses nothing `track` accepted (disk spool; Redis stream with two replicas), an outage
//! longer than the spool holds answers callers within `max_wait` and loses nothing, and the
//! chaos soak of `tga/soak.rs` passes over each backend (100,000 events over the disk spool; 20,000
//! over the memory spool and the Redis stream, to keep the suite within seconds).
//!
//! The Redis tests need `TG_REDIS_URL` (set by `cargo xtask test`); under CI a missing server
//! is a failure, elsewhere a skip. They run in real time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use integration_tests::support::TgaSetup as Setup;
use integration_tests::support::{OwnRedis, redis_url, unique};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use integration_tests::tracker_child::run_and_kill;
use rand::Rng;
use serde_json::Value;
use tg_mock::tga::{INVALID_MARKER, messages};
use tg_mock::{Chaos, Fault, FaultRule, Reply};
use tga_client::Backoff;
use tga_client::spool::{
    DiskConfig, DiskSpool, Entry, EntryId, MemorySpool, RedisSpool, RedisSpoolConfig, Spool,
    SpoolError, SpoolStats,
};
use tga_client::{Client, DeadLetterSink, Event, EventName, TrackError, Tracker, TrackerConfig};
use uuid::Uuid;

const APP: &str = "spool_app";
const DOMAIN: &str = "spool.example.org";

/// What this suite asks of its fake beyond the shared setup.
trait SetupExt {
    fn delivered(&self) -> BTreeSet<i64>;
}

impl SetupExt for Setup {
    /// The distinct `custom_data.seq` the fake accepted.
    fn delivered(&self) -> BTreeSet<i64> {
        self.fake
            .accepted_events()
            .iter()
            .map(|e| e["custom_data"]["seq"].as_i64().unwrap())
            .collect()
    }
}

fn event(client: &Client, n: i64) -> Event {
    client
        .event(n + 1, EventName::AppInit, Uuid::from_u128(n as u128 / 8))
        .with_custom("seq", n)
}

fn disk(dir: &std::path::Path) -> Arc<dyn Spool> {
    Arc::new(DiskSpool::open(DiskConfig::new(dir).segment_bytes(256 << 10)).unwrap())
}

async fn redis(url: &str, stream: &str, consumer: &str) -> Arc<dyn Spool> {
    let config =
        RedisSpoolConfig::new(url, stream, consumer).visibility_timeout(Duration::from_millis(300));
    Arc::new(RedisSpool::open(config).await.unwrap())
}

/// Runs `tracker_child` on `args` (after the base URL and first number) and kills it after a
/// random number of accepted events; returns them.
async fn kill_a_child(s: &Setup, first: i64, spool_args: &[String]) -> BTreeSet<i64> {
    let mut args = vec![s.server.base_url().to_owned(), first.to_string()];
    args.extend_from_slice(spool_args);
    let lines = rand::rng().random_range(500..3_000);
    let token = s.token.clone();
    let program = env!("CARGO_BIN_EXE_tracker_child");
    tokio::task::spawn_blocking(move || run_and_kill(program, &args, &token, lines))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_tracker_loses_nothing_it_accepted_over_a_disk_spool() {
    let s = Setup::new(APP, DOMAIN).await;
    let dir = tempfile::tempdir().unwrap();
    let spool_args = ["disk".to_owned(), dir.path().display().to_string()];
    let mut accepted = BTreeSet::new();
    for life in 0..2 {
        let got = kill_a_child(&s, life * 1_000_000, &spool_args).await;
        assert!(!got.is_empty());
        accepted.extend(got);
    }
    let by_children = s.fake.accepted_count();
    // A new tracker on the same spool finishes the work.
    let client = s.client();
    let tracker = client
        .tracker(TrackerConfig::default().with_spool(disk(dir.path())))
        .unwrap();
    tracker.flush().await.unwrap();
    let finished = tracker.stats().sent;
    tracker.shutdown(Duration::from_secs(10)).await.unwrap();
    let delivered = s.delivered();
    let lost: Vec<_> = accepted.difference(&delivered).collect();
    println!(
        "disk: {} accepted by killed children, {by_children} delivered by them, {finished} by the next tracker, {} accepted at the fake",
        accepted.len(),
        s.fake.accepted_count()
    );
    assert!(
        lost.is_empty(),
        "lost: {} (first {:?})",
        lost.len(),
        &lost[..lost.len().min(20)]
    );
    assert!(
        (finished as usize) < accepted.len(),
        "what the children delivered was acknowledged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_killed_replica_loses_nothing_over_a_redis_stream() {
    let url = redis_url();
    let s = Setup::new(APP, DOMAIN).await;
    let stream = unique("test:spool:replicas:");
    let client = s.client();
    // Replica b runs throughout, tracking its own events.
    let b = client
        .tracker(
            TrackerConfig::default()
                .with_linger(Duration::from_millis(5))
                .with_spool(redis(&url, &stream, "b").await)
                .with_spool_poll(Duration::from_millis(50)),
        )
        .unwrap();
    let tracking = {
        let (b, client) = (b.clone(), client.clone());
        tokio::spawn(async move {
            let mut accepted = BTreeSet::new();
            for n in 5_000_000..5_002_000 {
                b.track(&event(&client, n)).await.unwrap();
                accepted.insert(n);
                if n % 100 == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            accepted
        })
    };
    // Replica a is killed while it tracks and delivers.
    let spool_args = [
        "redis".to_owned(),
        url.clone(),
        stream.clone(),
        "a".to_owned(),
    ];
    let mut accepted = kill_a_child(&s, 0, &spool_args).await;
    accepted.extend(tracking.await.unwrap());
    // b takes over what a held once the visibility timeout has passed: every accepted event,
    // and what a appended or claimed without reporting it (the stream empties). A shutdown
    // stops at a spool with nothing ready, so it is not asked before that.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline
        && (!accepted.is_subset(&s.delivered()) || b.outbox_stats().await.backlog_entries > 0)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.shutdown(Duration::from_secs(10)).await.unwrap();
    let delivered = s.delivered();
    let lost: Vec<_> = accepted.difference(&delivered).collect();
    println!(
        "redis: {} accepted by both replicas, {} accepted at the fake",
        accepted.len(),
        s.fake.accepted_count()
    );
    assert!(
        lost.is_empty(),
        "lost: {} (first {:?})",
        lost.len(),
        &lost[..lost.len().min(20)]
    );
}

#[tokio::test(start_paused = true)]
async fn an_outage_longer_than_the_spool_holds_answers_within_max_wait_and_loses_nothing() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    s.server.push_fault(FaultRule::next(
        12,
        Fault::RespondUnprocessed(Reply::new(503, "upstream unavailable")),
    ));
    let dir = tempfile::tempdir().unwrap();
    let spool: Arc<dyn Spool> =
        Arc::new(DiskSpool::open(DiskConfig::new(dir.path()).bounds(50, 1 << 20)).unwrap());
    let max_wait = Duration::from_secs(2);
    let tracker = client
        .tracker(
            TrackerConfig::default()
                .with_spool(spool)
                .with_max_in_flight(1)
                .with_max_wait(max_wait),
        )
        .unwrap();
    let (mut accepted, mut refused) = (BTreeSet::new(), 0);
    for n in 0..200 {
        let start = tokio::time::Instant::now();
        match tracker.track(&event(&client, n)).await {
            Ok(()) => {
                accepted.insert(n);
            }
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
        "outage over a disk spool: {} accepted, {refused} refused after {max_wait:?} each, {} requests",
        accepted.len(),
        s.server.request_count()
    );
    assert!(refused > 0, "the outage outlasted the spool");
    assert!(accepted.len() >= 90, "{} accepted", accepted.len());
    tracker.flush().await.unwrap();
    assert_eq!(
        s.delivered(),
        accepted,
        "every accepted event, once the service is back"
    );
    assert_eq!(tracker.stats().full_waits_expired, refused);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

/// The chaos soak of `tga/soak.rs` over a spool: every valid event arrives, exactly the invalid
/// ones are dead-lettered, nothing is left in the spool.
async fn soak(spool: Arc<dyn Spool>, events: i64, config: TrackerConfig) {
    const INVALID_EVERY: i64 = 2_000;
    let wall = std::time::Instant::now();
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    s.server.set_chaos(Some(Chaos {
        probability: 0.2,
        faults: vec![
            (3, Fault::ResetBeforeHeaders),
            (3, Fault::ResetAfterHeaders),
            (1, Fault::Stall),
            (2, Fault::TruncatedBody),
            (
                3,
                Fault::RespondUnprocessed(Reply::json(
                    503,
                    &serde_json::json!({"message": "Service Unavailable"}),
                )),
            ),
            (
                3,
                Fault::RespondUnprocessed(
                    Reply::json(
                        429,
                        &serde_json::json!({"message": messages::TOO_MANY_REQUESTS}),
                    )
                    .with_header("retry-after", "1"),
                ),
            ),
        ],
        seed: 20_250_401,
    }));
    let (sink, mut dead) = DeadLetterSink::channel();
    let tracker: Tracker = client
        .tracker(
            config
                .with_dead_letters(sink)
                .with_spool(Arc::clone(&spool)),
        )
        .unwrap();
    let mut invalid = HashSet::new();
    for n in 0..events {
        let mut e = event(&client, n);
        if n % INVALID_EVERY == INVALID_EVERY / 2 {
            e = e.with_custom(INVALID_MARKER, true);
            invalid.insert(n);
        }
        while let Err(error) = tracker.track(&e).await {
            assert!(matches!(error, TrackError::Full { .. }), "{error}");
        }
    }
    // What is not delivered yet waits in the spool.
    assert!(spool.stats().await.unwrap().entries > 0);
    let flushed = tracker.flush().await.unwrap_err();
    let report = flushed.report().unwrap();
    assert_eq!(report.dead_lettered, invalid.len() as u64, "{flushed}");
    assert!(report.left_in_spool == 0 && report.panics == 0, "{flushed}");
    tracker.shutdown(Duration::from_secs(600)).await.unwrap();

    let delivered = s.delivered();
    let missing: Vec<i64> = (0..events)
        .filter(|n| !invalid.contains(n) && !delivered.contains(n))
        .collect();
    assert!(missing.is_empty(), "lost events: {missing:?}");
    assert!(invalid.iter().all(|n| !delivered.contains(n)));
    let mut letters = BTreeSet::new();
    while let Ok(letter) = dead.try_recv() {
        let json: Value = serde_json::from_str(letter.event.json()).unwrap();
        letters.insert(json["custom_data"]["seq"].as_i64().unwrap());
    }
    assert_eq!(letters, invalid.iter().copied().collect::<BTreeSet<_>>());
    let stats = tracker.stats();
    assert_eq!(stats.queued, events as u64);
    assert_eq!(stats.sent + stats.dead_lettered, events as u64);
    println!(
        "soak over a spool: {events} events, {} requests, {} retried, {} accepted at the fake, wall {:?}",
        stats.requests,
        stats.retried,
        s.fake.accepted_count(),
        wall.elapsed()
    );
}

/// The soak's configuration in virtual time: `tga/soak.rs`'s.
fn soak_config() -> TrackerConfig {
    TrackerConfig::default().with_attempt_timeout(Some(Duration::from_secs(10)))
}

#[tokio::test(start_paused = true)]
async fn soak_over_a_memory_spool() {
    soak(
        Arc::new(MemorySpool::new(10_000, 32 << 20)),
        100_000,
        soak_config(),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn soak_over_a_disk_spool() {
    let dir = tempfile::tempdir().unwrap();
    let spool =
        Arc::new(DiskSpool::open(DiskConfig::new(dir.path()).bounds(10_000, 32 << 20)).unwrap());
    soak(spool, 100_000, soak_config()).await;
    // Everything was acknowledged: a spool opened again holds nothing.
    let again = DiskSpool::open(DiskConfig::new(dir.path())).unwrap();
    assert_eq!(again.claim(10).await.unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn soak_over_a_redis_stream() {
    let url = redis_url();
    let stream = unique("test:spool:soak:");
    let spool = {
        let config = RedisSpoolConfig::new(&url, &stream, "soak").max_entries(10_000);
        Arc::new(RedisSpool::open(config).await.unwrap())
    };
    // Real time: short waits (Redis's clock cannot be paused); Retry-After is not honoured.
    let config = TrackerConfig::default()
        .with_attempt_timeout(Some(Duration::from_millis(200)))
        .with_linger(Duration::from_millis(5))
        .with_backoff(Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(20),
            max_retry_after: Duration::ZERO,
        })
        .with_spool_poll(Duration::from_millis(50));
    soak(spool.clone(), 100_000, config).await;
    assert_eq!(spool.stats().await.unwrap().entries, 0);
}

#[tokio::test(start_paused = true)]
async fn a_dead_letter_stays_in_the_spool_until_taken() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        client
            .tracker(TrackerConfig::default().with_spool(disk(dir.path())))
            .unwrap()
    };
    let tracker = start();
    for n in 0..3 {
        let mut e = event(&client, n);
        if n == 1 {
            e = e.with_custom(INVALID_MARKER, true);
        }
        tracker.track(&e).await.unwrap();
    }
    let flushed = tracker.flush().await.unwrap_err();
    assert_eq!(flushed.report().unwrap().dead_lettered, 1, "{flushed}");
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
    drop(tracker);

    // Not taken: the next tracker on the spool has it again (the service refuses it again).
    let tracker = start();
    let flushed = tracker.flush().await.unwrap_err();
    assert_eq!(flushed.report().unwrap().dead_lettered, 1, "{flushed}");
    let letters = tracker.take_dead_letters();
    assert_eq!(letters.len(), 1);
    let json: Value = serde_json::from_str(letters[0].event.json()).unwrap();
    assert_eq!(json["custom_data"]["seq"], 1);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
    drop(tracker);

    // Taken: acknowledged, gone from the spool.
    let again = DiskSpool::open(DiskConfig::new(dir.path())).unwrap();
    assert!(again.claim(10).await.unwrap().is_empty());
    assert_eq!(s.delivered(), BTreeSet::from([0, 2]));
}

/// A spool whose every write fails.
struct Broken;

impl Spool for Broken {
    fn append(&self, _entry: bytes::Bytes) -> tga_client::spool::SpoolFuture<'_, EntryId> {
        Box::pin(async {
            Err(SpoolError::Io {
                action: "appending",
                source: std::io::Error::other("disk gone"),
            })
        })
    }
    fn claim(&self, _max: usize) -> tga_client::spool::SpoolFuture<'_, Vec<Entry>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn ack<'a>(&'a self, _ids: &'a [EntryId]) -> tga_client::spool::SpoolFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn release<'a>(&'a self, _ids: &'a [EntryId]) -> tga_client::spool::SpoolFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn stats(&self) -> tga_client::spool::SpoolFuture<'_, SpoolStats> {
        Box::pin(async { Ok(SpoolStats::default()) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_spool_that_cannot_write_or_is_full_answers_with_typed_errors() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let tracker = client
        .tracker(TrackerConfig::default().with_spool(Arc::new(Broken)))
        .unwrap();
    let e = event(&client, 0);
    match tracker.track(&e).await {
        Err(TrackError::Spool(error)) => assert!(error.to_string().contains("disk gone")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(tracker.try_track(&e), Err(TrackError::Spool(_))));
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();

    // A full spool under DropNewest: the event is dropped and counted.
    s.server.push_fault(FaultRule::next(
        1_000,
        Fault::RespondUnprocessed(Reply::new(503, "upstream unavailable")),
    ));
    let tracker = client
        .tracker(
            TrackerConfig::default()
                .with_spool(Arc::new(MemorySpool::new(3, 1 << 20)))
                .with_when_full(tga_client::FullPolicy::DropNewest),
        )
        .unwrap();
    for n in 0..3 {
        tracker.track(&event(&client, n)).await.unwrap();
    }
    assert!(matches!(
        tracker.track(&event(&client, 3)).await,
        Err(TrackError::Dropped)
    ));
    assert!(matches!(
        tracker.try_track(&event(&client, 4)),
        Err(TrackError::Dropped)
    ));
    assert_eq!(tracker.stats().dropped, 2);
    let left = tracker.shutdown(Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(left.report().unwrap().left_in_spool, 3, "{left}");
}

/// Waits (real time, at most `within`) until the fake holds every one of `want`.
async fn delivered_within(s: &Setup, want: &BTreeSet<i64>, within: Duration) -> BTreeSet<i64> {
    let deadline = tokio::time::Instant::now() + within;
    while !want.is_subset(&s.delivered()) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.delivered()
}

#[tokio::test(start_paused = true)]
async fn a_tracker_started_on_the_spool_a_shutdown_left_delivers_everything() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let dir = tempfile::tempdir().unwrap();
    let memory: Arc<dyn Spool> = Arc::new(MemorySpool::new(10_000, 1 << 20));
    for (round, spool) in [disk(dir.path()), memory].into_iter().enumerate() {
        // The service is down: the first tracker's shutdown leaves everything in the spool.
        s.server
            .push_fault(FaultRule::always(Fault::RespondUnprocessed(Reply::new(
                503,
                "upstream unavailable",
            ))));
        let first = client
            .tracker(TrackerConfig::default().with_spool(Arc::clone(&spool)))
            .unwrap();
        let want: BTreeSet<i64> = (0..210).map(|n| round as i64 * 1_000 + n).collect();
        for n in &want {
            first.track(&event(&client, *n)).await.unwrap();
        }
        let left = first.shutdown(Duration::from_secs(3)).await.unwrap_err();
        assert_eq!(left.report().unwrap().left_in_spool, 210, "{left}");
        assert_eq!(spool.stats().await.unwrap().claimed, 0, "released");
        // The service is back: a tracker started on the same spool object delivers it all.
        s.server.clear_faults();
        let second = client
            .tracker(TrackerConfig::default().with_spool(Arc::clone(&spool)))
            .unwrap();
        second.flush().await.unwrap();
        second.shutdown(Duration::from_secs(5)).await.unwrap();
        assert!(want.is_subset(&s.delivered()), "round {round}");
        assert_eq!(spool.stats().await.unwrap().entries, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_shutdown_hands_its_claims_to_another_replica_at_once() {
    let redis = OwnRedis::start();
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    s.server
        .push_fault(FaultRule::always(Fault::RespondUnprocessed(Reply::new(
            503,
            "upstream unavailable",
        ))));
    // The default visibility timeout, 30 s: longer than this test waits.
    let open = |consumer: &str| {
        let config = RedisSpoolConfig::new(&redis.url, "test:spool:handover", consumer);
        async move { Arc::new(RedisSpool::open(config).await.unwrap()) as Arc<dyn Spool> }
    };
    let spool_a = open("a").await;
    let a = client
        .tracker(
            TrackerConfig::default()
                .with_linger(Duration::from_millis(5))
                .with_spool(Arc::clone(&spool_a)),
        )
        .unwrap();
    let want: BTreeSet<i64> = (0..100).collect();
    for n in &want {
        a.track(&event(&client, *n)).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while spool_a.stats().await.unwrap().claimed < 100 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left = a.shutdown(Duration::from_millis(300)).await.unwrap_err();
    assert_eq!(left.report().unwrap().left_in_spool, 100, "{left}");
    s.server.clear_faults();
    // Replica b takes a's entries at once, long before the visibility timeout.
    let b = client
        .tracker(
            TrackerConfig::default()
                .with_linger(Duration::from_millis(5))
                .with_spool(open("b").await),
        )
        .unwrap();
    b.flush().await.unwrap();
    let delivered = delivered_within(&s, &want, Duration::from_secs(5)).await;
    assert!(want.is_subset(&delivered), "{} of 100", delivered.len());
    b.shutdown(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn an_append_redis_did_not_answer_is_reported_as_maybe_accepted() {
    let redis = OwnRedis::start();
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let mut config = RedisSpoolConfig::new(&redis.url, "test:spool:stall", "a");
    config.timeout = Duration::from_millis(500);
    let tracker = client
        .tracker(
            TrackerConfig::default()
                .with_linger(Duration::from_millis(5))
                .with_spool_poll(Duration::from_millis(50))
                .with_spool(Arc::new(RedisSpool::open(config).await.unwrap())),
        )
        .unwrap();
    tracker.track(&event(&client, 0)).await.unwrap();
    tracker.flush().await.unwrap();
    // Redis stalls (SIGSTOP) for two seconds while `track` appends.
    redis.signal("-STOP");
    let tracked = tracker.track(&event(&client, 1)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.signal("-CONT");
    match &tracked {
        Err(TrackError::MaybeAccepted(e)) => {
            assert!(matches!(**e, SpoolError::MaybeStored(_)), "{e}");
            assert!(tracked.as_ref().unwrap_err().to_string().contains("twice"));
        }
        other => panic!("expected MaybeAccepted, got {other:?}"),
    }
    // Redis ran the append once it resumed: the event is delivered (so retrying it would have
    // delivered it twice).
    let delivered = delivered_within(&s, &BTreeSet::from([0, 1]), Duration::from_secs(10)).await;
    assert_eq!(delivered, BTreeSet::from([0, 1]));
    tracker.shutdown(Duration::from_secs(5)).await.unwrap();
}

/// A memory spool whose acknowledgements fail while `failing` is set (a full disk).
struct AckFails {
    inner: MemorySpool,
    failing: std::sync::atomic::AtomicBool,
}

impl Spool for AckFails {
    fn append(&self, entry: bytes::Bytes) -> tga_client::spool::SpoolFuture<'_, EntryId> {
        self.inner.append(entry)
    }
    fn claim(&self, max: usize) -> tga_client::spool::SpoolFuture<'_, Vec<Entry>> {
        self.inner.claim(max)
    }
    fn ack<'a>(&'a self, ids: &'a [EntryId]) -> tga_client::spool::SpoolFuture<'a, ()> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Box::pin(async {
                Err(SpoolError::Io {
                    action: "appending to a segment",
                    source: std::io::Error::from_raw_os_error(28),
                })
            });
        }
        self.inner.ack(ids)
    }
    fn release<'a>(&'a self, ids: &'a [EntryId]) -> tga_client::spool::SpoolFuture<'a, ()> {
        self.inner.release(ids)
    }
    fn stats(&self) -> tga_client::spool::SpoolFuture<'_, SpoolStats> {
        self.inner.stats()
    }
}

#[tokio::test(start_paused = true)]
async fn a_flush_says_so_while_delivered_events_are_not_acknowledged() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let spool = Arc::new(AckFails {
        inner: MemorySpool::new(10_000, 1 << 20),
        failing: true.into(),
    });
    let tracker = client
        .tracker(TrackerConfig::default().with_spool(spool.clone()))
        .unwrap();
    for n in 0..880 {
        tracker.track(&event(&client, n)).await.unwrap();
    }
    let flushed = tracker.flush().await.unwrap_err();
    let report = flushed.report().unwrap();
    assert_eq!(report.unacknowledged, 880, "{flushed}");
    assert!(report.spool_error.is_some(), "{flushed}");
    assert_eq!(s.delivered().len(), 880);
    // Space returns: the next flush acknowledges them and says Ok.
    spool
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    tracker.flush().await.unwrap();
    assert_eq!(spool.stats().await.unwrap().entries, 0);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
    // Acknowledgements that fail through the shutdown are reported by it, and released.
    let tracker = client
        .tracker(TrackerConfig::default().with_spool(spool.clone()))
        .unwrap();
    spool
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    tracker.track(&event(&client, 5_000)).await.unwrap();
    let _ = tracker.flush().await;
    let shut = tracker.shutdown(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(shut.report().unwrap().unacknowledged, 1, "{shut}");
    assert_eq!(spool.stats().await.unwrap().claimed, 0);
}
