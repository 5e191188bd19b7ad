//! `cargo xtask bench deps`: the dependency count and the clean release build time of each
//! provider crate, against a throwaway reqwest + rustls + serde_json client crate generated in a
//! temporary directory (fetched once, then built offline).
//!
//! Dependencies are the distinct packages of `cargo tree -e normal` (build and dev dependencies
//! left out, the crate itself not counted). Each build starts from an empty target directory of
//! its own and uses the workspace's toolchain; the wall time includes build scripts (ring's C
//! code in both).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::Report;
use crate::text;

/// The provider crates measured.
pub const PROVIDERS: [&str; 3] = ["tga-client", "tgtrack-client", "tgmembership-client"];
/// The baseline crate's name (its report key) and what it holds.
pub const BASELINE: &str = "reqwest-baseline";
pub const BASELINE_LABEL: &str = "reqwest + rustls + serde_json";

/// The baseline: what a user would depend on to write the same clients by hand.
const BASELINE_MANIFEST: &str = r#"[package]
name = "reqwest-baseline"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
reqwest = { version = "0.12", default-features = false, features = ["json", "rustls-tls", "http2"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[workspace]
"#;

/// Enough code that the dependencies are really used.
const BASELINE_LIB: &str = r#"//! A hand-written TGTrack call over reqwest.

#[derive(serde::Serialize)]
pub struct AddEvent<'a> {
    pub user_id: String,
    pub event_type: &'a str,
}

#[derive(serde::Deserialize, Debug)]
pub struct Answer {
    pub status: String,
    pub mode: Option<String>,
    pub data: Option<serde_json::Value>,
}

pub async fn add_event(
    client: &reqwest::Client,
    key: &str,
    user_id: i64,
    event_type: &str,
) -> Result<Answer, reqwest::Error> {
    let body = AddEvent { user_id: user_id.to_string(), event_type };
    client
        .post(format!("https://bot-api.tgtrack.ru/v1/{key}/add_event"))
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}
"#;

/// `cargo <args> --manifest-path <manifest> [-p <package>]`.
fn cargo(args: &[&str], manifest: &Path, package: Option<&str>) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.args(args).arg("--manifest-path").arg(manifest);
    cmd.args(package.into_iter().flat_map(|p| ["-p", p]));
    cmd
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `cmd`, returning its stdout; the error names `what` and ends with stderr's last lines.
fn output(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: could not start cargo: {e}"))?;
    if out.status.success() {
        return String::from_utf8(out.stdout).map_err(|e| format!("{what}: {e}"));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(4).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!("{what} failed: {}", tail.join(" / ")))
}

/// Distinct packages in `cargo tree -e normal` output, less the root.
fn count_tree(tree: &str) -> usize {
    // `name v1.2.3 (/path)`, `name v1.2.3 (*)`: the name and version identify a package.
    let packages: BTreeSet<(&str, &str)> = tree
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next().unwrap_or("")))
        })
        .collect();
    packages.len().saturating_sub(1)
}

/// The crate's dependency count, and the wall time in seconds of a clean release build into an
/// empty `target`.
fn measured(manifest: &Path, package: Option<&str>, target: &Path) -> Result<(usize, f64), String> {
    let args = ["tree", "--offline", "-e", "normal", "--prefix", "none"];
    let count = count_tree(&output(&mut cargo(&args, manifest, package), "cargo tree")?);
    let _ = std::fs::remove_dir_all(target);
    let mut cmd = cargo(
        &["build", "--release", "--offline", "--quiet"],
        manifest,
        package,
    );
    cmd.env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let started = Instant::now();
    output(&mut cmd, "cargo build")?;
    let secs = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(target);
    Ok((count, secs))
}

/// Writes the baseline crate into `dir` and fetches its dependencies.
fn baseline(dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir.join("src")).map_err(text)?;
    let manifest = dir.join("Cargo.toml");
    std::fs::write(&manifest, BASELINE_MANIFEST).map_err(text)?;
    std::fs::write(dir.join("src/lib.rs"), BASELINE_LIB).map_err(text)?;
    // The workspace's toolchain, so both sides build with the same compiler.
    let toolchain = workspace().join("rust-toolchain.toml");
    if toolchain.exists() {
        std::fs::copy(&toolchain, dir.join("rust-toolchain.toml")).map_err(text)?;
    }
    if let Err(e) = output(&mut cargo(&["fetch"], &manifest, None), "cargo fetch") {
        // Offline: resolve from what the local registry cache already holds.
        let mut offline = cargo(&["generate-lockfile", "--offline"], &manifest, None);
        output(&mut offline, "cargo generate-lockfile --offline")
            .map_err(|e2| format!("{e}; {e2}"))?;
    }
    Ok(manifest)
}

pub fn run(report: &mut Report) -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!("tg-bench-deps-{}", std::process::id()));
    let result = measure(report, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn measure(report: &mut Report, scratch: &Path) -> Result<(), String> {
    println!("deps: normal dependencies and clean release build time (own empty target dir each)");
    println!(
        "  {:<34} {:>12} {:>16}",
        "crate", "dependencies", "clean build s"
    );
    let mut row = |key: &str, label: &str, (count, secs): (usize, f64)| {
        println!("  {label:<34} {count:>12} {secs:>16.1}");
        report.push_all(
            &format!("deps.{key}"),
            &[("count", count as f64), ("build_s", secs)],
        );
    };
    let manifest = workspace().join("Cargo.toml");
    for name in PROVIDERS {
        let target = scratch.join(format!("target-{name}"));
        row(name, name, measured(&manifest, Some(name), &target)?);
    }
    let built = baseline(&scratch.join(BASELINE))
        .and_then(|m| measured(&m, None, &scratch.join("target-baseline")));
    match built {
        Ok(built) => row(BASELINE, BASELINE_LABEL, built),
        Err(e) => println!("  {BASELINE_LABEL:<34} skipped: could not be built offline ({e})"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::count_tree;

    #[test]
    fn counts_distinct_packages_without_the_root() {
        let tree = "tgtrack-client v0.1.0 (/w/crates/tgtrack-client)\n\
                    bytes v1.12.1\n\
                    http v1.5.0\n\
                    bytes v1.12.1\n\
                    itoa v1.0.18\n\
                    http v1.5.0 (*)\n\
                    \n";
        assert_eq!(count_tree(tree), 3);
    }
}
