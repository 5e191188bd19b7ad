//! State shared by the tracker's handle, its batching task and its delivery tasks.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tg_common::Error;
use tokio::sync::{Semaphore, watch};

use super::config::{Backoff, TrackerConfig};
use super::dead_letter::{DeadLetter, DeadLetterSink};
use super::isolate;
use super::report::{DeliveryReport, Ledger};
use super::stats::Counters;
use crate::event::EncodedEvent;

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
    kept: Mutex<Vec<DeadLetter>>,
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

    /// Keeps events that will not be delivered, for `flush` or `shutdown` to return.
    pub(crate) fn give_back(&self, events: impl IntoIterator<Item = EncodedEvent>) {
        let events: Vec<EncodedEvent> = events.into_iter().collect();
        self.release(&events);
        Counters::add(&self.counters.undelivered, events.len());
        lock(&self.undelivered).extend(events);
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
    pub(crate) fn dead_letter(&self, events: Vec<EncodedEvent>, error: Arc<Error>, whole: bool) {
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
        for event in events {
            let letter = DeadLetter::new(event, Arc::clone(&error));
            let Some(sink) = &self.dead_letters else {
                self.keep(letter);
                continue;
            };
            let copy = letter.clone();
            match isolate::call(|| sink.deliver(letter)) {
                Ok(Ok(())) => {}
                Ok(Err(back)) => self.keep(back),
                Err(panic) => {
                    self.record_panic("the dead-letter sink", &panic);
                    self.keep(copy);
                }
            }
        }
    }

    /// Keeps a dead letter for `take_dead_letters`, or counts it lost when the store is full.
    fn keep(&self, letter: DeadLetter) {
        let mut kept = lock(&self.kept);
        if kept.len() < self.max_dead_letters {
            kept.push(letter);
            return;
        }
        drop(kept);
        Counters::add(&self.counters.dead_letters_lost, 1);
        lock(&self.ledger).dead_letters_lost += 1;
        tracing::error!(
            event = letter.event.json(),
            message = %letter.message,
            "TGA dead letter lost: the dead-letter store is full (take_dead_letters empties it)"
        );
    }

    pub(crate) fn take_dead_letters(&self) -> Vec<DeadLetter> {
        std::mem::take(&mut *lock(&self.kept))
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
        let report = lock(&self.ledger).take(undelivered, self.failure());
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
