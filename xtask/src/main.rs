//! The workspace's task runner: `cargo xtask test | demo | bench | fuzz | publish-check`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod demo;
mod fuzz;
mod publish_check;
mod readable;
mod readme_check;
mod redis;
mod test;

use std::process::ExitCode;

/// `e` as text: every task reports its failures as `String`s.
pub fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&rest),
        Some("demo") => demo::run(&rest),
        Some("bench") => bench::run(&rest),
        Some("fuzz") => fuzz::run(&rest),
        Some("publish-check") => publish_check::run(),
        Some("readme-check") => readme_check::run_alone(),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 test                 format check, clippy (warnings denied), unit, doc and integration tests\n  \
                 demo [--verbose]     walk through every client against the in-process fake services\n  \
                 bench [limiter|tracker|compare|instructions|decode|deps|all]  measure; `all` writes docs/performance.md\n  \
                 fuzz [--seconds N] [TARGET...]  run every fuzz target N s (default 60) on nightly\n  \
                 publish-check        package every publishable crate and build it from its .crate file\n  \
                 readme-check         every crate README's code as doctests of a scratch crate (part of `test`)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
