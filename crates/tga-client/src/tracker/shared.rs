//! State shared by the tracker's handle, its batching task and its delivery tasks.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tg_common::Error;
use tokio::sync::watch;

use super::config::Backoff;
use super::dead_letter::{DeadLetter, DeadLetterSink};
use super::stats::Counters;
use crate::event::EncodedEvent;

/// Where the tracker is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Taking events.
    Running,
    /// Shutting down: no new events; delivering what is queued.
    Draining,
    /// The shutdown deadline passed: stop and give back what is left.
    Cancelled,
}

pub(crate) struct Shared {
    pub(crate) counters: Counters,
    pub(crate) phase: watch::Sender<Phase>,
    pub(crate) backoff: Backoff,
    pub(crate) attempt_timeout: Option<Duration>,
    dead_letters: Option<DeadLetterSink>,
    undelivered: Mutex<Vec<EncodedEvent>>,
    last_error: Mutex<Option<Arc<Error>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(
        backoff: Backoff,
        attempt_timeout: Option<Duration>,
        dead_letters: Option<DeadLetterSink>,
    ) -> Self {
        Shared {
            counters: Counters::default(),
            phase: watch::Sender::new(Phase::Running),
            backoff,
            attempt_timeout,
            dead_letters,
            undelivered: Mutex::new(Vec::new()),
            last_error: Mutex::new(None),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Resolves once the shutdown deadline has passed.
    pub(crate) async fn cancelled(&self) {
        let mut rx = self.phase.subscribe();
        // The sender lives in `self`, so `wait_for` cannot fail while we wait.
        let _ = rx.wait_for(|p| *p == Phase::Cancelled).await;
    }

    /// Keeps events that will not be delivered, for `shutdown` to return.
    pub(crate) fn give_back(&self, events: impl IntoIterator<Item = EncodedEvent>) {
        let mut undelivered = lock(&self.undelivered);
        let before = undelivered.len();
        undelivered.extend(events);
        Counters::add(&self.counters.undelivered, undelivered.len() - before);
    }

    pub(crate) fn take_undelivered(&self) -> Vec<EncodedEvent> {
        std::mem::take(&mut *lock(&self.undelivered))
    }

    /// Hands events to the dead-letter sink.
    pub(crate) fn dead_letter(&self, events: Vec<EncodedEvent>, error: Arc<Error>) {
        Counters::add(&self.counters.dead_lettered, events.len());
        tracing::warn!(events = events.len(), error = %error, "TGA events dead-lettered");
        for event in events {
            let letter = DeadLetter::new(event, Arc::clone(&error));
            match &self.dead_letters {
                Some(sink) => sink.deliver(letter),
                None => tracing::warn!(
                    event = letter.event.json(),
                    "TGA dead letter discarded: no dead-letter sink is configured"
                ),
            }
        }
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
