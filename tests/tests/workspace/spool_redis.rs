//! The Redis Streams spool against a real redis-server (started by `cargo xtask test`, which
//! passes its URL in `TG_REDIS_URL`). Each test is `#[ignore]`d as needing redis-server: `cargo
//! xtask test` runs them once its server is up, fails under CI without one, and elsewhere
//! counts them as skipped.
//! These tests run in real time (Redis's clock cannot be paused), on visibility timeouts of a
//! few hundred milliseconds.

use integration_tests::support::{redis_url, unique};
use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use integration_tests::spool_child::Reported;
use rand::Rng;
use tga_client::spool::{EntryId, RedisSpool, RedisSpoolConfig, Spool, SpoolError};

const VISIBILITY: Duration = Duration::from_millis(300);

async fn open(url: &str, stream: &str, consumer: &str) -> RedisSpool {
    RedisSpool::open(RedisSpoolConfig::new(url, stream, consumer).visibility_timeout(VISIBILITY))
        .await
        .unwrap()
}

fn number(bytes: &Bytes) -> u64 {
    std::str::from_utf8(bytes).unwrap().parse().unwrap()
}

/// Replica `a` dies (is dropped) holding 60 claimed entries; replica `b` gets the other 40 at
/// once, none of `a`'s before the visibility timeout, and all of `a`'s after it.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_dead_replicas_entries_are_reclaimed_by_the_other() {
    let url = redis_url();
    let stream = unique("test:spool:reclaim:");
    let a = open(&url, &stream, "a").await;
    let b = open(&url, &stream, "b").await;
    for n in 0..100u64 {
        a.append(Bytes::from(n.to_string())).await.unwrap();
    }
    let held_by_a = a.claim(60).await.unwrap();
    assert_eq!(held_by_a.len(), 60);
    drop(a);

    let mut delivered = BTreeSet::new();
    let first = b.claim(1000).await.unwrap();
    assert_eq!(first.len(), 40, "only the entries no one holds");
    assert!(
        b.claim(1000).await.unwrap().is_empty(),
        "a's are not idle yet"
    );
    for e in &first {
        delivered.insert(number(&e.bytes));
    }
    let ids: Vec<EntryId> = first.iter().map(|e| e.id).collect();
    b.ack(&ids).await.unwrap();

    tokio::time::sleep(VISIBILITY + Duration::from_millis(100)).await;
    let reclaimed = b.claim(1000).await.unwrap();
    assert_eq!(reclaimed.len(), 60, "XAUTOCLAIM takes over a's entries");
    for e in &reclaimed {
        assert!(delivered.insert(number(&e.bytes)), "delivered twice");
    }
    let ids: Vec<EntryId> = reclaimed.iter().map(|e| e.id).collect();
    b.ack(&ids).await.unwrap();
    assert_eq!(delivered, (0..100).collect());
    assert_eq!(
        b.stats().await.unwrap().entries,
        0,
        "acknowledged entries are deleted"
    );
}

/// A replica restarted under its consumer name takes back at once what it was delivering.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_restarted_replica_takes_back_its_own_entries() {
    let url = redis_url();
    let stream = unique("test:spool:restart:");
    let a = open(&url, &stream, "a").await;
    for n in 0..10u64 {
        a.append(Bytes::from(n.to_string())).await.unwrap();
    }
    let claimed = a.claim(6).await.unwrap();
    a.ack(&[claimed[0].id]).await.unwrap();
    drop(a);
    let a = open(&url, &stream, "a").await;
    let other = open(&url, &stream, "other").await;
    let back = a.claim(100).await.unwrap();
    let numbers: Vec<u64> = back.iter().map(|e| number(&e.bytes)).collect();
    assert_eq!(numbers[..5], [1, 2, 3, 4, 5], "own pending entries first");
    assert_eq!(numbers.len(), 9);
    assert!(other.claim(100).await.unwrap().is_empty());
}

/// A live replica's slow delivery is refreshed on its claims and not taken over; released
/// entries go back to the group at once (another replica takes them before the visibility
/// timeout).
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_live_replica_keeps_what_it_holds() {
    let url = redis_url();
    let stream = unique("test:spool:refresh:");
    let a = open(&url, &stream, "a").await;
    let b = open(&url, &stream, "b").await;
    for n in 0..10u64 {
        a.append(Bytes::from(n.to_string())).await.unwrap();
    }
    let held = a.claim(10).await.unwrap();
    let ids: Vec<EntryId> = held.iter().map(|e| e.id).collect();
    a.release(&ids[5..]).await.unwrap();
    let taken = b.claim(100).await.unwrap();
    assert_eq!(taken.iter().map(|e| e.id).collect::<Vec<_>>(), ids[5..]);
    b.ack(&ids[5..]).await.unwrap();
    for _ in 0..3 {
        tokio::time::sleep(VISIBILITY / 2 + Duration::from_millis(20)).await;
        assert!(a.claim(0).await.unwrap().is_empty());
    }
    // Past the visibility timeout since the claim, yet refreshed within it.
    assert!(
        b.claim(100).await.unwrap().is_empty(),
        "b took a live replica's entries"
    );
    a.ack(&ids[..5]).await.unwrap();
    assert_eq!(a.stats().await.unwrap().entries, 0);
}

/// The stream's entry bound refuses with a typed error; an acknowledgement makes room.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_full_stream_refuses_with_a_typed_error() {
    let url = redis_url();
    let stream = unique("test:spool:full:");
    let config = RedisSpoolConfig::new(url.as_str(), stream.as_str(), "a").max_entries(3);
    let a = RedisSpool::open(config).await.unwrap();
    for n in 0..3u64 {
        a.append(Bytes::from(n.to_string())).await.unwrap();
    }
    assert!(matches!(
        a.append(Bytes::from_static(b"3")).await,
        Err(SpoolError::Full { max_entries: 3, .. })
    ));
    let one = a.claim(1).await.unwrap();
    a.ack(&[one[0].id]).await.unwrap();
    a.append(Bytes::from_static(b"3")).await.unwrap();
    assert_eq!(a.stats().await.unwrap().entries, 3);
}

/// A URL that is not Redis's is a typed error naming no secret.
#[tokio::test]
async fn a_bad_url_is_refused_without_echoing_it() {
    let config = RedisSpoolConfig::new("http://user:s3cret@example.invalid", "s", "a");
    let err = RedisSpool::open(config).await.unwrap_err();
    assert!(matches!(err, SpoolError::Unusable(_)), "{err:?}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

/// A replica process killed (SIGKILL) while appending and delivering: another replica takes
/// over, after the visibility timeout, everything it had appended and not acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_killed_replicas_entries_are_delivered_by_the_other() {
    let url = redis_url();
    let stream = unique("test:spool:killed:");
    let mut reported = Reported::default();
    let lines = rand::rng().random_range(1_000..4_000);
    let args = [
        "redis".to_owned(),
        url.clone(),
        stream.clone(),
        "0".to_owned(),
    ];
    let program = env!("CARGO_BIN_EXE_spool_child");
    tokio::task::block_in_place(|| reported.run_child(program, &args, 0, lines));
    let other = open(&url, &stream, "other").await;
    tokio::time::sleep(VISIBILITY + Duration::from_millis(100)).await;
    let mut all = Vec::new();
    loop {
        let batch = other.claim(500).await.unwrap();
        if batch.is_empty() {
            break;
        }
        all.extend(batch);
    }
    reported.check(&all);
    let ids: Vec<EntryId> = all.iter().map(|e| e.id).collect();
    other.ack(&ids).await.unwrap();
    assert_eq!(other.stats().await.unwrap().entries, 0);
}
