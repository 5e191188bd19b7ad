//! `cargo xtask bench tracker`: the TGA tracker's enqueue rate, memory per queued event, and
//! delivery rate and batch fill against the fake TGA over loopback (real time).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tg_common::Error;
use tg_mock::MockServer;
use tg_mock::tga::TgaFake;
use tga_client::{
    BatchSender, Client, EncodedEvent, Event, EventName, FullPolicy, Tracker, TrackerConfig,
};
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::Report;

/// Events per measurement.
const EVENTS: usize = 100_000;

/// A sender that never answers: the queue only grows.
struct HeldBack {
    gate: Semaphore,
}

impl BatchSender for HeldBack {
    async fn send(&self, _batch: &[EncodedEvent]) -> Result<(), Error> {
        let _permit = self.gate.acquire().await;
        Ok(())
    }
}

/// An event as the official SDK sends one (the documents' first example) with a sequence
/// number in `custom_data`.
fn event(app: &str, n: usize) -> Event {
    Event::new(
        111_111_111 + n as i64,
        EventName::AppInit,
        Uuid::from_u128(n as u128 / 16),
        app,
    )
    .with_premium(true)
    .with_platform("tdesktop")
    .with_locale("en")
    .with_client_timestamp(tga_client::ClientTimestamp::from_millis(
        1_743_503_599_534 + n as u64,
    ))
    .with_custom("seq", n)
}

/// The resident set size of this process in bytes (VmRSS of /proc/self/status).
fn rss_bytes() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS in /proc/self/status")?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or("unreadable VmRSS")?;
    Ok(kb * 1024)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn held_back_tracker() -> Result<Tracker, String> {
    let config = TrackerConfig::default()
        .with_queue_capacity(EVENTS)
        .with_when_full(FullPolicy::DropNewest);
    Tracker::start(
        HeldBack {
            gate: Semaphore::new(0),
        },
        config,
    )
    .map_err(|e| e.to_string())
}

/// Enqueue rates, and the memory the queue holds per event.
fn enqueue(report: &mut Report) -> Result<(), String> {
    let rt = runtime()?;
    rt.block_on(async {
        let events: Vec<Event> = (0..EVENTS).map(|n| event("bench", n)).collect();
        let json_len = events
            .iter()
            .map(|e| e.encode().map(|j| j.len()).unwrap_or(0))
            .sum::<usize>() as f64
            / EVENTS as f64;

        // try_track into a fresh heap, measuring the memory the queued events take.
        let tracker = held_back_tracker()?;
        let before = rss_bytes()?;
        for e in &events {
            tracker.try_track(e).map_err(|e| e.to_string())?;
        }
        let after = rss_bytes()?;
        let per_event = after.saturating_sub(before) as f64 / EVENTS as f64;
        let held = tracker.queue_len();
        let _ = tracker.shutdown(Duration::from_millis(10)).await;

        // The rates, on a warm heap.
        let tracker = held_back_tracker()?;
        let started = Instant::now();
        for e in &events {
            tracker.track(e).await.map_err(|e| e.to_string())?;
        }
        let track_rate = EVENTS as f64 / started.elapsed().as_secs_f64();
        let _ = tracker.shutdown(Duration::from_millis(10)).await;
        let tracker = held_back_tracker()?;
        let started = Instant::now();
        for e in &events {
            tracker.try_track(e).map_err(|e| e.to_string())?;
        }
        let try_rate = EVENTS as f64 / started.elapsed().as_secs_f64();
        let _ = tracker.shutdown(Duration::from_millis(10)).await;

        println!("tracker: {EVENTS} events like the documents' first example ({json_len:.0} bytes of JSON each)");
        println!("  enqueue (validate, encode, queue): try_track {try_rate:.0} events/s, track().await {track_rate:.0} events/s");
        println!(
            "  memory while {held} events wait in the queue (sender held back): {per_event:.0} bytes per queued event (RSS delta)"
        );
        report.push("tracker.try_track_per_sec", try_rate);
        report.push("tracker.track_per_sec", track_rate);
        report.push("tracker.bytes_per_queued_event", per_event);
        report.push("tracker.event_json_bytes", json_len);
        Ok::<_, String>(())
    })
}

/// Delivery through the HTTP client to the fake TGA on loopback.
fn deliver(report: &mut Report, label: &str, config: TrackerConfig) -> Result<(), String> {
    let rt = runtime()?;
    rt.block_on(async {
        let fake = Arc::new(TgaFake::new());
        let token = fake.issue_token("bench", "bench.example.org");
        let server = MockServer::start(Arc::clone(&fake))
            .await
            .map_err(|e| e.to_string())?;
        let client = Client::builder(token)
            .core(|c| {
                c.with_base_url(server.base_url())
                    .with_plain_http_loopback(true)
            })
            .build()
            .map_err(|e| e.to_string())?;
        let (max_batch, in_flight) = (config.max_batch, config.max_in_flight);
        let tracker = client.tracker(config).map_err(|e| e.to_string())?;
        let events: Vec<Event> = (0..EVENTS).map(|n| event("bench", n)).collect();
        let started = Instant::now();
        for e in &events {
            tracker.track(e).await.map_err(|e| e.to_string())?;
        }
        tracker.flush().await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let stats = tracker.stats();
        let left = tracker.shutdown(Duration::from_secs(1)).await;
        if fake.accepted_count() != EVENTS || left.is_err() {
            return Err(format!(
                "the fake holds {} of {EVENTS} events",
                fake.accepted_count()
            ));
        }
        let rate = EVENTS as f64 / elapsed.as_secs_f64();
        let per_request = stats.sent as f64 / stats.requests.max(1) as f64;
        println!(
            "  delivered to the fake ({max_batch} events a batch, {in_flight} in flight, gzip): {rate:.0} events/s, {:.0} requests/s, {per_request:.1} events per request ({:.2} s)",
            stats.requests as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64()
        );
        report.push(&format!("tracker.delivered_per_sec{label}"), rate);
        report.push(&format!("tracker.events_per_request{label}"), per_request);
        Ok::<_, String>(())
    })
}

pub fn run(report: &mut Report) -> Result<(), String> {
    enqueue(report)?;
    deliver(report, "", TrackerConfig::default())?;
    deliver(
        report,
        ".batch200",
        TrackerConfig::default()
            .with_max_batch(200)
            .with_max_in_flight(8),
    )
}
