//! What [`Outbox::flush`](super::Outbox::flush) and [`Outbox::shutdown`](super::Outbox::shutdown)
//! report when not everything was delivered.

use std::fmt;
use std::sync::Arc;

use crate::Error;

/// Why a flush or a shutdown did not end with every entry delivered; counts cover the time
/// since the previous report.
#[derive(Debug, Default, Clone)]
#[non_exhaustive]
pub struct OutboxReport {
    /// Entries the service refused for good (letters).
    pub rejected: u64,
    /// Entries not stored (letters).
    pub not_stored: u64,
    /// Letters lost: the store of kept letters was full.
    pub letters_lost: u64,
    /// The last refusal of the service.
    pub last_rejection: Option<Arc<Error>>,
    /// Panics caught.
    pub panics: u64,
    /// Why the worker failed, when it did (it was restarted).
    pub failure: Option<String>,
    /// At shutdown: entries still in the spool, delivered by the next outbox on it (for a
    /// shared spool, every replica's), but those of the letters kept for `take_letters`.
    pub left_in_spool: u64,
    /// Entries delivered (or whose letter was taken) whose acknowledgement the spool has not
    /// taken: it failed (a full disk, Redis unreachable) and is retried; at shutdown they are
    /// released. An outbox started on the spool before it succeeds delivers them again.
    pub unacknowledged: u64,
    /// The last error of the spool since the previous report (an acknowledgement or a
    /// release that failed).
    pub spool_error: Option<Arc<super::spool::SpoolError>>,
}

impl OutboxReport {
    /// Whether nothing went wrong.
    pub fn is_clean(&self) -> bool {
        self.rejected == 0
            && self.not_stored == 0
            && self.letters_lost == 0
            && self.panics == 0
            && self.failure.is_none()
            && self.left_in_spool == 0
            && self.unacknowledged == 0
            && self.spool_error.is_none()
    }
}

impl fmt::Display for OutboxReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(failure) = &self.failure {
            parts.push(format!("the worker failed ({failure})"));
        }
        if self.left_in_spool > 0 {
            parts.push(format!("{} entries left in the spool", self.left_in_spool));
        }
        if self.unacknowledged > 0 {
            parts.push(format!(
                "{} entries delivered and not yet acknowledged in the spool (they may be delivered again)",
                self.unacknowledged
            ));
        }
        if let Some(e) = &self.spool_error {
            parts.push(format!("last spool error: {e}"));
        }
        if self.rejected > 0 {
            parts.push(format!("{} entries refused by the service", self.rejected));
        }
        if self.not_stored > 0 {
            parts.push(format!("{} entries not stored", self.not_stored));
        }
        if self.letters_lost > 0 {
            parts.push(format!(
                "{} letters lost: the store was full",
                self.letters_lost
            ));
        }
        if self.panics > 0 {
            parts.push(format!("{} panics caught", self.panics));
        }
        if let Some(e) = &self.last_rejection {
            parts.push(format!("last refusal: {e}"));
        }
        if parts.is_empty() {
            return f.write_str("every entry was delivered");
        }
        f.write_str(&parts.join("; "))
    }
}

/// Why an append, a flush or a shutdown did not succeed.
#[derive(Debug)]
#[non_exhaustive]
pub enum OutboxError {
    /// The outbox is shut down; nothing was appended.
    Closed,
    /// The spool did not store the entry (full, too large, I/O, backend); nothing was appended.
    Spool(Arc<super::spool::SpoolError>),
    /// Not everything was delivered; the report says what.
    NotDelivered(Box<OutboxReport>),
}

impl fmt::Display for OutboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboxError::Closed => f.write_str("the outbox is shut down"),
            OutboxError::Spool(e) => write!(f, "not stored: {e}"),
            OutboxError::NotDelivered(report) => {
                write!(f, "not everything was delivered: {report}")
            }
        }
    }
}

impl std::error::Error for OutboxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OutboxError::Spool(e) => Some(&**e),
            _ => None,
        }
    }
}
