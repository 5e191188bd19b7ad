//! The feeding task of a tracker over a spool: claims entries and hands them to the batching
//! task (within `queue_capacity` and `queue_bytes`), forwards a flush once everything appended
//! before it was handed on, and retries acknowledgements that failed.
//!
//! It claims when woken by `track`, and every `spool_poll` for what it was not woken for
//! (entries recovered from a previous process; for a shared spool, entries of other replicas
//! and its own held entries, which a claim keeps from being reclaimed). At shutdown it hands on
//! what the spool still holds, then ends the batching task's input.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::shared::{Phase, Shared};
use super::worker::Msg;
use crate::event::EncodedEvent;
use crate::spool::{Entry, Spool};
use tg_common::outbox::isolate;

/// The most entries claimed at once.
const CLAIM_MAX: usize = 512;

/// What the tracker's handle asks of the feeding task.
pub(crate) enum Ctl {
    /// Answer once everything appended before this is acknowledged or dead-lettered.
    Flush(oneshot::Sender<()>),
}

/// Runs the feeding task until the shutdown has handed on everything, or the deadline passed.
/// A panic cancels the tracker (its events stay in the spool).
pub(crate) async fn run(
    spool: Arc<dyn Spool>,
    tx: mpsc::Sender<Msg>,
    mut ctl: mpsc::Receiver<Ctl>,
    shared: Arc<Shared>,
    poll: Duration,
) {
    let feeding = isolate::run(feed(&*spool, &tx, &mut ctl, &shared, poll));
    if let Err(panic) = feeding.await {
        shared.fail(format!("the spool feeding task panicked: {panic}"));
        shared.phase.send_replace(Phase::Cancelled);
    }
}

/// Acknowledges what is pending; `false` when that failed (it is kept for later).
async fn ack_pending(spool: &dyn Spool, shared: &Shared) -> bool {
    let ids = shared.take_pending_acks();
    if ids.is_empty() {
        return true;
    }
    match spool.ack(&ids).await {
        Ok(()) => {
            shared.acked(&ids);
            true
        }
        Err(e) => {
            shared.spool_failed(e, ids.len());
            shared.restore_acks(ids);
            false
        }
    }
}

/// Hands one claimed entry to the batching task; `false` when the tracker stops.
async fn hand_on(entry: Entry, tx: &mpsc::Sender<Msg>, shared: &Shared) -> bool {
    let event = match EncodedEvent::from_spooled(&entry.bytes) {
        Ok(event) => event,
        Err(e) => {
            // Only this crate's encoded events are appended; the checksums make this a foreign
            // writer's entry. It stays claimed (and comes back to the next tracker).
            tracing::error!(entry = %entry.id, error = %e, "a TGA spool entry is not an event; left in the spool");
            return true;
        }
    };
    let Ok(size) = u32::try_from(event.len()) else {
        return true;
    };
    if event.len() > shared.queue_bytes {
        tracing::error!(entry = %entry.id, bytes = event.len(), "a TGA spool entry is larger than queue_bytes; left in the spool");
        return true;
    }
    let room = tokio::select! {
        room = shared.room.acquire_many(size) => room.ok(),
        () = shared.cancelled() => None,
    };
    let Some(room) = room else {
        // Claimed and not handed on: it stays in the spool for the next tracker.
        shared.left_in_spool(1);
        return false;
    };
    room.forget();
    let handed = tx.send(Msg::spooled(event, entry.id)).await.is_ok();
    if !handed {
        shared.left_in_spool(1);
    }
    handed
}

async fn feed(
    spool: &dyn Spool,
    tx: &mpsc::Sender<Msg>,
    ctl: &mut mpsc::Receiver<Ctl>,
    shared: &Shared,
    poll: Duration,
) {
    let mut phase = shared.phase.subscribe();
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
    let mut ctl_open = true;
    loop {
        let acked = ack_pending(spool, shared).await;
        let now = *phase.borrow_and_update();
        if matches!(now, Phase::Cancelled | Phase::Failed) {
            return;
        }
        let room = tx.capacity();
        let (mut drained, mut claimed) = (false, 0);
        if room > 0 {
            match spool.claim(room.min(CLAIM_MAX)).await {
                Ok(entries) => {
                    shared.claimed(entries.iter().map(|e| e.id));
                    drained = entries.is_empty();
                    claimed = entries.len();
                    let mut entries = entries.into_iter();
                    while let Some(entry) = entries.next() {
                        if !hand_on(entry, tx, shared).await {
                            // Claimed and not handed on: released at shutdown.
                            shared.left_in_spool(entries.len());
                            return;
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "TGA spool claim failed; it will be retried"),
            }
        }
        if drained {
            for waiter in flushes.drain(..) {
                if tx.send(Msg::flush(waiter)).await.is_err() {
                    return;
                }
            }
            if now == Phase::Draining {
                // Dropping `tx` ends the batching task's input.
                return;
            }
        } else if claimed > 0 {
            // More may be ready: claim again at once.
            continue;
        }
        let full = room == 0;
        tokio::select! {
            biased;
            _ = phase.changed() => {}
            msg = ctl.recv(), if ctl_open => match msg {
                Some(Ctl::Flush(waiter)) => flushes.push(waiter),
                None => ctl_open = false,
            },
            () = shared.wake.notified(), if acked => {}
            _ = tx.reserve(), if full => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}
