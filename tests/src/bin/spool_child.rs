//! The child of the disk spool crash test: appends numbered entries to a disk spool as fast as
//! it can, and now and then claims and acknowledges some, until it is killed.
//!
//! Usage: `spool_child DIR FIRST_NUMBER SEGMENT_BYTES`
//!
//! Prints one line per step, each after the step returned:
//! - `P n`: entry number `n` was appended;
//! - `C n1,n2,...`: these entries (by number) are about to be acknowledged;
//! - `A`: the acknowledgement of the last `C` returned.

use std::io::Write;

use tga_client::spool::{DiskConfig, DiskSpool};

/// The entry numbered `n`: about 300 bytes, its number first.
fn entry(n: u64) -> Vec<u8> {
    let mut e = format!("{n:012}:").into_bytes();
    e.resize(300, b'a' + (n % 26) as u8);
    e
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(first), Some(segment)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err("usage: spool_child DIR FIRST_NUMBER SEGMENT_BYTES".into());
    };
    let first: u64 = first.parse().map_err(|_| "bad FIRST_NUMBER")?;
    let segment: u64 = segment.parse().map_err(|_| "bad SEGMENT_BYTES")?;
    let spool =
        DiskSpool::open(DiskConfig::new(dir).segment_bytes(segment)).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for n in first.. {
        spool.append_now(&entry(n)).map_err(|e| e.to_string())?;
        writeln!(out, "P {n}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
        if n % 64 == 0 {
            // Deliver some: claim 40, acknowledge 30, keep 10 claimed (they must come back).
            let claimed = spool.claim_now(40).map_err(|e| e.to_string())?;
            let acked: Vec<_> = claimed.iter().take(30).collect();
            let numbers: Vec<String> = acked
                .iter()
                .map(|e| String::from_utf8_lossy(&e.bytes[..12]).into_owned())
                .collect();
            writeln!(out, "C {}", numbers.join(","))
                .and_then(|()| out.flush())
                .map_err(|e| e.to_string())?;
            let ids: Vec<_> = acked.iter().map(|e| e.id).collect();
            spool.ack_now(&ids).map_err(|e| e.to_string())?;
            writeln!(out, "A")
                .and_then(|()| out.flush())
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
