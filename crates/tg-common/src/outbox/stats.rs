//! What an outbox has done and what it holds: [`OutboxStats`].

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of an outbox (entries unless said otherwise); serializable for a metrics or
/// health endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxStats {
    /// Entries appended to the spool by this process.
    pub appended: u64,
    /// Entries the service took.
    pub delivered: u64,
    /// Deliveries that failed and will be retried.
    pub retried: u64,
    /// Entries the service refused for good (letters).
    pub rejected: u64,
    /// Entries not stored (spool full, I/O, shut down), handed to the sink or kept (letters).
    pub not_stored: u64,
    /// Letters waiting in `take_letters`.
    pub letters_kept: u64,
    /// Letters lost because the store of kept letters was full (`max_letters`).
    pub letters_lost: u64,
    /// Panics caught (deliverer, letter sink, the worker itself).
    pub panics: u64,
    /// Entries being delivered now.
    pub in_flight: u64,
    /// The backlog: entries in the spool (ready, claimed, kept as letters; for a shared spool,
    /// every replica's).
    pub backlog_entries: u64,
    /// The backlog's bytes, as the spool counts them against its byte bound.
    pub backlog_bytes: u64,
    /// The age of the oldest entry of the backlog this worker has claimed, in milliseconds
    /// (`None` with an empty backlog, or before the worker claimed any of it).
    pub oldest_age_ms: Option<u64>,
    /// The projected time to deliver the backlog under the deliverer's quotas, in milliseconds
    /// (`None` when the deliverer names no quota).
    pub drain_eta_ms: Option<u64>,
    /// Why the spool's own figures could not be read (the backlog fields are zero then).
    pub spool_error: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) appended: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) not_stored: AtomicU64,
    pub(crate) letters_lost: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) in_flight: AtomicU64,
    /// The append time (ms since the epoch) of the oldest entry claimed and not yet done; zero
    /// for none.
    pub(crate) oldest_ms: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> OutboxStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        OutboxStats {
            appended: get(&self.appended),
            delivered: get(&self.delivered),
            retried: get(&self.retried),
            rejected: get(&self.rejected),
            not_stored: get(&self.not_stored),
            letters_lost: get(&self.letters_lost),
            panics: get(&self.panics),
            in_flight: get(&self.in_flight),
            ..OutboxStats::default()
        }
    }
}
