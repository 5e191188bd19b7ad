//! The parent side of the tracker crash tests: runs `tracker_child` and kills it with SIGKILL
//! after a given number of lines, gathering the events it reported accepted.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Runs `program` (`tracker_child`) with `args` and `TGA_TOKEN=token`, kills it with SIGKILL once it has
/// reported `lines` events, and returns the numbers `track` accepted. Panics if it ends on its
/// own.
pub fn run_and_kill(program: &str, args: &[String], token: &str, lines: usize) -> BTreeSet<i64> {
    let mut child = Command::new(program)
        .args(args)
        .env("TGA_TOKEN", token)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("tracker_child did not start: {e}"));
    let Some(stdout) = child.stdout.take() else {
        panic!("tracker_child has no stdout");
    };
    let mut accepted = BTreeSet::new();
    let mut killed = false;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(n) = line.strip_prefix("T ").and_then(|n| n.parse().ok()) {
            accepted.insert(n);
        }
        if accepted.len() == lines && !killed {
            // SIGKILL: the child gets no chance to flush, sync or acknowledge anything.
            if let Err(e) = child.kill() {
                panic!("kill failed: {e}");
            }
            killed = true;
        }
    }
    let status = child.wait();
    assert!(killed, "tracker_child ended on its own: {status:?}");
    accepted
}
