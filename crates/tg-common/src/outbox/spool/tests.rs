//! The claim and acknowledgement rules every local spool keeps, run on each backend.

use bytes::Bytes;

use super::{DiskConfig, DiskSpool, EntryId, MemorySpool, Spool, SpoolError};

async fn claim_ack_release(spool: &dyn Spool) {
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(spool.append(Bytes::from(format!("e{i}"))).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    let first = spool.claim(2).await.unwrap();
    assert_eq!(first.iter().map(|e| e.id).collect::<Vec<_>>(), ids[..2]);
    assert_eq!(first[1].bytes, "e1");
    // Claimed entries are given to no one else.
    let second = spool.claim(10).await.unwrap();
    assert_eq!(second.iter().map(|e| e.id).collect::<Vec<_>>(), ids[2..]);
    assert!(spool.claim(10).await.unwrap().is_empty());
    let stats = spool.stats().await.unwrap();
    assert_eq!((stats.entries, stats.claimed), (5, 5));
    // Released entries come back, oldest first; acknowledged ones never.
    spool.release(&[ids[1], ids[4]]).await.unwrap();
    spool.ack(&[ids[0], ids[2], ids[3]]).await.unwrap();
    spool.ack(&[ids[0], EntryId::new(999)]).await.unwrap();
    let again = spool.claim(10).await.unwrap();
    assert_eq!(
        again.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[1], ids[4]]
    );
    assert_eq!(again[1].bytes, "e4");
    spool.ack(&[ids[1], ids[4]]).await.unwrap();
    let stats = spool.stats().await.unwrap();
    assert_eq!((stats.entries, stats.claimed, stats.bytes), (0, 0, 0));
}

#[tokio::test]
async fn memory_spool_keeps_the_claim_rules() {
    claim_ack_release(&MemorySpool::new(100, 1 << 20)).await;
}

#[tokio::test]
async fn disk_spool_keeps_the_claim_rules() {
    let dir = tempfile::tempdir().unwrap();
    claim_ack_release(&DiskSpool::open(DiskConfig::new(dir.path())).unwrap()).await;
}

#[test]
fn memory_spool_refuses_past_its_bounds() {
    let spool = MemorySpool::new(2, 10);
    let a = spool.append_now(Bytes::from_static(b"12345")).unwrap();
    spool.append_now(Bytes::from_static(b"1234")).unwrap();
    assert!(matches!(
        spool.append_now(Bytes::from_static(b"1")),
        Err(SpoolError::Full { entries: 2, .. })
    ));
    spool.ack_now(&[a]);
    assert!(matches!(
        spool.append_now(Bytes::from_static(b"1234567")),
        Err(SpoolError::Full { bytes: 4, .. })
    ));
    assert!(matches!(
        spool.append_now(Bytes::from_static(b"12345678901")),
        Err(SpoolError::TooLarge { len: 11, max: 10 })
    ));
    spool.append_now(Bytes::from_static(b"123456")).unwrap();
}

/// Four writers and three deliverers at once: every entry is claimed by exactly one deliverer.
async fn concurrent_deliverers_never_share_an_entry(spool: std::sync::Arc<dyn Spool>) {
    let mut writers = Vec::new();
    for w in 0..4u64 {
        let spool = std::sync::Arc::clone(&spool);
        writers.push(tokio::spawn(async move {
            for i in 0..500u64 {
                spool
                    .append(Bytes::from(format!("{}", w * 1000 + i)))
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut deliverers = Vec::new();
    for _ in 0..3 {
        let spool = std::sync::Arc::clone(&spool);
        deliverers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            let mut idle = 0;
            while idle < 200 {
                let batch = spool.claim(7).await.unwrap();
                if batch.is_empty() {
                    idle += 1;
                }
                let ids: Vec<EntryId> = batch.iter().map(|e| e.id).collect();
                got.extend(batch.into_iter().map(|e| e.bytes));
                spool.ack(&ids).await.unwrap();
                tokio::task::yield_now().await;
            }
            got
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let mut all = Vec::new();
    for d in deliverers {
        all.extend(d.await.unwrap());
    }
    all.extend(
        spool
            .claim(usize::MAX)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.bytes),
    );
    let distinct: std::collections::HashSet<_> = all.iter().cloned().collect();
    assert_eq!(all.len(), 2000, "each entry once");
    assert_eq!(distinct.len(), 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_spool_deliverers_never_share_an_entry() {
    concurrent_deliverers_never_share_an_entry(std::sync::Arc::new(MemorySpool::new(
        1 << 20,
        1 << 30,
    )))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn disk_spool_deliverers_never_share_an_entry() {
    let dir = tempfile::tempdir().unwrap();
    let config = DiskConfig::new(dir.path()).segment_bytes(4096);
    concurrent_deliverers_never_share_an_entry(std::sync::Arc::new(
        DiskSpool::open(config).unwrap(),
    ))
    .await;
}
