//! The durable spool demo: a TGA tracker over a `DiskSpool` in a temporary directory while the
//! service is down; the "process" dies mid-way (its runtime is dropped: no flush, no shutdown);
//! a new tracker on the same directory delivers what was left once the service is back.
//!
//! Only the public API is used (`tga_client::spool::DiskSpool`, `TrackerConfig::with_spool`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tg_mock::tga::TgaFake;
use tg_mock::{Fault, FaultRule, MockServer, Reply};
use tga_client::spool::{DiskConfig, DiskSpool, Spool};
use tga_client::{Client, EventName, Tracker, TrackerConfig, TrackerStats};
use uuid::Uuid;

use super::render::{Section, count};
use crate::text;

const APP: &str = "docs";
const DOMAIN: &str = "docs.example.org";
/// Events the first process tracks.
const EVENTS: u32 = 20;

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Result<TempDir, String> {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A client of the fake at `base`.
fn client(base: &str, token: &str) -> Result<Client, String> {
    Client::builder(token)
        .core(|c| c.with_loopback_url(base))
        .build()
        .map_err(text)
}

/// A tracker over a `DiskSpool` in `dir`.
fn tracker(client: &Client, dir: &Path) -> Result<Tracker, String> {
    let spool = DiskSpool::open(DiskConfig::new(dir)).map_err(text)?;
    client
        .tracker(
            TrackerConfig::default()
                .with_spool(Arc::new(spool))
                .with_linger(Duration::from_millis(20)),
        )
        .map_err(text)
}

/// The first process: its own runtime, a tracker over the spool, [`EVENTS`] tracked while the
/// service refuses them; then the runtime is dropped with the tracker still running, as a
/// killed process stops. Returns the tracker's counters just before.
fn first_process(base: &str, token: &str, dir: &Path) -> Result<TrackerStats, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(text)?;
    let running = rt.block_on(async {
        let client = client(base, token)?;
        let tracker = tracker(&client, dir)?;
        let session = Uuid::new_v4();
        for n in 0..EVENTS {
            let event = client
                .event(111_111_111, EventName::CustomEvent, session)
                .with_custom("step", n);
            tracker.track(&event).await.map_err(text)?;
        }
        // Long enough for a few attempts, each refused with 503.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok::<_, String>(tracker)
    });
    let stats = running.as_ref().map(Tracker::stats).map_err(Clone::clone);
    // The process dies: every task stops where it is; nothing is flushed or handed back.
    drop(rt);
    drop(running);
    stats
}

/// Runs the spool demo.
pub async fn run(s: &mut Section) -> Result<(), String> {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token(APP, DOMAIN);
    let server = MockServer::start(Arc::clone(&fake)).await.map_err(text)?;
    let base = server.base_url();
    let dir = TempDir::new("tg-demo-spool")?;
    server.push_fault(FaultRule::always(Fault::RespondUnprocessed(Reply::new(
        503, "down",
    ))));
    s.note("TGA is down: every request answers 503.");

    let path = dir.0.clone();
    let (b, t) = (base.clone(), token.clone());
    let first = tokio::task::spawn_blocking(move || first_process(&b, &t, &path))
        .await
        .map_err(text)?;
    s.call(
        &format!("process 1: a tracker over DiskSpool, track({EVENTS} events)"),
        &first,
        |t| {
            let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
            format!(
                "{} stored before track returned; {} sent, {} refused",
                count(n(t.queued), "event"),
                n(t.sent),
                count(n(t.requests), "request")
            )
        },
    );
    first?;
    s.note("process 1 dies here: its runtime is dropped mid-way (no flush, no shutdown).");

    let spool = DiskSpool::open(DiskConfig::new(&dir.0)).map_err(text)?;
    let held = spool.stats().await;
    s.call(
        "process 2: DiskSpool::open(the same directory)",
        &held,
        |h| format!("{} events waiting, none lost", h.entries),
    );
    drop(spool);

    server.clear_faults();
    s.note("TGA is back.");
    let second = tracker(&client(&base, &token)?, &dir.0)?;
    let delivered = second.shutdown(Duration::from_secs(5)).await;
    s.call(
        "process 2: a new tracker on the spool, shutdown(5 s)",
        &delivered,
        |()| "what process 1 left is delivered".to_owned(),
    );
    s.note(format!(
        "The fake holds {} events, none sent by process 1.",
        fake.accepted_count()
    ));
    Ok(())
}
