//! `cargo xtask publish-check`: packages every publishable crate (tg-common first) and builds
//! each from its `.crate` file, as crates.io would receive it.

use std::process::Command;

/// The crates published to crates.io, in dependency order.
const CRATES: [&str; 5] = [
    "tg-common",
    "tg-mock",
    "tgtrack-client",
    "tgmembership-client",
    "tga-client",
];

pub fn run() -> Result<(), String> {
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
