//! `cargo xtask demo`: starts the fake services in-process and runs each client against them,
//! printing what every call returned. No account and no network needed.

use std::fmt::Debug;

mod tga;
mod tgmembership;
mod tgtrack;

/// Prints one call and what it returned.
pub fn show<T: Debug, E: std::fmt::Display>(call: &str, result: &Result<T, E>) {
    match result {
        Ok(v) => println!("  {call}\n    -> {v:?}"),
        Err(e) => println!("  {call}\n    -> error: {e}"),
    }
}

pub fn run() -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        println!("== demo: every client against the in-process fake services ==");
        tgtrack::run().await?;
        tga::run().await?;
        tgmembership::run().await?;
        Ok(())
    })
}
