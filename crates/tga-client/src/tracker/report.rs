//! What [`Tracker::flush`](super::Tracker::flush) and
//! [`Tracker::shutdown`](super::Tracker::shutdown) report when not every event was delivered.

use std::fmt;
use std::sync::Arc;

use tg_common::Error;

use tg_common::outbox::OutboxReport;

use super::state::TrackerState;
use crate::event::EncodedEvent;

/// Why a flush or a shutdown did not end with every event delivered: what was dead-lettered,
/// the last configuration error, the callbacks that panicked and the events handed back.
///
/// Counts cover the time since the previous report (each report is given once, to the flush or
/// shutdown that takes it).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Events dead-lettered (refused for good by the service, or refused by the tracker's own
    /// checks).
    pub dead_lettered: u64,
    /// Of those, the dead letters the tracker could not keep because its store was full
    /// (`max_dead_letters`); the rest went to the sink or wait in
    /// [`Tracker::take_dead_letters`](super::Tracker::take_dead_letters).
    pub dead_letters_lost: u64,
    /// The last error that refused a whole batch for a reason no retry fixes (token, app name,
    /// Origin, an unknown route, a panicking sender).
    pub config_error: Option<Arc<Error>>,
    /// Panics caught in user callbacks (dead-letter sink, batch sender) and in the outbox's
    /// worker.
    pub panics: u64,
    /// Events neither delivered nor dead-lettered, handed back: left in the memory queue at the
    /// shutdown deadline.
    pub undelivered: Vec<EncodedEvent>,
    /// Why the outbox's worker failed (it was restarted; its entries were released).
    pub failure: Option<String>,
    /// Over a spool, the events not delivered by the shutdown deadline: they stay in the spool, unacknowledged and released at shutdown, and a tracker
    /// started on it (or another replica sharing it) delivers them.
    pub left_in_spool: u64,
    /// Over a spool, events delivered (or dead-lettered to a sink) whose acknowledgement the
    /// spool has not taken yet: it failed (a full disk, Redis unreachable) and is retried. A
    /// tracker started on the spool before it succeeds sends them again.
    pub unacknowledged: u64,
    /// The last error of the spool since the previous report (an acknowledgement or a release
    /// that failed).
    pub spool_error: Option<Arc<crate::spool::SpoolError>>,
}

impl DeliveryReport {
    /// Whether the report says nothing went wrong.
    pub fn is_clean(&self) -> bool {
        self.dead_lettered == 0
            && self.dead_letters_lost == 0
            && self.config_error.is_none()
            && self.panics == 0
            && self.undelivered.is_empty()
            && self.failure.is_none()
            && self.left_in_spool == 0
            && self.unacknowledged == 0
            && self.spool_error.is_none()
    }
}

impl fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(failure) = &self.failure {
            parts.push(format!("the tracker's worker failed ({failure})"));
        }
        if !self.undelivered.is_empty() {
            parts.push(format!(
                "{} events handed back undelivered",
                self.undelivered.len()
            ));
        }
        if self.left_in_spool > 0 {
            parts.push(format!(
                "{} events left undelivered in the spool",
                self.left_in_spool
            ));
        }
        if self.unacknowledged > 0 {
            parts.push(format!(
                "{} events delivered and not yet acknowledged in the spool (they may be sent again)",
                self.unacknowledged
            ));
        }
        if let Some(error) = &self.spool_error {
            parts.push(format!("last spool error: {error}"));
        }
        if self.dead_lettered > 0 {
            parts.push(format!("{} events dead-lettered", self.dead_lettered));
        }
        if self.dead_letters_lost > 0 {
            parts.push(format!(
                "{} dead letters lost: the dead-letter store was full",
                self.dead_letters_lost
            ));
        }
        if self.panics > 0 {
            parts.push(format!("{} panics caught", self.panics));
        }
        if let Some(error) = &self.config_error {
            parts.push(format!("last configuration error: {error}"));
        }
        if parts.is_empty() {
            return f.write_str("every event was delivered");
        }
        f.write_str(&parts.join("; "))
    }
}

impl DeliveryReport {
    /// The tracker's report: the outbox's (if any), TGA's refusal and sender panics, and the
    /// events handed back. Over the tracker's own memory queue nothing stays in a spool.
    pub(crate) fn gather(
        outbox: Option<OutboxReport>,
        state: &TrackerState,
        undelivered: Vec<EncodedEvent>,
        memory: bool,
    ) -> Option<DeliveryReport> {
        let (config_error, panics) = state.take_report();
        let outbox = outbox.unwrap_or_default();
        let report = DeliveryReport {
            dead_lettered: outbox.rejected + outbox.not_stored,
            dead_letters_lost: outbox.letters_lost,
            config_error,
            panics: outbox.panics + panics,
            undelivered,
            failure: outbox.failure,
            left_in_spool: if memory { 0 } else { outbox.left_in_spool },
            unacknowledged: outbox.unacknowledged,
            spool_error: outbox.spool_error,
        };
        (!report.is_clean()).then_some(report)
    }
}
