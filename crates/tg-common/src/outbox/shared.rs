//! State shared by an outbox's handle and its worker: the phase, counters, letters, pending
//! acknowledgements and what the next report says.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, watch};

use super::config::OutboxConfig;
use super::isolate;
use super::letter::{Letter, LetterCause, LetterSink};
use super::report::OutboxReport;
use super::spool::{EntryId, Spool};
use super::stats::{Counters, OutboxStats};
use super::{envelope, millis};

/// Where an outbox is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Taking entries.
    Running,
    /// Shutting down: no new entries; delivering what the spool holds.
    Draining,
    /// The shutdown deadline passed: stop, leave the rest in the spool.
    Cancelled,
}

pub(crate) struct OutboxState {
    pub(crate) spool: Arc<dyn Spool>,
    pub(crate) phase: watch::Sender<Phase>,
    /// Wakes the worker: entries appended, acknowledgements pending.
    pub(crate) wake: Notify,
    /// Appends by this process, and the count at which the worker wants to be woken
    /// (`u64::MAX`: not waiting for appends).
    appends: AtomicU64,
    wake_at: AtomicU64,
    /// Bumped after each acknowledgement that removed entries (room for a full spool).
    pub(crate) room: watch::Sender<()>,
    pub(crate) counters: Counters,
    pub(crate) name: &'static str,
    sink: Option<LetterSink>,
    max_letters: usize,
    ack_letters: bool,
    /// Letters kept, each with its spool entry (acknowledged once taken).
    kept: Mutex<Vec<(Letter, Option<EntryId>)>>,
    /// Acknowledgements that failed or were deferred; the worker retries them.
    pending_acks: Mutex<Vec<EntryId>>,
    ledger: Mutex<OutboxReport>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl OutboxState {
    /// The counters, the backlog read from the spool, its oldest entry's age and the time to
    /// drain it by `drain` (the deliverer's projection); published as metrics too.
    pub(crate) async fn stats(
        &self,
        drain: impl Fn(u64) -> Option<std::time::Duration>,
    ) -> OutboxStats {
        let mut stats = self.counters.snapshot();
        stats.letters_kept = self.letters_kept() as u64;
        match self.spool.stats().await {
            Ok(spool) => {
                stats.backlog_entries = spool.entries;
                stats.backlog_bytes = spool.bytes;
            }
            Err(e) => stats.spool_error = Some(e.to_string()),
        }
        let oldest = self.counters.oldest_ms.load(Ordering::Relaxed);
        if stats.backlog_entries > 0 && oldest > 0 {
            let age = std::time::SystemTime::now()
                .duration_since(envelope::at(oldest))
                .unwrap_or_default();
            stats.oldest_age_ms = Some(millis(age));
        }
        // Letters kept hold their entries without waiting for delivery.
        let waiting = stats.backlog_entries.saturating_sub(stats.letters_kept);
        stats.drain_eta_ms = drain(waiting).map(millis);
        crate::telemetry::outbox(self.name, &stats);
        stats
    }

    pub(crate) fn new(config: &OutboxConfig) -> Self {
        OutboxState {
            spool: Arc::clone(&config.spool),
            phase: watch::Sender::new(Phase::Running),
            wake: Notify::new(),
            appends: AtomicU64::new(0),
            wake_at: AtomicU64::new(u64::MAX),
            room: watch::Sender::new(()),
            counters: Counters::default(),
            name: config.name,
            sink: config.letters.clone(),
            max_letters: config.max_letters,
            ack_letters: config.ack_letters,
            kept: Mutex::new(Vec::new()),
            pending_acks: Mutex::new(Vec::new()),
            ledger: Mutex::new(OutboxReport::default()),
        }
    }

    /// After an append: wakes the worker once the appends it waits for came (one wake a
    /// batch, not one an append).
    pub(crate) fn appended(&self) {
        let n = self.appends.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.wake_at.load(Ordering::SeqCst) {
            self.wake.notify_one();
        }
    }

    /// The appends so far: read before a claim, given to [`OutboxState::wait_for_appends`].
    pub(crate) fn appends(&self) -> u64 {
        self.appends.load(Ordering::SeqCst)
    }

    /// Asks for a wake once `more` appends followed the `seen` ones; `false` when they already
    /// did (do not wait).
    pub(crate) fn wait_for_appends(&self, seen: u64, more: usize) -> bool {
        let at = seen.saturating_add(u64::try_from(more.max(1)).unwrap_or(u64::MAX));
        self.wake_at.store(at, Ordering::SeqCst);
        self.appends.load(Ordering::SeqCst) < at
    }

    /// The worker is awake: appends need not wake it.
    pub(crate) fn awake(&self) {
        self.wake_at.store(u64::MAX, Ordering::SeqCst);
    }

    pub(crate) fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Resolves once the shutdown deadline has passed.
    pub(crate) async fn cancelled(&self) {
        let mut rx = self.phase.subscribe();
        // The sender lives in `self`: `wait_for` cannot fail while we wait.
        let _ = rx.wait_for(|p| *p == Phase::Cancelled).await;
    }

    /// Acknowledges `ids`; a failure leaves them to the worker.
    pub(crate) async fn ack(&self, ids: &[EntryId]) {
        if ids.is_empty() {
            return;
        }
        match self.spool.ack(ids).await {
            Ok(()) => self.room.send_modify(|()| {}),
            Err(e) => {
                tracing::warn!(outbox = self.name, error = %e, entries = ids.len(), "acknowledgement failed; it will be retried");
                lock(&self.ledger).spool_error = Some(Arc::new(e));
                lock(&self.pending_acks).extend_from_slice(ids);
            }
        }
    }

    /// Leaves acknowledgements to the worker's next round.
    pub(crate) fn defer_acks(&self, ids: Vec<EntryId>) {
        lock(&self.pending_acks).extend(ids);
    }

    /// Retries the acknowledgements left pending.
    pub(crate) async fn ack_pending(&self) {
        let ids = std::mem::take(&mut *lock(&self.pending_acks));
        self.ack(&ids).await;
    }

    /// Hands a letter to the sink, or keeps it (with its spool entry, acknowledged once taken)
    /// when there is none, it panics or it cannot take it. Returns the entry to acknowledge
    /// now, if any.
    pub(crate) fn letter(&self, letter: Letter, id: Option<EntryId>) -> Option<EntryId> {
        {
            let mut ledger = lock(&self.ledger);
            match &letter.cause {
                LetterCause::Rejected(e) => {
                    ledger.rejected += 1;
                    ledger.last_rejection = Some(Arc::clone(e));
                }
                LetterCause::Unreadable => ledger.rejected += 1,
                LetterCause::NotStored(_) | LetterCause::Closed => ledger.not_stored += 1,
            }
        }
        match &letter.cause {
            LetterCause::Rejected(_) | LetterCause::Unreadable => {
                Counters::add(&self.counters.rejected, 1);
            }
            LetterCause::NotStored(_) | LetterCause::Closed => {
                Counters::add(&self.counters.not_stored, 1);
            }
        }
        tracing::warn!(outbox = self.name, cause = %letter.cause, bytes = letter.bytes.len(), "an entry became a letter");
        let Some(sink) = &self.sink else {
            return self.keep(letter, id);
        };
        let copy = letter.clone();
        match isolate::call(|| sink.take(letter)) {
            Ok(Ok(())) => id,
            Ok(Err(back)) => self.keep(back, id),
            Err(panic) => {
                self.record_panic("the letter sink", &panic);
                self.keep(copy, id)
            }
        }
    }

    /// Keeps a letter, or counts it lost when the store is full (its entry is then
    /// acknowledged: returned).
    fn keep(&self, letter: Letter, id: Option<EntryId>) -> Option<EntryId> {
        let mut kept = lock(&self.kept);
        if kept.len() < self.max_letters {
            if self.ack_letters {
                kept.push((letter, None));
                return id;
            }
            kept.push((letter, id));
            return None;
        }
        drop(kept);
        Counters::add(&self.counters.letters_lost, 1);
        lock(&self.ledger).letters_lost += 1;
        tracing::error!(outbox = self.name, cause = %letter.cause, bytes = letter.bytes.len(), "letter lost: the store of kept letters is full (take_letters empties it)");
        id
    }

    /// The kept letters; their entries are acknowledged by the worker.
    pub(crate) fn take_letters(&self) -> Vec<Letter> {
        let kept = std::mem::take(&mut *lock(&self.kept));
        let mut letters = Vec::with_capacity(kept.len());
        let mut ids = Vec::new();
        for (letter, id) in kept {
            letters.push(letter);
            ids.extend(id);
        }
        if !ids.is_empty() {
            lock(&self.pending_acks).extend(ids);
            self.wake.notify_one();
        }
        letters
    }

    pub(crate) fn letters_kept(&self) -> usize {
        lock(&self.kept).len()
    }

    /// Counts a caught panic of `what`.
    pub(crate) fn record_panic(&self, what: &str, message: &str) {
        Counters::add(&self.counters.panics, 1);
        lock(&self.ledger).panics += 1;
        tracing::error!(
            outbox = self.name,
            panic = message,
            "{what} panicked; the outbox goes on"
        );
    }

    /// Records why the worker failed.
    pub(crate) fn fail(&self, message: String) {
        Counters::add(&self.counters.panics, 1);
        let mut ledger = lock(&self.ledger);
        ledger.panics += 1;
        ledger.failure.get_or_insert(message);
    }

    /// Counts entries left in the spool at shutdown.
    pub(crate) fn left_in_spool(&self, n: u64) {
        lock(&self.ledger).left_in_spool = n;
    }

    /// Once the worker stopped: tries the pending acknowledgements once more, counts those
    /// that still fail as unacknowledged and releases them with the entries of kept letters,
    /// so that an outbox started on the spool delivers them.
    pub(crate) async fn release_at_shutdown(&self) {
        self.ack_pending().await;
        let mut ids = std::mem::take(&mut *lock(&self.pending_acks));
        lock(&self.ledger).unacknowledged += ids.len() as u64;
        ids.extend(lock(&self.kept).iter().filter_map(|(_, id)| *id));
        for chunk in ids.chunks(512) {
            if let Err(e) = self.spool.release(chunk).await {
                tracing::warn!(outbox = self.name, error = %e, entries = chunk.len(), "entries not released; the spool's own timeout frees them");
                lock(&self.ledger).spool_error = Some(Arc::new(e));
            }
        }
    }

    /// How many kept letters hold a spool entry.
    pub(crate) fn letters_with_entries(&self) -> u64 {
        lock(&self.kept)
            .iter()
            .filter(|(_, id)| id.is_some())
            .count() as u64
    }

    /// Whether `id` is the entry of a kept letter.
    pub(crate) fn is_kept(&self, id: EntryId) -> bool {
        lock(&self.kept).iter().any(|(_, kept)| *kept == Some(id))
    }

    /// What went wrong since the last report; `None` when nothing did. Acknowledgements still
    /// pending count as unacknowledged.
    pub(crate) fn report(&self) -> Option<OutboxReport> {
        let pending = lock(&self.pending_acks).len() as u64;
        let mut report = std::mem::take(&mut *lock(&self.ledger));
        report.unacknowledged += pending;
        (!report.is_clean()).then_some(report)
    }

    /// The append time of the oldest entry in hand (ms since the epoch; zero for none).
    pub(crate) fn set_oldest(&self, ms: u64) {
        self.counters.oldest_ms.store(ms, Ordering::Relaxed);
    }
}
