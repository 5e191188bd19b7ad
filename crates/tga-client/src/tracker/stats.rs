//! The tracker's counters, readable at any time: the outbox's, with those that are TGA's.

use std::sync::atomic::{AtomicU64, Ordering};

use tg_common::outbox::OutboxStats;

/// A snapshot of the tracker's counters (events unless said otherwise).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrackerStats {
    /// Events accepted into the queue.
    pub queued: u64,
    /// Events the service acknowledged.
    pub sent: u64,
    /// Events dropped because the queue was full.
    pub dropped: u64,
    /// Events refused at `track` because their session had used its cap of
    /// `GET /events/threshold` ([`TrackError::OverThreshold`](super::TrackError::OverThreshold)).
    pub over_threshold: u64,
    /// Calls of `track` refused with [`TrackError::Full`](super::TrackError::Full): the queue
    /// stayed full for `max_wait` (the caller still holds the event).
    pub full_waits_expired: u64,
    /// Events dead-lettered (handed to the sink, or kept for `take_dead_letters`).
    pub dead_lettered: u64,
    /// Dead letters lost because the dead-letter store was full (`max_dead_letters`).
    pub dead_letters_lost: u64,
    /// Panics caught in user callbacks (dead-letter sink, batch sender) and delivery tasks.
    pub panics: u64,
    /// Events handed back as not delivered (by `shutdown`, or `flush` after a failure).
    pub undelivered: u64,
    /// Requests made (first tries, retries and split halves).
    pub requests: u64,
    /// Requests that failed and were retried.
    pub retried: u64,
    /// Batches being delivered now (requests in flight or waiting to retry).
    pub in_flight: u64,
    /// Bytes of event JSON held now (queued, in batches, in flight), bounded by `queue_bytes`.
    pub held_bytes: u64,
}

impl TrackerStats {
    /// Events queued and not yet acknowledged, dead-lettered or returned.
    pub fn pending(&self) -> u64 {
        self.queued
            .saturating_sub(self.sent)
            .saturating_sub(self.dead_lettered)
            .saturating_sub(self.undelivered)
    }
}

/// The counters that are TGA's; the outbox counts the rest.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) dropped: AtomicU64,
    pub(crate) over_threshold: AtomicU64,
    pub(crate) full_waits_expired: AtomicU64,
    /// Panics of the batch sender.
    pub(crate) panics: AtomicU64,
    pub(crate) undelivered: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) in_flight: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// These counters with the outbox's.
    pub(crate) fn snapshot(&self, outbox: &OutboxStats) -> TrackerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TrackerStats {
            queued: outbox.appended,
            sent: outbox.delivered,
            dropped: get(&self.dropped),
            over_threshold: get(&self.over_threshold),
            full_waits_expired: get(&self.full_waits_expired),
            dead_lettered: outbox.rejected,
            dead_letters_lost: outbox.letters_lost,
            panics: get(&self.panics) + outbox.panics,
            undelivered: get(&self.undelivered),
            requests: get(&self.requests),
            retried: get(&self.retried),
            in_flight: get(&self.in_flight),
            held_bytes: 0,
        }
    }
}
