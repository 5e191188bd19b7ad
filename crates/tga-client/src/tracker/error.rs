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
}

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackError::Invalid(e) => write!(f, "event not tracked: {e}"),
            TrackError::Dropped => f.write_str("event dropped: the tracker's queue is full"),
            TrackError::Closed => f.write_str("the tracker is shut down"),
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
