//! Server-side batching: [`Tracker`] queues events, sends them in batches, retries what may
//! succeed later and hands back what the service refuses.
//!
//! - [`Tracker::track`] never blocks the thread: the queue is bounded by count
//!   (`queue_capacity`) and by the bytes of the events held (`queue_bytes`), and when it is full
//!   [`FullPolicy`] decides between waiting (asynchronously, at most `max_wait`, then
//!   [`TrackError::Full`]) for room and dropping the new event (counted).
//!   [`Tracker::try_track`] never waits.
//! - A batch goes out when it holds `max_batch` events (at once), when its first event has
//!   waited `linger`, on [`Tracker::flush`] and on shutdown. Up to `max_in_flight` batches are
//!   delivered at once.
//! - Transport failures, timeouts, 429, 5xx, `Failed to record` and a 2xx that is not the
//!   service's `Success record.` answer (`UnconfirmedSuccess`) keep the batch and retry it with
//!   exponential backoff and full jitter (honouring Retry-After) until shutdown.
//! - A validation answer (`VALIDATION_MISMATCH_REPORT`) does not block the queue: the batch is
//!   split in halves until each refused event is alone, each refused event is dead-lettered
//!   with the server's message, and the rest is delivered.
//! - A refusal of the whole request is not split. `Invalid app_name is specified.` separates
//!   the batch by app name and dead-letters a batch of a single app name at once; token and
//!   Origin answers (`Token is invalid.`, a missing token, 403 domain mismatch) dead-letter
//!   the batch at once (so the queue neither grows without bound nor stalls the callers of
//!   `track`). Fix the configuration and re-track the dead letters.
//! - Dead letters go to the [`DeadLetterSink`], or, without one, are kept (bounded) until
//!   [`Tracker::take_dead_letters`]. [`Tracker::flush`] and [`Tracker::shutdown`] return
//!   [`TrackError::NotDelivered`] with a [`DeliveryReport`] when anything was dead-lettered or
//!   handed back since the previous report, with the last configuration error.
//! - User callbacks are isolated: a panic of the sink or of the [`BatchSender`] is caught and
//!   counted, and the events it concerned are kept; should the batching task itself panic,
//!   every event it held is handed back in the next report.
//!
//! - With [`TrackerConfig::with_spool`], `track` returns once the event is appended to the
//!   [`Spool`](crate::spool::Spool); a feeding task claims entries into the queue, an entry is
//!   acknowledged once the service accepted it (or its dead letter was handed to a sink or
//!   taken), and a tracker started on the same spool delivers what a crashed one left. A full
//!   spool is a full queue ([`FullPolicy`]); a spool that cannot write answers
//!   [`TrackError::Spool`], one whose answer did not come (a Redis timeout after the append
//!   was sent) [`TrackError::MaybeAccepted`]. Shutdown releases every entry the tracker claimed
//!   and did not acknowledge, so a tracker started on the same spool object (or another replica
//!   of a shared one) delivers it at once. An acknowledgement the spool refuses (a full disk)
//!   is retried, and `flush` and `shutdown` report it until it succeeds
//!   ([`DeliveryReport::unacknowledged`]).
//!
//! Delivery is **at least once**: when an answer is lost (a reset connection, a timeout) after
//! the service recorded a batch, the batch is sent again, and the service may hold it twice.
//! Splitting assumes the service records nothing of a body it refuses, as documented.

mod admit;
mod budget;
mod caps;
mod config;
mod dead_letter;
mod delivery;
mod error;
mod feed;
mod report;
mod sender;
mod shared;
mod spooled;
mod stats;
mod worker;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tg_common::Error;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use caps::MAX_CAPPED_SESSIONS;
pub use config::{
    Backoff, DEFAULT_MAX_BATCH, FullPolicy, MAX_BATCH_LIMIT, MAX_DEAD_LETTERS, MAX_DURATION,
    MAX_IN_FLIGHT, MAX_QUEUE_BYTES, MAX_QUEUE_CAPACITY, MIN_DURATION, MIN_QUEUE_BYTES,
    TrackerConfig,
};
pub use dead_letter::{DeadLetter, DeadLetterSink};
pub use error::TrackError;
pub use report::DeliveryReport;
pub use sender::BatchSender;
pub use stats::TrackerStats;

use crate::event::{EncodedEvent, Event};
use shared::{Phase, Shared};
use worker::{Batching, Msg};

/// Queues events and delivers them in batches; see the [module documentation](self).
///
/// Cloning is cheap: every clone feeds the same queue. Call [`Tracker::shutdown`] before
/// exiting; dropping every clone instead lets the queued events drain in the background for as
/// long as the runtime lives.
#[derive(Clone)]
pub struct Tracker {
    inner: Arc<Inner>,
}

/// Where `track` puts events.
enum Input {
    /// The in-memory queue.
    Queue(mpsc::Sender<Msg>),
    /// A spool; the feeding task hands its entries to the queue.
    Spool {
        spool: Arc<dyn crate::spool::Spool>,
        ctl: mpsc::Sender<feed::Ctl>,
        queue: mpsc::WeakSender<Msg>,
    },
}

struct Inner {
    input: Input,
    shared: Arc<Shared>,
    when_full: FullPolicy,
    max_wait: Duration,
    worker: Mutex<Option<JoinHandle<()>>>,
    /// The feeding task over a spool.
    feeder: Mutex<Option<JoinHandle<()>>>,
    /// The caps of `GET /events/threshold`, when configured.
    caps: Option<caps::SessionCaps>,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// Starts a tracker that sends through `sender`. Must be called inside a Tokio runtime.
    ///
    /// Fails with [`tg_common::ErrorKind::InvalidInput`] when the configuration is out of range
    /// and with [`tg_common::ErrorKind::Config`] outside a runtime.
    pub fn start<S: BatchSender>(sender: S, config: TrackerConfig) -> Result<Tracker, Error> {
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::config("Tracker::start must be called inside a Tokio runtime"))?;
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let shared = Arc::new(Shared::new(&config));
        let batching = Batching {
            max_batch: config.max_batch,
            max_batch_bytes: config.max_batch_bytes,
            linger: config.linger,
            max_in_flight: config.max_in_flight,
            spooled: config.spool.is_some(),
        };
        let mut feeder = None;
        let input = match &config.spool {
            None => Input::Queue(tx),
            Some(spool) => {
                let (ctl, ctl_rx) = mpsc::channel(64);
                let queue = tx.downgrade();
                feeder = Some(runtime.spawn(feed::run(
                    Arc::clone(&spool.0),
                    tx,
                    ctl_rx,
                    Arc::clone(&shared),
                    config.spool_poll,
                )));
                Input::Spool {
                    spool: Arc::clone(&spool.0),
                    ctl,
                    queue,
                }
            }
        };
        let worker = runtime.spawn(worker::run(
            rx,
            Arc::new(sender),
            Arc::clone(&shared),
            batching,
        ));
        Ok(Tracker {
            inner: Arc::new(Inner {
                input,
                shared,
                when_full: config.when_full,
                max_wait: config.max_wait,
                worker: Mutex::new(Some(worker)),
                feeder: Mutex::new(feeder),
                caps: config.thresholds.map(caps::SessionCaps::new),
            }),
        })
    }

    fn prepare(&self, event: &Event) -> Result<EncodedEvent, TrackError> {
        if self.inner.shared.phase() != Phase::Running {
            return Err(TrackError::Closed);
        }
        event.validate().map_err(TrackError::Invalid)?;
        let encoded = event.encode().map_err(TrackError::Invalid)?;
        if let Some(caps) = &self.inner.caps {
            caps.admit(event, &self.inner.shared.counters)?;
        }
        Ok(encoded)
    }

    /// Validates, encodes and queues `event`. When the queue is full (by count or by bytes),
    /// [`FullPolicy::Wait`] waits for room at most `max_wait`, then returns
    /// [`TrackError::Full`]; [`FullPolicy::DropNewest`] drops the event at once (counted in
    /// `dropped`) and returns [`TrackError::Dropped`]. With
    /// [`TrackerConfig::with_thresholds`], an event over its session's cap is refused with
    /// [`TrackError::OverThreshold`] and counted in `over_threshold`.
    pub async fn track(&self, event: &Event) -> Result<(), TrackError> {
        let encoded = self.prepare(event)?;
        let shared = &*self.inner.shared;
        let size = admit::size(shared, &encoded)?;
        let tx = match &self.inner.input {
            Input::Queue(tx) => tx,
            Input::Spool { spool, .. } => {
                let (policy, max_wait) = (self.inner.when_full, self.inner.max_wait);
                return spooled::append(&**spool, shared, &encoded, policy, max_wait).await;
            }
        };
        let room = match self.inner.when_full {
            FullPolicy::Wait => admit::wait_room(tx, shared, size, self.inner.max_wait).await?,
            FullPolicy::DropNewest => admit::try_room(tx, shared, size)?,
        };
        room.push(shared, encoded);
        Ok(())
    }

    /// Like [`Tracker::track`] but never waits: a full queue drops the event (counted), whatever
    /// the policy.
    pub fn try_track(&self, event: &Event) -> Result<(), TrackError> {
        let encoded = self.prepare(event)?;
        let shared = &*self.inner.shared;
        let size = admit::size(shared, &encoded)?;
        match &self.inner.input {
            Input::Queue(tx) => admit::try_room(tx, shared, size)?.push(shared, encoded),
            Input::Spool { spool, .. } => spooled::try_append(&**spool, shared, &encoded)?,
        }
        Ok(())
    }

    /// Returns once every event queued before the call is acknowledged or dead-lettered; sends
    /// the batch being filled without waiting for its linger.
    ///
    /// `Ok` means nothing went wrong since the previous report: every event was delivered.
    /// Otherwise [`TrackError::NotDelivered`] says how many events were dead-lettered (take them
    /// with [`Tracker::take_dead_letters`] unless a sink took them), the last configuration
    /// error (token, app name, Origin), the panics caught, and, should the tracker's task have
    /// failed, why, with every event it held. [`TrackError::Closed`] when the tracker shuts
    /// down first.
    pub async fn flush(&self) -> Result<(), TrackError> {
        let (tx, rx) = oneshot::channel();
        let sent = match &self.inner.input {
            Input::Queue(queue) => queue.send(Msg::flush(tx)).await.is_ok(),
            Input::Spool { ctl, .. } => ctl.send(feed::Ctl::Flush(tx)).await.is_ok(),
        };
        let answered = sent && rx.await.is_ok();
        let shared = &self.inner.shared;
        // Delivered is not done until the spool took the acknowledgement.
        shared.retry_acks().await;
        if !answered {
            if shared.failure().is_none() {
                return Err(TrackError::Closed);
            }
            if matches!(self.inner.input, Input::Queue(_)) {
                shared.failed().await;
            }
        }
        match shared.report() {
            Some(report) => Err(TrackError::NotDelivered(Box::new(report))),
            None => Ok(()),
        }
    }

    /// Stops taking events, delivers what is queued for at most `timeout`, then cancels the
    /// rest. `Ok` when every event was delivered; otherwise [`TrackError::NotDelivered`] with
    /// the events not delivered (a batch cancelled in flight may still have reached the
    /// service) and what was dead-lettered since the previous report, as
    /// [`flush`](Tracker::flush) reports it. Only the first call waits; later calls report
    /// what has not been reported yet.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
    /// # let token = fake.issue_token("my_app", "my-app.example.com");
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tga_client::Client::builder(token)
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// use std::time::Duration;
    ///
    /// use tga_client::{TrackError, TrackerConfig, Uuid};
    ///
    /// let tracker = client.tracker(TrackerConfig::default())?;
    /// tracker.track(&client.event(111_111_111, "app_close", Uuid::new_v4())).await?;
    /// // On the way out (after the server stopped taking requests):
    /// match tracker.shutdown(Duration::from_secs(5)).await {
    ///     Ok(()) => {} // every event was delivered
    ///     Err(TrackError::NotDelivered(report)) => eprintln!("not delivered: {report:?}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # assert_eq!(fake.accepted_count(), 1);
    /// // The tracker takes no more events.
    /// assert!(tracker.track(&client.event(111_111_111, "late", Uuid::new_v4())).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), TrackError> {
        let shared = &self.inner.shared;
        shared.phase.send_if_modified(|p| {
            let start = *p == Phase::Running;
            if start {
                *p = Phase::Draining;
            }
            start
        });
        // Callers waiting for room get `Closed` (over a spool they watch the phase, and the
        // feeding task still needs the room to hand on what the spool holds).
        if matches!(self.inner.input, Input::Queue(_)) {
            shared.room.close();
        }
        let worker = self
            .inner
            .worker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(mut worker) = worker {
            let joined = match tokio::time::timeout(timeout, &mut worker).await {
                Ok(joined) => joined,
                Err(_) => {
                    shared.phase.send_if_modified(|p| {
                        let cancel = *p == Phase::Draining;
                        if cancel {
                            *p = Phase::Cancelled;
                        }
                        cancel
                    });
                    worker.await
                }
            };
            if let Err(e) = joined {
                shared.fail(format!("the task ended abnormally: {e}"));
                shared.phase.send_replace(Phase::Failed);
            }
            let feeder = self
                .inner
                .feeder
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(feeder) = feeder {
                // It ends once the batching task has (its sends fail, or the phase says so).
                let _ = feeder.await;
            }
            // Nothing claimed stays claimed by a tracker that stopped.
            shared.release_claims().await;
        }
        match shared.report() {
            Some(report) => Err(TrackError::NotDelivered(Box::new(report))),
            None => Ok(()),
        }
    }

    /// Takes the dead letters kept so far: every dead letter when no sink is configured, and
    /// those whose sink call panicked. At most `max_dead_letters` are kept; the rest are
    /// counted in `dead_letters_lost`.
    pub fn take_dead_letters(&self) -> Vec<DeadLetter> {
        self.inner.shared.take_dead_letters()
    }

    /// How many dead letters wait in [`Tracker::take_dead_letters`].
    pub fn dead_letters_kept(&self) -> usize {
        self.inner.shared.dead_letters_kept()
    }

    /// The counters, read now.
    pub fn stats(&self) -> TrackerStats {
        let shared = &self.inner.shared;
        TrackerStats {
            held_bytes: shared.held_bytes() as u64,
            ..shared.counters.snapshot()
        }
    }

    /// Events waiting in the queue (not yet in a batch). Over a spool, the events read from the
    /// spool and waiting; those still in the spool are not counted.
    pub fn queue_len(&self) -> usize {
        let len = |tx: &mpsc::Sender<Msg>| tx.max_capacity() - tx.capacity();
        match &self.inner.input {
            Input::Queue(tx) => len(tx),
            Input::Spool { queue, .. } => queue.upgrade().map_or(0, |tx| len(&tx)),
        }
    }

    /// The last error a send returned, if any (it may have been retried successfully since).
    pub fn last_error(&self) -> Option<Arc<Error>> {
        self.inner.shared.last_error()
    }
}

#[cfg(test)]
mod tests;
