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
