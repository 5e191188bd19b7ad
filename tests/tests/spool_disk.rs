//! The disk spool under a real crash: a child process appends (and delivers some) entries, is
//! killed with SIGKILL at a random moment, and a spool opened on the same directory holds
//! everything whose append had returned and nothing whose acknowledgement had returned.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use rand::Rng;
use tga_client::spool::{DiskConfig, DiskSpool};

/// What the child reported before it died.
#[derive(Default)]
struct Reported {
    /// Appended: the append returned.
    appended: BTreeSet<u64>,
    /// Acknowledged: the acknowledgement returned.
    acked: BTreeSet<u64>,
    /// In an acknowledgement that had not returned: either held or gone.
    acking: BTreeSet<u64>,
    /// The number appended next: its append may or may not have been written.
    next: u64,
}

/// Runs one child from `first` and kills it after `lines` lines.
fn run_child(dir: &std::path::Path, first: u64, lines: usize, into: &mut Reported) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spool_child"))
        .arg(dir)
        .arg(first.to_string())
        .arg("65536")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = 0;
    let mut killed = false;
    into.next = first;
    for line in out.lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("P ") {
            let n: u64 = n.parse().unwrap();
            into.appended.insert(n);
            into.next = n + 1;
        } else if let Some(list) = line.strip_prefix("C ") {
            into.acking = list
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
        } else if line == "A" {
            into.acked.append(&mut into.acking);
        }
        seen += 1;
        if seen == lines && !killed {
            // SIGKILL: the child gets no chance to flush or sync anything.
            child.kill().unwrap();
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(killed, "the child ended on its own: {status:?}");
}

fn first<'a>(list: &'a [&'a u64]) -> &'a [&'a u64] {
    &list[..list.len().min(10)]
}

#[test]
fn a_killed_writer_loses_nothing_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rng();
    let mut reported = Reported::default();
    let mut in_flight = BTreeSet::new();
    // Three lives of the writer on one directory, each killed at a random moment; each life
    // also delivers entries of the earlier ones.
    for life in 0..3u64 {
        let lines = rng.random_range(1_000..10_000);
        run_child(dir.path(), life * 1_000_000, lines, &mut reported);
        in_flight.insert(reported.next);
    }
    let spool = DiskSpool::open(DiskConfig::new(dir.path()).segment_bytes(65536)).unwrap();
    let mut recovered = BTreeSet::new();
    for e in spool.claim_now(usize::MAX).unwrap() {
        let n: u64 = std::str::from_utf8(&e.bytes[..12])
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(e.bytes.len(), 300, "entry {n} whole");
        assert!(e.bytes[13..].iter().all(|b| *b == b'a' + (n % 26) as u8));
        assert!(recovered.insert(n), "entry {n} recovered twice");
    }
    let must: BTreeSet<u64> = reported
        .appended
        .difference(&reported.acked)
        .filter(|n| !reported.acking.contains(n))
        .copied()
        .collect();
    let missing: Vec<_> = must.difference(&recovered).collect();
    assert!(
        missing.is_empty(),
        "{} lost after SIGKILL, first {:?}",
        missing.len(),
        first(&missing)
    );
    let acked_back: Vec<_> = recovered.intersection(&reported.acked).collect();
    assert!(
        acked_back.is_empty(),
        "{} acknowledged yet back, first {:?}",
        acked_back.len(),
        first(&acked_back)
    );
    let unknown: Vec<_> = recovered
        .iter()
        .filter(|n| !reported.appended.contains(n) && !in_flight.contains(n))
        .collect();
    assert!(
        unknown.is_empty(),
        "{} never appended, first {:?}",
        unknown.len(),
        first(&unknown)
    );
    assert!(must.len() > 1_000, "{} entries held", must.len());
    assert_eq!(
        spool.recovery().discarded_bytes,
        0,
        "an append is one whole write"
    );
}
