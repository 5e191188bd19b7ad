//! The child of the spool crash tests: appends numbered entries to a spool as fast as it can,
//! and now and then claims and acknowledges some, until it is killed.
//!
//! Usage: `spool_child disk DIR FIRST_NUMBER SEGMENT_BYTES` or
//! `spool_child redis URL STREAM FIRST_NUMBER`.
//!
//! Prints one line per step, each after the step returned:
//! - `P n`: entry number `n` was appended;
//! - `C n1,n2,...`: these entries (by number) are about to be acknowledged;
//! - `A`: the acknowledgement of the last `C` returned.

use std::io::Write;

use tga_client::spool::{DiskConfig, DiskSpool, RedisSpool, RedisSpoolConfig, Spool};

/// The entry numbered `n`: 300 bytes, its number first.
fn entry(n: u64) -> Vec<u8> {
    let mut e = format!("{n:012}:").into_bytes();
    e.resize(300, b'a' + (n % 26) as u8);
    e
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize) -> Result<T, String> {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("argument {i} missing or malformed"))
}

fn say(out: &mut impl Write, line: std::fmt::Arguments<'_>) -> Result<(), String> {
    out.write_fmt(line)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}

async fn run(spool: &dyn Spool, first: u64) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    for n in first.. {
        spool
            .append(entry(n).into())
            .await
            .map_err(|e| e.to_string())?;
        say(&mut out, format_args!("P {n}"))?;
        if n % 64 == 0 {
            // Deliver some: claim 40, acknowledge 30, keep 10 claimed (they must come back).
            let claimed = spool.claim(40).await.map_err(|e| e.to_string())?;
            let acked: Vec<_> = claimed.iter().take(30).collect();
            let numbers: Vec<String> = acked
                .iter()
                .map(|e| String::from_utf8_lossy(&e.bytes[..12]).into_owned())
                .collect();
            say(&mut out, format_args!("C {}", numbers.join(",")))?;
            let ids: Vec<_> = acked.iter().map(|e| e.id).collect();
            spool.ack(&ids).await.map_err(|e| e.to_string())?;
            say(&mut out, format_args!("A"))?;
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("disk") => {
            let dir: String = arg(&args, 2)?;
            let config = DiskConfig::new(dir).segment_bytes(arg(&args, 4)?);
            let spool = DiskSpool::open(config).map_err(|e| e.to_string())?;
            run(&spool, arg(&args, 3)?).await
        }
        Some("redis") => {
            let url: String = arg(&args, 2)?;
            let stream: String = arg(&args, 3)?;
            let config = RedisSpoolConfig::new(url, stream, "child");
            let spool = RedisSpool::open(config).await.map_err(|e| e.to_string())?;
            run(&spool, arg(&args, 4)?).await
        }
        _ => Err("usage: spool_child disk DIR FIRST SEGMENT_BYTES | redis URL STREAM FIRST".into()),
    }
}
