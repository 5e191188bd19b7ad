//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs every cargo-fuzz target of `fuzz/` (or the
//! ones named) for N seconds each (default 60) with the nightly toolchain, and fails if any
//! target panics, hangs or runs out of memory.
//!
//! Installs cargo-fuzz from crates.io first when it is missing. Each target's corpus
//! (`fuzz/corpus/<target>/`, not checked in) is seeded from the documents' examples in
//! `fixtures/<provider>/` and the hand-made inputs in `fuzz/seeds/<target>/`. Findings are left
//! where libFuzzer writes them, `fuzz/artifacts/<target>/`; each run's full output goes to
//! `fuzz/target/xtask-logs/<target>.log`. Not part of `cargo xtask test`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Seconds per target unless `--seconds` says otherwise.
const DEFAULT_SECONDS: u64 = 60;
/// Longest time one input may take before libFuzzer reports a hang.
const INPUT_TIMEOUT_SECS: u64 = 10;
/// Memory limit of a fuzzing process.
const RSS_LIMIT_MB: u64 = 2048;
/// Time allowed beyond `--seconds` for a run to start, finish and report (the build is done
/// beforehand) before the run counts as hung and is stopped.
const GRACE: Duration = Duration::from_secs(180);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// `cargo` through rustup, so that `+nightly` selects the toolchain.
fn nightly_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .current_dir(fuzz_dir())
        // The fuzz crate's own target directory, whatever the caller's is.
        .env("CARGO_TARGET_DIR", fuzz_dir().join("target"))
        .env_remove("RUSTUP_TOOLCHAIN");
    cmd
}

fn parse_args(args: &[&str]) -> Result<(u64, Vec<String>), String> {
    let mut seconds = DEFAULT_SECONDS;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--seconds" => {
                let n = it.next().ok_or("--seconds needs a number")?;
                seconds = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--seconds: `{n}` is not a positive number"))?;
            }
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`")),
            target => targets.push(target.to_owned()),
        }
    }
    Ok((seconds, targets))
}

/// Installs cargo-fuzz unless `cargo fuzz` already answers.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let present = nightly_cargo()
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: cargo-fuzz is missing; installing it from crates.io…");
    let status = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .map_err(|e| format!("cargo install cargo-fuzz: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cargo install cargo-fuzz --locked failed".to_owned())
    }
}

/// Every target `cargo fuzz list` knows.
fn list_targets() -> Result<Vec<String>, String> {
    let out = nightly_cargo()
        .args(["fuzz", "list"])
        .output()
        .map_err(|e| format!("cargo fuzz list: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo fuzz list failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The `fixtures/<provider>/` folder whose document examples seed `target`, if any.
fn fixtures_for(target: &str) -> Option<PathBuf> {
    let provider = match target {
        "tga_response" => "tga",
        "tgtrack_envelope" | "tgtrack_update_filter" => "tgtrack",
        "tgmembership_envelope" => "tgmembership",
        _ => return None,
    };
    Some(fuzz_dir().join("../fixtures").join(provider))
}

/// Copies the target's fixtures (`fixtures/<provider>/*` but the README, as `doc-<file>`) and
/// `fuzz/seeds/<target>/*` (as `seed-<file>`) into `fuzz/corpus/<target>/`; returns how many.
fn seed_corpus(target: &str) -> Result<usize, String> {
    seed_into(target, &fuzz_dir().join("corpus").join(target))
}

/// [`seed_corpus`] into the folder `corpus`.
fn seed_into(target: &str, corpus: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut n = 0;
    if let Some(fixtures) = fixtures_for(target) {
        n += copy_files(&fixtures, "doc-", corpus)?;
    }
    n += copy_files(&fuzz_dir().join("seeds").join(target), "seed-", corpus)?;
    Ok(n)
}

/// Copies the files of `from` (not `README.md`; a missing folder has none) into `to`, each
/// name prefixed with `prefix`; returns how many.
fn copy_files(from: &Path, prefix: &str, to: &Path) -> Result<usize, String> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() && entry.file_name() != "README.md" {
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            std::fs::copy(&path, to.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
            n += 1;
        }
    }
    Ok(n)
}

/// How one target's run ended.
struct Outcome {
    ok: bool,
    summary: String,
    log: PathBuf,
}

/// libFuzzer's closing statistics from its output: runs, executions per second, coverage.
fn stats(output: &str) -> String {
    let done = output
        .lines()
        .rev()
        .find(|l| {
            let word = l.split_whitespace().nth(1);
            word == Some("DONE") || word == Some("INITED")
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let runs = output
        .lines()
        .rev()
        .find(|l| l.starts_with("Done ") && l.contains(" runs in "))
        .map(str::trim)
        .unwrap_or_default();
    match (done.is_empty(), runs.is_empty()) {
        (false, false) => format!("{runs}; {done}"),
        (false, true) => done,
        _ => runs.to_owned(),
    }
}

/// Runs `target` for `seconds`, stopping it if it outlives the grace period.
fn run_target(target: &str, seconds: u64) -> Result<Outcome, String> {
    let logs = fuzz_dir().join("target").join("xtask-logs");
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let log = logs.join(format!("{target}.log"));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err_file = file.try_clone().map_err(|e| e.to_string())?;
    let mut child = nightly_cargo()
        .args(["fuzz", "run", target, "--"])
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECS}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg("-print_final_stats=1")
        .stdout(file)
        .stderr(err_file)
        .spawn()
        .map_err(|e| format!("cargo fuzz run {target}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(seconds) + GRACE;
    let (status, hung) = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break (Some(status), false);
        }
        if Instant::now() > deadline {
            // Our own child: stop it, and count the run as hung.
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut output = String::new();
    std::fs::File::open(&log)
        .and_then(|mut f| f.read_to_string(&mut output))
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let ok = !hung && status.is_some_and(|s| s.success());
    let summary = if hung {
        format!(
            "HUNG: still running {} s past its time; stopped",
            GRACE.as_secs()
        )
    } else if ok {
        stats(&output)
    } else {
        let cause = output
            .lines()
            .find(|l| {
                l.contains("panicked at")
                    || l.contains("ERROR: libFuzzer")
                    || l.contains("==ERROR")
                    || l.contains("Test unit written to")
            })
            .unwrap_or("see the log")
            .trim()
            .to_owned();
        format!(
            "FAILED ({}): {cause}",
            status.map_or("no status".to_owned(), |s| s.to_string())
        )
    };
    Ok(Outcome { ok, summary, log })
}

pub fn run(args: &[&str]) -> Result<(), String> {
    let (seconds, chosen) = parse_args(args)?;
    ensure_cargo_fuzz()?;
    let known = list_targets()?;
    let targets = if chosen.is_empty() {
        known
    } else {
        if let Some(unknown) = chosen.iter().find(|t| !known.contains(t)) {
            return Err(format!(
                "no fuzz target `{unknown}` (known: {})",
                known.join(", ")
            ));
        }
        chosen
    };
    eprintln!("xtask: building {} fuzz targets (nightly)…", targets.len());
    let status = nightly_cargo()
        .args(["fuzz", "build"])
        .status()
        .map_err(|e| format!("cargo fuzz build: {e}"))?;
    if !status.success() {
        return Err("cargo fuzz build failed".to_owned());
    }
    let mut failed = Vec::new();
    for target in &targets {
        let seeds = seed_corpus(target)?;
        eprintln!("xtask: fuzzing {target} for {seconds} s ({seeds} seeds)…");
        let outcome = run_target(target, seconds)?;
        println!("{target}: {}", outcome.summary);
        if !outcome.ok {
            println!("  log: {}", outcome.log.display());
            println!(
                "  artifacts: {}",
                fuzz_dir().join("artifacts").join(target).display()
            );
            failed.push(target.clone());
        }
    }
    println!(
        "fuzz: {} of {} targets ran {seconds} s clean",
        targets.len() - failed.len(),
        targets.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seconds_and_targets() {
        assert_eq!(parse_args(&[]).unwrap(), (DEFAULT_SECONDS, vec![]));
        assert_eq!(
            parse_args(&["--seconds", "5", "tga_token"]).unwrap(),
            (5, vec!["tga_token".to_owned()])
        );
        assert!(parse_args(&["--seconds", "0"]).is_err());
        assert!(parse_args(&["--seconds"]).is_err());
        assert!(parse_args(&["--jobs", "2"]).is_err());
    }

    /// The file names of `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn corpus_is_seeded_with_the_fixtures_and_the_hand_made_seeds() {
        let corpus = std::env::temp_dir().join(format!("xtask-seed-{}", std::process::id()));
        for (target, provider) in [
            ("tga_response", Some("tga")),
            ("tgtrack_envelope", Some("tgtrack")),
            ("tgtrack_update_filter", Some("tgtrack")),
            ("tgmembership_envelope", Some("tgmembership")),
            ("tga_token", None),
        ] {
            let _ = std::fs::remove_dir_all(&corpus);
            let n = seed_into(target, &corpus).unwrap();
            let mut want: Vec<String> = names(&fuzz_dir().join("seeds").join(target))
                .into_iter()
                .map(|f| format!("seed-{f}"))
                .collect();
            if let Some(p) = provider {
                let docs = names(&fuzz_dir().join("../fixtures").join(p));
                assert!(docs.len() > 5, "{p}: {docs:?}");
                want.extend(
                    docs.into_iter()
                        .filter(|f| f != "README.md")
                        .map(|f| format!("doc-{f}")),
                );
            }
            want.sort();
            assert_eq!(names(&corpus), want, "{target}");
            assert_eq!(n, want.len());
        }
        let _ = std::fs::remove_dir_all(&corpus);
    }

    #[test]
    fn reads_libfuzzer_statistics() {
        let out = "#2\tINITED cov: 10 ft: 11 corp: 1/1b exec/s: 0\n\
                   #99\tDONE   cov: 120 ft: 300 corp: 40/2Kb lim: 4 exec/s: 33 rss: 40Mb\n\
                   Done 99 runs in 3 second(s)\n";
        assert_eq!(
            stats(out),
            "Done 99 runs in 3 second(s); #99 DONE cov: 120 ft: 300 corp: 40/2Kb lim: 4 exec/s: 33 rss: 40Mb"
        );
    }
}
