//! Admission into the queue: a slot (`queue_capacity`) and room for the event's bytes
//! (`queue_bytes`), taken at once or waited for at most `max_wait`.

use std::time::Duration;

use tg_common::Error;
use tokio::sync::{SemaphorePermit, TryAcquireError, mpsc};

use super::error::TrackError;
use super::shared::Shared;
use super::stats::Counters;
use super::worker::Msg;
use crate::event::EncodedEvent;

/// A slot in the queue and the bytes of one event, reserved.
pub(crate) struct Room<'a> {
    bytes: SemaphorePermit<'a>,
    slot: mpsc::Permit<'a, Msg>,
}

impl Room<'_> {
    /// Queues `event`; its bytes stay taken until it leaves the tracker.
    pub(crate) fn push(self, shared: &Shared, event: EncodedEvent) {
        self.bytes.forget();
        Counters::add(&shared.counters.queued, 1);
        self.slot.send(Msg::Event(event));
    }
}

/// The bytes `event` takes, refused when it could never fit.
pub(crate) fn size(shared: &Shared, event: &EncodedEvent) -> Result<u32, TrackError> {
    let len = event.len();
    match u32::try_from(len) {
        Ok(size) if len <= shared.queue_bytes => Ok(size),
        _ => Err(TrackError::Invalid(Error::invalid_input(
            "event",
            format!(
                "is {len} bytes encoded, more than the tracker's queue_bytes ({})",
                shared.queue_bytes
            ),
        ))),
    }
}

/// Why there is no room now.
enum NoRoom {
    Full,
    Closed,
}

/// Room now, if there is some.
fn take_now<'a>(
    tx: &'a mpsc::Sender<Msg>,
    shared: &'a Shared,
    size: u32,
) -> Result<Room<'a>, NoRoom> {
    let bytes = shared.room.try_acquire_many(size).map_err(|e| match e {
        TryAcquireError::NoPermits => NoRoom::Full,
        TryAcquireError::Closed => NoRoom::Closed,
    })?;
    let slot = tx.try_reserve().map_err(|e| match e {
        mpsc::error::TrySendError::Full(()) => NoRoom::Full,
        mpsc::error::TrySendError::Closed(()) => NoRoom::Closed,
    })?;
    Ok(Room { bytes, slot })
}

/// Room now, or [`TrackError::Dropped`] (counted) when the queue is full.
pub(crate) fn try_room<'a>(
    tx: &'a mpsc::Sender<Msg>,
    shared: &'a Shared,
    size: u32,
) -> Result<Room<'a>, TrackError> {
    take_now(tx, shared, size).map_err(|no| match no {
        NoRoom::Full => dropped(shared),
        NoRoom::Closed => TrackError::Closed,
    })
}

/// Room as soon as there is some, or [`TrackError::Full`] (counted in `full_waits_expired`)
/// after `max_wait`. Room that is there now is taken without reading the clock.
pub(crate) async fn wait_room<'a>(
    tx: &'a mpsc::Sender<Msg>,
    shared: &'a Shared,
    size: u32,
    max_wait: Duration,
) -> Result<Room<'a>, TrackError> {
    match take_now(tx, shared, size) {
        Ok(room) => return Ok(room),
        Err(NoRoom::Closed) => return Err(TrackError::Closed),
        Err(NoRoom::Full) => {}
    }
    let reserving = async {
        let bytes = shared
            .room
            .acquire_many(size)
            .await
            .map_err(|_| TrackError::Closed)?;
        let slot = tx.reserve().await.map_err(|_| TrackError::Closed)?;
        Ok(Room { bytes, slot })
    };
    match tokio::time::timeout(max_wait, reserving).await {
        Ok(room) => room,
        Err(_) => {
            Counters::add(&shared.counters.full_waits_expired, 1);
            Err(TrackError::Full { waited: max_wait })
        }
    }
}

fn dropped(shared: &Shared) -> TrackError {
    Counters::add(&shared.counters.dropped, 1);
    TrackError::Dropped
}
