//! `track` over a spool: the event is appended (durable as the spool promises) before `track`
//! returns; a full spool is handled as a full queue ([`FullPolicy`]).

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use tg_common::Error;
use tokio::time::Instant;

use super::config::FullPolicy;
use super::error::TrackError;
use super::shared::{Phase, Shared};
use super::stats::Counters;
use crate::event::EncodedEvent;
use crate::spool::{Spool, SpoolError};

/// How often `track` tries a full spool again while it waits (a shared spool is freed by
/// other replicas without telling this one).
const FULL_RETRY: Duration = Duration::from_millis(20);

/// The spool a [`TrackerConfig`](super::TrackerConfig) names.
#[derive(Clone)]
pub(crate) struct SharedSpool(pub(crate) Arc<dyn Spool>);

impl fmt::Debug for SharedSpool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Spool")
    }
}

/// The entry of `event`: its JSON.
fn entry(event: &EncodedEvent) -> Bytes {
    Bytes::copy_from_slice(event.json().as_bytes())
}

/// Why an append did not store the entry, as `track` reports it; `None` for a full spool.
fn refused(error: SpoolError) -> Option<TrackError> {
    match error {
        SpoolError::Full { .. } => None,
        SpoolError::TooLarge { len, max } => Some(TrackError::Invalid(Error::invalid_input(
            "event",
            format!("is {len} bytes encoded, more than the spool takes for one entry ({max})"),
        ))),
        unknown @ SpoolError::MaybeStored(_) => Some(TrackError::MaybeAccepted(Arc::new(unknown))),
        other => Some(TrackError::Spool(Arc::new(other))),
    }
}

fn accepted(shared: &Shared) {
    Counters::add(&shared.counters.queued, 1);
    shared.wake.notify_one();
}

/// Appends `event`; when the spool is full, [`FullPolicy::Wait`] tries again as entries are
/// acknowledged, at most `max_wait`.
pub(crate) async fn append(
    spool: &dyn Spool,
    shared: &Shared,
    event: &EncodedEvent,
    policy: FullPolicy,
    max_wait: Duration,
) -> Result<(), TrackError> {
    let entry = entry(event);
    let mut deadline = None;
    let mut phase = shared.phase.subscribe();
    loop {
        let freed = shared.freed.notified();
        match spool.append(entry.clone()).await {
            Ok(_) => {
                accepted(shared);
                return Ok(());
            }
            Err(e) => {
                if let Some(error) = refused(e) {
                    return Err(error);
                }
            }
        }
        if policy == FullPolicy::DropNewest {
            Counters::add(&shared.counters.dropped, 1);
            return Err(TrackError::Dropped);
        }
        let deadline = *deadline.get_or_insert_with(|| Instant::now() + max_wait);
        let now = Instant::now();
        if now >= deadline {
            Counters::add(&shared.counters.full_waits_expired, 1);
            return Err(TrackError::Full { waited: max_wait });
        }
        let retry = (deadline - now).min(FULL_RETRY);
        tokio::select! {
            () = freed => {}
            () = tokio::time::sleep(retry) => {}
            _ = phase.wait_for(|p| *p != Phase::Running) => return Err(TrackError::Closed),
        }
    }
}

/// Appends `event` when the spool can take it without waiting: a full spool, or a spool whose
/// append would wait for I/O (Redis), drops it (counted).
pub(crate) fn try_append(
    spool: &dyn Spool,
    shared: &Shared,
    event: &EncodedEvent,
) -> Result<(), TrackError> {
    let mut appending = spool.append(entry(event));
    let mut cx = Context::from_waker(Waker::noop());
    match appending.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(_)) => {
            accepted(shared);
            Ok(())
        }
        Poll::Ready(Err(e)) => match refused(e) {
            Some(error) => Err(error),
            None => {
                Counters::add(&shared.counters.dropped, 1);
                Err(TrackError::Dropped)
            }
        },
        Poll::Pending => {
            Counters::add(&shared.counters.dropped, 1);
            Err(TrackError::Dropped)
        }
    }
}
