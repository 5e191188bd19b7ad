//! [`DiskSpool`]: an append-only log of segment files with a checksum on every record.
//!
//! How it works is documented on [DiskSpool].

mod record;
mod recover;
mod segment;
mod state;
mod sync;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

pub use recover::Recovery;

use super::{Entry, EntryId, Spool, SpoolError, SpoolFuture, SpoolStats};
use state::{Limits, OpenLog};

/// When records are forced to the disk (`fsync`); every record is written to the operating
/// system before its operation returns whatever the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FsyncPolicy {
    /// Never forced: a crash of the process loses nothing, a power loss may lose what the
    /// operating system had not yet written (typically up to 30 s on Linux).
    Never,
    /// Forced by a background thread at this interval: a power loss loses at most the last
    /// interval's entries. The default, 100 ms.
    Interval(Duration),
    /// Forced before each append returns: nothing accepted is lost to a power loss; each
    /// append costs one `fdatasync` (milliseconds on most disks).
    EveryAppend,
}

impl Default for FsyncPolicy {
    fn default() -> Self {
        FsyncPolicy::Interval(Duration::from_millis(100))
    }
}

/// How a [`DiskSpool`] is opened.
#[derive(Debug, Clone)]
pub struct DiskConfig {
    /// The directory of the segments (created if missing).
    pub dir: PathBuf,
    /// When records are forced to the disk.
    pub fsync: FsyncPolicy,
    /// Entries held at most. Default 10,000,000.
    pub max_entries: u64,
    /// Bytes of records held at most (an entry's length plus 21), and bytes of records the
    /// segment files hold at most (headers aside). Default 1 GiB.
    pub max_bytes: u64,
    /// Largest entry accepted, in bytes. Default 1 MiB.
    pub max_entry_bytes: usize,
    /// A segment is closed and a new one started past this size. Default 64 MiB.
    pub segment_bytes: u64,
}

impl DiskConfig {
    /// The defaults, in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DiskConfig {
            dir: dir.into(),
            fsync: FsyncPolicy::default(),
            max_entries: 10_000_000,
            max_bytes: 1 << 30,
            max_entry_bytes: 1 << 20,
            segment_bytes: 64 << 20,
        }
    }

    /// With this fsync policy.
    pub fn fsync(mut self, policy: FsyncPolicy) -> Self {
        self.fsync = policy;
        self
    }

    /// With these bounds.
    pub fn bounds(mut self, max_entries: u64, max_bytes: u64) -> Self {
        self.max_entries = max_entries;
        self.max_bytes = max_bytes;
        self
    }

    /// With this largest entry.
    pub fn max_entry_bytes(mut self, max: usize) -> Self {
        self.max_entry_bytes = max;
        self
    }

    /// With this segment size.
    pub fn segment_bytes(mut self, bytes: u64) -> Self {
        self.segment_bytes = bytes;
        self
    }
}

/// What a [`DiskSpool`] shares with its sync thread.
#[derive(Debug)]
pub(crate) struct LockedLog {
    state: Mutex<OpenLog>,
    /// The lock on the directory, held while the spool is open.
    _lock: File,
}

impl LockedLog {
    fn lock(&self) -> MutexGuard<'_, OpenLog> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forces what was written since the last sync to the disk.
    pub(crate) fn sync(&self) -> Result<(), SpoolError> {
        let (files, dir, path) = {
            let mut state = self.lock();
            let (files, dir) = state.take_dirty();
            (files, dir, state.dir.clone())
        };
        let mut result = Ok(());
        for file in &files {
            if let Err(e) = file.sync_data() {
                result = Err(SpoolError::Io {
                    action: "syncing a segment",
                    source: e,
                });
            }
        }
        if dir {
            if let Err(e) = segment::sync_dir(&path) {
                result = Err(SpoolError::Io {
                    action: "syncing the spool directory",
                    source: e,
                });
            }
        }
        if result.is_err() {
            self.lock().restore_dirty(files, dir);
        }
        result
    }
}

/// A durable spool in a directory.
///
/// - **Append**: one `write` of the whole record to the active segment before
///   [`append`](crate::spool::Spool::append) returns, so an entry accepted survives the process
///   being killed (SIGKILL, a panic, OOM): it is in the operating system's page cache.
/// - **Power loss**: the [`FsyncPolicy`] says when records reach the disk. The default,
///   [`FsyncPolicy::Interval`] of 100 ms, loses at most the entries accepted in the last
///   interval (plus the time one sync takes) when the machine loses power.
/// - **Damage and torn writes**: on open, each segment is read record by record. A record that
///   is not whole (short, or its magic or CRC-32 wrong) is skipped and reading resynchronises
///   on the next whole record, so nothing readable is lost; only the newest segment's
///   unreadable tail (a write torn by a crash) is cut off. A file named like a segment that
///   holds no record is renamed aside (`.seg.damaged`); a directory is never refused for
///   damage. [`Recovery`] says what was discarded (bytes, records, files renamed aside).
/// - **Segments** are created whole (written as `.seg.new`, then renamed) under numbers never
///   used before; opening writes nothing, so a spool whose disk is full opens, and a write that
///   failed for want of space (`ENOSPC`) leaves the spool usable once space returns.
/// - **Acknowledgements** are records too (a list of ids). Space is reclaimed oldest segment
///   first: a segment is deleted once nothing in it is held; its held entries are copied
///   forward (synced before the old segment is deleted) once the next segment is empty, at
///   most a sixteenth of it is held, or the files hold more than twice the bytes held plus two
///   segments, so long-held entries (dead letters) never pin the log.
/// - **Bounds**: at most `max_entries` entries and `max_bytes` bytes of records (entry plus 21
///   bytes) are held, and the segment files hold at most `max_bytes` bytes of records (headers
///   aside): an append that would pass it first compacts (copies the held entries of every
///   older segment forward and deletes them), and [`SpoolError::Full`] refuses it if that is not
///   enough. Only an acknowledgement record, or the copies of one compaction, can pass it for a
///   moment.
/// - One spool at a time: on Unix the directory is locked (`flock` on `LOCK`) while a spool is
///   open; elsewhere the caller must not open one directory twice.
///
/// Appends, claims and acknowledgements run inline on the caller's thread: each is one short
/// `write` or `pread` (about a microsecond for a 300-byte entry), cheaper than handing it to a
/// blocking thread. With [`FsyncPolicy::EveryAppend`] an append runs on Tokio's blocking pool.
#[derive(Debug)]
pub struct DiskSpool {
    shared: Arc<LockedLog>,
    fsync: FsyncPolicy,
    recovery: Recovery,
    _sync: Option<sync::SyncThread>,
}

impl DiskSpool {
    /// Opens (or creates) the spool in `config.dir`: every entry appended there and not
    /// acknowledged comes back ready; damaged records are skipped and reported in
    /// [`recovery`](Self::recovery). Fails when the directory is locked by another open spool or
    /// cannot be read.
    pub fn open(config: DiskConfig) -> Result<Self, SpoolError> {
        if config.max_entry_bytes == 0
            || config.segment_bytes <= segment::HEADER_LEN
            || matches!(config.fsync, FsyncPolicy::Interval(d) if d.is_zero())
        {
            return Err(SpoolError::Unusable(
                "max_entry_bytes, segment_bytes and the fsync interval must be positive".into(),
            ));
        }
        std::fs::create_dir_all(&config.dir)
            .map_err(SpoolError::io("creating the spool directory"))?;
        let lock = lock_dir(&config.dir)?;
        // Any length is read back: entries appended under a larger `max_entry_bytes` are kept;
        // a damaged length runs past the end of its segment and is cut like a torn tail.
        let mut recovered = recover::recover(&config.dir, usize::MAX)?;
        let report = std::mem::take(&mut recovered.report);
        let limits = Limits {
            max_entries: config.max_entries,
            max_bytes: config.max_bytes,
            max_entry: config.max_entry_bytes,
            segment_bytes: config.segment_bytes,
            sync_copies: config.fsync != FsyncPolicy::Never,
        };
        let state = OpenLog::new(config.dir.clone(), limits, recovered);
        let shared = Arc::new(LockedLog {
            state: Mutex::new(state),
            _lock: lock,
        });
        // What reclaiming at open deleted is made durable now.
        shared.sync()?;
        let sync = match config.fsync {
            FsyncPolicy::Interval(every) => Some(sync::SyncThread::start(&shared, every)?),
            FsyncPolicy::Never | FsyncPolicy::EveryAppend => None,
        };
        Ok(DiskSpool {
            shared,
            fsync: config.fsync,
            recovery: report,
            _sync: sync,
        })
    }

    /// What opening found.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// [`Spool::append`] on the calling thread (with [`FsyncPolicy::EveryAppend`], including
    /// the sync).
    pub fn append_now(&self, entry: &[u8]) -> Result<EntryId, SpoolError> {
        let id = self.shared.lock().append(entry)?;
        if self.fsync == FsyncPolicy::EveryAppend {
            self.shared.sync()?;
        }
        Ok(EntryId::local(id))
    }

    /// [`Spool::claim`] on the calling thread.
    pub fn claim_now(&self, max: usize) -> Result<Vec<Entry>, SpoolError> {
        self.shared.lock().claim(max)
    }

    /// [`Spool::ack`] on the calling thread.
    pub fn ack_now(&self, ids: &[EntryId]) -> Result<(), SpoolError> {
        self.shared.lock().ack(ids)
    }

    /// [`Spool::release`] on the calling thread.
    pub fn release_now(&self, ids: &[EntryId]) {
        self.shared.lock().release(ids);
    }

    /// [`Spool::stats`] on the calling thread.
    pub fn stats_now(&self) -> SpoolStats {
        self.shared.lock().stats()
    }

    /// Forces everything written so far to the disk, whatever the policy.
    pub fn sync(&self) -> Result<(), SpoolError> {
        self.shared.sync()
    }
}

impl Drop for DiskSpool {
    fn drop(&mut self) {
        if self.fsync != FsyncPolicy::Never {
            if let Err(e) = self.shared.sync() {
                tracing::error!(error = %e, "spool not synced when closed");
            }
        }
    }
}

fn lock_dir(dir: &Path) -> Result<File, SpoolError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("LOCK"))
        .map_err(SpoolError::io("opening the spool lock"))?;
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err(SpoolError::Unusable(format!(
                    "{} is open in another spool",
                    dir.display()
                )));
            }
            Err(e) => {
                return Err(SpoolError::Io {
                    action: "locking the spool directory",
                    source: e.into(),
                });
            }
        }
    }
    Ok(file)
}

impl Spool for DiskSpool {
    fn append(&self, entry: Bytes) -> SpoolFuture<'_, EntryId> {
        Box::pin(async move {
            let runtime = tokio::runtime::Handle::try_current().ok();
            if let Some(runtime) = runtime.filter(|_| self.fsync == FsyncPolicy::EveryAppend) {
                let shared = Arc::clone(&self.shared);
                let id = runtime
                    .spawn_blocking(move || {
                        let id = shared.lock().append(&entry)?;
                        shared.sync().map(|()| id)
                    })
                    .await
                    .map_err(|e| SpoolError::Unusable(format!("append task failed: {e}")))??;
                return Ok(EntryId::local(id));
            }
            self.append_now(&entry)
        })
    }

    fn claim(&self, max: usize) -> SpoolFuture<'_, Vec<Entry>> {
        Box::pin(async move { self.claim_now(max) })
    }

    fn ack<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()> {
        Box::pin(async move { self.ack_now(ids) })
    }

    fn release<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()> {
        Box::pin(async move {
            self.release_now(ids);
            Ok(())
        })
    }

    fn stats(&self) -> SpoolFuture<'_, SpoolStats> {
        Box::pin(async move { Ok(self.stats_now()) })
    }
}
