//! `cargo xtask bench limiter`: utilization and worst window counts over three simulated days of
//! saturated demand (virtual time, driven explicitly), the cost of an uncontended acquire, and
//! contended rows with 10,000 and 100,000 queued waiters: reserve, cancel, wake-up lateness
//! (real time), and priority rows: reserved calls placed ahead of thousands of waiting
//! background calls.

use std::future::Future;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use tg_common::limit::bench_internals::{AdmissionLog, LocalBackend, Nanos, Slot, nanos};
use tg_common::limit::{Admission, Priority, ReservedShare};
use tg_common::{Quota, RateLimiter};

use super::Report;
use super::measure::at_percent;
use crate::text;

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
    let rt = timer_runtime()?;
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
    report.push_all(
        "limiter",
        &[("try_acquire_ns", try_ns), ("acquire_ns", acquire_ns)],
    );
    for n in [10_000usize, 100_000] {
        contended(report, n)?;
    }
    for n in [2_000usize, 20_000] {
        priority(report, n)?;
    }
    redis_latency(report)
}

/// `n` waiters queued on one limiter: the cost of reserving and of cancelling them (in the order
/// they came, the slow case of a sorted vector, and in random order), of dropping that many
/// waiting `acquire` futures, and how late waiters wake after their slot.
fn contended(report: &mut Report, n: usize) -> Result<(), String> {
    let rt = timer_runtime()?;
    let quota = [Quota::new(
        u32::try_from(n / 10).unwrap_or(u32::MAX),
        Duration::from_secs(1),
    )];
    let long = Duration::from_secs(3600);
    rt.block_on(async {
        // Reserve, then cancel in arrival order (oldest first).
        let backend = LocalBackend::new(&quota);
        let t = Instant::now();
        let mut held: Vec<_> = (0..n).filter_map(|_| backend.reserve_now(long).ok()).collect();
        let reserve_ns = t.elapsed().as_nanos() as f64 / n as f64;
        if held.len() != n {
            return Err(format!("only {} of {n} reservations granted", held.len()));
        }
        let cancel_ms = |held: &[_]| {
            let t = Instant::now();
            held.iter().for_each(|r| backend.cancel_now(*r));
            t.elapsed().as_secs_f64() * 1000.0
        };
        let cancel_fifo_ms = cancel_ms(&held);
        // Again, cancelled in a random order.
        held = (0..n).filter_map(|_| backend.reserve_now(long).ok()).collect();
        shuffle(&mut held, 0x5eed);
        let cancel_random_ms = cancel_ms(&held);

        // Dropping `n` waiting `acquire` futures (each returns its slot on drop).
        let limiter = RateLimiter::new(&quota);
        let mut waiting = Vec::with_capacity(n);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..n {
            let lim = limiter.clone();
            let mut f = Box::pin(async move { lim.acquire_within(long).await });
            let _ = f.as_mut().poll(&mut cx);
            waiting.push(f);
        }
        let t = Instant::now();
        drop(waiting);
        let drop_ms = t.elapsed().as_secs_f64() * 1000.0;

        // Wake-up lateness: n waiters spread over ten slots 300 ms apart; the k-th reservation's
        // slot is 300 ms * (k / (n/10)) after the first admission. Only waiters (slots after the
        // first) count.
        let span = Duration::from_millis(300);
        let per = n / 10;
        let limiter = RateLimiter::new(&[Quota::new(
            u32::try_from(per).unwrap_or(u32::MAX),
            span,
        )]);
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let lim = limiter.clone();
            tasks.push(tokio::spawn(async move {
                lim.acquire_within(long).await.map_err(text)?;
                Ok::<_, String>(tokio::time::Instant::now())
            }));
        }
        let mut admitted = Vec::with_capacity(n);
        for t in tasks {
            admitted.push(t.await.map_err(text)??);
        }
        let first = admitted[0];
        let mut late: Vec<f64> = admitted
            .iter()
            .enumerate()
            .skip(per)
            .map(|(k, at)| {
                let slot = first + span * u32::try_from(k / per).unwrap_or(u32::MAX);
                at.saturating_duration_since(slot).as_secs_f64() * 1000.0
            })
            .collect();
        late.sort_by(f64::total_cmp);
        let (p50, p99, max) = (at_percent(&late, 50), at_percent(&late, 99), at_percent(&late, 100));
        println!(
            "  contended, {n} waiters: reserve {reserve_ns:.0} ns each; cancel all {cancel_fifo_ms:.1} ms (oldest first), {cancel_random_ms:.1} ms (random order); drop {n} waiting acquires {drop_ms:.1} ms; wake-up lateness p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
        );
        report.push_all(
            &format!("limiter.contended_{n}"),
            &[
                ("reserve_ns", reserve_ns),
                ("cancel_oldest_first_ms", cancel_fifo_ms),
                ("cancel_random_ms", cancel_random_ms),
                ("drop_waiters_ms", drop_ms),
                ("wake_late_p50_ms", p50),
                ("wake_late_p99_ms", p99),
                ("wake_late_max_ms", max),
            ],
        );
        Ok(())
    })
}

/// The day spent (a pause), `n` background calls waiting (the default 20% reserved), then `n`
/// reserved calls, each placed ahead of them: the cost of a reserved reservation, and of the
/// waiters asking where they stand afterwards (each displaced one placed again, in order).
fn priority(report: &mut Report, n: usize) -> Result<(), String> {
    let mut log = AdmissionLog::new(&tgtrack_quotas());
    let day = nanos(Duration::from_secs(86_400));
    log.pause_until(0, day);
    let wait = Duration::from_secs(30 * 86_400);
    let share = ReservedShare::percent(20).map_err(text)?;
    let admission = |priority| Admission { priority, share };
    let events: Vec<_> = (0..n)
        .map(|_| log.reserve_for(0, wait, admission(Priority::Background)))
        .collect::<Result<_, _>>()
        .map_err(|d| format!("{d:?}"))?;
    let t = Instant::now();
    let starts: Vec<_> = (0..n)
        .map(|_| log.reserve_for(0, wait, admission(Priority::Reserved)))
        .collect::<Result<_, _>>()
        .map_err(|d| format!("{d:?}"))?;
    let reserve_ns = t.elapsed().as_nanos() as f64 / n as f64;
    let t = Instant::now();
    let mut last_start = 0;
    for g in &starts {
        if let Slot::Wait(at) = log.slot(g.seq, 0) {
            last_start = last_start.max(at);
        }
    }
    let mut first_event = Nanos::MAX;
    for g in &events {
        if let Slot::Wait(at) = log.slot(g.seq, 0) {
            first_event = first_event.min(at);
        }
    }
    let ask_ns = t.elapsed().as_nanos() as f64 / (2 * n) as f64;
    if last_start > first_event {
        return Err(format!("{n} starts: an event was placed before a start"));
    }
    println!(
        "  priority, {n} background waiters then {n} reserved calls: reserve {reserve_ns:.0} ns each; every waiter asks, {ask_ns:.0} ns each (events placed again behind the starts)"
    );
    report.push_all(
        &format!("limiter.priority_{n}"),
        &[("reserve_ns", reserve_ns), ("ask_ns", ask_ns)],
    );
    Ok(())
}

/// A current-thread runtime with timers only.
fn timer_runtime() -> Result<tokio::runtime::Runtime, String> {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time().build().map_err(text)
}

/// Fisher-Yates with a fixed xorshift seed (reproducible rows, no extra dependency).
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
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
        .map_err(text)?;
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
        .map_err(text)?;
        limiter.acquire().await.map_err(text)?; // connect
        let mut samples = Vec::with_capacity(5000);
        for _ in 0..5000 {
            let t = Instant::now();
            limiter.acquire().await.map_err(text)?;
            samples.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
        Ok::<_, String>(samples)
    })?;
    samples.sort_by(f64::total_cmp);
    let (median, p99) = (at_percent(&samples, 50), at_percent(&samples, 99));
    println!(
        "  redis backend acquire (3 quotas, loopback): median {median:.0} µs, p99 {p99:.0} µs"
    );
    report.push_all(
        "limiter",
        &[
            ("redis_acquire_median_us", median),
            ("redis_acquire_p99_us", p99),
        ],
    );
    Ok(())
}
