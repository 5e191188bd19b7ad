//! Spool figures: appends per second with the default fsync policy (inline, through the
//! `Spool` trait, and handed to Tokio's blocking pool), recovery time and bytes per entry of
//! the disk spool, and (with the `redis` feature and `TG_REDIS_URL`) Redis appends.
//!
//! `cargo run --release -p tga-client --example spool_bench [--features redis] [ENTRIES]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tga_client::spool::{DiskConfig, DiskSpool, EntryId, Spool};

fn per_second(n: usize, took: Duration) -> String {
    format!(
        "{:.0}/s ({:.2} µs each)",
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / n as f64
    )
}

fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average (1, 5, 15 min): {}", load.trim());
    let entries: Vec<Bytes> = (0..n)
        .map(|i| {
            let mut e =
                format!("{{\"event_name\":\"checkout-step\",\"n\":{i},\"pad\":\"").into_bytes();
            e.resize(298, b'x');
            e.extend_from_slice(b"\"}");
            Bytes::from(e)
        })
        .collect();
    let base = tempdir()?;

    // Inline appends, default policy (write per append, fdatasync every 100 ms).
    let dir = base.join("inline");
    let spool = DiskSpool::open(DiskConfig::new(&dir))?;
    let rss = resident_bytes();
    let started = Instant::now();
    for e in &entries {
        spool.append_now(e)?;
    }
    let took = started.elapsed();
    let index = resident_bytes().saturating_sub(rss);
    println!("disk append_now, default fsync: {}", per_second(n, took));
    spool.sync()?;
    let stored = spool.stats_now().stored_bytes;
    println!(
        "disk bytes per 300-byte entry: {:.1} (overhead {:.1}); resident memory per held entry: ~{:.0} B",
        stored as f64 / n as f64,
        stored as f64 / n as f64 - 300.0,
        index as f64 / n as f64
    );
    drop(spool);
    let started = Instant::now();
    let spool = DiskSpool::open(DiskConfig::new(&dir))?;
    println!(
        "disk recovery of {} entries: {:?} (open), read back in {:?}",
        spool.recovery().entries,
        started.elapsed(),
        {
            let t = Instant::now();
            while !spool.claim_now(1000)?.is_empty() {}
            t.elapsed()
        }
    );
    let ids: Vec<EntryId> = (1..=n as u128).map(EntryId::new).collect();
    let started = Instant::now();
    for chunk in ids.chunks(100) {
        spool.ack_now(chunk)?;
    }
    println!(
        "disk ack in batches of 100: {}",
        per_second(n, started.elapsed())
    );
    drop(spool);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let spool = Arc::new(DiskSpool::open(DiskConfig::new(base.join("trait")))?);
        let started = Instant::now();
        for e in &entries {
            spool.append(e.clone()).await?;
        }
        println!(
            "disk Spool::append (inline): {}",
            per_second(n, started.elapsed())
        );
        let started = Instant::now();
        for e in entries.iter().take(n / 10) {
            let (spool, e) = (Arc::clone(&spool), e.clone());
            tokio::task::spawn_blocking(move || spool.append_now(&e)).await??;
        }
        println!(
            "disk append on spawn_blocking: {}",
            per_second(n / 10, started.elapsed())
        );
        #[cfg(feature = "redis")]
        if let Ok(url) = std::env::var("TG_REDIS_URL") {
            use tga_client::spool::{RedisSpool, RedisSpoolConfig};
            let stream = format!("bench:spool:{}", std::process::id());
            let redis = RedisSpool::open(RedisSpoolConfig::new(url, stream, "bench")).await?;
            let count = n.min(20_000);
            let started = Instant::now();
            for e in entries.iter().take(count) {
                redis.append(e.clone()).await?;
            }
            println!(
                "redis append (one caller): {}",
                per_second(count, started.elapsed())
            );
            let started = Instant::now();
            let mut got = 0;
            loop {
                let batch = redis.claim(500).await?;
                if batch.is_empty() {
                    break;
                }
                got += batch.len();
                let ids: Vec<EntryId> = batch.iter().map(|e| e.id).collect();
                redis.ack(&ids).await?;
            }
            println!(
                "redis claim+ack in 500s: {}",
                per_second(got, started.elapsed())
            );
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    std::fs::remove_dir_all(&base)?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", load.trim());
    Ok(())
}

fn tempdir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("tga-spool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
