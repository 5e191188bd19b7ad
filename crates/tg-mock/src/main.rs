//! The `tg-mock` binary: serves the fake services on a loopback port.
fn main() {}
