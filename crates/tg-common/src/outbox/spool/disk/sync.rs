//! The thread that forces a [`DiskSpool`](super::DiskSpool)'s writes to the disk at an interval.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::LockedLog;
use crate::spool::SpoolError;

/// The running sync thread; dropping this stops it and waits for it to end.
#[derive(Debug)]
pub(crate) struct SyncThread {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for SyncThread {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl SyncThread {
    /// Starts syncing `shared` every `every`.
    pub(crate) fn start(shared: &Arc<LockedLog>, every: Duration) -> Result<Self, SpoolError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let shared: Weak<LockedLog> = Arc::downgrade(shared);
        let thread = std::thread::Builder::new()
            .name("tga-spool-sync".to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    let Some(shared) = shared.upgrade() else {
                        return;
                    };
                    if let Err(e) = shared.sync() {
                        tracing::error!(error = %e, "spool sync failed; retried next interval");
                    }
                }
            })
            .map_err(SpoolError::io("starting the spool sync thread"))?;
        Ok(SyncThread {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}
