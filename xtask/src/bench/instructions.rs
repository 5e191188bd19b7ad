//! `cargo xtask bench instructions`: CPU cost per call as instructions, counted by valgrind's
//! callgrind on the client's thread alone. Unlike CPU time, the count does not move with the
//! machine's load or with other virtual machines on the same host, so it decides the CPU
//! targets reliably on a shared two-core machine.
//!
//! Each client and operation runs twice in `XTASK_PROFILE_ONLY` mode of `bench compare`, with
//! `SHORT` and `LONG` calls; the difference of the two counts divided by the difference of the
//! calls is the cost of one call, without start-up, connection set-up or the first calls.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Report;
use super::compare::{Contender, Op, TARGETS, print_ratios};
use super::measure::median;
use crate::text;

/// Calls of the shorter run.
const SHORT: usize = 500;
/// Calls of the longer run.
const LONG: usize = 2_500;
/// Measurements per client and operation; the median is reported. The count moves by about
/// 1% from one run to the next (the order in which valgrind runs the client's and the fake's
/// threads changes how often each one polls and parks).
const REPEATS: usize = 3;

pub fn run(report: &mut Report) -> Result<(), String> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("instructions: skipped (valgrind is not installed)");
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(text)?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench/callgrind");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(text)?;
    println!(
        "instructions: callgrind, client thread only, ({LONG} calls − {SHORT} calls) ÷ {} per \
         call, median of {REPEATS} (spread: largest − smallest)",
        LONG - SHORT
    );
    println!(
        "    {:<18} {:<22} {:>14} {:>10}",
        "operation", "client", "instructions", "spread"
    );
    for op in Op::ALL {
        let mut counts = Vec::new();
        for who in Contender::ALL {
            let mut samples = Vec::with_capacity(REPEATS);
            for _ in 0..REPEATS {
                // The two runs of one client go side by side: each uses one core.
                let short = spawn(&exe, &dir, who, op, SHORT)?;
                let long = spawn(&exe, &dir, who, op, LONG)?;
                let (short, long) = (finish(short)?, finish(long)?);
                samples.push((long as f64 - short as f64) / (LONG - SHORT) as f64);
            }
            let per_call = median(&samples);
            let spread = samples.iter().copied().fold(f64::MIN, f64::max)
                - samples.iter().copied().fold(f64::MAX, f64::min);
            println!(
                "    {:<18} {:<22} {per_call:>14.0} {spread:>10.0}",
                op.label(),
                who.label()
            );
            let key = format!("instructions.{}.{}", op.key(), who.key());
            report.push(&format!("{key}.spread"), spread);
            report.push(&key, per_call);
            counts.push(per_call);
        }
        for (who, target) in TARGETS {
            let r = counts[0] / counts[who as usize];
            print_ratios(who, target, &[("", r)]);
            report.push(&format!("instructions.{}.vs_{}", op.key(), who.key()), r);
        }
    }
    Ok(())
}

/// A callgrind run in progress and the file its main thread's counts go to.
struct Running {
    child: std::process::Child,
    out: PathBuf,
    what: String,
}

fn spawn(exe: &Path, dir: &Path, who: Contender, op: Op, calls: usize) -> Result<Running, String> {
    let base = dir.join(format!("{}-{}-{calls}.out", who.key(), op.key()));
    let what = format!("{} {} ({calls} calls)", who.label(), op.label());
    let child = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--separate-threads=yes")
        .arg(format!("--callgrind-out-file={}", base.display()))
        .arg(exe)
        .args(["bench", "compare"])
        .env(
            "XTASK_PROFILE_ONLY",
            format!("{}:{}", who.key(), op.profile_key()),
        )
        .env("XTASK_PROFILE_CALLS", calls.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("valgrind for {what}: {e}"))?;
    // With --separate-threads, the main thread (the client's) writes `<file>-01`.
    let out = PathBuf::from(format!("{}-01", base.display()));
    Ok(Running { child, out, what })
}

/// Waits for the run and reads the main thread's instruction count.
fn finish(mut run: Running) -> Result<u64, String> {
    let status = run.child.wait().map_err(text)?;
    if !status.success() {
        return Err(format!("callgrind of {} failed: {status}", run.what));
    }
    let text =
        std::fs::read_to_string(&run.out).map_err(|e| format!("{}: {e}", run.out.display()))?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|n| n.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("{}: no instruction total", run.out.display()))
}
