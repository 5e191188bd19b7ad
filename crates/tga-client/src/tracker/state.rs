//! What the tracker's handle and its deliverer share besides the outbox: TGA's counters, the
//! last send error and the last refusal of a whole request.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tg_common::Error;

use super::stats::Counters;

#[derive(Default)]
pub(crate) struct TrackerState {
    pub(crate) counters: Counters,
    /// Set once `shutdown` was called.
    pub(crate) closed: AtomicBool,
    last_error: Mutex<Option<Arc<Error>>>,
    /// The last refusal of a whole request since the previous report.
    config_error: Mutex<Option<Arc<Error>>>,
    /// Sender panics since the previous report.
    panics: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TrackerState {
    pub(crate) fn record_error(&self, error: &Arc<Error>) {
        *lock(&self.last_error) = Some(Arc::clone(error));
    }

    pub(crate) fn last_error(&self) -> Option<Arc<Error>> {
        lock(&self.last_error).clone()
    }

    /// Records a refusal of a whole request for a reason no retry fixes.
    pub(crate) fn refused_whole(&self, error: &Arc<Error>) {
        *lock(&self.config_error) = Some(Arc::clone(error));
    }

    /// Counts a caught panic of the batch sender.
    pub(crate) fn sender_panicked(&self, message: &str) {
        Counters::add(&self.counters.panics, 1);
        self.panics.fetch_add(1, Ordering::Relaxed);
        tracing::error!(
            panic = message,
            "the TGA batch sender panicked; the tracker goes on"
        );
    }

    /// The refusal and the panics since the previous report.
    pub(crate) fn take_report(&self) -> (Option<Arc<Error>>, u64) {
        (
            lock(&self.config_error).take(),
            self.panics.swap(0, Ordering::Relaxed),
        )
    }
}
