//! `cargo xtask bench [SUITE]`: measurements printed as tables and written as JSON to
//! `target/bench/<suite>.json`; the full run (`all`, the default) also writes
//! `docs/performance.md`.

mod compare;
mod decode;
mod deps;
mod instructions;
mod limiter;
mod measure;
mod perf_doc;
mod sink;
mod tracker;

use std::fmt::Write as _;

use crate::text;

/// Named numbers collected by the benchmarks.
#[derive(Debug, Default)]
pub struct Report {
    entries: Vec<(String, f64)>,
}

impl Report {
    /// Records one number.
    pub fn push(&mut self, name: &str, value: f64) {
        self.entries.push((name.to_owned(), value));
    }

    /// Records `<prefix>.<name>` for every named value.
    pub fn push_all(&mut self, prefix: &str, values: &[(&str, f64)]) {
        for (name, value) in values {
            self.push(&format!("{prefix}.{name}"), *value);
        }
    }

    /// The last value recorded under `key`, or `None` when the run did not measure it.
    pub fn get(&self, key: &str) -> Option<f64> {
        let found = self.entries.iter().rev().find(|(k, _)| k == key);
        found.map(|(_, v)| *v)
    }

    /// The values under `a` and `b`, when the run measured both.
    pub fn pair(&self, a: &str, b: &str) -> Option<(f64, f64)> {
        Some((self.get(a)?, self.get(b)?))
    }

    fn to_json(&self) -> String {
        let mut s = String::from("{\n");
        for (i, (k, v)) in self.entries.iter().enumerate() {
            let sep = if i + 1 == self.entries.len() { "" } else { "," };
            let _ = writeln!(s, "  {:?}: {v}{sep}", k);
        }
        s.push('}');
        s
    }
}

pub fn run(args: &[&str]) -> Result<(), String> {
    if cfg!(debug_assertions) {
        // Measure optimised code: run this command again from a release build.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = std::process::Command::new(cargo)
            .args([
                "run",
                "--release",
                "--quiet",
                "--package",
                "xtask",
                "--",
                "bench",
            ])
            .args(args)
            .status()
            .map_err(text)?;
        return if status.success() {
            Ok(())
        } else {
            Err("benchmark failed".to_owned())
        };
    }
    let which = args.first().copied().unwrap_or("all");
    let mut report = Report::default();
    match which {
        "limiter" => limiter::run(&mut report)?,
        "tracker" => tracker::run(&mut report)?,
        "compare" => compare::run(&mut report)?,
        "decode" => decode::run(&mut report)?,
        "deps" => deps::run(&mut report)?,
        "instructions" => instructions::run(&mut report)?,
        "all" => {
            let started = std::time::Instant::now();
            limiter::run(&mut report)?;
            tracker::run(&mut report)?;
            compare::run(&mut report)?;
            instructions::run(&mut report)?;
            decode::run(&mut report)?;
            deps::run(&mut report)?;
            perf_doc::write(&report, started.elapsed())?;
        }
        other => {
            return Err(format!(
                "unknown benchmark `{other}` (limiter, tracker, compare, instructions, decode, deps, all)"
            ));
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).map_err(text)?;
    let path = dir.join(format!("{which}.json"));
    std::fs::write(&path, report.to_json()).map_err(text)?;
    println!("results written to {}", path.display());
    Ok(())
}
