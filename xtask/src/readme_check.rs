//! The README check of `cargo xtask test`: every publishable crate's README as the crate
//! documentation of a scratch crate, so each of its Rust blocks is a doctest compiled (and,
//! unless `no_run`, run) with exactly what a user who copied the README has.
//!
//! The scratch crate, `target/readme-check/<crate>/`, depends on what the README's `toml` blocks
//! name and nothing else: the crate itself (by path, with the features the blocks name), tokio
//! (with `macros` and `rt-multi-thread` unless the README names it) and the dev-dependencies a
//! block names (tg-mock for the "Testing against tg-mock" sections).
//! It takes the workspace's lock file, profile and target directory, so no dependency is built
//! again for it beyond a different feature set.

use std::path::{Path, PathBuf};

use crate::publish_check::CRATES;
use crate::test::{Tally, cargo_command, run_tests};

/// Runs every README's doctests; the results of all of them added up.
pub fn run(cargo: &str) -> Result<Tally, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?
        .to_path_buf();
    let mut total = Tally::default();
    total.ok = true;
    for krate in CRATES {
        let dir = scratch_crate(&root, krate)?;
        let mut cmd = cargo_command(cargo);
        cmd.current_dir(&dir)
            .env("CARGO_TARGET_DIR", root.join("target"))
            .args(["test", "--doc"]);
        let tally = run_tests(&mut cmd)?;
        println!(
            "readme {krate}: {} blocks passed, {} failed, {} ignored",
            tally.passed, tally.failed, tally.ignored
        );
        if !tally.ok && tally.failed == 0 {
            // A scratch crate that does not build reports no test: count it as one failure.
            total.failed += 1;
        }
        total.passed += tally.passed;
        total.failed += tally.failed;
        total.ignored += tally.ignored;
        total.ok &= tally.ok;
    }
    Ok(total)
}

/// `cargo xtask readme-check`: [`run`] on its own, with a summary line.
pub fn run_alone() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let t = run(&cargo)?;
    println!(
        "summary: {} passed, {} failed, {} skipped",
        t.passed, t.failed, t.ignored
    );
    if t.ok && t.failed == 0 {
        Ok(())
    } else {
        Err("README examples failed".to_owned())
    }
}

/// Writes `target/readme-check/<krate>/` (manifest, lock file, `lib.rs`) and returns its path.
fn scratch_crate(root: &Path, krate: &str) -> Result<PathBuf, String> {
    let readme = root.join("crates").join(krate).join("README.md");
    let text =
        std::fs::read_to_string(&readme).map_err(|e| format!("{}: {e}", readme.display()))?;
    let dir = root.join("target").join("readme-check").join(krate);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, contents: &str| {
        std::fs::write(dir.join(name), contents).map_err(|e| format!("{name}: {e}"))
    };
    write("Cargo.toml", &manifest(root, krate, &text)?)?;
    write(
        "lib.rs",
        &format!(
            "//! {krate}'s README, every block a doctest.\n#![doc = include_str!({:?})]\n",
            readme.display().to_string()
        ),
    )?;
    // The workspace's versions, so the dependencies built for the tests are reused.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    Ok(dir)
}

/// A dependency named in a README: its name, version requirement and features.
#[derive(Debug, PartialEq, Eq)]
struct Dependency {
    name: String,
    version: String,
    features: Vec<String>,
}

/// The scratch crate's manifest: the dependencies of `readme`'s `toml` blocks (ours by path),
/// the workspace's dev profile, and an empty `[workspace]` (it belongs to no other).
fn manifest(root: &Path, krate: &str, readme: &str) -> Result<String, String> {
    let (mut deps, dev_deps) = dependencies(readme)?;
    if !deps.iter().chain(&dev_deps).any(|d| d.name == krate) {
        return Err(format!(
            "crates/{krate}/README.md: no toml block names {krate} as a dependency"
        ));
    }
    // The runtime every example runs on, when the README does not name it.
    if !deps.iter().chain(&dev_deps).any(|d| d.name == "tokio") {
        deps.push(Dependency {
            name: "tokio".to_owned(),
            version: "1".to_owned(),
            features: vec!["macros".to_owned(), "rt-multi-thread".to_owned()],
        });
    }
    let mut out = format!(
        "[package]\nname = \"readme-{krate}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[lib]\npath = \"lib.rs\"\n\n"
    );
    for (section, list) in [("dependencies", &deps), ("dev-dependencies", &dev_deps)] {
        out.push_str(&format!("[{section}]\n"));
        for d in list {
            out.push_str(&format!("{} = {{ version = {:?}", d.name, d.version));
            if CRATES.contains(&d.name.as_str()) {
                let path = root.join("crates").join(&d.name);
                out.push_str(&format!(", path = {:?}", path.display().to_string()));
            }
            if !d.features.is_empty() {
                out.push_str(&format!(", features = {:?}", d.features));
            }
            out.push_str(" }\n");
        }
        out.push('\n');
    }
    // The workspace's dev profile (see its Cargo.toml): the same build of every dependency.
    out.push_str(
        "[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n\n",
    );
    for c in CRATES {
        out.push_str(&format!(
            "[profile.dev.package.{c}]\ndebug = \"line-tables-only\"\n\n"
        ));
    }
    out.push_str("[workspace]\n");
    Ok(out)
}

type Dependencies = (Vec<Dependency>, Vec<Dependency>);

/// The `[dependencies]` and `[dev-dependencies]` lines of every `toml` block of a README, each
/// dependency once with the union of its features. A line is `name = "1"` or
/// `name = { version = "1", features = ["a"] }`.
fn dependencies(readme: &str) -> Result<Dependencies, String> {
    let (mut deps, mut dev_deps) = (Vec::new(), Vec::new());
    let mut in_toml = false;
    let mut dev = false;
    for line in readme.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            in_toml = line == "```toml";
            dev = false;
            continue;
        }
        if !in_toml || line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line {
            "[dependencies]" => dev = false,
            "[dev-dependencies]" => dev = true,
            _ => {
                let d = dependency(line).ok_or_else(|| format!("unreadable toml line: {line}"))?;
                let list: &mut Vec<Dependency> = if dev { &mut dev_deps } else { &mut deps };
                match list.iter_mut().find(|e| e.name == d.name) {
                    Some(e) => {
                        for f in d.features {
                            if !e.features.contains(&f) {
                                e.features.push(f);
                            }
                        }
                    }
                    None => list.push(d),
                }
            }
        }
    }
    Ok((deps, dev_deps))
}

/// One dependency line.
fn dependency(line: &str) -> Option<Dependency> {
    let (name, spec) = line.split_once('=')?;
    let (name, spec) = (name.trim(), spec.trim());
    let quoted = |s: &str| {
        s.trim()
            .strip_prefix('"')?
            .split('"')
            .next()
            .map(str::to_owned)
    };
    if spec.starts_with('"') {
        return Some(Dependency {
            name: name.to_owned(),
            version: quoted(spec)?,
            features: Vec::new(),
        });
    }
    let table = spec.strip_prefix('{')?.strip_suffix('}')?;
    let version = quoted(table.split_once("version")?.1.split_once('=')?.1)?;
    let features = match table.split_once("features") {
        Some((_, rest)) => {
            let list = rest.split_once('[')?.1.split_once(']')?.0;
            list.split(',')
                .filter(|f| !f.trim().is_empty())
                .map(quoted)
                .collect::<Option<Vec<_>>>()?
        }
        None => Vec::new(),
    };
    Some(Dependency {
        name: name.to_owned(),
        version,
        features,
    })
}

#[cfg(test)]
mod tests {
    use super::{Dependency, dependencies};

    fn dep(name: &str, version: &str, features: &[&str]) -> Dependency {
        Dependency {
            name: name.to_owned(),
            version: version.to_owned(),
            features: features.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn reads_the_dependencies_of_every_toml_block_once_with_all_their_features() {
        let readme = "\
# x

```toml
[dependencies]
tgtrack-client = \"0.1\"
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }
```

```rust
let x = 1;
```

```toml
[dependencies]
tgtrack-client = { version = \"0.1\", features = [\"redis\"] }

[dev-dependencies]
tg-mock = \"0.1\"
```
";
        let (deps, dev) = dependencies(readme).unwrap();
        assert_eq!(
            deps,
            [
                dep("tgtrack-client", "0.1", &["redis"]),
                dep("tokio", "1", &["macros", "rt-multi-thread"]),
            ]
        );
        assert_eq!(dev, [dep("tg-mock", "0.1", &[])]);
        assert!(dependencies("```toml\n[dependencies]\nx = 1\n```\n").is_err());
    }
}
