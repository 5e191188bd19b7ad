//! Why an event was not queued, or a flush did not complete.

use std::fmt;

use tg_common::Error;

use super::report::DeliveryReport;

/// Why [`Tracker::track`](super::Tracker::track) did not queue an event, or why
/// [`Tracker::flush`](super::Tracker::flush) or [`Tracker::shutdown`](super::Tracker::shutdown)
/// did not end with every event delivered.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrackError {
    /// The event failed local validation ([`Event::validate`](crate::Event::validate));
    /// nothing was queued.
    Invalid(Error),
    /// The queue was full and the policy (or `try_track`) dropped the event; it is counted in
    /// `dropped`.
    Dropped,
    /// The queue stayed full for `max_wait` ([`FullPolicy::Wait`](super::FullPolicy::Wait));
    /// the event was not queued (counted in `full_waits_expired`).
    Full {
        /// How long `track` waited.
        waited: std::time::Duration,
    },
    /// The tracker is shutting down or shut down.
    Closed,
    /// The event's session already sent `cap` events of this name, the cap
    /// `GET /events/threshold` gives (`0`: the name is not sent at all); nothing was queued and
    /// the event is counted in `over_threshold`.
    OverThreshold {
        /// The capped name.
        event_name: crate::EventName,
        /// The session that used its cap.
        session_id: uuid::Uuid,
        /// The cap.
        cap: u64,
    },
    /// The spool could not store the event (I/O, or the shared backend failed); nothing was
    /// accepted.
    Spool(std::sync::Arc<crate::spool::SpoolError>),
    /// The spool's answer to the append did not come ([`SpoolError::MaybeStored`]: a Redis
    /// timeout after the command was sent): the event may have been accepted, and is then
    /// delivered. Tracking it again may deliver it twice; not tracking it may lose it.
    ///
    /// [`SpoolError::MaybeStored`]: crate::spool::SpoolError::MaybeStored
    MaybeAccepted(std::sync::Arc<crate::spool::SpoolError>),
    /// Not every event was delivered: some were dead-lettered, handed back, or the tracker
    /// failed; the report says what and holds the events handed back.
    NotDelivered(Box<DeliveryReport>),
}

impl TrackError {
    /// The report of a flush or shutdown that did not deliver everything.
    pub fn report(&self) -> Option<&DeliveryReport> {
        match self {
            TrackError::NotDelivered(report) => Some(report),
            _ => None,
        }
    }
}

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackError::Invalid(e) => write!(f, "event not tracked: {e}"),
            TrackError::Dropped => f.write_str("event dropped: the tracker's queue is full"),
            TrackError::Full { waited } => write!(
                f,
                "event not tracked: the tracker's queue stayed full for {waited:?} (max_wait)"
            ),
            TrackError::Closed => f.write_str("the tracker is shut down"),
            TrackError::OverThreshold {
                event_name,
                session_id,
                cap,
            } => write!(
                f,
                "event not tracked: session {session_id} already sent {cap} `{event_name}` events, the most GET /events/threshold allows per launch"
            ),
            TrackError::Spool(e) => write!(f, "event not tracked: {e}"),
            TrackError::MaybeAccepted(e) => write!(
                f,
                "event perhaps tracked (tracking it again may deliver it twice): {e}"
            ),
            TrackError::NotDelivered(report) => {
                write!(f, "not every event was delivered: {report}")
            }
        }
    }
}

impl std::error::Error for TrackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrackError::Invalid(e) => Some(e),
            TrackError::Spool(e) | TrackError::MaybeAccepted(e) => Some(&**e),
            _ => None,
        }
    }
}
