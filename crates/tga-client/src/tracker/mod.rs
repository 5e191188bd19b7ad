//! [`Tracker`]: server-side batching over tg-common's outbox (its documentation is on the type,
//! the module being private).

mod admit;
mod budget;
mod caps;
mod config;
mod dead_letter;
mod delivery;
mod error;
mod report;
mod sender;
mod state;
mod stats;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tg_common::Error;
use tg_common::outbox::{Outbox, OutboxConfig, OutboxError};

pub use caps::MAX_CAPPED_SESSIONS;
pub use config::{
    DEFAULT_MAX_BATCH, FullPolicy, MAX_BATCH_LIMIT, MAX_DEAD_LETTERS, MAX_DURATION, MAX_IN_FLIGHT,
    MAX_QUEUE_BYTES, MAX_QUEUE_CAPACITY, MIN_DURATION, MIN_QUEUE_BYTES, TrackerConfig,
};
pub use dead_letter::{DeadLetter, DeadLetterSink};
pub use error::TrackError;
pub use report::DeliveryReport;
pub use sender::BatchSender;
pub use stats::TrackerStats;

use crate::event::{EncodedEvent, Event};
use crate::spool::MemorySpool;
use delivery::{Batching, TgaDeliverer};
use state::TrackerState;
use stats::Counters;

/// Server-side batching: [`Tracker`] queues events, sends them in batches, retries what may
/// succeed later and hands back what the service refuses. It runs on tg-common's
/// [`Outbox`] (spool, claims, acknowledgements, retries, letters,
/// panic isolation, report, shutdown); what is TGA's is here: batching by count and bytes,
/// the send through a [`BatchSender`] (gzip in [`HttpSender`](crate::HttpSender)), the
/// thresholds, and how a refused batch is split.
///
/// - [`Tracker::track`] never blocks the thread: the queue is bounded by count
///   (`queue_capacity`) and by the bytes of the events held (`queue_bytes`), and when it is full
///   [`FullPolicy`] decides between waiting (asynchronously, at most `max_wait`, then
///   [`TrackError::Full`]) for room and dropping the new event (counted).
///   [`Tracker::try_track`] never waits.
/// - A batch goes out when it holds `max_batch` events (at once), when its first event has
///   waited `linger`, on [`Tracker::flush`] and on shutdown. Up to `max_in_flight` batches are
///   delivered at once.
/// - Transport failures, timeouts, 429, 5xx, `Failed to record` and a 2xx that is not the
///   service's `Success record.` answer (`UnconfirmedSuccess`) keep the batch and retry it with
///   exponential backoff and full jitter (honouring Retry-After) until shutdown.
/// - A validation answer (`VALIDATION_MISMATCH_REPORT`) does not block the queue: the batch is
///   split in halves until each refused event is alone, each refused event is dead-lettered
///   with the server's message, and the rest is delivered.
/// - A refusal of the whole request is not split. `Invalid app_name is specified.` separates
///   the batch by app name and dead-letters a batch of a single app name at once; token and
///   Origin answers (`Token is invalid.`, a missing token, 403 domain mismatch) dead-letter
///   the batch at once (so the queue neither grows without bound nor stalls the callers of
///   `track`). Fix the configuration and re-track the dead letters.
/// - Dead letters go to the [`DeadLetterSink`], or, without one, are kept (bounded) until
///   [`Tracker::take_dead_letters`]. [`Tracker::flush`] and [`Tracker::shutdown`] return
///   [`TrackError::NotDelivered`] with a [`DeliveryReport`] when anything was dead-lettered or
///   handed back since the previous report, with the last configuration error.
/// - User callbacks are isolated: a panic of the sink is caught and counted and its letter
///   kept; a panicking [`BatchSender`] is a configuration error that dead-letters its batch.
///
/// - Without a spool, events wait in a [`MemorySpool`] bounded by
///   `queue_capacity` and `queue_bytes`; what is left at the shutdown deadline is handed back
///   in the report (`undelivered`).
/// - With [`TrackerConfig::with_spool`], `track` returns once the event is appended to the
///   [`Spool`](crate::spool::Spool); an entry is acknowledged once the service accepted it (or
///   its dead letter was handed to a sink or taken), and a tracker started on the same spool
///   delivers what a crashed one left. A full
///   spool is a full queue ([`FullPolicy`]); a spool that cannot write answers
///   [`TrackError::Spool`], one whose answer did not come (a Redis timeout after the append
///   was sent) [`TrackError::MaybeAccepted`]. Shutdown releases every entry the tracker claimed
///   and did not acknowledge, so a tracker started on the same spool object (or another replica
///   of a shared one) delivers it at once. An acknowledgement the spool refuses (a full disk)
///   is retried, and `flush` and `shutdown` report it until it succeeds
///   ([`DeliveryReport::unacknowledged`]).
///
/// Delivery is **at least once**: when an answer is lost (a reset connection, a timeout) after
/// the service recorded a batch, the batch is sent again, and the service may hold it twice.
/// Splitting assumes the service records nothing of a body it refuses, as documented.
///
/// Cloning is cheap: every clone feeds the same queue. Call [`Tracker::shutdown`] before
/// exiting; dropping every clone instead lets the queued events drain in the background for as
/// long as the runtime lives.
#[derive(Clone)]
pub struct Tracker {
    inner: Arc<Inner>,
}

struct Inner {
    outbox: Outbox,
    state: Arc<TrackerState>,
    /// The tracker's own queue, when no spool is configured.
    memory: Option<Arc<MemorySpool>>,
    when_full: FullPolicy,
    max_wait: Duration,
    queue_bytes: usize,
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
        tokio::runtime::Handle::try_current()
            .map_err(|_| Error::config("Tracker::start must be called inside a Tokio runtime"))?;
        // `queue_capacity` events wait, besides the batch being filled and those in flight.
        let held = config.queue_capacity
            + config
                .max_batch
                .saturating_mul(config.max_in_flight.saturating_add(1));
        let memory = config.spool.is_none().then(|| {
            Arc::new(MemorySpool::for_outbox(
                held as u64,
                config.queue_bytes as u64,
            ))
        });
        let spool: Arc<dyn crate::spool::Spool> = match (&memory, &config.spool) {
            (Some(memory), _) => Arc::clone(memory) as Arc<dyn crate::spool::Spool>,
            (None, Some(spool)) => Arc::clone(&spool.0),
            (None, None) => return Err(Error::config("a tracker needs a spool")),
        };
        let mut outbox = OutboxConfig::new(spool)
            .name("tga tracker")
            .claim_max(config.max_batch)
            .concurrency(config.max_in_flight)
            .linger(config.linger, config.max_batch)
            .backoff(config.backoff)
            .poll(config.spool_poll)
            .max_letters(config.max_dead_letters)
            .ack_letters(memory.is_some());
        if let Some(sink) = &config.dead_letters {
            outbox = outbox.letters(sink.letters());
        }
        let state = Arc::new(TrackerState::default());
        let deliverer = TgaDeliverer {
            sender,
            state: Arc::clone(&state),
            batching: Batching {
                max_batch: config.max_batch,
                max_batch_bytes: config.max_batch_bytes,
                attempt_timeout: config.attempt_timeout,
            },
        };
        Ok(Tracker {
            inner: Arc::new(Inner {
                outbox: Outbox::start(deliverer, outbox)?,
                state,
                memory,
                when_full: config.when_full,
                max_wait: config.max_wait,
                queue_bytes: config.queue_bytes,
                caps: config.thresholds.map(caps::SessionCaps::new),
            }),
        })
    }

    fn prepare(&self, event: &Event) -> Result<EncodedEvent, TrackError> {
        let inner = &self.inner;
        if inner.state.closed.load(Ordering::Acquire) {
            return Err(TrackError::Closed);
        }
        // Encoded first: its length spares the limits a second serialization. A field's own
        // error comes before the length of the whole.
        let encoded = match event.encode() {
            Ok(encoded) => encoded,
            Err(e) => {
                event.validate().map_err(TrackError::Invalid)?;
                return Err(TrackError::Invalid(e));
            }
        };
        event
            .validate_with(Some(encoded.len()))
            .map_err(TrackError::Invalid)?;
        admit::check_size(&encoded, inner.queue_bytes)?;
        if let Some(caps) = &inner.caps {
            caps.admit(event, &inner.state.counters)?;
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
        let inner = &*self.inner;
        let counters = &inner.state.counters;
        admit::append(
            &inner.outbox,
            counters,
            &encoded,
            inner.when_full,
            inner.max_wait,
        )
        .await
    }

    /// Like [`Tracker::track`] but never waits: a full queue drops the event (counted), whatever
    /// the policy.
    pub fn try_track(&self, event: &Event) -> Result<(), TrackError> {
        let encoded = self.prepare(event)?;
        admit::try_append(&self.inner.outbox, &self.inner.state.counters, &encoded)
    }

    /// The report of the outbox's `result`, with TGA's part and the events handed back.
    fn report(
        &self,
        result: Result<(), OutboxError>,
        undelivered: Vec<EncodedEvent>,
    ) -> Result<(), TrackError> {
        let outbox = match result {
            Ok(()) => None,
            Err(OutboxError::NotDelivered(report)) => Some(*report),
            Err(_) if undelivered.is_empty() => return Err(TrackError::Closed),
            Err(_) => None,
        };
        let memory = self.inner.memory.is_some();
        match DeliveryReport::gather(outbox, &self.inner.state, undelivered, memory) {
            Some(report) => Err(TrackError::NotDelivered(Box::new(report))),
            None => Ok(()),
        }
    }

    /// Returns once every event queued before the call is acknowledged or dead-lettered; sends
    /// the batch being filled without waiting for its linger.
    ///
    /// `Ok` means nothing went wrong since the previous report: every event was delivered.
    /// Otherwise [`TrackError::NotDelivered`] says how many events were dead-lettered (take them
    /// with [`Tracker::take_dead_letters`] unless a sink took them), the last configuration
    /// error (token, app name, Origin), the panics caught, and acknowledgements the spool has
    /// not taken yet. [`TrackError::Closed`] when the tracker shuts
    /// down first.
    pub async fn flush(&self) -> Result<(), TrackError> {
        let result = self.inner.outbox.flush().await;
        self.report(result, Vec::new())
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
        let inner = &*self.inner;
        inner.state.closed.store(true, Ordering::Release);
        let result = inner.outbox.shutdown(timeout).await;
        // The memory queue dies with the tracker: what it holds is handed back.
        let mut undelivered = Vec::new();
        if inner.memory.is_some() {
            for bytes in inner.outbox.take_left().await {
                match EncodedEvent::from_spooled(&bytes) {
                    Ok(event) => undelivered.push(event),
                    Err(e) => tracing::error!(error = %e, "a queued TGA entry is not an event"),
                }
            }
            Counters::add(&inner.state.counters.undelivered, undelivered.len());
        }
        self.report(result, undelivered)
    }

    /// Takes the dead letters kept so far: every dead letter when no sink is configured, and
    /// those whose sink call panicked. At most `max_dead_letters` are kept; the rest are
    /// counted in `dead_letters_lost`.
    pub fn take_dead_letters(&self) -> Vec<DeadLetter> {
        let letters = self.inner.outbox.take_letters();
        let mut dead = Vec::with_capacity(letters.len());
        for letter in letters {
            match DeadLetter::from_letter(letter) {
                Ok(letter) => dead.push(letter),
                Err(letter) => tracing::error!(
                    cause = %letter.cause,
                    bytes = letter.bytes.len(),
                    "a TGA spool entry that is not an event was given up"
                ),
            }
        }
        dead
    }

    /// How many dead letters wait in [`Tracker::take_dead_letters`].
    pub fn dead_letters_kept(&self) -> usize {
        usize::try_from(self.inner.outbox.counters().letters_kept).unwrap_or(usize::MAX)
    }

    /// The counters, read now.
    pub fn stats(&self) -> TrackerStats {
        let inner = &self.inner;
        let mut stats = inner.state.counters.snapshot(&inner.outbox.counters());
        if let Some(memory) = &inner.memory {
            stats.held_bytes = memory.stats_now().bytes;
        }
        stats
    }

    /// The outbox's stats: the backlog in entries and bytes, its oldest entry's age, and
    /// what was appended, delivered, retried and refused.
    pub async fn outbox_stats(&self) -> tg_common::outbox::OutboxStats {
        self.inner.outbox.stats().await
    }

    /// Events waiting in the queue (not yet claimed for a batch). Over a configured spool, 0:
    /// read [`Tracker::outbox_stats`] for its backlog.
    pub fn queue_len(&self) -> usize {
        self.inner.memory.as_ref().map_or(0, |memory| {
            let stats = memory.stats_now();
            usize::try_from(stats.entries - stats.claimed).unwrap_or(usize::MAX)
        })
    }

    /// The last error a send returned, if any (it may have been retried successfully since).
    pub fn last_error(&self) -> Option<Arc<Error>> {
        self.inner.state.last_error()
    }
}

#[cfg(test)]
mod tests;
