//! State shared by the tracker's handle, its batching task and its delivery tasks.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tg_common::Error;
use tokio::sync::{Notify, Semaphore, watch};

use super::config::{Backoff, TrackerConfig};
use super::dead_letter::{DeadLetter, DeadLetterSink};
use super::report::{DeliveryReport, Ledger};
use super::stats::Counters;
use crate::event::EncodedEvent;
use crate::spool::{EntryId, Spool, SpoolError};
use tg_common::outbox::isolate;

/// Where the tracker is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Taking events.
    Running,
    /// Shutting down: no new events; delivering what is queued.
    Draining,
    /// The shutdown deadline passed, or the batching task failed: stop and give back what is
    /// left.
    Cancelled,
    /// The batching task failed and everything it held was given back.
    Failed,
}

pub(crate) struct Shared {
    pub(crate) counters: Counters,
    pub(crate) phase: watch::Sender<Phase>,
    pub(crate) backoff: Backoff,
    pub(crate) attempt_timeout: Option<Duration>,
    /// Room for event bytes (`queue_bytes`): taken by `track`, given back when an event is
    /// sent, dead-lettered or handed back.
    pub(crate) room: Semaphore,
    pub(crate) queue_bytes: usize,
    dead_letters: Option<DeadLetterSink>,
    max_dead_letters: usize,
    /// Dead letters kept, each with its spool entry (acknowledged once taken).
    kept: Mutex<Vec<(DeadLetter, Option<EntryId>)>>,
    /// The spool `track` appends to, when configured.
    pub(crate) spool: Option<Arc<dyn Spool>>,
    /// Spool entries to acknowledge whose acknowledgement failed or was deferred; the feeding
    /// task retries them.
    pending_acks: Mutex<Vec<EntryId>>,
    /// Spool entries this tracker claimed and has not acknowledged: released at shutdown.
    claimed: Mutex<HashSet<EntryId>>,
    /// Wakes the feeding task: entries appended, acknowledgements pending.
    pub(crate) wake: Notify,
    /// Told when spool entries were acknowledged (room in a full spool).
    pub(crate) freed: Notify,

    undelivered: Mutex<Vec<EncodedEvent>>,
    last_error: Mutex<Option<Arc<Error>>>,
    ledger: Mutex<Ledger>,
    failure: Mutex<Option<String>>,
    /// Tests set this to make the batching task panic on its next event.
    #[cfg(test)]
    pub(crate) fail_worker: std::sync::atomic::AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(config: &TrackerConfig) -> Self {
        Shared {
            counters: Counters::default(),
            phase: watch::Sender::new(Phase::Running),
            backoff: config.backoff,
            attempt_timeout: config.attempt_timeout,
            room: Semaphore::new(config.queue_bytes),
            queue_bytes: config.queue_bytes,
            dead_letters: config.dead_letters.clone(),
            max_dead_letters: config.max_dead_letters,
            kept: Mutex::new(Vec::new()),
            spool: config.spool.as_ref().map(|s| Arc::clone(&s.0)),
            pending_acks: Mutex::new(Vec::new()),
            claimed: Mutex::new(HashSet::new()),
            wake: Notify::new(),
            freed: Notify::new(),

            undelivered: Mutex::new(Vec::new()),
            last_error: Mutex::new(None),
            ledger: Mutex::new(Ledger::default()),
            failure: Mutex::new(None),
            #[cfg(test)]
            fail_worker: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Resolves once the shutdown deadline has passed (or the batching task failed).
    pub(crate) async fn cancelled(&self) {
        let mut rx = self.phase.subscribe();
        // The sender lives in `self`, so `wait_for` cannot fail while we wait.
        let _ = rx
            .wait_for(|p| matches!(p, Phase::Cancelled | Phase::Failed))
            .await;
    }

    /// Keeps events that will not be delivered, for `flush` or `shutdown` to return. Over a
    /// spool they stay in it, unacknowledged, for the next tracker, and are only counted.
    pub(crate) fn give_back(&self, events: impl IntoIterator<Item = EncodedEvent>) {
        let events: Vec<EncodedEvent> = events.into_iter().collect();
        self.release(&events);
        if self.spool.is_some() {
            self.left_in_spool(events.len());
            return;
        }
        Counters::add(&self.counters.undelivered, events.len());
        lock(&self.undelivered).extend(events);
    }

    /// Counts events that stay in the spool, unacknowledged, for the next tracker.
    pub(crate) fn left_in_spool(&self, n: usize) {
        lock(&self.ledger).left_in_spool += n as u64;
    }

    /// Acknowledges spool entries whose events left the tracker; a failed acknowledgement is
    /// kept and retried by the feeding task (never released: the entries stay claimed).
    pub(crate) async fn ack(&self, ids: &[EntryId]) {
        let Some(spool) = &self.spool else { return };
        if ids.is_empty() {
            return;
        }
        match spool.ack(ids).await {
            Ok(()) => self.acked(ids),
            Err(e) => {
                self.spool_failed(e, ids.len());
                self.defer_ack(ids.iter().copied());
            }
        }
    }

    /// Records entries the spool acknowledged.
    pub(crate) fn acked(&self, ids: &[EntryId]) {
        let mut claimed = lock(&self.claimed);
        for id in ids {
            claimed.remove(id);
        }
        drop(claimed);
        self.freed.notify_waiters();
    }

    /// Records entries this tracker claimed.
    pub(crate) fn claimed(&self, ids: impl IntoIterator<Item = EntryId>) {
        lock(&self.claimed).extend(ids);
    }

    /// Records a failed acknowledgement (or release) for the next report.
    pub(crate) fn spool_failed(&self, error: SpoolError, entries: usize) {
        tracing::warn!(error = %error, entries, "TGA spool acknowledgement failed; it will be retried");
        lock(&self.ledger).spool_error = Some(Arc::new(error));
    }

    /// Tries the pending acknowledgements now; `false` when that failed (they are kept).
    pub(crate) async fn retry_acks(&self) -> bool {
        let Some(spool) = &self.spool else {
            return true;
        };
        let ids = self.take_pending_acks();
        if ids.is_empty() {
            return true;
        }
        match spool.ack(&ids).await {
            Ok(()) => {
                self.acked(&ids);
                true
            }
            Err(e) => {
                self.spool_failed(e, ids.len());
                self.restore_acks(ids);
                false
            }
        }
    }

    /// At shutdown, once the tracker's tasks ended: tries the pending acknowledgements once
    /// more, then releases every entry this tracker claimed and did not acknowledge (events
    /// left, dead letters not taken, acknowledgements that failed) so that a tracker started on
    /// the same spool, or another replica, delivers them. Acknowledgements that still fail are
    /// counted in the report's `unacknowledged` (those events may be sent again).
    pub(crate) async fn release_claims(&self) {
        let Some(spool) = &self.spool else { return };
        self.retry_acks().await;
        let failed = self.take_pending_acks();
        lock(&self.ledger).unacknowledged += failed.len() as u64;
        // A dead letter taken from now on has no entry to acknowledge: it is released.
        for (_, id) in lock(&self.kept).iter_mut() {
            id.take();
        }
        let mut ids: Vec<EntryId> = lock(&self.claimed).drain().collect();
        ids.sort_unstable();
        for chunk in ids.chunks(512) {
            if let Err(e) = spool.release(chunk).await {
                tracing::warn!(error = %e, entries = chunk.len(), "TGA spool entries not released; the spool's own timeout frees them");
                lock(&self.ledger).spool_error = Some(Arc::new(e));
            }
        }
    }

    /// Leaves acknowledgements to the feeding task.
    pub(crate) fn defer_ack(&self, ids: impl IntoIterator<Item = EntryId>) {
        lock(&self.pending_acks).extend(ids);
        self.wake.notify_one();
    }

    /// Puts back acknowledgements that failed again, without waking the feeding task (it
    /// retries them on its next poll).
    pub(crate) fn restore_acks(&self, ids: Vec<EntryId>) {
        lock(&self.pending_acks).extend(ids);
    }

    /// The acknowledgements left to the feeding task.
    pub(crate) fn take_pending_acks(&self) -> Vec<EntryId> {
        std::mem::take(&mut *lock(&self.pending_acks))
    }

    /// Gives the bytes of events that leave the tracker back to `track`.
    pub(crate) fn release(&self, events: &[EncodedEvent]) {
        let bytes: usize = events.iter().map(EncodedEvent::len).sum();
        self.room.add_permits(bytes);
    }

    /// The bytes of event JSON the tracker holds now.
    pub(crate) fn held_bytes(&self) -> usize {
        self.queue_bytes
            .saturating_sub(self.room.available_permits())
    }

    pub(crate) fn take_undelivered(&self) -> Vec<EncodedEvent> {
        std::mem::take(&mut *lock(&self.undelivered))
    }

    /// Hands events to the dead-letter sink, or keeps them when there is none (or it panics, or
    /// cannot take them).
    /// `whole` says the service refused the whole request for a reason no retry fixes: the
    /// error becomes the report's configuration error.
    /// Over a spool, `ids` are the events' entries: acknowledged once a sink took the letter,
    /// kept with a letter waiting in `take_dead_letters` (so it survives a restart).
    pub(crate) async fn dead_letter(
        &self,
        events: Vec<EncodedEvent>,
        ids: Vec<EntryId>,
        error: Arc<Error>,
        whole: bool,
    ) {
        Counters::add(&self.counters.dead_lettered, events.len());
        self.release(&events);
        {
            let mut ledger = lock(&self.ledger);
            ledger.dead_lettered += events.len() as u64;
            if whole {
                ledger.config_error = Some(Arc::clone(&error));
            }
        }
        tracing::warn!(events = events.len(), error = %error, "TGA events dead-lettered");
        let mut ids = ids.into_iter();
        let mut done = Vec::new();
        for event in events {
            let id = ids.next();
            let letter = DeadLetter::new(event, Arc::clone(&error));
            let Some(sink) = &self.dead_letters else {
                self.keep(letter, id, &mut done);
                continue;
            };
            let copy = letter.clone();
            match isolate::call(|| sink.deliver(letter)) {
                Ok(Ok(())) => done.extend(id),
                Ok(Err(back)) => self.keep(back, id, &mut done),
                Err(panic) => {
                    self.record_panic("the dead-letter sink", &panic);
                    self.keep(copy, id, &mut done);
                }
            }
        }
        self.ack(&done).await;
    }

    /// Keeps a dead letter for `take_dead_letters`, or counts it lost when the store is full.
    /// A letter lost has its entry (if any) pushed to `done`.
    fn keep(&self, letter: DeadLetter, id: Option<EntryId>, done: &mut Vec<EntryId>) {
        let mut kept = lock(&self.kept);
        if kept.len() < self.max_dead_letters {
            kept.push((letter, id));
            return;
        }
        drop(kept);
        done.extend(id);
        Counters::add(&self.counters.dead_letters_lost, 1);
        lock(&self.ledger).dead_letters_lost += 1;
        tracing::error!(
            event = letter.event.json(),
            message = %letter.message,
            "TGA dead letter lost: the dead-letter store is full (take_dead_letters empties it)"
        );
    }

    /// The kept letters; their spool entries are acknowledged by the feeding task.
    pub(crate) fn take_dead_letters(&self) -> Vec<DeadLetter> {
        let kept = std::mem::take(&mut *lock(&self.kept));
        let (letters, ids): (Vec<DeadLetter>, Vec<Option<EntryId>>) = kept.into_iter().unzip();
        let ids: Vec<EntryId> = ids.into_iter().flatten().collect();
        if !ids.is_empty() {
            self.defer_ack(ids);
        }
        letters
    }

    pub(crate) fn dead_letters_kept(&self) -> usize {
        lock(&self.kept).len()
    }

    /// Counts a caught panic of `what`.
    pub(crate) fn record_panic(&self, what: &str, message: &str) {
        Counters::add(&self.counters.panics, 1);
        lock(&self.ledger).panics += 1;
        tracing::error!(panic = message, "{what} panicked; the tracker goes on");
    }

    /// Records why the batching task failed.
    pub(crate) fn fail(&self, message: String) {
        tracing::error!(panic = %message, "the TGA tracker's task failed; its events are handed back");
        lock(&self.failure).get_or_insert(message);
    }

    pub(crate) fn failure(&self) -> Option<String> {
        lock(&self.failure).clone()
    }

    /// Waits until a failed batching task has given back everything it held.
    pub(crate) async fn failed(&self) {
        let mut rx = self.phase.subscribe();
        let _ = rx.wait_for(|p| *p == Phase::Failed).await;
    }

    /// What went wrong since the last report, with the events given back since; `None` when
    /// nothing did.
    pub(crate) fn report(&self) -> Option<DeliveryReport> {
        let undelivered = self.take_undelivered();
        let pending = lock(&self.pending_acks).len() as u64;
        let mut report = lock(&self.ledger).take(undelivered, self.failure());
        report.unacknowledged += pending;
        (!report.is_clean()).then_some(report)
    }

    pub(crate) fn record_error(&self, error: Arc<Error>) {
        *lock(&self.last_error) = Some(error);
    }

    pub(crate) fn last_error(&self) -> Option<Arc<Error>> {
        lock(&self.last_error).clone()
    }

    pub(crate) fn set_in_flight(&self, n: usize) {
        self.counters.in_flight.store(n as u64, Ordering::Relaxed);
    }
}
