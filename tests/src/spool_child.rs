//! The parent side of the spool crash tests: runs `spool_child`, kills it with SIGKILL after a
//! given number of lines, and checks what a spool holds afterwards against what the child
//! reported.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use tga_client::spool::Entry;

/// What the children reported before they died.
#[derive(Debug, Default)]
pub struct Reported {
    /// Appended: the append returned.
    pub appended: BTreeSet<u64>,
    /// Acknowledged: the acknowledgement returned.
    pub acked: BTreeSet<u64>,
    /// In the acknowledgement that had not returned when its child died: held or gone.
    pub acking: BTreeSet<u64>,
    /// The numbers being appended when a child died: written or not.
    pub in_flight: BTreeSet<u64>,
}

impl Reported {
    /// Runs `spool_child ARGS` (its entries numbered from `first`) and kills it with SIGKILL
    /// once it has printed `lines` lines. Panics if it ends on its own.
    pub fn run_child(&mut self, program: &str, args: &[String], first: u64, lines: usize) {
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spool_child did not start: {e}"));
        let Some(stdout) = child.stdout.take() else {
            panic!("spool_child has no stdout");
        };
        let mut next = first;
        let mut killed = false;
        let mut acking = BTreeSet::new();
        for (seen, line) in BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .enumerate()
        {
            if let Some(n) = line.strip_prefix("P ").and_then(|n| n.parse::<u64>().ok()) {
                self.appended.insert(n);
                next = n + 1;
            } else if let Some(list) = line.strip_prefix("C ") {
                acking = list.split(',').filter_map(|s| s.parse().ok()).collect();
            } else if line == "A" {
                self.acked.append(&mut acking);
            }
            if seen + 1 == lines && !killed {
                // SIGKILL: the child gets no chance to flush or sync anything.
                if let Err(e) = child.kill() {
                    panic!("kill failed: {e}");
                }
                killed = true;
            }
        }
        let status = child.wait();
        assert!(killed, "spool_child ended on its own: {status:?}");
        self.acking.append(&mut acking);
        self.in_flight.insert(next);
    }

    /// Checks entries a spool holds after the children died: every entry appended and not
    /// (possibly) acknowledged is there once and whole, no acknowledged one, nothing unknown.
    /// The numbers found.
    pub fn check(&self, entries: &[Entry]) -> BTreeSet<u64> {
        let mut found = BTreeSet::new();
        for e in entries {
            let n: u64 = std::str::from_utf8(&e.bytes[..12])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("entry {} not a child's: {:?}", e.id, e.bytes));
            assert_eq!(e.bytes.len(), 300, "entry {n} whole");
            assert!(
                e.bytes[13..].iter().all(|b| *b == b'a' + (n % 26) as u8),
                "entry {n} intact"
            );
            assert!(found.insert(n), "entry {n} held twice");
        }
        let must: Vec<u64> = self
            .appended
            .iter()
            .filter(|n| !self.acked.contains(n) && !self.acking.contains(n))
            .copied()
            .collect();
        let missing: Vec<&u64> = must.iter().filter(|n| !found.contains(n)).collect();
        assert!(
            missing.is_empty(),
            "{} lost, first {:?}",
            missing.len(),
            first(&missing)
        );
        let back: Vec<&u64> = found.intersection(&self.acked).collect();
        assert!(
            back.is_empty(),
            "{} acknowledged yet held, first {:?}",
            back.len(),
            first(&back)
        );
        let unknown: Vec<&u64> = found
            .iter()
            .filter(|n| !self.appended.contains(n) && !self.in_flight.contains(n))
            .collect();
        assert!(
            unknown.is_empty(),
            "{} never appended, first {:?}",
            unknown.len(),
            first(&unknown)
        );
        assert!(
            must.len() > 500,
            "only {} entries held: the test checked little",
            must.len()
        );
        found
    }
}

fn first<'a>(list: &'a [&'a u64]) -> &'a [&'a u64] {
    &list[..list.len().min(10)]
}
