//! Why an event was not queued, or a flush did not complete.

use std::fmt;

use tg_common::Error;

/// Why [`Tracker::track`](super::Tracker::track) did not queue an event, or why
/// [`Tracker::flush`](super::Tracker::flush) did not complete.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrackError {
    /// The event failed local validation ([`Event::validate`](crate::Event::validate));
    /// nothing was queued.
    Invalid(Error),
    /// The queue was full and the policy (or `try_track`) dropped the event; it is counted in
    /// `dropped`.
    Dropped,
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
}

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackError::Invalid(e) => write!(f, "event not tracked: {e}"),
            TrackError::Dropped => f.write_str("event dropped: the tracker's queue is full"),
            TrackError::Closed => f.write_str("the tracker is shut down"),
            TrackError::OverThreshold {
                event_name,
                session_id,
                cap,
            } => write!(
                f,
                "event not tracked: session {session_id} already sent {cap} `{event_name}` events, the most GET /events/threshold allows per launch"
            ),
        }
    }
}

impl std::error::Error for TrackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrackError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}
