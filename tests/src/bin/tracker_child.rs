//! The child of the tracker crash tests: a [`Tracker`](tga_client::Tracker) over a spool that
//! tracks numbered events as fast as it can (and delivers them to the fake TGA) until it is killed.
//!
//! Usage: `tracker_child BASE_URL FIRST disk DIR` or
//! `tracker_child BASE_URL FIRST redis URL STREAM CONSUMER`; the token is in `TGA_TOKEN`.
//!
//! Prints `T n` once `track` accepted the event whose `custom_data.seq` is `n`.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tga_client::spool::{DiskConfig, DiskSpool, RedisSpool, RedisSpoolConfig, Spool};
use tga_client::{Client, EventName, TrackerConfig};
use uuid::Uuid;

fn arg<T: std::str::FromStr>(args: &[String], i: usize) -> Result<T, String> {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("argument {i} missing or malformed"))
}

async fn open(args: &[String]) -> Result<Arc<dyn Spool>, String> {
    match args.get(3).map(String::as_str) {
        Some("disk") => {
            let config = DiskConfig::new(arg::<String>(args, 4)?).segment_bytes(256 << 10);
            Ok(Arc::new(
                DiskSpool::open(config).map_err(|e| e.to_string())?,
            ))
        }
        Some("redis") => {
            let config = RedisSpoolConfig::new(
                arg::<String>(args, 4)?,
                arg::<String>(args, 5)?,
                arg::<String>(args, 6)?,
            )
            .visibility_timeout(Duration::from_millis(300));
            Ok(Arc::new(
                RedisSpool::open(config).await.map_err(|e| e.to_string())?,
            ))
        }
        _ => Err("usage: tracker_child BASE_URL FIRST disk DIR | redis URL STREAM CONSUMER".into()),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let base: String = arg(&args, 1)?;
    let first: i64 = arg(&args, 2)?;
    let token = std::env::var("TGA_TOKEN").map_err(|_| "TGA_TOKEN not set".to_owned())?;
    let spool = open(&args).await?;
    let client = Client::builder(token)
        .core(|c| c.with_loopback_url(base))
        .build()
        .map_err(|e| e.to_string())?;
    let config = TrackerConfig::default()
        .with_linger(Duration::from_millis(5))
        .with_spool(spool)
        .with_spool_poll(Duration::from_millis(50));
    let tracker = client.tracker(config).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for n in first.. {
        let event = client
            .event(n + 1, EventName::AppInit, Uuid::from_u128(n as u128 / 8))
            .with_custom("seq", n);
        tracker.track(&event).await.map_err(|e| e.to_string())?;
        writeln!(out, "T {n}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
