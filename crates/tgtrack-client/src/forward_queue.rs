//! Forwarding tracked updates in the background, in arrival order, so a bot never waits for
//! TGTrack: [`ForwardQueue::submit`] returns at once and one task sends the queued updates with
//! `on_telegram_webhook`, byte for byte.
//!
//! A queued update waits for the rate limiter as long as the quota needs (up to
//! [`QUEUE_MAX_RATE_WAIT`]) instead of failing after the client's usual ten seconds: a busy
//! limiter delays forwarding, it does not drop it. Every update that is not sent is reported:
//! refused at once when the queue is full or closed ([`Submission::Refused`] hands it back), or
//! passed to the failure callback (default: a `tracing` warning) when TGTrack refused it or the
//! call failed after the client's retries.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tg_common::Error;
use tokio::sync::{mpsc, watch};

use crate::client::Client;
use crate::forward::RawUpdate;
use crate::update_filter::{TrackedKind, is_tracked_update};

/// How long a queued update may wait for the rate limiter: a day and an hour, the longest the
/// daily quota can make it wait.
pub const QUEUE_MAX_RATE_WAIT: Duration = Duration::from_secs(25 * 3600);

/// The default number of updates the queue holds.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// An update TGTrack did not receive, with why.
#[derive(Debug)]
pub struct FailedForward {
    /// The update, exactly as received (send it again with `Client::on_telegram_webhook`).
    pub update: RawUpdate,
    /// Why it was not sent.
    pub error: Error,
}

/// What [`ForwardQueue::submit`] did with an update.
#[derive(Debug)]
pub enum Submission {
    /// Queued for TGTrack.
    Queued(TrackedKind),
    /// TGTrack does not need it (or it is not a JSON object): nothing is sent.
    NotTracked,
    /// Not queued: handed back.
    Refused {
        /// The update.
        update: RawUpdate,
        /// Why.
        reason: Refusal,
    },
}

/// Why an update was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The queue holds its capacity of updates.
    Full,
    /// The queue was closed.
    Closed,
}

/// Counters of a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForwardStats {
    /// Updates queued.
    pub queued: u64,
    /// Updates TGTrack accepted.
    pub forwarded: u64,
    /// Updates that failed (passed to the failure callback).
    pub failed: u64,
    /// Updates submitted that TGTrack does not need.
    pub not_tracked: u64,
    /// Updates refused (queue full or closed).
    pub refused: u64,
}

impl ForwardStats {
    /// Updates queued and not yet sent or failed.
    pub fn pending(&self) -> u64 {
        self.queued.saturating_sub(self.forwarded + self.failed)
    }
}

type FailureHook = Arc<dyn Fn(FailedForward) + Send + Sync>;

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    forwarded: AtomicU64,
    failed: AtomicU64,
    not_tracked: AtomicU64,
    refused: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> ForwardStats {
        ForwardStats {
            queued: self.queued.load(Ordering::Acquire),
            forwarded: self.forwarded.load(Ordering::Acquire),
            failed: self.failed.load(Ordering::Acquire),
            not_tracked: self.not_tracked.load(Ordering::Acquire),
            refused: self.refused.load(Ordering::Acquire),
        }
    }
}

/// The background forwarder; cheap to clone (clones share the queue and its task).
#[derive(Clone)]
pub struct ForwardQueue {
    inner: Arc<Inner>,
}

struct Inner {
    tx: mpsc::Sender<RawUpdate>,
    counters: Arc<Counters>,
    closing: watch::Sender<bool>,
    worker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for ForwardQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardQueue")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Configures a [`ForwardQueue`]; start with [`ForwardQueue::builder`].
#[must_use]
pub struct ForwardQueueBuilder {
    client: Client,
    capacity: usize,
    on_failure: Option<FailureHook>,
}

impl std::fmt::Debug for ForwardQueueBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardQueueBuilder")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl ForwardQueueBuilder {
    /// How many updates the queue holds before refusing more (default
    /// [`DEFAULT_QUEUE_CAPACITY`]; at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Called with every update TGTrack did not receive after it was queued. A panic in it is
    /// caught and logged; the queue goes on.
    pub fn on_failure(mut self, hook: impl Fn(FailedForward) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Arc::new(hook));
        self
    }

    /// Starts the queue's task on the current tokio runtime.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] outside a tokio runtime.
    pub fn start(self) -> Result<ForwardQueue, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config("ForwardQueue::start must be called inside a Tokio runtime")
        })?;
        let (tx, rx) = mpsc::channel(self.capacity);
        let (closing, closed) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let worker = runtime.spawn(run(
            self.client,
            rx,
            closed,
            Arc::clone(&counters),
            self.on_failure,
        ));
        Ok(ForwardQueue {
            inner: Arc::new(Inner {
                tx,
                counters,
                closing,
                worker: Mutex::new(Some(worker)),
            }),
        })
    }
}

impl ForwardQueue {
    /// Configures a queue that forwards with `client`.
    pub fn builder(client: Client) -> ForwardQueueBuilder {
        ForwardQueueBuilder {
            client,
            capacity: DEFAULT_QUEUE_CAPACITY,
            on_failure: None,
        }
    }

    /// A queue with the defaults, started on the current tokio runtime.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] outside a tokio runtime.
    pub fn start(client: Client) -> Result<ForwardQueue, Error> {
        ForwardQueue::builder(client).start()
    }

    /// Queues `raw` for TGTrack when it needs it (see [`crate::is_tracked_update`]); never
    /// waits. The bytes are kept exactly as given.
    pub fn submit(&self, raw: impl Into<Bytes>) -> Submission {
        let raw = raw.into();
        let counters = &self.inner.counters;
        let Some(kind) = is_tracked_update(&raw) else {
            counters.not_tracked.fetch_add(1, Ordering::AcqRel);
            return Submission::NotTracked;
        };
        let Ok(update) = RawUpdate::new(raw) else {
            counters.not_tracked.fetch_add(1, Ordering::AcqRel);
            return Submission::NotTracked;
        };
        if *self.inner.closing.borrow() {
            counters.refused.fetch_add(1, Ordering::AcqRel);
            tracing::warn!(reason = ?Refusal::Closed, "tgtrack forward queue refused an update");
            return Submission::Refused {
                update,
                reason: Refusal::Closed,
            };
        }
        // Counted before the task can see it, so `pending` never goes below zero.
        counters.queued.fetch_add(1, Ordering::AcqRel);
        match self.inner.tx.try_send(update) {
            Ok(()) => Submission::Queued(kind),
            Err(e) => {
                counters.queued.fetch_sub(1, Ordering::AcqRel);
                counters.refused.fetch_add(1, Ordering::AcqRel);
                let (update, reason) = match e {
                    mpsc::error::TrySendError::Full(u) => (u, Refusal::Full),
                    mpsc::error::TrySendError::Closed(u) => (u, Refusal::Closed),
                };
                tracing::warn!(?reason, "tgtrack forward queue refused an update");
                Submission::Refused { update, reason }
            }
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> ForwardStats {
        self.inner.counters.snapshot()
    }

    /// Refuses new updates and waits up to `within` for the queued ones to be sent. Returns the
    /// counters; `pending() > 0` when time ran out (the task goes on sending them).
    pub async fn close(&self, within: Duration) -> ForwardStats {
        self.inner.closing.send_replace(true);
        let worker = self
            .inner
            .worker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(mut worker) = worker {
            if tokio::time::timeout(within, &mut worker).await.is_err() {
                // Not finished: keep the handle so a later close can wait again.
                *self.inner.worker.lock().unwrap_or_else(|e| e.into_inner()) = Some(worker);
            }
        }
        self.stats()
    }
}

async fn run(
    client: Client,
    mut rx: mpsc::Receiver<RawUpdate>,
    mut closing: watch::Receiver<bool>,
    counters: Arc<Counters>,
    on_failure: Option<FailureHook>,
) {
    loop {
        let update = tokio::select! {
            biased;
            u = rx.recv() => match u {
                Some(u) => u,
                None => return,
            },
            // Closed (or every handle dropped): stop taking new updates, drain the rest.
            _ = closing.changed() => {
                rx.close();
                continue;
            }
        };
        let sent = client
            .on_telegram_webhook(update.clone())
            .max_rate_wait(QUEUE_MAX_RATE_WAIT)
            .send()
            .await;
        match sent {
            Ok(_) => {
                counters.forwarded.fetch_add(1, Ordering::AcqRel);
            }
            Err(error) => {
                counters.failed.fetch_add(1, Ordering::AcqRel);
                report(on_failure.as_ref(), FailedForward { update, error });
            }
        }
    }
}

fn report(hook: Option<&FailureHook>, failed: FailedForward) {
    match hook {
        Some(hook) => {
            if std::panic::catch_unwind(AssertUnwindSafe(|| hook(failed))).is_err() {
                tracing::error!("the tgtrack forward failure callback panicked");
            }
        }
        None => tracing::warn!(
            error = %failed.error,
            bytes = failed.update.as_bytes().len(),
            "an update was not forwarded to tgtrack"
        ),
    }
}
