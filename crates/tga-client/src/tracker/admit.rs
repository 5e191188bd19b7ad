//! Admission: `track` appends the event's JSON to the outbox (durable as its spool promises)
//! before it returns; a full spool (the memory queue's `queue_capacity` and `queue_bytes`, or a
//! configured spool's bounds) is handled by [`FullPolicy`].

use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tg_common::Error;
use tg_common::outbox::spool::SpoolError;
use tg_common::outbox::{Outbox, OutboxError};
use tokio::time::Instant;

use super::config::FullPolicy;
use super::error::TrackError;
use super::stats::Counters;
use crate::event::EncodedEvent;

/// How often `track` tries a full spool again while it waits, at the latest: this process's
/// acknowledgements wake it at once ([`Outbox::room`]), another replica's do not.
const FULL_RETRY: Duration = Duration::from_millis(20);

/// Refuses an event that could never fit in `queue_bytes`.
pub(crate) fn check_size(event: &EncodedEvent, queue_bytes: usize) -> Result<(), TrackError> {
    let len = event.len();
    if len <= queue_bytes {
        return Ok(());
    }
    Err(TrackError::Invalid(Error::invalid_input(
        "event",
        format!("is {len} bytes encoded, more than the tracker's queue_bytes ({queue_bytes})"),
    )))
}

/// Why an append did not store the event, as `track` reports it; `None` for a full spool.
fn refused(error: OutboxError) -> Option<TrackError> {
    let error = match error {
        OutboxError::Spool(error) => error,
        _ => return Some(TrackError::Closed),
    };
    match &*error {
        SpoolError::Full { .. } => None,
        SpoolError::TooLarge { len, max } => Some(TrackError::Invalid(Error::invalid_input(
            "event",
            format!("is {len} bytes encoded, more than the spool takes for one entry ({max})"),
        ))),
        SpoolError::MaybeStored(_) => Some(TrackError::MaybeAccepted(error)),
        _ => Some(TrackError::Spool(Arc::clone(&error))),
    }
}

fn dropped(counters: &Counters) -> TrackError {
    Counters::add(&counters.dropped, 1);
    TrackError::Dropped
}

/// Appends `event`; when the spool is full, [`FullPolicy::Wait`] tries again as room is
/// freed, at most `max_wait`.
pub(crate) async fn append(
    outbox: &Outbox,
    counters: &Counters,
    event: &EncodedEvent,
    policy: FullPolicy,
    max_wait: Duration,
) -> Result<(), TrackError> {
    let bytes = event.json().as_bytes();
    let mut deadline = None;
    let mut room = None;
    loop {
        match outbox.append(bytes).await {
            Ok(_) => return Ok(()),
            Err(e) => {
                if let Some(error) = refused(e) {
                    return Err(error);
                }
            }
        }
        if policy == FullPolicy::DropNewest {
            return Err(dropped(counters));
        }
        let deadline = *deadline.get_or_insert_with(|| Instant::now() + max_wait);
        let now = Instant::now();
        if now >= deadline {
            Counters::add(&counters.full_waits_expired, 1);
            return Err(TrackError::Full { waited: max_wait });
        }
        match &mut room {
            // The first refusal: watch for room, then try once more (entries may have been
            // acknowledged in between).
            None => room = Some(outbox.room()),
            Some(room) => {
                let _ = tokio::time::timeout((deadline - now).min(FULL_RETRY), room.freed()).await;
            }
        }
    }
}

/// Appends `event` when the spool takes it without waiting: a full spool, or one whose append
/// would wait for I/O (Redis), drops it (counted).
pub(crate) fn try_append(
    outbox: &Outbox,
    counters: &Counters,
    event: &EncodedEvent,
) -> Result<(), TrackError> {
    let appending = outbox.append(event.json().as_bytes());
    let mut appending = std::pin::pin!(appending);
    let mut cx = Context::from_waker(Waker::noop());
    match appending.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(_)) => Ok(()),
        Poll::Ready(Err(e)) => match refused(e) {
            Some(error) => Err(error),
            None => Err(dropped(counters)),
        },
        Poll::Pending => Err(dropped(counters)),
    }
}
