//! `cargo xtask bench tracker`: the TGA tracker's enqueue rate, memory per queued event, the
//! rate `track` accepts over a disk spool, and the delivery rate, client CPU per event and the
//! server's busy share against a minimal server on loopback (real time), each with the load.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tg_common::Error;
use tg_mock::tga::TgaFake;
use tga_client::spool::{DiskConfig, DiskSpool, MemorySpool, Spool};
use tga_client::{
    BatchSender, Client, EncodedEvent, Event, EventName, FullPolicy, GzipLevel, Tracker,
    TrackerConfig,
};
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::Report;
use super::sink::{Answer, Sink};

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
/// number in `custom_data`: the enqueue and spool rows' event, and the workload the delivery
/// row used to measure (16 events per session, one user after another: gzip finds long repeats).
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

/// Sessions open at once in [`sdk_events`]: a service tracking many users interleaves their
/// events.
const SESSIONS: u64 = 1_000;

/// A pseudo-random number of `n` (splitmix64): ids that look like a real service's.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `count` events shaped as the official SDK sends them: every shape of
/// `fixtures/tga/sdk-events.json` in turn (TON Connect events with their `trace_id`, state
/// init and signed transaction, purchases, the invoice), from [`SESSIONS`] sessions at once,
/// each with a random v4 `session_id` and user id; `trace_id`s are random, timestamps advance.
fn sdk_events(app: &str, count: usize) -> Result<Vec<Event>, String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tga/sdk-events.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let shapes: Vec<Event> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if shapes.is_empty() {
        return Err(format!("{}: no event", path.display()));
    }
    Ok((0..count)
        .map(|n| {
            let session = n as u64 % SESSIONS;
            let mut e = shapes[n % shapes.len()].clone();
            e.app_name = app.to_owned();
            e.user_id = 100_000_000 + (mix(session) % 7_000_000_000) as i64;
            e.session_id = uuid::Builder::from_random_bytes(
                (u128::from(mix(session ^ 0x5e55)) << 64 | u128::from(mix(session))).to_be_bytes(),
            )
            .into_uuid();
            if e.trace_id.is_some() {
                let id = u128::from(mix(n as u64 ^ 0x7ace)) << 64 | u128::from(mix(n as u64));
                e.trace_id = Some(
                    uuid::Builder::from_random_bytes(id.to_be_bytes())
                        .into_uuid()
                        .to_string(),
                );
            }
            e.client_timestamp = Some(tga_client::ClientTimestamp::from_millis(
                1_743_503_599_534 + 37 * n as u64,
            ));
            e
        })
        .collect())
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
        println!("  enqueue (validate, encode, queue): try_track {try_rate:.0} events/s, track().await {track_rate:.0} events/s (load {})", load());
        println!(
            "  memory while {held} events wait in the queue (sender held back): {per_event:.0} bytes per queued event (RSS delta; load {})",
            load()
        );
        report.push("tracker.try_track_per_sec", try_rate);
        report.push("tracker.track_per_sec", track_rate);
        report.push("tracker.bytes_per_queued_event", per_event);
        report.push("tracker.event_json_bytes", json_len);
        Ok::<_, String>(())
    })
}

/// The machine's load averages (`uptime`), printed with every figure: the machine is shared.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// CPU time of every thread of this process so far, in nanoseconds.
fn process_cpu_ns() -> Result<u64, String> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").map_err(|e| e.to_string())? {
        let path = task.map_err(|e| e.to_string())?.path().join("schedstat");
        // A thread may end between the listing and the read.
        if let Ok(text) = std::fs::read_to_string(path) {
            total += text
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Ok(total)
}

/// Events accepted by `track` over a spool (sender held back: the rate of appending, not of
/// delivering): a disk spool with the default fsync policy, and a memory spool for comparison
/// with the in-memory queue.
fn spooled(report: &mut Report) -> Result<(), String> {
    let rt = runtime()?;
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("tga-bench-spool-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let disk = DiskSpool::open(DiskConfig::new(&dir)).map_err(|e| e.to_string())?;
        let memory = MemorySpool::new(EVENTS as u64, 1 << 30);
        let spools: [(&str, &str, Arc<dyn Spool>); 2] = [
            (
                "disk spool (fsync every 100 ms, the default)",
                "disk",
                Arc::new(disk),
            ),
            ("memory spool", "memory", Arc::new(memory)),
        ];
        for (what, key, spool) in spools {
            let config = TrackerConfig::default()
                .with_spool(spool)
                .with_when_full(FullPolicy::DropNewest);
            let tracker = Tracker::start(
                HeldBack {
                    gate: Semaphore::new(0),
                },
                config,
            )
            .map_err(|e| e.to_string())?;
            let events: Vec<Event> = (0..EVENTS).map(|n| event("bench", n)).collect();
            let started = Instant::now();
            for e in &events {
                tracker.track(e).await.map_err(|e| e.to_string())?;
            }
            let rate = EVENTS as f64 / started.elapsed().as_secs_f64();
            let _ = tracker.shutdown(Duration::from_millis(10)).await;
            println!(
                "  {what}: track().await {rate:.0} events/s accepted (load {})",
                load()
            );
            report.push(&format!("tracker.{key}_spool_track_per_sec"), rate);
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok::<_, String>(())
    })
}

/// What one delivery row sends.
struct Workload {
    /// The key suffix in the report (`""` for the headline row).
    label: &'static str,
    /// The events, in the order they are tracked.
    events: Vec<Event>,
    /// The client's gzip level (`None`: gzip off; the default is on, at the default level).
    gzip: Option<GzipLevel>,
    /// The tracker's configuration.
    config: TrackerConfig,
    /// Tasks calling `track` at once, each with its share of the events (a service tracks
    /// from its concurrent request handlers).
    callers: usize,
}

/// Runs of each delivery row; the row reports its median run (by rate). One more run goes
/// first, untimed: the process's first deliveries pay for its memory and threads.
const DELIVERY_RUNS: usize = 5;

/// The figures of one delivery run.
#[derive(Clone, Copy)]
struct DeliveryRun {
    rate: f64,
    per_request: f64,
    request_bytes: f64,
    client_us: f64,
    sink_busy: f64,
    tracking_share: f64,
    seconds: f64,
}

/// Delivery through the HTTP client to a minimal server answering TGA's success (202
/// `{"message":"Success record."}`), on its own thread, so the client is what is measured: every
/// event is tracked with `track().await` and the clock stops when `flush` returns. The row is
/// run [`DELIVERY_RUNS`] times (after one untimed run) with a new tracker each; the median run
/// is reported, with the spread of the rates.
fn deliver(report: &mut Report, work: Workload) -> Result<(), String> {
    let answer = Answer {
        status: 202,
        body: Bytes::from_static(br#"{"message":"Success record."}"#),
    };
    let sink = Sink::start(HashMap::from([("/events".to_owned(), answer)]))?;
    let rt = runtime()?;
    let Workload {
        label,
        events,
        gzip,
        config,
        callers,
    } = work;
    let (max_batch, in_flight) = (config.max_batch, config.max_in_flight);
    let count = events.len();
    let json_bytes: usize = events
        .iter()
        .map(|e| e.encode().map(|j| j.len()).unwrap_or(0))
        .sum();
    let mut runs = rt.block_on(async {
        let fake = TgaFake::new();
        let token = fake.issue_token("bench", "bench.example.org");
        let client = Client::builder(token)
            .gzip(gzip.is_some())
            .gzip_level(gzip.unwrap_or_default())
            .core(|c| c.with_loopback_url(sink.base_url()))
            .build()
            .map_err(|e| e.to_string())?;
        let mut runs = Vec::with_capacity(DELIVERY_RUNS + 1);
        for _ in 0..=DELIVERY_RUNS {
            let tracker = client.tracker(config.clone()).map_err(|e| e.to_string())?;
            // The callers' events are made before the clocks start and dropped after they
            // stop: what is measured is the client, not the bench.
            let shares: Vec<Vec<Event>> = events
                .chunks(count.div_ceil(callers.max(1)))
                .map(<[Event]>::to_vec)
                .collect();
            let mut finished = Vec::with_capacity(shares.len());
            let (cpu0, sink0, received0) = (process_cpu_ns()?, sink.cpu_ns()?, sink.body_bytes());
            let started = Instant::now();
            let mut tracking = tokio::task::JoinSet::new();
            for share in shares {
                let tracker = tracker.clone();
                tracking.spawn(async move {
                    for e in &share {
                        tracker.track(e).await.map_err(|e| e.to_string())?;
                    }
                    Ok::<_, String>(share)
                });
            }
            while let Some(done) = tracking.join_next().await {
                finished.push(done.map_err(|e| e.to_string())??);
            }
            // The callers' share: `track` validates and encodes on the caller's task.
            let tracked = started.elapsed();
            tracker.flush().await.map_err(|e| e.to_string())?;
            let elapsed = started.elapsed();
            let (cpu1, sink1) = (process_cpu_ns()?, sink.cpu_ns()?);
            drop(finished);
            let received = sink.body_bytes() - received0;
            let stats = tracker.stats();
            let left = tracker.shutdown(Duration::from_secs(1)).await;
            if stats.sent != count as u64 || left.is_err() {
                return Err(format!("{} of {count} events delivered", stats.sent));
            }
            let sink_ns = sink1.saturating_sub(sink0);
            let client_ns = cpu1.saturating_sub(cpu0).saturating_sub(sink_ns);
            runs.push(DeliveryRun {
                rate: count as f64 / elapsed.as_secs_f64(),
                per_request: stats.sent as f64 / stats.requests.max(1) as f64,
                request_bytes: received as f64 / stats.requests.max(1) as f64,
                client_us: client_ns as f64 / 1_000.0 / count as f64,
                sink_busy: sink_ns as f64 / elapsed.as_nanos() as f64,
                tracking_share: tracked.as_secs_f64() / elapsed.as_secs_f64(),
                seconds: elapsed.as_secs_f64(),
            });
        }
        runs.remove(0);
        Ok::<_, String>(runs)
    })?;
    runs.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let (slowest, fastest) = (runs[0].rate, runs[runs.len() - 1].rate);
    let run = runs[runs.len() / 2];
    let json_per_event = json_bytes as f64 / count as f64;
    let gzip_text = match gzip {
        Some(level) => format!("gzip level {}", level.get()),
        None => "no gzip".to_owned(),
    };
    println!(
        "  delivered{label} ({json_per_event:.0} bytes of JSON an event, {max_batch} events a batch, {in_flight} in flight, {gzip_text}, {callers} tracking task(s)): {:.0} events/s (median of {DELIVERY_RUNS} runs, {slowest:.0} to {fastest:.0}), {:.1} events and {:.0} body bytes per request, client CPU {:.2} us/event, tracking {:.0}% of the time, sink busy {:.0}% ({:.2} s; load {})",
        run.rate,
        run.per_request,
        run.request_bytes,
        run.client_us,
        run.tracking_share * 100.0,
        run.sink_busy * 100.0,
        run.seconds,
        load()
    );
    report.push(&format!("tracker.delivered_per_sec{label}"), run.rate);
    report.push(
        &format!("tracker.events_per_request{label}"),
        run.per_request,
    );
    report.push(
        &format!("tracker.request_body_bytes{label}"),
        run.request_bytes,
    );
    report.push(
        &format!("tracker.client_cpu_us_per_event{label}"),
        run.client_us,
    );
    report.push(&format!("tracker.sink_busy_share{label}"), run.sink_busy);
    report.push(
        &format!("tracker.tracking_share{label}"),
        run.tracking_share,
    );
    Ok(())
}

pub fn run(report: &mut Report) -> Result<(), String> {
    println!("tracker bench, load average at start: {}", load());
    enqueue(report)?;
    spooled(report)?;
    println!(
        "  delivery: {EVENTS} events to a minimal loopback server answering 202 {{\"message\":\"Success record.\"}}, the client and tracker at their defaults unless said"
    );
    let sdk = || sdk_events("bench", EVENTS);
    let on = Some(GzipLevel::default());
    deliver(
        report,
        Workload {
            label: "",
            events: sdk()?,
            gzip: on,
            config: TrackerConfig::default(),
            callers: 1,
        },
    )?;
    deliver(
        report,
        Workload {
            label: ".gzip_off",
            events: sdk()?,
            gzip: None,
            config: TrackerConfig::default(),
            callers: 1,
        },
    )?;
    // A service tracks from its request handlers: two tasks at once, one a core.
    deliver(
        report,
        Workload {
            label: ".two_callers",
            events: sdk()?,
            gzip: on,
            config: TrackerConfig::default(),
            callers: 2,
        },
    )?;
    // What the old row measured: the documents' first example, 16 events per session in a row.
    deliver(
        report,
        Workload {
            label: ".first_example",
            events: (0..EVENTS).map(|n| event("bench", n)).collect(),
            gzip: on,
            config: TrackerConfig::default(),
            callers: 1,
        },
    )?;
    // The choices around the defaults: the level, and the official SDK's 20 events a batch.
    for (label, level, batch) in [
        (".level1", 1, None),
        (".level6", 6, None),
        (".batch20", 2, Some(20)),
        (".batch20_level6", 6, Some(20)),
    ] {
        let config = match batch {
            Some(n) => TrackerConfig::default().with_max_batch(n),
            None => TrackerConfig::default(),
        };
        let level = GzipLevel::new(level).map_err(|e| e.to_string())?;
        deliver(
            report,
            Workload {
                label,
                events: sdk()?,
                gzip: Some(level),
                config,
                callers: 1,
            },
        )?;
    }
    let dir = std::env::temp_dir().join(format!("tga-bench-deliver-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spool = DiskSpool::open(DiskConfig::new(&dir)).map_err(|e| e.to_string())?;
    let delivered = deliver(
        report,
        Workload {
            label: ".disk_spool",
            events: sdk()?,
            gzip: on,
            config: TrackerConfig::default().with_spool(Arc::new(spool)),
            callers: 1,
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
    delivered?;
    forwarding(report)
}

/// Updates forwarded to TGTrack one call each.
const UPDATES: usize = 20_000;

/// TGTrack forwarding through a disk spool: the rate `submit` stores `/start` updates (durable
/// before the webhook answers Telegram), and the rate they are delivered to a minimal server
/// answering TGTrack's success, the quota lifted (at the documented 3 a second it is the quota
/// that is measured, not the client).
fn forwarding(report: &mut Report) -> Result<(), String> {
    let key = "bench-forwarding-key";
    let answer = Answer {
        status: 200,
        body: Bytes::from_static(br#"{"status":"OK","mode":"production"}"#),
    };
    let sink = Sink::start(HashMap::from([(
        format!("/v1/{key}/on_telegram_webhook"),
        answer,
    )]))?;
    let rt = runtime()?;
    let dir = std::env::temp_dir().join(format!("tgtrack-bench-spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let measured = rt.block_on(async {
        let lifted = vec![tg_common::Quota::new(u32::MAX, Duration::from_secs(1))];
        let client = tgtrack_client::Client::builder(key)
            .core(|c| c.with_loopback_url(sink.base_url()).with_quotas(lifted))
            .build()
            .map_err(|e| e.to_string())?;
        let spool = DiskSpool::open(DiskConfig::new(&dir)).map_err(|e| e.to_string())?;
        let queue = tgtrack_client::ForwardQueue::builder(client)
            .spool(Arc::new(spool))
            .start()
            .map_err(|e| e.to_string())?;
        let updates: Vec<Bytes> = (0..UPDATES)
            .map(|n| {
                Bytes::from(format!(
                    r#"{{"update_id":{n},"message":{{"message_id":{n},"date":1743503599,"chat":{{"id":{id},"type":"private"}},"from":{{"id":{id},"is_bot":false,"first_name":"Ann","language_code":"en"}},"text":"/start campaign_{c}","entities":[{{"type":"bot_command","offset":0,"length":6}}]}}}}"#,
                    id = 100_000_000 + mix(n as u64) % 7_000_000_000,
                    c = n % 40,
                ))
            })
            .collect();
        let bytes = updates.iter().map(Bytes::len).sum::<usize>() as f64 / UPDATES as f64;
        let started = Instant::now();
        for update in updates {
            if !matches!(
                queue.submit(update).await,
                tgtrack_client::Submission::Queued(_)
            ) {
                return Err("an update was not stored".to_owned());
            }
        }
        let stored = started.elapsed();
        queue.flush().await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let stats = queue.close(Duration::from_secs(1)).await;
        if stats.pending() != 0 || sink.requests() != UPDATES as u64 {
            return Err(format!("{} of {UPDATES} updates delivered", sink.requests()));
        }
        Ok::<_, String>((bytes, stored, elapsed))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (bytes, stored, elapsed) = measured?;
    let stored_rate = UPDATES as f64 / stored.as_secs_f64();
    let rate = UPDATES as f64 / elapsed.as_secs_f64();
    println!(
        "  TGTrack forwarding ({UPDATES} /start updates of {bytes:.0} bytes, disk spool, one call each, quota lifted): submit stores {stored_rate:.0} updates/s, delivered {rate:.0} updates/s (load {})",
        load()
    );
    report.push("tracker.forward_stored_per_sec", stored_rate);
    report.push("tracker.forward_delivered_per_sec", rate);
    Ok(())
}
