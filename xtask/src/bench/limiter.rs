//! `cargo xtask bench limiter`: utilization and worst window counts over three simulated days of
//! saturated demand (virtual time, driven explicitly), and the cost of an uncontended acquire
//! (real time).

use std::time::{Duration, Instant};

use tg_common::limit::{AdmissionLog, Nanos, nanos};
use tg_common::{Quota, RateLimiter};

use super::Report;

/// TGTrack's documented quotas with the client's default margins.
fn tgtrack_quotas() -> Vec<Quota> {
    vec![
        Quota::per_second(3).with_margin(Duration::from_millis(50)),
        Quota::per_hour(500).with_margin(Duration::from_secs(1)),
        Quota::per_day(5000).with_margin(Duration::from_secs(1)),
    ]
}

/// The admission times of one caller that asks again as soon as it is admitted, for `horizon`
/// of virtual time. Drives the limiter's exact state ([`AdmissionLog`], the same code every
/// [`RateLimiter`] runs) with explicit instants: the async limiter only sleeps until the grant,
/// and this binary must not enable tokio's `test-util` (its clock would slow down every timer
/// and clock read of the clients the comparison measures).
fn saturate(quotas: &[Quota], horizon: Duration) -> Vec<Duration> {
    let mut log = AdmissionLog::new(quotas);
    let end = nanos(horizon);
    let max_wait = Duration::from_secs(10);
    let mut now: Nanos = 0;
    let mut times = Vec::new();
    while now < end {
        match log.reserve(now, max_wait) {
            Ok(grant) => {
                now = grant.at;
                if now < end {
                    times.push(Duration::from_nanos(now));
                }
            }
            // Refused: wait until capacity returns, as a caller honouring `retry_after` does.
            Err(denial) => now = denial.available_at.max(now + 1),
        }
    }
    times
}

/// The largest number of sorted `times` in any interval of length `window`.
fn worst_sliding(times: &[Duration], window: Duration) -> usize {
    let mut worst = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= window {
            lo += 1;
        }
        worst = worst.max(hi - lo + 1);
    }
    worst
}

pub fn run(report: &mut Report) -> Result<(), String> {
    let quotas = tgtrack_quotas();
    let days = 3u32;
    let horizon = Duration::from_secs(86_400 * u64::from(days));
    let times = saturate(&quotas, horizon);
    println!(
        "limiter: saturated demand for {days} simulated days, TGTrack quotas with default margins"
    );
    println!(
        "  {:<12} {:>10} {:>12} {:>12} {:>12}",
        "quota", "admitted", "quota max", "utilization", "worst window"
    );
    for q in &quotas {
        let windows = horizon.as_secs_f64() / q.window.as_secs_f64();
        let theoretical = windows * f64::from(q.count);
        let worst = worst_sliding(&times, q.window);
        let util = times.len() as f64 / theoretical;
        println!(
            "  {:<12} {:>10} {:>12.0} {:>11.3}% {:>7}/{:<4}",
            q.to_string(),
            times.len(),
            theoretical,
            util * 100.0,
            worst,
            q.count
        );
        report.push(&format!("limiter.worst_window.{q}"), worst as f64);
        if worst > q.count as usize {
            return Err(format!("quota {q} exceeded: {worst} in one window"));
        }
    }
    let binding = 5000.0 * f64::from(days);
    let util = times.len() as f64 / binding;
    println!(
        "  binding quota (5000/day): {:.3}% of the theoretical maximum",
        util * 100.0
    );
    report.push("limiter.binding_utilization", util);

    // Uncontended cost, real time.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    let n = 2_000_000u32;
    let (try_ns, acquire_ns) = rt.block_on(async {
        let limiter = RateLimiter::new(&[Quota::per_second(u32::MAX)]);
        let t = Instant::now();
        for _ in 0..n {
            let _ = std::hint::black_box(limiter.try_acquire());
        }
        let try_ns = t.elapsed().as_nanos() as f64 / f64::from(n);
        let limiter = RateLimiter::new(&[Quota::per_second(u32::MAX)]);
        let t = Instant::now();
        for _ in 0..n {
            let _ = std::hint::black_box(limiter.acquire().await);
        }
        (try_ns, t.elapsed().as_nanos() as f64 / f64::from(n))
    });
    println!(
        "  uncontended try_acquire: {try_ns:.0} ns/op; acquire().await: {acquire_ns:.0} ns/op"
    );
    report.push("limiter.try_acquire_ns", try_ns);
    report.push("limiter.acquire_ns", acquire_ns);
    redis_latency(report)
}

/// Acquire latency through the Redis backend (one script round trip on loopback).
fn redis_latency(report: &mut Report) -> Result<(), String> {
    let Some(server) = crate::redis::start()? else {
        println!("  redis backend: skipped (redis-server not installed)");
        return Ok(());
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut samples = rt.block_on(async {
        let limiter = tg_common::limit::redis_limiter(
            tg_common::limit::RedisConfig::new(
                server.url.clone(),
                tg_common::Secret::new("bench-naming"),
            ),
            &tg_common::Secret::new("bench-key"),
            &tgtrack_quotas()
                .into_iter()
                .map(|q| Quota {
                    count: u32::MAX,
                    ..q
                })
                .collect::<Vec<_>>(),
        )
        .map_err(|e| e.to_string())?;
        limiter.acquire().await.map_err(|e| e.to_string())?; // connect
        let mut samples = Vec::with_capacity(5000);
        for _ in 0..5000 {
            let t = Instant::now();
            limiter.acquire().await.map_err(|e| e.to_string())?;
            samples.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
        Ok::<_, String>(samples)
    })?;
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let p99 = samples[samples.len() * 99 / 100];
    println!(
        "  redis backend acquire (3 quotas, loopback): median {median:.0} µs, p99 {p99:.0} µs"
    );
    report.push("limiter.redis_acquire_median_us", median);
    report.push("limiter.redis_acquire_p99_us", p99);
    Ok(())
}
