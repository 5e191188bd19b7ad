//! `cargo xtask test`: format check, clippy with warnings denied, then every test of the
//! workspace (unit, integration, doc, the teloxide suite), then every runnable example in CI
//! mode (the teloxide bots too), ending with one summary line.
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
    let (mut passed, mut failed, ignored, ok) = run_tests(&mut cmd)?;
    let (examples_passed, examples_failed) = run_examples(&cargo);
    passed += examples_passed;
    failed += examples_failed;
    println!("summary: {passed} passed, {failed} failed, {ignored} skipped");
    if ok && failed == 0 {
        Ok(())
    } else {
        Err("tests failed".to_owned())
    }
}

/// `cargo` without the variables `cargo run` set for xtask itself (`CARGO_PKG_*`,
/// `CARGO_MANIFEST_*`, ...). Build scripts such as ring's rerun when those change, so with them a
/// `cargo xtask test` after a plain `cargo test` (or the reverse) would rebuild ring, rustls and
/// everything above them.
fn cargo_command(cargo: &str) -> Command {
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

/// Runs `cargo test`, echoing its output and adding up its `test result:` lines.
fn run_tests(cmd: &mut Command) -> Result<(u64, u64, u64, bool), String> {
    eprintln!("xtask: tests…");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("tests: could not start: {e}"))?;
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.trim().strip_prefix("test result: ") {
                passed += count(rest, " passed");
                failed += count(rest, " failed");
                ignored += count(rest, " ignored");
            }
        }
    }
    let status = child.wait().map_err(|e| format!("tests: {e}"))?;
    Ok((passed, failed, ignored, status.success()))
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
    use super::{count, example_artifact};

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
