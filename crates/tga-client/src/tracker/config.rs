//! How a [`Tracker`](super::Tracker) batches, queues and retries.

use std::time::Duration;

use tg_common::Error;

use super::dead_letter::DeadLetterSink;
use crate::thresholds::EventThresholds;

/// The spool a [`TrackerConfig`] names.
#[derive(Clone)]
pub(crate) struct SharedSpool(pub(crate) std::sync::Arc<dyn crate::spool::Spool>);

impl std::fmt::Debug for SharedSpool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spool")
    }
}

/// What [`Tracker::track`](super::Tracker::track) does when the queue is full (by count,
/// `queue_capacity`, or by bytes, `queue_bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullPolicy {
    /// Wait (asynchronously) for room in the queue, at most `max_wait`; then return
    /// [`TrackError::Full`](super::TrackError::Full) (counted in `full_waits_expired`).
    #[default]
    Wait,
    /// Drop the new event at once, count it in `dropped`, and return
    /// [`TrackError::Dropped`](super::TrackError::Dropped).
    DropNewest,
}

use tg_common::Backoff;

/// Configuration of a [`Tracker`](super::Tracker). Defaults: batches of up to 200 events and
/// 100,000 bytes of JSON, sent when full or after 2 s (the official SDK sends 20 events every
/// 2 s), with up to 4 batches in flight.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrackerConfig {
    /// The most events in one request (default 200, chosen by measurement: ten times the official
    /// SDK's 20, so that a busy tracker pays for one request and one gzip stream per 200 events;
    /// SDK-shaped events of about 480 bytes fill the 100,000-byte request budget at about 200).
    /// A full batch is sent at once.
    pub max_batch: usize,
    /// The longest JSON body of one request, in bytes (default
    /// [`DEFAULT_MAX_REQUEST_BYTES`](crate::limits::DEFAULT_MAX_REQUEST_BYTES)): a batch
    /// is also cut when the next event would not fit.
    pub max_batch_bytes: usize,
    /// How long the first event of a batch waits for more before the batch is sent (default
    /// 2 s).
    pub linger: Duration,
    /// The most requests in flight at once (default 4).
    pub max_in_flight: usize,
    /// The most events waiting in the queue (default 10,000).
    pub queue_capacity: usize,
    /// The most bytes of event JSON the tracker holds: queued, in batches and in flight
    /// (default 32 MiB). An event larger than this is refused at `track`.
    pub queue_bytes: usize,
    /// What `track` does when the queue is full (default [`FullPolicy::Wait`]).
    pub when_full: FullPolicy,
    /// The longest [`FullPolicy::Wait`] makes `track` wait for room (default 5 s).
    pub max_wait: Duration,
    /// The waits between retries.
    pub backoff: Backoff,
    /// The longest one send may take before it counts as a timeout and is retried (default
    /// 60 s); `None` waits for the sender.
    pub attempt_timeout: Option<Duration>,
    /// Where events that cannot be delivered go; without one (or when it panics) they are kept
    /// for [`Tracker::take_dead_letters`](super::Tracker::take_dead_letters).
    pub dead_letters: Option<DeadLetterSink>,
    /// The caps of `GET /events/threshold` to apply per `session_id` (default `None`: no caps);
    /// see [`Client::event_thresholds`](crate::Client::event_thresholds).
    pub thresholds: Option<EventThresholds>,
    /// The most dead letters kept for `take_dead_letters` (default 10,000); beyond it they are
    /// logged and counted in `dead_letters_lost`.
    pub max_dead_letters: usize,
    /// How often a tracker over a spool looks for entries it was not woken for (default 1 s):
    /// those recovered from a previous process, and, for a shared spool, those another replica
    /// appended or left behind.
    pub spool_poll: Duration,
    /// The spool `track` appends to (default none: the in-memory queue only); see
    /// [`TrackerConfig::with_spool`].
    pub(crate) spool: Option<SharedSpool>,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            max_batch: DEFAULT_MAX_BATCH,
            max_batch_bytes: crate::limits::DEFAULT_MAX_REQUEST_BYTES,
            linger: Duration::from_secs(2),
            max_in_flight: 4,
            queue_capacity: 10_000,
            queue_bytes: 32 << 20,
            when_full: FullPolicy::Wait,
            max_wait: Duration::from_secs(5),
            backoff: Backoff::default(),
            attempt_timeout: Some(Duration::from_secs(60)),
            dead_letters: None,
            thresholds: None,
            max_dead_letters: 10_000,
            spool_poll: Duration::from_secs(1),
            spool: None,
        }
    }
}

/// The default `max_batch`.
pub const DEFAULT_MAX_BATCH: usize = 200;
/// The largest accepted `max_batch`.
pub const MAX_BATCH_LIMIT: usize = 10_000;
/// The largest accepted `queue_capacity`.
pub const MAX_QUEUE_CAPACITY: usize = 1 << 28;
/// The smallest accepted `queue_bytes`.
pub const MIN_QUEUE_BYTES: usize = 1 << 10;
/// The largest accepted `queue_bytes` (4 GiB).
pub const MAX_QUEUE_BYTES: usize = 1 << 32;
/// The largest accepted `max_in_flight`: far more concurrent requests than one service token
/// needs (the official SDK sends one at a time).
pub const MAX_IN_FLIGHT: usize = 1_024;
/// The largest accepted `max_dead_letters` (about 300 MB of dead letters at 290 bytes each).
pub const MAX_DEAD_LETTERS: usize = 1 << 20;
/// The longest accepted duration (`linger`, `attempt_timeout`, the backoff's): an hour is
/// longer than any useful setting and keeps every deadline the tracker computes far from the
/// clock's overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(3_600);
/// The shortest accepted non-zero duration (`attempt_timeout`, `backoff.initial`): the backoff
/// draws its waits in whole milliseconds, so a shorter ceiling would retry without waiting.
pub const MIN_DURATION: Duration = Duration::from_millis(1);

impl TrackerConfig {
    /// Sets `max_batch`.
    #[must_use]
    pub fn with_max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch;
        self
    }

    /// Sets `max_batch_bytes`.
    #[must_use]
    pub fn with_max_batch_bytes(mut self, max_batch_bytes: usize) -> Self {
        self.max_batch_bytes = max_batch_bytes;
        self
    }

    /// Sets `linger`.
    #[must_use]
    pub fn with_linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// Sets `max_in_flight`.
    #[must_use]
    pub fn with_max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }

    /// Sets `queue_capacity`.
    #[must_use]
    pub fn with_queue_capacity(mut self, queue_capacity: usize) -> Self {
        self.queue_capacity = queue_capacity;
        self
    }

    /// Sets `queue_bytes`.
    #[must_use]
    pub fn with_queue_bytes(mut self, queue_bytes: usize) -> Self {
        self.queue_bytes = queue_bytes;
        self
    }

    /// Sets `max_wait`.
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Sets `when_full`.
    #[must_use]
    pub fn with_when_full(mut self, when_full: FullPolicy) -> Self {
        self.when_full = when_full;
        self
    }

    /// Sets `backoff`.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets `attempt_timeout`.
    #[must_use]
    pub fn with_attempt_timeout(mut self, attempt_timeout: Option<Duration>) -> Self {
        self.attempt_timeout = attempt_timeout;
        self
    }

    /// Applies the caps of `GET /events/threshold` per session: a session's events of a capped
    /// name beyond the cap are refused at `track` with
    /// [`TrackError::OverThreshold`](super::TrackError::OverThreshold) and counted.
    #[must_use]
    pub fn with_thresholds(mut self, thresholds: EventThresholds) -> Self {
        self.thresholds = Some(thresholds);
        self
    }

    /// Sets where dead letters go.
    #[must_use]
    pub fn with_dead_letters(mut self, sink: DeadLetterSink) -> Self {
        self.dead_letters = Some(sink);
        self
    }

    /// Sets `max_dead_letters`.
    #[must_use]
    pub fn with_max_dead_letters(mut self, max_dead_letters: usize) -> Self {
        self.max_dead_letters = max_dead_letters;
        self
    }

    /// Keeps accepted events in `spool` until the service accepted them: `track` returns once
    /// the event is appended (as durable as the spool promises, see
    /// [`DiskSpool`](crate::spool::DiskSpool)), an entry is acknowledged only after the
    /// service accepted it or once its dead letter was taken, and a tracker started on the same
    /// spool after a crash delivers what was left. A full spool is handled as a full queue
    /// ([`FullPolicy`]).
    #[must_use]
    pub fn with_spool(mut self, spool: std::sync::Arc<dyn crate::spool::Spool>) -> Self {
        self.spool = Some(SharedSpool(spool));
        self
    }

    /// Sets `spool_poll`.
    #[must_use]
    pub fn with_spool_poll(mut self, every: Duration) -> Self {
        self.spool_poll = every;
        self
    }

    /// Checks every number against its bounds, so that no setting can overflow a deadline or
    /// hold memory without limit:
    ///
    /// | setting | accepted |
    /// |---|---|
    /// | `max_batch` | 1 to [`MAX_BATCH_LIMIT`] |
    /// | `max_batch_bytes` | [`MIN_REQUEST_BYTES`](crate::limits::MIN_REQUEST_BYTES) to [`MAX_REQUEST_BYTES_LIMIT`](crate::limits::MAX_REQUEST_BYTES_LIMIT) |
    /// | `max_in_flight` | 1 to [`MAX_IN_FLIGHT`] |
    /// | `queue_capacity` | 1 to [`MAX_QUEUE_CAPACITY`] |
    /// | `queue_bytes` | [`MIN_QUEUE_BYTES`] to [`MAX_QUEUE_BYTES`] |
    /// | `max_wait` | 0 to [`MAX_DURATION`] |
    /// | `max_dead_letters` | 0 to [`MAX_DEAD_LETTERS`] |
    /// | `linger` | 0 to [`MAX_DURATION`] |
    /// | `spool_poll` | [`MIN_DURATION`] to [`MAX_DURATION`] |
    /// | `attempt_timeout` | `None`, or [`MIN_DURATION`] to [`MAX_DURATION`] |
    /// | `backoff.initial` | [`MIN_DURATION`] to `backoff.max` |
    /// | `backoff.max`, `backoff.max_retry_after` | up to [`MAX_DURATION`] |
    pub fn validate(&self) -> Result<(), Error> {
        count("max_batch", self.max_batch, 1, MAX_BATCH_LIMIT)?;
        super::budget::validate(self.max_batch_bytes)?;
        count("max_in_flight", self.max_in_flight, 1, MAX_IN_FLIGHT)?;
        count("queue_capacity", self.queue_capacity, 1, MAX_QUEUE_CAPACITY)?;
        count(
            "queue_bytes",
            self.queue_bytes,
            MIN_QUEUE_BYTES,
            MAX_QUEUE_BYTES,
        )?;
        duration("max_wait", self.max_wait, Duration::ZERO, MAX_DURATION)?;
        count(
            "max_dead_letters",
            self.max_dead_letters,
            0,
            MAX_DEAD_LETTERS,
        )?;
        duration("linger", self.linger, Duration::ZERO, MAX_DURATION)?;
        duration("spool_poll", self.spool_poll, MIN_DURATION, MAX_DURATION)?;
        if let Some(timeout) = self.attempt_timeout {
            duration("attempt_timeout", timeout, MIN_DURATION, MAX_DURATION)?;
        }
        duration("backoff.max", self.backoff.max, MIN_DURATION, MAX_DURATION)?;
        duration(
            "backoff.initial",
            self.backoff.initial,
            MIN_DURATION,
            self.backoff.max,
        )?;
        duration(
            "backoff.max_retry_after",
            self.backoff.max_retry_after,
            Duration::ZERO,
            MAX_DURATION,
        )?;
        Ok(())
    }
}

/// Refuses `value` outside `min..=max`.
fn count(field: &'static str, value: usize, min: usize, max: usize) -> Result<(), Error> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(Error::invalid_input(
        field,
        format!("must be between {min} and {max}, not {value}"),
    ))
}

/// Refuses `value` outside `min..=max`.
fn duration(
    field: &'static str,
    value: Duration,
    min: Duration,
    max: Duration,
) -> Result<(), Error> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(Error::invalid_input(
        field,
        format!("must be between {min:?} and {max:?}, not {value:?}"),
    ))
}
