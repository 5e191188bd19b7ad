//! `cargo xtask test`: format check, clippy and rustdoc with warnings denied, then every test of
//! the workspace (unit, integration, doc, the teloxide suite), the tests that need redis-server
//! (a second pass), every crate README's code as a doctest of a scratch crate (see
//! [`crate::readme_check`]), and every runnable example in CI mode (the teloxide bots too),
//! ending with the reasons of what was skipped and one summary line
//! (`summary: N passed, N failed, N skipped`).
//!
//! A test that needs redis-server is `#[ignore = "needs redis-server ..."]`: the first pass
//! lists it as ignored; when redis-server is up, a second pass runs exactly those tests
//! (`-- --ignored --exact NAME...`). Without redis-server they are counted as skipped, with the
//! reason, never as passed (under CI, where `CI` is set, a missing redis-server fails the run).
//!
//! Every step builds with the same features ([`FEATURES`]), so teloxide and the crates below it
//! are compiled once for the tests and the examples (a cold teloxide build takes minutes).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The optional features every step enables: the teloxide suite and the teloxide examples.
/// One feature set for clippy, the tests and the examples' build keeps one build of each crate.
const FEATURES: &str = "integration-tests/teloxide,examples/teloxide";

/// Runs every check; fails on the first failing step, after printing the summary.
pub fn run(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    step(
        "format",
        cargo_command(&cargo).args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "clippy",
        cargo_command(&cargo).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            FEATURES,
            "--quiet",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let mut doc = cargo_command(&cargo);
    doc.args([
        "doc",
        "--workspace",
        "--no-deps",
        "--features",
        FEATURES,
        "--quiet",
    ])
    .env("RUSTDOCFLAGS", "-D warnings");
    step("rustdoc", &mut doc)?;
    let redis = crate::redis::start()?;
    let mut cmd = cargo_command(&cargo);
    cmd.args([
        "test",
        "--workspace",
        "--no-fail-fast",
        "--features",
        FEATURES,
    ])
    .args(args);
    if let Some(r) = &redis {
        cmd.env("TG_REDIS_URL", &r.url);
    }
    eprintln!("xtask: tests…");
    let first = run_tests(&mut cmd)?;
    let needs_redis = first.ignored_because(NEEDS_REDIS);
    let second = match (&redis, needs_redis.is_empty()) {
        (Some(r), false) => {
            eprintln!("xtask: the tests that need redis-server…");
            let mut cmd = cargo_command(&cargo);
            cmd.args([
                "test",
                "--workspace",
                "--no-fail-fast",
                "--tests",
                "--features",
                FEATURES,
            ])
            .args(args.iter().take_while(|a| **a != "--"))
            .args(["--", "--ignored", "--exact"])
            .args(&needs_redis)
            .env("TG_REDIS_URL", &r.url);
            run_tests(&mut cmd)?
        }
        _ => Tally::default(),
    };
    eprintln!("xtask: README examples…");
    let readmes = crate::readme_check::run(&cargo)?;
    let (examples_passed, examples_failed) = run_examples(&cargo);
    let skipped = skipped(&first, &second, redis.is_some());
    for (reason, n) in &skipped {
        println!("skipped {n}: {reason}");
    }
    let passed = first.passed + second.passed + readmes.passed + examples_passed;
    let failed = first.failed + second.failed + readmes.failed + examples_failed;
    let skipped: u64 = skipped.iter().map(|(_, n)| n).sum::<u64>() + readmes.ignored;
    println!("summary: {passed} passed, {failed} failed, {skipped} skipped");
    let ok = first.ok && second.ok && readmes.ok;
    if ok && failed == 0 {
        Ok(())
    } else {
        Err("tests failed".to_owned())
    }
}

/// The start of the reason every test that needs redis-server gives in its `#[ignore]`.
const NEEDS_REDIS: &str = "needs redis-server";

/// What `cargo test` reported: the `test result:` lines added up, and each test by name.
#[derive(Debug, Default)]
pub struct Tally {
    /// Tests passed.
    pub passed: u64,
    /// Tests failed.
    pub failed: u64,
    /// Tests ignored.
    pub ignored: u64,
    /// The tests that ran (passed or failed), by name.
    ran: Vec<String>,
    /// The ignored tests: (name, reason; empty when the test gives none).
    ignored_tests: Vec<(String, String)>,
    /// Whether cargo exited successfully.
    pub ok: bool,
}

impl Tally {
    /// Takes in one line of `cargo test`'s output.
    fn record(&mut self, line: &str) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            self.passed += count(rest, " passed");
            self.failed += count(rest, " failed");
            self.ignored += count(rest, " ignored");
        } else if let Some((name, outcome)) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.rsplit_once(" ... "))
        {
            if let Some(reason) = outcome.strip_prefix("ignored") {
                let reason = reason.strip_prefix(", ").unwrap_or("");
                self.ignored_tests
                    .push((name.to_owned(), reason.to_owned()));
            } else if outcome == "ok" || outcome == "FAILED" {
                self.ran.push(name.to_owned());
            }
        }
    }

    /// The names of the ignored tests whose reason starts with `reason`, each once.
    fn ignored_because(&self, reason: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .ignored_tests
            .iter()
            .filter(|(_, r)| r.starts_with(reason))
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// What was skipped, as (reason, count): the tests the first pass ignored that the second did
/// not run, grouped by their reason. `redis_up` says whether redis-server was running, to say
/// why the Redis tests did not run.
fn skipped(first: &Tally, second: &Tally, redis_up: bool) -> Vec<(String, u64)> {
    let mut ran = second.ran.clone();
    let mut groups: Vec<(String, u64)> = Vec::new();
    for (name, reason) in &first.ignored_tests {
        if let Some(i) = ran.iter().position(|r| r == name) {
            ran.swap_remove(i);
            continue;
        }
        let reason = match (reason.as_str(), redis_up) {
            ("", _) => "ignored without a reason".to_owned(),
            (r, false) if r.starts_with(NEEDS_REDIS) => {
                format!("{r}: redis-server is not installed")
            }
            (r, _) => r.to_owned(),
        };
        match groups.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => groups.push((reason, 1)),
        }
    }
    groups
}

/// `cargo` without the variables `cargo run` set for xtask itself (`CARGO_PKG_*`,
/// `CARGO_MANIFEST_*`, ...). Build scripts such as ring's rerun when those change, so with them a
/// `cargo xtask test` after a plain `cargo test` (or the reverse) would rebuild ring, rustls and
/// everything above them.
pub fn cargo_command(cargo: &str) -> Command {
    let mut cmd = Command::new(cargo);
    for (name, _) in std::env::vars_os() {
        let set_by_cargo_run = name.to_str().is_some_and(|n| {
            n.starts_with("CARGO_PKG_")
                || n.starts_with("CARGO_MANIFEST_")
                || matches!(
                    n,
                    "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
                )
        });
        if set_by_cargo_run {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn step(name: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: {name}…");
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed"))
    }
}

/// Runs `cargo test`, echoing its output and taking in each line (see [`Tally`]).
pub fn run_tests(cmd: &mut Command) -> Result<Tally, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("tests: could not start: {e}"))?;
    let mut tally = Tally::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            tally.record(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("tests: {e}"))?;
    tally.ok = status.success();
    Ok(tally)
}

/// The runnable examples of the `examples` package, each run unattended in CI mode.
const EXAMPLES: [&str; 8] = [
    "webhook_receiver",
    "bot_webhook",
    "mini_app_analytics",
    "mini_app_init_data",
    "revenue_report",
    "metrics_prometheus",
    "teloxide_polling",
    "teloxide_webhook",
];

/// The longest an example may run before it counts as failed.
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(180);

/// Builds every example (with [`FEATURES`], so nothing the tests built is built again) and
/// runs each with `TG_EXAMPLE_CI=1`; each is one test, passed when it exits 0 within
/// [`EXAMPLE_TIMEOUT`] and its output reads well (see [`crate::readable`]: no `Debug` dump, no
/// money past its currency's precision). Returns (passed, failed).
fn run_examples(cargo: &str) -> (u64, u64) {
    eprintln!("xtask: examples…");
    let built = match build_examples(cargo) {
        Ok(built) => built,
        Err(e) => {
            println!("examples ... FAILED: {e}");
            return (0, u64::try_from(EXAMPLES.len()).unwrap_or(u64::MAX));
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for name in EXAMPLES {
        let outcome = built
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| "not built (missing from examples/Cargo.toml?)".to_owned())
            .and_then(|(_, path)| run_example(path));
        match outcome {
            Ok(()) => {
                println!("example {name} ... ok");
                passed += 1;
            }
            Err(e) => {
                println!("example {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    (passed, failed)
}

/// `cargo build` of the examples package's examples; (name, executable) of each.
fn build_examples(cargo: &str) -> Result<Vec<(String, String)>, String> {
    let output = cargo_command(cargo)
        .args([
            "build",
            "--workspace",
            "--examples",
            "--features",
            FEATURES,
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start cargo build: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build --examples: {}", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(example_artifact)
        .collect())
}

/// The example's name and executable from one line of cargo's JSON messages, when the line is
/// the artifact of an example of the `examples` package.
fn example_artifact(line: &str) -> Option<(String, String)> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    let target = &message["target"];
    let is_example = message["reason"] == "compiler-artifact"
        && target["kind"].as_array()?.iter().any(|k| k == "example")
        && message["package_id"].as_str()?.contains("/examples#");
    if !is_example {
        return None;
    }
    Some((
        target["name"].as_str()?.to_owned(),
        message["executable"].as_str()?.to_owned(),
    ))
}

/// Runs one built example in CI mode and checks how it ended and what it printed.
fn run_example(path: &str) -> Result<(), String> {
    let mut child = Command::new(path)
        .env("TG_EXAMPLE_CI", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start: {e}"))?;
    let echo = child.stdout.take().map(echo_lines);
    wait_within(child, EXAMPLE_TIMEOUT)?;
    let text = echo.and_then(|t| t.join().ok()).unwrap_or_default();
    readable_output(&text)
}

/// Echoes a child's output line by line as it comes, and hands back all of it at the end.
fn echo_lines(out: std::process::ChildStdout) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            text.push_str(&line);
            text.push('\n');
        }
        text
    })
}

/// `Ok` when `text` reads well, else the problems found.
fn readable_output(text: &str) -> Result<(), String> {
    let problems = crate::readable::problems(text);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("unreadable output:\n  {}", problems.join("\n  ")))
    }
}

/// Waits for `child` to exit 0, killing it once `timeout` has passed.
fn wait_within(mut child: Child, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => return Err(format!("exited with {status}")),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {timeout:?}: killed"));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The number before `label` in `ok. 3 passed; 0 failed; ...`.
fn count(text: &str, label: &str) -> u64 {
    text.split(';')
        .find(|part| part.contains(label))
        .and_then(|part| part.split_whitespace().rev().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{Tally, count, example_artifact, skipped};

    /// The output of a first pass: one test ran, two need Redis, one is ignored for another
    /// reason, and one gives no reason.
    const FIRST_PASS: &str = "\
running 5 tests
test limiter::a_refusal ... ok
test replicas_share_one_exact_quota ... ignored, needs redis-server (run by cargo xtask test)
test tests::redis_store_refuses_a_replay_across_replicas ... ignored, needs redis-server (run by cargo xtask test)
test slow_soak ... ignored, takes an hour
test src/lib.rs - thing (line 3) ... ignored

test result: ok. 1 passed; 0 failed; 4 ignored; 0 measured; 0 filtered out; finished in 0.01s
";

    fn tally(output: &str) -> Tally {
        let mut t = Tally::default();
        for line in output.lines() {
            t.record(line);
        }
        t
    }

    #[test]
    fn the_second_pass_runs_exactly_the_tests_that_need_redis() {
        let first = tally(FIRST_PASS);
        assert_eq!((first.passed, first.failed, first.ignored), (1, 0, 4));
        assert_eq!(
            first.ignored_because("needs redis-server"),
            [
                "replicas_share_one_exact_quota",
                "tests::redis_store_refuses_a_replay_across_replicas"
            ]
        );
    }

    #[test]
    fn without_redis_its_tests_count_as_skipped_with_the_reason_never_as_passed() {
        let first = tally(FIRST_PASS);
        let skipped = skipped(&first, &Tally::default(), false);
        assert_eq!(
            skipped,
            [
                (
                    "needs redis-server (run by cargo xtask test): redis-server is not installed"
                        .to_owned(),
                    2
                ),
                ("takes an hour".to_owned(), 1),
                ("ignored without a reason".to_owned(), 1),
            ]
        );
        assert_eq!(
            first.passed, 1,
            "an ignored test is never counted as passed"
        );
    }

    #[test]
    fn with_redis_the_tests_the_second_pass_ran_are_not_skipped() {
        let first = tally(FIRST_PASS);
        let second = tally(
            "\
test replicas_share_one_exact_quota ... ok
test tests::redis_store_refuses_a_replay_across_replicas ... FAILED

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 3 filtered out; finished in 1.2s
",
        );
        assert_eq!((second.passed, second.failed), (1, 1));
        assert_eq!(
            skipped(&first, &second, true),
            [
                ("takes an hour".to_owned(), 1),
                ("ignored without a reason".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn finds_the_examples_executables_in_cargos_messages() {
        let example = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/examples#0.1.0","target":{"kind":["example"],"name":"bot_webhook"},"executable":"/w/target/debug/examples/bot_webhook"}"#;
        assert_eq!(
            example_artifact(example),
            Some((
                "bot_webhook".to_owned(),
                "/w/target/debug/examples/bot_webhook".to_owned()
            ))
        );
        let library = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/examples#0.1.0","target":{"kind":["lib"],"name":"examples"},"executable":null}"#;
        let other = r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#teloxide@0.17.0","target":{"kind":["example"],"name":"x"},"executable":"/x"}"#;
        for line in [
            library,
            other,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ] {
            assert_eq!(example_artifact(line), None, "{line}");
        }
    }

    #[test]
    fn counts_a_result_line() {
        let line =
            "ok. 32 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.28s";
        assert_eq!(count(line, " passed"), 32);
        assert_eq!(count(line, " failed"), 1);
        assert_eq!(count(line, " ignored"), 2);
    }
}
