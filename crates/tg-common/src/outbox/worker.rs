//! The worker of an outbox: claims entries, hands them to the deliverer, acknowledges what was
//! delivered, turns what was refused into letters, releases and backs off from what failed,
//! answers flushes, and at shutdown drains the spool until the deadline.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use super::deliverer::{Claimed, Deliverer, Delivery};
use super::envelope;
use super::isolate;
use super::letter::{Letter, LetterCause};
use super::shared::{OutboxState, Phase};
use super::spool::{Entry, EntryId};
use super::stats::Counters;
use crate::retry::Backoff;

/// What the handle asks of the worker.
pub(crate) enum WorkerCommand {
    /// Answer once the spool had nothing ready and nothing was in hand.
    Flush(oneshot::Sender<()>),
}

/// How the worker runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) claim_max: usize,
    pub(crate) backoff: Backoff,
    pub(crate) poll: Duration,
    /// How long a claim of fewer than `fill` entries waits for more.
    pub(crate) linger: Duration,
    pub(crate) fill: usize,
    /// How many deliveries run at once.
    pub(crate) concurrency: usize,
}

/// What a delivery gives back: its entries, and what became of each (a panic's message).
type Done = (Vec<Claimed>, Result<Vec<Delivery>, String>);

pub(crate) struct Worker<D> {
    pub(crate) deliverer: Arc<D>,
    pub(crate) shared: Arc<OutboxState>,
    pub(crate) ctl: mpsc::Receiver<WorkerCommand>,
    pub(crate) settings: Settings,
    /// Entries claimed and not yet acknowledged, released or kept.
    held: Vec<EntryId>,
    /// Entries claimed and kept for the next round (fewer than `fill` while lingering), and
    /// when the first of them was claimed.
    carry: Vec<Entry>,
    carry_since: Option<tokio::time::Instant>,
    /// Deliveries running (at most `concurrency`), each giving back its entries and outcomes.
    running: JoinSet<Done>,
    /// Entries in the running deliveries.
    in_flight: usize,
    /// Entries released for a retry: they do not wait for the linger again.
    retrying: std::collections::HashSet<EntryId>,
    flushes: Vec<oneshot::Sender<()>>,
    /// Failed deliveries in a row.
    attempt: u32,
    /// This process's appends before the latest claim.
    seen: u64,
}

/// What one round of delivery left to do.
enum Round {
    /// Go on at once.
    Again,
    /// Nothing was ready.
    Idle,
    /// Wait this long (a delivery failed).
    Backoff(Duration),
    /// Stop: the deadline passed.
    Stop,
}

impl<D: Deliverer> Worker<D> {
    pub(crate) fn new(
        deliverer: Arc<D>,
        shared: Arc<OutboxState>,
        ctl: mpsc::Receiver<WorkerCommand>,
        settings: Settings,
    ) -> Self {
        Worker {
            deliverer,
            shared,
            ctl,
            settings,
            held: Vec::new(),
            carry: Vec::new(),
            carry_since: None,
            running: JoinSet::new(),
            in_flight: 0,
            retrying: std::collections::HashSet::new(),
            flushes: Vec::new(),
            attempt: 0,
            seen: 0,
        }
    }

    /// Runs until the spool is drained at shutdown or the deadline passed. A panic of the
    /// worker is caught: what it held is released, the failure reported, and it goes on.
    pub(crate) async fn run(mut self) {
        loop {
            match isolate::run(self.rounds()).await {
                Ok(()) => break,
                Err(panic) => {
                    self.shared.fail(panic);
                    self.carry.clear();
                    self.carry_since = None;
                    self.stop_running().await;
                    self.release_held().await;
                    let wait = self.settings.backoff.delay(self.attempt, None);
                    self.attempt = self.attempt.saturating_add(1);
                    if self.pause(wait).await {
                        break;
                    }
                }
            }
        }
        self.stop_running().await;
        self.release_held().await;
        self.shared.ack_pending().await;
        // Flushes still waiting learn the outcome from the report; those the deadline cut off
        // are dropped (they answer that the outbox is shut down: the shutdown reports).
        let cut_off = self.shared.phase() == Phase::Cancelled;
        for waiter in self.flushes.drain(..) {
            if !cut_off {
                let _ = waiter.send(());
            }
        }
    }

    /// Stops the running deliveries; their entries stay held (and are released).
    async fn stop_running(&mut self) {
        self.running.shutdown().await;
        self.in_flight = 0;
        self.shared.counters.in_flight.store(0, Ordering::Relaxed);
    }

    /// Waits for a running delivery to end and settles it; `Stop` when the deadline passes.
    /// With `or_more` (there is room for another delivery), also ends at the next append or
    /// poll, so entries appended meanwhile are claimed while the deliveries run.
    async fn settle_next(&mut self, or_more: bool) -> Round {
        let shared = Arc::clone(&self.shared);
        if or_more && !shared.wait_for_appends(self.seen, 1) {
            shared.awake();
            return Round::Again;
        }
        let more = async {
            if !or_more {
                return std::future::pending().await;
            }
            tokio::select! {
                () = shared.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        };
        let done = tokio::select! {
            biased;
            () = shared.cancelled() => return Round::Stop,
            done = self.running.join_next() => done,
            () = more => {
                shared.awake();
                return Round::Again;
            }
        };
        shared.awake();
        match done {
            Some(done) => self.settle_done(done).await,
            None => Round::Again,
        }
    }

    /// Settles an ended delivery.
    async fn settle_done(&mut self, done: Result<Done, tokio::task::JoinError>) -> Round {
        let shared = Arc::clone(&self.shared);
        match done {
            Ok((claimed, outcome)) => {
                self.in_flight = self.in_flight.saturating_sub(claimed.len());
                shared
                    .counters
                    .in_flight
                    .store(self.in_flight as u64, Ordering::Relaxed);
                let outcomes = outcome.unwrap_or_else(|panic| {
                    shared.record_panic("the deliverer", &panic);
                    Vec::new()
                });
                self.settle(claimed, outcomes).await
            }
            // Only an abort ends a delivery otherwise; its entries stay held.
            Err(_) => Round::Again,
        }
    }

    async fn release_held(&mut self) {
        let held = std::mem::take(&mut self.held);
        if held.is_empty() {
            return;
        }
        if let Err(e) = self.shared.spool.release(&held).await {
            // The spool gives them back anyway once this process is gone (or after its
            // visibility timeout).
            tracing::warn!(outbox = self.shared.name, error = %e, entries = held.len(), "release failed");
        }
    }

    /// Sleeps `wait`, or less when the deadline passes first (`true`).
    async fn pause(&self, wait: Duration) -> bool {
        tokio::select! {
            biased;
            () = self.shared.cancelled() => true,
            () = tokio::time::sleep(wait) => false,
        }
    }

    async fn rounds(&mut self) {
        let mut phase = self.shared.phase.subscribe();
        let mut published = tokio::time::Instant::now();
        loop {
            if cfg!(feature = "metrics") && published.elapsed() >= super::METRICS_EVERY {
                published = tokio::time::Instant::now();
                let deliverer = Arc::clone(&self.deliverer);
                self.shared.stats(|n| deliverer.drain_time(n)).await;
            }
            while let Ok(WorkerCommand::Flush(waiter)) = self.ctl.try_recv() {
                self.flushes.push(waiter);
            }
            match self.round().await {
                Round::Again => {}
                Round::Stop => return,
                Round::Backoff(wait) => {
                    if self.pause(wait).await {
                        return;
                    }
                }
                Round::Idle => {
                    for waiter in self.flushes.drain(..) {
                        let _ = waiter.send(());
                    }
                    if self.shared.phase() != Phase::Running {
                        return;
                    }
                    if !self.shared.wait_for_appends(self.seen, 1) {
                        self.shared.awake();
                        continue;
                    }
                    tokio::select! {
                        () = self.shared.wake.notified() => {}
                        () = tokio::time::sleep(self.settings.poll) => {}
                        _ = phase.changed() => {}
                        ctl = self.ctl.recv() => {
                            if let Some(WorkerCommand::Flush(waiter)) = ctl {
                                self.flushes.push(waiter);
                            }
                        }
                    }
                    self.shared.awake();
                }
            }
        }
    }

    /// Claims, delivers and settles one batch.
    async fn round(&mut self) -> Round {
        let shared = Arc::clone(&self.shared);
        shared.ack_pending().await;
        if shared.phase() == Phase::Cancelled {
            return Round::Stop;
        }
        // Settle what ended, and wait for room among the deliveries.
        if let Some(done) = self.running.try_join_next() {
            return self.settle_done(done).await;
        }
        if self.running.len() >= self.settings.concurrency {
            return self.settle_next(false).await;
        }
        let mut entries = std::mem::take(&mut self.carry);
        self.seen = shared.appends();
        match shared
            .spool
            .claim(self.settings.claim_max - entries.len())
            .await
        {
            Ok(more) => {
                self.held.extend(more.iter().map(|e| e.id));
                entries.extend(more);
            }
            Err(e) => {
                tracing::warn!(outbox = shared.name, error = %e, "claim failed; it will be retried");
                if entries.is_empty() {
                    return Round::Backoff(self.next_backoff(None));
                }
            }
        }
        if entries.is_empty() {
            if !self.running.is_empty() {
                return self.settle_next(true).await;
            }
            shared.set_oldest(0);
            return Round::Idle;
        }
        let since = *self
            .carry_since
            .get_or_insert_with(tokio::time::Instant::now);
        // A retry goes out at once: it waited for its backoff.
        let retry = entries.iter().any(|e| self.retrying.contains(&e.id));
        let at = self.gather(&mut entries, since, retry).await;
        self.carry = entries.split_off(at);
        self.carry_since = (!self.carry.is_empty()).then_some(since);
        let items = self.readable(entries);
        if items.is_empty() {
            return Round::Again;
        }
        if self.running.is_empty() {
            shared.set_oldest(items.iter().map(|c| c.1).min().unwrap_or(0));
        }
        let claimed: Vec<Claimed> = items.into_iter().map(|(c, _)| c).collect();
        self.in_flight += claimed.len();
        shared
            .counters
            .in_flight
            .store(self.in_flight as u64, Ordering::Relaxed);
        let deliverer = Arc::clone(&self.deliverer);
        self.running.spawn(async move {
            let outcome = isolate::run(deliverer.deliver(&claimed)).await;
            (claimed, outcome)
        });
        Round::Again
    }

    /// Claims more while fewer than `fill` entries are in hand, until the first (claimed at
    /// `since`) has waited `linger`, a flush is asked for or the shutdown starts (`at_once`: a
    /// retry, which does not wait). Returns how
    /// many entries to deliver now: all of them then, else whole multiples of `fill` (the rest
    /// waits for the next round).
    async fn gather(
        &mut self,
        entries: &mut Vec<Entry>,
        since: tokio::time::Instant,
        at_once: bool,
    ) -> usize {
        let Settings {
            linger,
            fill,
            claim_max,
            ..
        } = self.settings;
        let deadline = since + linger;
        let mut phase = self.shared.phase.subscribe();
        loop {
            let urgent = at_once
                || linger.is_zero()
                || tokio::time::Instant::now() >= deadline
                || !self.flushes.is_empty()
                || *phase.borrow_and_update() != Phase::Running;
            if urgent {
                return entries.len();
            }
            if entries.len() >= fill {
                return entries.len() / fill * fill;
            }
            // Woken when the batch can be full (or at the deadline), not by every append.
            if self
                .shared
                .wait_for_appends(self.seen, fill - entries.len())
            {
                let woken = tokio::select! {
                    () = tokio::time::sleep_until(deadline) => false,
                    () = self.shared.wake.notified() => true,
                    _ = phase.changed() => false,
                    ctl = self.ctl.recv() => {
                        if let Some(WorkerCommand::Flush(waiter)) = ctl {
                            self.flushes.push(waiter);
                        }
                        false
                    }
                };
                self.shared.awake();
                if !woken {
                    continue;
                }
            }
            self.shared.awake();
            self.seen = self.shared.appends();
            match self.shared.spool.claim(claim_max - entries.len()).await {
                Ok(more) => {
                    self.held.extend(more.iter().map(|e| e.id));
                    entries.extend(more);
                }
                Err(e) => {
                    tracing::warn!(outbox = self.shared.name, error = %e, "claim failed; it will be retried");
                    return entries.len();
                }
            }
        }
    }

    /// The entries an outbox wrote, with their append times; the others become letters.
    fn readable(&mut self, entries: Vec<Entry>) -> Vec<(Claimed, u64)> {
        let mut items = Vec::with_capacity(entries.len());
        let mut done = Vec::new();
        for entry in entries {
            match envelope::unwrap(&entry.bytes) {
                Some((bytes, ms)) => items.push((
                    Claimed {
                        id: entry.id,
                        bytes,
                        appended_at: envelope::at(ms),
                    },
                    ms,
                )),
                None => {
                    self.held.retain(|id| *id != entry.id);
                    let letter = Letter {
                        bytes: entry.bytes,
                        cause: LetterCause::Unreadable,
                    };
                    done.extend(self.shared.letter(letter, Some(entry.id)));
                }
            }
        }
        if !done.is_empty() {
            self.shared.defer_acks(done);
        }
        items
    }

    /// Acknowledges what was delivered, turns refusals into letters, releases the rest.
    async fn settle(&mut self, claimed: Vec<Claimed>, outcomes: Vec<Delivery>) -> Round {
        let shared = Arc::clone(&self.shared);
        let settled: std::collections::HashSet<EntryId> = claimed.iter().map(|c| c.id).collect();
        self.held.retain(|id| !settled.contains(id));
        self.retrying.retain(|id| !settled.contains(id));
        let mut outcomes = outcomes.into_iter();
        let (mut done, mut retry) = (Vec::new(), Vec::new());
        let mut error = None;
        for entry in claimed {
            match outcomes.next().unwrap_or(Delivery::Retry(None)) {
                Delivery::Delivered => {
                    Counters::add(&shared.counters.delivered, 1);
                    done.push(entry.id);
                }
                Delivery::Retry(e) => {
                    error = error.or(e);
                    retry.push(entry.id);
                }
                Delivery::Rejected(e) => {
                    let letter = Letter {
                        bytes: entry.bytes,
                        cause: LetterCause::Rejected(e),
                    };
                    done.extend(shared.letter(letter, Some(entry.id)));
                }
            }
        }
        shared.ack(&done).await;
        if retry.is_empty() {
            self.attempt = 0;
            return Round::Again;
        }
        Counters::add(&shared.counters.retried, retry.len());
        self.retrying.extend(retry.iter().copied());
        if let Err(e) = shared.spool.release(&retry).await {
            tracing::warn!(outbox = shared.name, error = %e, "release failed");
        }
        if let Some(e) = &error {
            tracing::debug!(outbox = shared.name, error = %e, entries = retry.len(), "delivery will be retried");
        }
        Round::Backoff(self.next_backoff(error.and_then(|e| e.retry_after())))
    }

    fn next_backoff(&mut self, retry_after: Option<Duration>) -> Duration {
        let wait = self.settings.backoff.delay(self.attempt, retry_after);
        self.attempt = self.attempt.saturating_add(1);
        wait
    }
}
