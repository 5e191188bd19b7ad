//! How an [`Outbox`](super::Outbox) runs: its spool, claims, backoff and letters.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::letter::LetterSink;
use super::spool::Spool;
use crate::retry::Backoff;

/// The default number of entries claimed (and handed to the deliverer) at once.
pub const DEFAULT_CLAIM_MAX: usize = 16;

/// The default number of letters kept for `take_letters` when no sink takes them.
pub const DEFAULT_MAX_LETTERS: usize = 10_000;

/// The default interval at which the worker looks for entries it was not woken for (left by a
/// previous process, appended by another replica).
pub const DEFAULT_POLL: Duration = Duration::from_secs(1);

/// The configuration of an [`Outbox`](super::Outbox); start with [`OutboxConfig::new`].
#[derive(Clone)]
#[must_use]
pub struct OutboxConfig {
    pub(crate) spool: Arc<dyn Spool>,
    pub(crate) claim_max: usize,
    pub(crate) backoff: Backoff,
    pub(crate) poll: Duration,
    pub(crate) letters: Option<LetterSink>,
    pub(crate) max_letters: usize,
    pub(crate) name: &'static str,
    pub(crate) linger: Duration,
    pub(crate) fill: usize,
    pub(crate) ack_letters: bool,
    pub(crate) concurrency: usize,
}

impl fmt::Debug for OutboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxConfig")
            .field("name", &self.name)
            .field("claim_max", &self.claim_max)
            .field("backoff", &self.backoff)
            .field("poll", &self.poll)
            .field("letters", &self.letters)
            .field("max_letters", &self.max_letters)
            .field("linger", &self.linger)
            .field("fill", &self.fill)
            .field("ack_letters", &self.ack_letters)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl OutboxConfig {
    /// An outbox over `spool`, with the defaults: [`DEFAULT_CLAIM_MAX`], [`Backoff::default`],
    /// [`DEFAULT_POLL`], letters kept (at most [`DEFAULT_MAX_LETTERS`]).
    pub fn new(spool: Arc<dyn Spool>) -> Self {
        OutboxConfig {
            spool,
            claim_max: DEFAULT_CLAIM_MAX,
            backoff: Backoff::default(),
            poll: DEFAULT_POLL,
            letters: None,
            max_letters: DEFAULT_MAX_LETTERS,
            name: "outbox",
            linger: Duration::ZERO,
            fill: 1,
            ack_letters: false,
            concurrency: 1,
        }
    }

    /// How many entries are claimed and handed to the deliverer at once (at least 1).
    pub fn claim_max(mut self, n: usize) -> Self {
        self.claim_max = n.max(1);
        self
    }

    /// The backoff between failed deliveries.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How often the worker looks for entries it was not woken for (at least 1 ms).
    pub fn poll(mut self, every: Duration) -> Self {
        self.poll = every.max(Duration::from_millis(1));
        self
    }

    /// Hands letters to `sink` instead of keeping them.
    pub fn letters(mut self, sink: LetterSink) -> Self {
        self.letters = Some(sink);
        self
    }

    /// How many letters are kept for `take_letters`; more are counted lost.
    pub fn max_letters(mut self, n: usize) -> Self {
        self.max_letters = n;
        self
    }

    /// How many deliveries run at once (at least 1, the default): the worker claims the next
    /// entries while earlier ones are delivered; a retried delivery pauses new claims for its
    /// backoff, not the deliveries already running.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Lets entries gather: when a claim finds fewer than `fill` entries, the worker keeps
    /// them and claims again as entries are appended, until it holds `fill`, the first has
    /// waited `linger`, a flush is asked for or the shutdown starts (default: no wait).
    pub fn linger(mut self, linger: Duration, fill: usize) -> Self {
        self.linger = linger;
        self.fill = fill.max(1);
        self
    }

    /// Acknowledges a letter's entry as soon as the letter is kept, instead of once it is
    /// taken: for a spool that does not outlive the process (a [`MemorySpool`]), whose room
    /// a kept letter should not take (default `false`).
    ///
    /// [`MemorySpool`]: super::spool::MemorySpool
    pub fn ack_letters(mut self, at_once: bool) -> Self {
        self.ack_letters = at_once;
        self
    }

    /// The name in log lines (`"tgtrack forwarding"`).
    pub fn name(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }
}
