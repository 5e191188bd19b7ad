//! The batching task: takes events from the queue, cuts batches (full, linger expired, flush,
//! shutdown), starts a bounded number of deliveries, and answers flushes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::budget::Budget;
use super::delivery::{Part, deliver};
use super::sender::BatchSender;
use super::shared::{Phase, Shared};
use crate::event::EncodedEvent;
use crate::spool::EntryId;
use tg_common::outbox::isolate;

/// What the queue carries: two words a slot (anything but an in-memory event is boxed).
pub(crate) enum Msg {
    /// An event to send.
    Event(EncodedEvent),
    /// A flush, or an event read from a spool.
    Other(Box<Other>),
}

/// What the queue carries besides in-memory events.
pub(crate) enum Other {
    /// An event read from the spool, with its entry.
    Spooled(EncodedEvent, EntryId),
    /// Answer once everything queued before this is acknowledged.
    Flush(oneshot::Sender<()>),
}

impl Msg {
    /// A flush.
    pub(crate) fn flush(waiter: oneshot::Sender<()>) -> Msg {
        Msg::Other(Box::new(Other::Flush(waiter)))
    }

    /// An event read from the spool.
    pub(crate) fn spooled(event: EncodedEvent, id: EntryId) -> Msg {
        Msg::Other(Box::new(Other::Spooled(event, id)))
    }
}

/// How the task batches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batching {
    pub(crate) max_batch: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) linger: Duration,
    pub(crate) max_in_flight: usize,
    /// Over a spool, the feeding task ends the input once the spool is drained, so the queue
    /// is not closed at shutdown.
    pub(crate) spooled: bool,
}

struct Worker<S> {
    rx: mpsc::Receiver<Msg>,
    sender: Arc<S>,
    shared: Arc<Shared>,
    cfg: Batching,
    /// The batch being filled.
    batch: Vec<EncodedEvent>,
    /// The spool entries of the batch being filled (empty without a spool).
    batch_ids: Vec<EntryId>,
    /// The bytes of the batch being filled.
    budget: Budget,
    /// An event that did not fit the batch being filled: it starts the next one.
    overflow: Option<(EncodedEvent, Option<EntryId>)>,
    /// When the batch being filled must go even if not full.
    linger_deadline: Option<Instant>,
    linger_due: bool,
    /// Flushes waiting for the batch being filled to be cut.
    flush_on_cut: Vec<oneshot::Sender<()>>,
    /// Flushes waiting for every batch up to an id to finish.
    flush_after: Vec<(u64, oneshot::Sender<()>)>,
    tasks: JoinSet<u64>,
    task_ids: HashMap<tokio::task::Id, u64>,
    running: BTreeSet<u64>,
    next_id: u64,
    input_closed: bool,
    draining: bool,
}

/// Runs the batching task until the queue is closed and drained, or the deadline cancels it.
/// Should the task panic, everything it holds is given back and flush and shutdown report the
/// failure.
pub(crate) async fn run<S: BatchSender>(
    rx: mpsc::Receiver<Msg>,
    sender: Arc<S>,
    shared: Arc<Shared>,
    cfg: Batching,
) {
    let mut worker = Worker {
        rx,
        sender,
        shared,
        cfg,
        batch: Vec::with_capacity(cfg.max_batch),
        batch_ids: Vec::new(),
        budget: Budget::new(cfg.max_batch_bytes),
        overflow: None,
        linger_deadline: None,
        linger_due: false,
        flush_on_cut: Vec::new(),
        flush_after: Vec::new(),
        tasks: JoinSet::new(),
        task_ids: HashMap::new(),
        running: BTreeSet::new(),
        next_id: 0,
        input_closed: false,
        draining: false,
    };
    if let Err(panic) = isolate::run(worker.run()).await {
        if let Err(again) = isolate::run(worker.salvage(panic)).await {
            worker.shared.fail(again);
        }
        // Flushes waiting for the failure to be complete may now report it.
        worker.shared.phase.send_replace(Phase::Failed);
    }
}

impl<S: BatchSender> Worker<S> {
    fn should_cut(&self) -> bool {
        !self.batch.is_empty()
            && self.tasks.len() < self.cfg.max_in_flight
            && (self.batch.len() >= self.cfg.max_batch
                || self.overflow.is_some()
                || self.linger_due
                || !self.flush_on_cut.is_empty()
                || self.input_closed)
    }

    fn cut(&mut self) {
        let id = self.next_id;
        self.next_id += 1;
        let events = std::mem::replace(&mut self.batch, Vec::with_capacity(self.cfg.max_batch));
        let ids = std::mem::take(&mut self.batch_ids);
        let handle = self.tasks.spawn(deliver(
            id,
            Part { events, ids },
            Arc::clone(&self.sender),
            Arc::clone(&self.shared),
        ));
        self.task_ids.insert(handle.id(), id);
        self.running.insert(id);
        for waiter in self.flush_on_cut.drain(..) {
            self.flush_after.push((id, waiter));
        }
        self.linger_deadline = None;
        self.linger_due = false;
        self.shared.set_in_flight(self.tasks.len());
        self.budget.reset();
        if let Some((event, id)) = self.overflow.take() {
            self.add_event(event, id);
        }
    }

    /// Adds `event` to the batch being filled, or holds it for the next batch when its bytes
    /// do not fit.
    fn add_event(&mut self, event: EncodedEvent, id: Option<EntryId>) {
        if !self.budget.fits(&event) {
            self.overflow = Some((event, id));
            return;
        }
        self.budget.add(&event);
        // Held first, so that nothing below can lose it.
        self.batch.push(event);
        self.batch_ids.extend(id);
        #[cfg(test)]
        if self
            .shared
            .fail_worker
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            panic!("a failure injected by a test");
        }
        if self.batch.len() == 1 {
            // `None` (past the clock's range) never comes due; `validate` bounds `linger` far
            // below that.
            self.linger_deadline = Instant::now().checked_add(self.cfg.linger);
            self.linger_due = self.cfg.linger.is_zero();
        }
    }

    /// Answers the flushes whose batches have all finished.
    fn answer_flushes(&mut self) {
        let running = &self.running;
        let mut still = Vec::with_capacity(self.flush_after.len());
        for (cut, waiter) in self.flush_after.drain(..) {
            if running.range(..=cut).next().is_some() {
                still.push((cut, waiter));
            } else {
                let _ = waiter.send(());
            }
        }
        self.flush_after = still;
    }

    fn on_message(&mut self, msg: Option<Msg>) {
        match msg {
            Some(Msg::Event(event)) => self.add_event(event, None),
            Some(Msg::Other(other)) => match *other {
                Other::Spooled(event, id) => self.add_event(event, Some(id)),
                Other::Flush(waiter) => self.on_flush(waiter),
            },
            None => self.input_closed = true,
        }
    }

    fn on_flush(&mut self, waiter: oneshot::Sender<()>) {
        if !self.batch.is_empty() {
            self.flush_on_cut.push(waiter);
        } else if let Some(last) = self.next_id.checked_sub(1) {
            self.flush_after.push((last, waiter));
            self.answer_flushes();
        } else {
            let _ = waiter.send(());
        }
    }

    fn on_task_done(&mut self, done: Result<(tokio::task::Id, u64), tokio::task::JoinError>) {
        let task = match &done {
            Ok((task, _)) => *task,
            Err(e) => {
                // Delivery isolates its panics and gives its events back; only an abort of the
                // runtime gets here.
                tracing::error!(error = %e, "a TGA delivery task ended abnormally");
                e.id()
            }
        };
        if let Some(id) = self.task_ids.remove(&task) {
            self.running.remove(&id);
        }
        self.shared.set_in_flight(self.tasks.len());
        self.answer_flushes();
    }

    /// Gives back everything not yet handed to a delivery, and waits for the deliveries to
    /// give back theirs.
    async fn cancel(&mut self) {
        self.rx.close();
        let mut left = std::mem::take(&mut self.batch);
        self.batch_ids.clear();
        left.extend(self.overflow.take().map(|(event, _)| event));
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Event(event) => left.push(event),
                Msg::Other(other) => {
                    if let Other::Spooled(event, _) = *other {
                        left.push(event);
                    }
                }
            }
        }
        self.shared.give_back(left);
        while let Some(done) = self.tasks.join_next_with_id().await {
            self.on_task_done(done);
        }
    }

    /// After a panic of the task: gives back everything held (the batch being filled, the
    /// queue, the deliveries' work) and drops the waiting flushes, which then report the
    /// failure.
    async fn salvage(&mut self, panic: String) {
        self.shared.fail(panic);
        self.shared.room.close();
        self.flush_on_cut.clear();
        self.flush_after.clear();
        self.shared.phase.send_replace(Phase::Cancelled);
        self.cancel().await;
    }

    async fn run(&mut self) {
        let mut phase = self.shared.phase.subscribe();
        loop {
            while self.should_cut() {
                self.cut();
            }
            if self.input_closed && self.batch.is_empty() && self.tasks.is_empty() {
                break;
            }
            let can_take = !self.input_closed
                && self.batch.len() < self.cfg.max_batch
                && self.overflow.is_none();
            let linger = self
                .linger_deadline
                .filter(|_| !self.linger_due && !self.batch.is_empty());
            let draining = self.draining;
            tokio::select! {
                biased;
                cancelled = next_phase(&mut phase, draining) => {
                    if cancelled {
                        self.cancel().await;
                        return;
                    }
                    self.draining = true;
                    if !self.cfg.spooled {
                        self.rx.close();
                    }
                }
                Some(done) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.on_task_done(done);
                }
                msg = self.rx.recv(), if can_take => self.on_message(msg),
                () = sleep_until_opt(linger), if linger.is_some() => self.linger_due = true,
            }
        }
        // Everything was delivered or dead-lettered: answer the remaining flushes.
        for waiter in self.flush_on_cut.drain(..) {
            let _ = waiter.send(());
        }
        self.answer_flushes();
    }
}

/// Waits for the deadline (`true`), or for the shutdown to start (`false`) unless it already has.
async fn next_phase(phase: &mut watch::Receiver<Phase>, draining: bool) -> bool {
    let changed = phase
        .wait_for(|p| *p == Phase::Cancelled || (!draining && *p == Phase::Draining))
        .await;
    // The sender lives in `Shared`, which this task holds: an error cannot happen; treat it as
    // cancellation.
    changed.map_or(true, |p| *p == Phase::Cancelled)
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}
