//! [`ForwardQueue`]: forwarding tracked updates in the background over tg-common's outbox
//! (documented on the type, the module being private).

mod forwarder;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tg_common::Error;
use tg_common::outbox::spool::{MemorySpool, Spool};
use tg_common::outbox::{
    Appended, Letter, LetterSink, Outbox, OutboxConfig, OutboxError, OutboxStats,
};

use crate::client::Client;
use crate::forward::RawUpdate;
use crate::update_filter::{TrackedKind, is_tracked_update};
use forwarder::Forwarder;

/// How long a queued update may wait for the rate limiter: a day and an hour, the longest the
/// daily quota can make it wait.
pub const QUEUE_MAX_RATE_WAIT: Duration = Duration::from_secs(25 * 3600);

/// The default bound of the in-memory spool, in bytes: 64 MiB. A day at the documented quota is
/// 5,000 forwarded updates; a `/start` update is about 0.5 KiB and Telegram's largest text
/// message about 16 KiB, so the default holds a day of starts at 13 KiB each, and about 25 days
/// of typical ones.
pub const DEFAULT_QUEUE_BYTES: u64 = 64 << 20;

/// The default bound of the in-memory spool, in updates (the byte bound binds first for any
/// update of more than 64 bytes).
pub const DEFAULT_QUEUE_ENTRIES: u64 = 1 << 20;

/// How many claims are delivered at once: the next claim's updates take their slots while the
/// current one's are sent, so waiting events get none in between. Four: even when updates
/// arrive one at a time (a claim of one each), the queue holds more than a second of slots at
/// the documented 3 a second, however slowly TGTrack answers.
const CLAIMS_AT_ONCE: usize = 4;

/// The outbox's name in log lines.
const NAME: &str = "tgtrack forwarding";

/// What [`ForwardQueue::submit`] did with an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Stored in the spool for TGTrack.
    Queued(TrackedKind),
    /// TGTrack does not need it (or it is not a JSON object): nothing is sent.
    NotTracked,
    /// Not stored (spool full or failing, queue closed): handed to the failure callback, or
    /// kept for [`ForwardQueue::take_failed`], and counted in `not_stored`.
    Refused,
}

/// A queue's counters and backlog, serializable.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ForwardStats {
    /// Updates submitted that TGTrack does not need.
    pub not_tracked: u64,
    /// The outbox's counters and backlog (`appended`, `delivered`, `not_stored`,
    /// `rejected`, `backlog_entries`, `oldest_age_ms`, `drain_eta_ms`, ...).
    #[serde(flatten)]
    pub outbox: OutboxStats,
}

impl ForwardStats {
    /// Updates appended and not yet delivered or refused by TGTrack.
    pub fn pending(&self) -> u64 {
        let o = &self.outbox;
        o.appended.saturating_sub(o.delivered + o.rejected)
    }
}

/// The background forwarder; cheap to clone (clones share the outbox).
///
/// Forwarding tracked updates in the background so a bot never waits for TGTrack:
/// [`ForwardQueue::submit`] appends the update's bytes to a spool (durable as the spool
/// promises) and returns; tg-common's [`Outbox`] worker sends each with
/// `on_telegram_webhook`, byte for byte, one update per call. What is TGTrack's is here (which
/// updates, one verbatim update per call, the quota's wait, one chat's order); claiming,
/// acknowledging, retrying, letters, panics, stats and shutdown are the outbox's.
///
/// - A queued update waits for the rate limiter as long as the quota needs (up to
///   [`QUEUE_MAX_RATE_WAIT`]), then is retried by the outbox's backoff while TGTrack or the
///   network fails: a busy limiter delays forwarding, it never drops it.
/// - The updates claimed (up to four claims of 16) take their slots of the quota at once, in
///   arrival order, ahead of waiting events and goals, and each is sent when its slot comes:
///   when a spent quota returns, the backlog of starts goes before the events that waited.
///   Calls whose slots coincide are in flight together, so TGTrack may see those in any
///   order, except that one chat's updates go one at a time, in order (one that failed is
///   retried before the chat's later ones). After a failure the next claim sends one update
///   first: a service that is down costs one call a retry.
/// - The default spool is in memory, bounded by [`DEFAULT_QUEUE_BYTES`] (a day of starts at
///   the documented quota many times over); [`ForwardQueueBuilder::spool`] takes a
///   [`DiskSpool`](tg_common::outbox::spool::DiskSpool) or a Redis stream, so a restart loses
///   nothing the webhook layer answered 200 for or the poller confirmed.
/// - Nothing is refused silently: an update the spool does not store, and one TGTrack refuses
///   for good, is a [`Letter`], handed to [`ForwardQueueBuilder::on_failure`] or kept until
///   [`ForwardQueue::take_failed`], and counted.
///
/// Delivery is at least once: an update sent when the process died before its
/// acknowledgement is sent again.
#[derive(Clone)]
pub struct ForwardQueue {
    outbox: Outbox,
    not_tracked: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for ForwardQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardQueue").finish_non_exhaustive()
    }
}

/// Configures a [`ForwardQueue`]; start with [`ForwardQueue::builder`].
#[must_use]
pub struct ForwardQueueBuilder {
    client: Client,
    spool: Option<Arc<dyn Spool>>,
    on_failure: Option<LetterSink>,
    configure: Option<Box<dyn FnOnce(OutboxConfig) -> OutboxConfig + Send>>,
}

impl std::fmt::Debug for ForwardQueueBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardQueueBuilder")
            .field("durable_spool", &self.spool.is_some())
            .finish_non_exhaustive()
    }
}

impl ForwardQueueBuilder {
    /// Keeps updates in `spool` (a disk spool or a Redis stream survives a restart) instead of
    /// the default in-memory spool of [`DEFAULT_QUEUE_BYTES`].
    pub fn spool(mut self, spool: Arc<dyn Spool>) -> Self {
        self.spool = Some(spool);
        self
    }

    /// Called with every update not forwarded: not stored when submitted, or refused by TGTrack
    /// for good. Without it, they are kept until [`ForwardQueue::take_failed`]. A panic in it
    /// is caught and counted, and its update kept.
    pub fn on_failure(mut self, hook: impl Fn(Letter) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(LetterSink::new(hook));
        self
    }

    /// Changes the outbox's settings (claims, backoff, poll interval, kept letters).
    pub fn outbox(
        mut self,
        configure: impl FnOnce(OutboxConfig) -> OutboxConfig + Send + 'static,
    ) -> Self {
        self.configure = Some(Box::new(configure));
        self
    }

    /// Starts the queue's worker on the current tokio runtime.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] outside a tokio runtime.
    pub fn start(self) -> Result<ForwardQueue, Error> {
        let spool = self.spool.unwrap_or_else(|| {
            Arc::new(MemorySpool::new(DEFAULT_QUEUE_ENTRIES, DEFAULT_QUEUE_BYTES))
        });
        let mut config = OutboxConfig::new(spool)
            .name(NAME)
            .concurrency(CLAIMS_AT_ONCE);
        if let Some(sink) = self.on_failure {
            config = config.letters(sink);
        }
        if let Some(configure) = self.configure {
            config = configure(config);
        }
        Ok(ForwardQueue {
            outbox: Outbox::start(Forwarder::new(self.client), config)?,
            not_tracked: Arc::default(),
        })
    }
}

impl ForwardQueue {
    /// Configures a queue that forwards with `client`.
    pub fn builder(client: Client) -> ForwardQueueBuilder {
        ForwardQueueBuilder {
            client,
            spool: None,
            on_failure: None,
            configure: None,
        }
    }

    /// A queue with the defaults, started on the current tokio runtime.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] outside a tokio runtime.
    pub fn start(client: Client) -> Result<ForwardQueue, Error> {
        ForwardQueue::builder(client).start()
    }

    /// Stores `raw` for TGTrack when it needs it (see [`crate::is_tracked_update`]); returns
    /// once it is in the spool (durable as the spool promises). The bytes are kept exactly as
    /// given. Never waits for TGTrack or the quota.
    pub async fn submit(&self, raw: impl Into<Bytes>) -> Submission {
        let raw = raw.into();
        let Some(kind) = is_tracked_update(&raw).filter(|_| RawUpdate::new(raw.clone()).is_ok())
        else {
            self.not_tracked
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Submission::NotTracked;
        };
        match self.outbox.append_or_letter(raw).await {
            Appended::Stored(_) => Submission::Queued(kind),
            Appended::Refused => Submission::Refused,
        }
    }

    /// The updates not forwarded and kept (no failure callback, or it panicked); their spool
    /// entries are removed.
    pub fn take_failed(&self) -> Vec<Letter> {
        self.outbox.take_letters()
    }

    /// The counters and the backlog (its size, oldest entry's age, projected time to drain
    /// it under the client's quota).
    pub async fn stats(&self) -> ForwardStats {
        ForwardStats {
            not_tracked: self.not_tracked.load(std::sync::atomic::Ordering::Relaxed),
            outbox: self.outbox.stats().await,
        }
    }

    /// Returns once every update stored before the call was forwarded or refused for good;
    /// [`OutboxError::NotDelivered`] says what went wrong since the previous report.
    pub async fn flush(&self) -> Result<(), OutboxError> {
        self.outbox.flush().await
    }

    /// Refuses new updates, forwards what the spool holds for at most `within`, then stops
    /// (what is left stays in the spool for the next queue on it). Returns the counters;
    /// `pending() > 0` when time ran out.
    pub async fn close(&self, within: Duration) -> ForwardStats {
        if let Err(e) = self.outbox.shutdown(within).await {
            tracing::warn!(error = %e, "tgtrack forwarding closed with updates not forwarded");
        }
        self.stats().await
    }
}
