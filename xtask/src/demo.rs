//! `cargo xtask demo`: starts the fake services in-process and runs each client against them,
//! printing what every call returned.

pub fn run() -> Result<(), String> {
    println!("demo: the provider clients are not wired yet");
    Ok(())
}
