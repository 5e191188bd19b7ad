//! `cargo xtask publish-check`: packages every publishable crate (tg-common first) and builds
//! each from its `.crate` file, as crates.io would receive it.

use std::path::PathBuf;
use std::process::Command;

/// The crates published to crates.io, in dependency order.
pub const CRATES: [&str; 5] = [
    "tg-common",
    "tg-mock",
    "tgtrack-client",
    "tgmembership-client",
    "tga-client",
];

pub fn run() -> Result<(), String> {
    forget_stale_unpacked_crates();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["package", "--locked"]);
    // A packaged manifest has no [profile]; without this the check rebuilds every dependency
    // with full debug info (about 600 MB more disk) instead of reusing the test build's.
    cmd.env("CARGO_PROFILE_DEV_DEBUG", "false");
    for c in CRATES {
        cmd.args(["-p", c]);
    }
    eprintln!("xtask: packaging and verifying {}…", CRATES.join(", "));
    let status = cmd
        .status()
        .map_err(|e| format!("cargo package: could not start: {e}"))?;
    if status.success() {
        println!(
            "publish-check: {} crates packaged and built from their .crate files",
            CRATES.len()
        );
        Ok(())
    } else {
        Err("cargo package failed".to_owned())
    }
}

/// Cargo verifies the crates through a temporary local registry and unpacks each one under
/// `$CARGO_HOME/registry/src/-<hash>/`, a directory named after the registry's path. It never
/// unpacks a crate again when that directory exists, so a second run from the same checkout
/// path would build the previous run's sources. Removes those copies of our crates (only
/// from the nameless local registries; crates.io's `index.crates.io-…` is left alone).
fn forget_stale_unpacked_crates() {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return;
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(unpacked) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for dir in unpacked.flatten() {
            let name = dir.file_name().to_string_lossy().into_owned();
            let ours = CRATES.iter().any(|c| {
                name.strip_prefix(c)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|ch: char| ch.is_ascii_digit()))
            });
            if ours && std::fs::remove_dir_all(dir.path()).is_ok() {
                eprintln!("xtask: removed a stale unpacked copy of {name}");
            }
        }
    }
}
