//! The disk spool: reopening, torn tails, bounds, reclaimed space, the directory lock.

use std::path::{Path, PathBuf};

use super::record::APPEND_OVERHEAD;
use super::segment;
use super::{DiskConfig, DiskSpool, FsyncPolicy};
use crate::spool::{EntryId, SpoolError};

fn entry(i: u64) -> Vec<u8> {
    format!("entry-{i:06}-{}", "x".repeat((i % 7) as usize)).into_bytes()
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(segment::parse_name)
                .is_some()
        })
        .collect();
    files.sort();
    files
}

/// Claims everything ready; `(id, bytes)` in id order.
fn drain(spool: &DiskSpool) -> Vec<(u64, Vec<u8>)> {
    let mut all: Vec<(u64, Vec<u8>)> = spool
        .claim_now(usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| (e.id.low(), e.bytes.to_vec()))
        .collect();
    all.sort();
    all
}

#[test]
fn reopening_gives_back_what_was_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let config = DiskConfig::new(dir.path()).segment_bytes(2048);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let ids: Vec<EntryId> = (0..100)
        .map(|i| spool.append_now(&entry(i)).unwrap())
        .collect();
    spool.ack_now(&ids[..40]).unwrap();
    let claimed = spool.claim_now(10).unwrap();
    assert_eq!(claimed[0].id, ids[40]);
    let before = spool.stats_now();
    drop(spool);

    let spool = DiskSpool::open(config).unwrap();
    assert_eq!(spool.recovery().entries, 60);
    assert_eq!(spool.recovery().discarded_bytes, 0);
    assert_eq!(spool.stats_now().bytes, before.bytes);
    let back = drain(&spool);
    let want: Vec<(u64, Vec<u8>)> = (40..100).map(|i| (i + 1, entry(i))).collect();
    assert_eq!(back, want, "the claimed entries come back with the others");
    // Ids keep increasing after a restart.
    assert_eq!(spool.append_now(b"next").unwrap().low(), 101);
}

#[test]
fn a_torn_tail_loses_nothing_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = DiskConfig::new(dir.path()).fsync(FsyncPolicy::Never);
    let spool = DiskSpool::open(config.clone()).unwrap();
    for i in 0..50 {
        spool.append_now(&entry(i)).unwrap();
    }
    drop(spool);
    let last = segments(dir.path()).pop().unwrap();
    let full = std::fs::read(&last).unwrap();
    let last_record = entry(49).len() + APPEND_OVERHEAD;
    let whole = full.len() - last_record;
    // Every cut inside the last record, and garbage after it.
    for cut in (1..last_record).step_by(3) {
        std::fs::write(&last, &full[..whole + cut]).unwrap();
        let spool = DiskSpool::open(config.clone()).unwrap();
        assert_eq!(spool.recovery().discarded_bytes, cut as u64, "cut {cut}");
        let back = drain(&spool);
        assert_eq!(back.len(), 49, "cut {cut}");
        assert_eq!(back[48], (49, entry(48)));
        drop(spool);
        for extra in segments(dir.path()).into_iter().filter(|p| *p != last) {
            std::fs::remove_file(extra).unwrap();
        }
    }
    let mut garbage = full.clone();
    garbage.extend_from_slice(&[0x5a; 40]);
    std::fs::write(&last, &garbage).unwrap();
    let spool = DiskSpool::open(config.clone()).unwrap();
    assert_eq!(spool.recovery().discarded_bytes, 40);
    assert_eq!(drain(&spool).len(), 50);
    // Appends after a cut tail are read back after the next reopen.
    spool.append_now(b"after").unwrap();
    drop(spool);
    let spool = DiskSpool::open(config).unwrap();
    let back = drain(&spool);
    assert_eq!(back.len(), 51);
    assert_eq!(back[50].1, b"after");
}

#[test]
fn a_full_spool_refuses_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let per = (10 + APPEND_OVERHEAD) as u64;
    let config = DiskConfig::new(dir.path())
        .bounds(5, 3 * per)
        .max_entry_bytes(64);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let ids: Vec<EntryId> = (0..3)
        .map(|_| spool.append_now(&[7; 10]).unwrap())
        .collect();
    match spool.append_now(&[7; 10]) {
        Err(SpoolError::Full {
            entries: 3,
            bytes,
            max_bytes,
            ..
        }) => assert_eq!((bytes, max_bytes), (3 * per, 3 * per)),
        other => panic!("expected Full, got {other:?}"),
    }
    assert!(matches!(
        spool.append_now(&[0; 65]),
        Err(SpoolError::TooLarge { len: 65, max: 64 })
    ));
    spool.ack_now(&ids[..1]).unwrap();
    spool.append_now(&[7; 10]).unwrap();
    drop(spool);
    // The bound holds across a restart.
    let spool = DiskSpool::open(config).unwrap();
    assert!(matches!(
        spool.append_now(&[1]),
        Err(SpoolError::Full { .. })
    ));
    let counted = DiskSpool::open(DiskConfig::new(dir.path().join("n")).bounds(2, 1 << 20));
    let counted = counted.unwrap();
    counted.append_now(b"a").unwrap();
    counted.append_now(b"b").unwrap();
    assert!(matches!(
        counted.append_now(b"c"),
        Err(SpoolError::Full {
            entries: 2,
            max_entries: 2,
            ..
        })
    ));
}

#[test]
fn acknowledged_space_is_reclaimed_even_around_a_held_entry() {
    let dir = tempfile::tempdir().unwrap();
    let config = DiskConfig::new(dir.path()).segment_bytes(1024);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let ids: Vec<EntryId> = (0..2000)
        .map(|i| spool.append_now(&entry(i)).unwrap())
        .collect();
    assert!(segments(dir.path()).len() > 50);
    // The first entry stays held (a dead letter not yet taken); the rest is delivered.
    for chunk in ids[1..].chunks(100) {
        spool.ack_now(chunk).unwrap();
    }
    let files = segments(dir.path());
    assert!(files.len() <= 2, "{} segments left", files.len());
    assert!(spool.stats_now().stored_bytes <= 2 * 1024 + 200);
    drop(spool);
    let spool = DiskSpool::open(config).unwrap();
    assert_eq!(drain(&spool), vec![(1, entry(0))]);
}

#[test]
fn a_directory_is_open_in_one_spool_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let spool = DiskSpool::open(DiskConfig::new(dir.path())).unwrap();
    assert!(matches!(
        DiskSpool::open(DiskConfig::new(dir.path())),
        Err(SpoolError::Unusable(_))
    ));
    drop(spool);
    DiskSpool::open(DiskConfig::new(dir.path())).unwrap();
}

/// Fixed-size entries: a record of 40 + 21 bytes, 16 a segment of 1,000 bytes.
fn fixed(i: u64) -> Vec<u8> {
    format!("{i:040}").into_bytes()
}

/// A directory with 100 fixed entries appended in 1,000-byte segments (7 segments).
fn damaged_dir() -> (tempfile::TempDir, DiskConfig) {
    let dir = tempfile::tempdir().unwrap();
    let config = DiskConfig::new(dir.path()).segment_bytes(1000);
    let spool = DiskSpool::open(config.clone()).unwrap();
    for i in 0..100 {
        spool.append_now(&fixed(i)).unwrap();
    }
    drop(spool);
    assert_eq!(segments(dir.path()).len(), 7);
    (dir, config)
}

fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

const RECORD: usize = 40 + APPEND_OVERHEAD;

#[test]
fn damage_is_skipped_reported_and_never_refuses_the_spool() {
    let header = segment::HEADER_LEN as usize;
    // A flipped byte in an older segment's header: its records are still read.
    let (dir, config) = damaged_dir();
    flip(&segments(dir.path())[1], 3);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let r = spool.recovery().clone();
    assert_eq!((r.entries, r.damaged_segments), (100, 1), "{r:?}");
    assert_eq!((r.discarded_bytes, r.discarded_records), (header as u64, 0));
    assert_eq!(drain(&spool).len(), 100);
    drop(spool);

    // A flipped byte in a record in the middle of a segment: that record alone is lost, the
    // file is not cut.
    let (dir, config) = damaged_dir();
    let second = segments(dir.path())[1].clone();
    let len = std::fs::metadata(&second).unwrap().len();
    flip(&second, header + 2 * RECORD + 30);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let r = spool.recovery().clone();
    assert_eq!((r.entries, r.damaged_segments), (99, 1), "{r:?}");
    assert_eq!((r.discarded_bytes, r.discarded_records), (RECORD as u64, 1));
    let back: Vec<u64> = drain(&spool).into_iter().map(|(id, _)| id).collect();
    assert!(
        !back.contains(&(16 + 2 + 1)) && back.len() == 99,
        "{back:?}"
    );
    assert_eq!(
        std::fs::metadata(&second).unwrap().len(),
        len,
        "not truncated"
    );
    drop(spool);
    // The same again: nothing more is lost by opening twice.
    let spool = DiskSpool::open(config).unwrap();
    assert_eq!(spool.recovery().entries, 99);
    drop(spool);

    // A flipped byte in the record magic, then in the newest segment's last record.
    let (dir, config) = damaged_dir();
    flip(&segments(dir.path())[0], header + RECORD);
    let newest = segments(dir.path()).pop().unwrap();
    let newest_len = std::fs::metadata(&newest).unwrap().len() as usize;
    flip(&newest, newest_len - 5);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let r = spool.recovery().clone();
    assert_eq!(r.entries, 98, "{r:?}");
    assert_eq!(
        (r.discarded_bytes, r.discarded_records),
        (2 * RECORD as u64, 2)
    );
    // The newest segment's unreadable tail is cut and appends go on after it.
    spool.append_now(b"after").unwrap();
    drop(spool);
    let spool = DiskSpool::open(config).unwrap();
    assert_eq!(spool.recovery().entries, 99);
    assert_eq!(spool.recovery().discarded_bytes, RECORD as u64);
    drop(spool);

    // A stray file named like a segment, and a segment truncated to nothing: renamed aside,
    // reported, never a reason to refuse the directory.
    let (dir, config) = damaged_dir();
    let stray = dir.path().join(segment::file_name(3_000));
    std::fs::write(&stray, [1u8; 64]).unwrap();
    let third = segments(dir.path())[2].clone();
    std::fs::write(&third, b"").unwrap();
    let spool = DiskSpool::open(config).unwrap();
    let r = spool.recovery().clone();
    assert_eq!(r.entries, 100 - 16, "{r:?}");
    assert_eq!(r.quarantined.len(), 2, "{r:?}");
    assert_eq!(r.discarded_bytes, 64);
    assert_eq!(
        std::fs::read(&r.quarantined[1]).unwrap(),
        [1u8; 64],
        "kept aside"
    );
    assert!(!stray.exists() && !third.exists());
    // New segments never take a number seen before.
    spool.append_now(b"new").unwrap();
    assert!(segments(dir.path()).pop().unwrap() > stray);
}

#[test]
fn every_policy_appends_and_recovers() {
    for policy in [
        FsyncPolicy::Never,
        FsyncPolicy::EveryAppend,
        FsyncPolicy::Interval(std::time::Duration::from_millis(5)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = DiskConfig::new(dir.path()).fsync(policy);
        let spool = DiskSpool::open(config.clone()).unwrap();
        for i in 0..20 {
            spool.append_now(&entry(i)).unwrap();
        }
        spool.sync().unwrap();
        drop(spool);
        assert_eq!(DiskSpool::open(config).unwrap().recovery().entries, 20);
    }
}

/// The bytes of the segment files in `dir`.
fn files_bytes(dir: &Path) -> u64 {
    segments(dir)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum()
}

#[test]
fn held_entries_never_grow_the_files_past_max_bytes() {
    // One entry in ten is held for good (a dead letter kept), the rest delivered in order:
    // about 0.7 MiB held over 60,000 entries, the files bounded by 1 MiB.
    let dir = tempfile::tempdir().unwrap();
    let max_bytes = 1 << 20;
    let config = DiskConfig::new(dir.path())
        .segment_bytes(16 << 10)
        .bounds(1 << 20, max_bytes);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let (mut batch, mut most) = (Vec::new(), 0);
    for i in 0..60_000u64 {
        let id = spool.append_now(&entry(i + 1_000_000)).unwrap();
        if i % 10 != 0 {
            batch.push(id);
        }
        if batch.len() == 50 {
            spool.ack_now(&batch).unwrap();
            batch.clear();
        }
        if i % 1_000 == 0 {
            most = most.max(files_bytes(dir.path()));
        }
    }
    spool.ack_now(&batch).unwrap();
    let stats = spool.stats_now();
    most = most.max(files_bytes(dir.path()));
    let per_segment = segment::HEADER_LEN * segments(dir.path()).len() as u64;
    println!(
        "held {} entries, {} bytes; files at most {most} bytes, {} now",
        stats.entries, stats.bytes, stats.stored_bytes
    );
    assert_eq!(stats.entries, 6_000);
    assert!(most <= max_bytes + per_segment, "{most} bytes of files");
    drop(spool);
    let spool = DiskSpool::open(config).unwrap();
    assert_eq!(
        drain(&spool).len(),
        6_000,
        "the held entries survive compaction"
    );
}

/// A tmpfs of `size` mounted on a new directory, unmounted when dropped; `None` when the
/// machine does not allow mounting one.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status();
        status.ok().filter(|s| s.success()).map(|_| Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

fn no_space(e: &SpoolError) -> bool {
    match e {
        SpoolError::Io { source, .. } => {
            source.kind() == std::io::ErrorKind::StorageFull || source.raw_os_error() == Some(28)
        }
        _ => false,
    }
}

#[test]
fn a_full_disk_leaves_the_spool_usable_once_space_returns() {
    // 4 KiB segments: every new segment needs a new page, so the disk fills while a segment is
    // created, as it did in the crash campaign.
    let Some(fs) = Tmpfs::mount("1m") else {
        // No tmpfs here: the injected-error variant is the unit test's fallback.
        println!("tmpfs cannot be mounted here: the write error is injected");
        return injected_full_disk();
    };
    let root = fs.0.path();
    let filler = root.join("filler");
    std::fs::write(&filler, vec![0u8; 128 << 10]).unwrap();
    let config = DiskConfig::new(root.join("spool"))
        .segment_bytes(4096)
        .fsync(FsyncPolicy::Never);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let mut ids = Vec::new();
    let error = loop {
        match spool.append_now(&[b'x'; 900]) {
            Ok(id) => ids.push(id),
            Err(e) => break e,
        }
        assert!(ids.len() < 10_000, "the disk never filled");
    };
    assert!(no_space(&error), "{error:?}");
    // Still full: appends and acknowledgements fail with the disk's error, nothing else.
    for _ in 0..3 {
        let e = spool.append_now(&[b'y'; 900]).unwrap_err();
        assert!(no_space(&e), "{e:?}");
    }
    let acked = ids[..ids.len() / 2].to_vec();
    for chunk in acked.chunks(10) {
        if let Err(e) = spool.ack_now(chunk) {
            assert!(no_space(&e), "{e:?}");
        }
    }
    // A spool whose disk is full opens again (and gives back what it holds).
    drop(spool);
    let spool = DiskSpool::open(config.clone()).unwrap();
    assert!(spool.recovery().entries >= (ids.len() - acked.len()) as u64);
    // Space returns: everything works again.
    std::fs::remove_file(&filler).unwrap();
    spool.ack_now(&acked).unwrap();
    for _ in 0..20 {
        ids.push(spool.append_now(&[b'z'; 900]).unwrap());
    }
    spool.ack_now(&ids[acked.len()..]).unwrap();
    assert_eq!(spool.stats_now().entries, 0);
    drop(spool);
    assert_eq!(DiskSpool::open(config).unwrap().recovery().entries, 0);
}

/// Without a tmpfs: segment creation fails as on a full disk (a directory where the new file
/// goes), then works again.
fn injected_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let config = DiskConfig::new(dir.path()).segment_bytes(4096);
    let spool = DiskSpool::open(config.clone()).unwrap();
    let first = spool.append_now(&[b'x'; 900]).unwrap();
    let next = segments(dir.path()).last().map_or(0, |p| {
        segment::parse_name(p.file_name().unwrap().to_str().unwrap()).unwrap()
    }) + 1;
    // The next segment's half-created file cannot be written (a directory is in its way).
    let blocker = dir.path().join(format!("{next:020}.seg.new"));
    std::fs::create_dir(&blocker).unwrap();
    let mut failed = 0;
    for _ in 0..10 {
        if spool.append_now(&[b'y'; 900]).is_err() {
            failed += 1;
        }
    }
    assert!(failed > 0, "the creation never failed");
    std::fs::remove_dir(&blocker).unwrap();
    spool.append_now(&[b'z'; 900]).unwrap();
    spool.ack_now(&[first]).unwrap();
    drop(spool);
    DiskSpool::open(config).unwrap();
}
