//! Background delivery (feature `outbox`): what a client accepts to deliver later is appended
//! to a [`Spool`](spool::Spool) (in memory, on disk, or in a Redis stream with the `redis` feature) before the
//! caller is answered, and one worker delivers it through a provider's [`Deliverer`] until the
//! service took it. The provider crates hold only what is theirs (TGA's batching and gzip,
//! TGTrack's one verbatim update per call); claiming, acknowledging, retrying, letters, panics,
//! stats and shutdown are here, once.
//!
//! - [`Outbox::append`] stores an entry (durable as the spool promises) and wakes the worker;
//!   [`Outbox::append_or_letter`] turns a refusal (spool full, I/O, shut down) into a
//!   [`Letter`] instead of an error, so nothing is refused silently.
//! - The worker claims up to `claim_max` entries, oldest first, and hands them to the
//!   [`Deliverer`], which says per entry: delivered (acknowledged), retry (released, tried again
//!   after [`Backoff`](crate::retry::Backoff) with full jitter and at least the Retry-After), or
//!   rejected (a [`Letter`]). [`Delivery::of`] is the one classification of a send's result.
//! - Letters go to the [`LetterSink`], or, without one, are kept (bounded by `max_letters`,
//!   their entries unacknowledged in the spool) until [`Outbox::take_letters`].
//! - A panic of the deliverer, the sink or the worker is caught and counted; the entries in
//!   hand are released and retried.
//! - [`Outbox::flush`] waits until the spool has nothing ready; [`Outbox::shutdown`] stops
//!   taking entries, drains the spool until its deadline, then releases what it claimed (a new
//!   outbox on the same spool delivers it). Both report what went wrong ([`OutboxReport`]).
//! - [`Outbox::stats`] ([`OutboxStats`], serializable): counters, the backlog in entries and
//!   bytes, its oldest entry's age and the projected time to drain it under the deliverer's
//!   quotas.
//!
//! Delivery is **at least once**: an entry delivered and not yet acknowledged when a process
//! dies is delivered again.
//!
//! - [`spool`]: the spool contract and its backends.
//! - [`isolate`]: panic isolation for callbacks and tasks.

mod config;
mod deliverer;
mod envelope;
pub mod isolate;
mod letter;
mod report;
mod shared;
pub mod spool;
mod stats;
mod worker;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use config::{DEFAULT_CLAIM_MAX, DEFAULT_MAX_LETTERS, DEFAULT_POLL, OutboxConfig};
pub use deliverer::{Claimed, Deliverer, Delivery};
pub use letter::{Letter, LetterCause, LetterSink};
pub use report::{OutboxError, OutboxReport};
use spool::EntryId;
pub use stats::OutboxStats;

use crate::Error;
use shared::{OutboxState, Phase};
use stats::Counters;
use worker::{Settings, Worker, WorkerCommand};

/// Room in a full spool, signalled ([`Outbox::room`]).
#[derive(Debug)]
pub struct Room(tokio::sync::watch::Receiver<()>);

impl Room {
    /// Returns once entries were acknowledged (and removed) after this signal was made or last
    /// returned; never while the outbox is gone (bound it with a timeout).
    pub async fn freed(&mut self) {
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// An entry appended, or a refusal handed over as a letter ([`Outbox::append_or_letter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored in the spool under this id.
    Stored(EntryId),
    /// Not stored: handed to the letter sink, or kept for `take_letters`, and counted.
    Refused,
}

/// A spool and the worker delivering from it; see the [module documentation](self). Cheap to
/// clone: clones share the worker.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<OutboxState>,
    ctl: mpsc::Sender<WorkerCommand>,
    worker: Mutex<Option<JoinHandle<()>>>,
    drain: Box<dyn Fn(u64) -> Option<Duration> + Send + Sync>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("name", &self.inner.shared.name)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Starts the worker delivering through `deliverer`. Must be called inside a Tokio runtime.
    ///
    /// Fails with [`crate::ErrorKind::Config`] outside a runtime.
    pub fn start<D: Deliverer>(deliverer: D, config: OutboxConfig) -> Result<Outbox, Error> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::config("Outbox::start must be called inside a Tokio runtime"))?;
        let shared = Arc::new(OutboxState::new(&config));
        let (ctl, ctl_rx) = mpsc::channel(64);
        let deliverer = Arc::new(deliverer);
        let settings = Settings {
            claim_max: config.claim_max,
            backoff: config.backoff,
            poll: config.poll,
            linger: config.linger,
            fill: config.fill.min(config.claim_max),
            concurrency: config.concurrency,
        };
        let worker = Worker::new(
            Arc::clone(&deliverer),
            Arc::clone(&shared),
            ctl_rx,
            settings,
        );
        let handle = runtime.spawn(worker.run());
        Ok(Outbox {
            inner: Arc::new(Inner {
                shared,
                ctl,
                worker: Mutex::new(Some(handle)),
                drain: Box::new(move |n| deliverer.drain_time(n)),
            }),
        })
    }

    /// Appends `bytes` (durable as the spool promises once this returns) and wakes the worker.
    /// Fails with [`OutboxError::Closed`] once shut down and [`OutboxError::Spool`] when the
    /// spool did not store it; nothing was appended then.
    pub async fn append(&self, bytes: &[u8]) -> Result<EntryId, OutboxError> {
        let shared = &self.inner.shared;
        if shared.phase() != Phase::Running {
            return Err(OutboxError::Closed);
        }
        let entry = envelope::wrap(bytes, envelope::now_ms());
        let id = shared
            .spool
            .append(entry)
            .await
            .map_err(|e| OutboxError::Spool(Arc::new(e)))?;
        Counters::add(&shared.counters.appended, 1);
        shared.appended();
        Ok(id)
    }

    /// A signal of room in the spool, for a caller whose append found it full: [`Room::freed`]
    /// returns after the worker next removes acknowledged entries (room made by another
    /// process on a shared spool is not signalled: wait with a timeout and try again).
    pub fn room(&self) -> Room {
        Room(self.inner.shared.room.subscribe())
    }

    /// [`Outbox::append`], with a refusal handed to the letter sink (or kept for
    /// [`Outbox::take_letters`]) and counted in `not_stored`, never only logged.
    pub async fn append_or_letter(&self, bytes: Bytes) -> Appended {
        let cause = match self.append(&bytes).await {
            Ok(id) => return Appended::Stored(id),
            Err(OutboxError::Spool(e)) => LetterCause::NotStored(e),
            Err(_) => LetterCause::Closed,
        };
        self.inner.shared.letter(Letter { bytes, cause }, None);
        Appended::Refused
    }

    /// Returns once the spool had nothing ready for this worker after the call (everything
    /// appended before it was delivered or became a letter). `Ok` when nothing went wrong since
    /// the previous report; otherwise [`OutboxError::NotDelivered`].
    pub async fn flush(&self) -> Result<(), OutboxError> {
        let (tx, rx) = oneshot::channel();
        self.inner.shared.wake.notify_one();
        let answered =
            self.inner.ctl.send(WorkerCommand::Flush(tx)).await.is_ok() && rx.await.is_ok();
        if !answered && self.inner.shared.phase() != Phase::Running {
            return Err(OutboxError::Closed);
        }
        self.report()
    }

    /// Stops taking entries, delivers what the spool holds for at most `timeout`, then stops
    /// the worker, which releases what it claimed (a new outbox on the spool delivers it).
    /// `Ok` when nothing is left and nothing went wrong since the previous report; otherwise
    /// [`OutboxError::NotDelivered`] with `left_in_spool`. Only the first call waits.
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), OutboxError> {
        let shared = &self.inner.shared;
        shared.phase.send_if_modified(|p| {
            let start = *p == Phase::Running;
            if start {
                *p = Phase::Draining;
            }
            start
        });
        let worker = self
            .inner
            .worker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(mut worker) = worker {
            if tokio::time::timeout(timeout, &mut worker).await.is_err() {
                shared.phase.send_replace(Phase::Cancelled);
                if let Err(e) = worker.await {
                    shared.fail(format!("the worker ended abnormally: {e}"));
                }
            }
            shared.release_at_shutdown().await;
            match shared.spool.stats().await {
                // Kept letters' entries are in the spool too, but their letters are in hand.
                Ok(stats) => shared
                    .left_in_spool(stats.entries.saturating_sub(shared.letters_with_entries())),
                Err(e) => {
                    tracing::warn!(outbox = shared.name, error = %e, "spool stats unreadable at shutdown")
                }
            }
        }
        self.report()
    }

    fn report(&self) -> Result<(), OutboxError> {
        match self.inner.shared.report() {
            Some(report) => Err(OutboxError::NotDelivered(Box::new(report))),
            None => Ok(()),
        }
    }

    /// Takes the letters kept so far (every letter without a sink, and those the sink could
    /// not take); their spool entries are acknowledged.
    pub fn take_letters(&self) -> Vec<Letter> {
        self.inner.shared.take_letters()
    }

    /// After [`Outbox::shutdown`]: claims and acknowledges every entry left in the spool (but
    /// kept letters') and returns their bytes, for a spool that dies with the process (a
    /// [`MemorySpool`](spool::MemorySpool)) whose entries are handed back to the caller.
    /// Empty while the outbox runs.
    pub async fn take_left(&self) -> Vec<Bytes> {
        let shared = &self.inner.shared;
        if shared.phase() == Phase::Running
            || self
                .inner
                .worker
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some()
        {
            return Vec::new();
        }
        let mut left = Vec::new();
        loop {
            let entries = match shared.spool.claim(512).await {
                Ok(entries) if !entries.is_empty() => entries,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(outbox = shared.name, error = %e, "claim failed; the entries stay in the spool");
                    break;
                }
            };
            let mut done = Vec::with_capacity(entries.len());
            for entry in entries {
                if shared.is_kept(entry.id) {
                    continue;
                }
                done.push(entry.id);
                left.push(envelope::unwrap(&entry.bytes).map_or(entry.bytes, |(bytes, _)| bytes));
            }
            if done.is_empty() {
                break;
            }
            shared.ack(&done).await;
        }
        left
    }

    /// The counters alone, read now without the spool (the backlog fields are zero).
    pub fn counters(&self) -> OutboxStats {
        let shared = &self.inner.shared;
        let mut stats = shared.counters.snapshot();
        stats.letters_kept = shared.letters_kept() as u64;
        stats
    }

    /// The counters, the backlog (read from the spool), its oldest entry's age and the
    /// projected time to drain it. With the `metrics` feature, also published as metrics (the
    /// worker publishes them every [`METRICS_EVERY`] too).
    pub async fn stats(&self) -> OutboxStats {
        self.inner.shared.stats(|n| (self.inner.drain)(n)).await
    }
}

/// How often the worker publishes the outbox's stats as metrics (feature `metrics`).
pub const METRICS_EVERY: Duration = Duration::from_secs(10);

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
