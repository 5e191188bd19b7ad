//! Where the tracker keeps accepted events until the service has taken them: a [`Spool`].
//!
//! An entry is opaque bytes (the tracker stores each event's encoded JSON) under an id the spool
//! assigns. Its life:
//!
//! 1. [`append`](Spool::append) stores it, durable as the backend promises before it returns;
//! 2. [`claim`](Spool::claim) hands up to N ready entries to one deliverer; a claimed entry is
//!    given to no other deliverer until it is released, or until its deliverer is gone (for
//!    [`DiskSpool`] when the spool is opened again, for `RedisSpool` after a visibility
//!    timeout); a tracker's shutdown releases what it claimed and did not acknowledge;
//! 3. [`ack`](Spool::ack) removes it (the service accepted it, or it was moved to a dead-letter
//!    spool); [`release`](Spool::release) makes it ready again, for any deliverer of the spool
//!    (the delivery will be retried).
//!
//! Opening a durable spool again gives back, ready, every entry the previous process appended and
//! did not acknowledge. Delivery over a spool is at least once: an entry delivered and not yet
//! acknowledged when a process dies is delivered again.
//!
//! Backends:
//! - [`MemorySpool`]: nothing survives the process; bounded by count and bytes.
//! - [`DiskSpool`]: an append-only segment log with checksums, see [`DiskSpool`].
//! - `RedisSpool` (feature `redis`): a Redis stream read through a consumer group, for replicas
//!   without disks, see `redis_stream`.

mod disk;
mod ledger;
mod memory;
#[cfg(feature = "redis")]
mod redis_stream;

#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

pub use disk::{DiskConfig, DiskSpool, FsyncPolicy, Recovery};
pub use memory::MemorySpool;
#[cfg(feature = "redis")]
pub use redis_stream::{RedisSpool, RedisSpoolConfig};

/// The future a [`Spool`] operation returns.
pub type SpoolFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SpoolError>> + Send + 'a>>;

/// The id a spool gave an entry: unique within the spool, increasing in append order.
///
/// [`DiskSpool`] and [`MemorySpool`] number entries from 1; a Redis stream id `ms-seq` is held as
/// `ms << 64 | seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(u128);

impl EntryId {
    /// The id with this numeric value.
    pub const fn new(value: u128) -> Self {
        EntryId(value)
    }

    /// The numeric value.
    pub const fn get(self) -> u128 {
        self.0
    }

    /// The upper 64 bits (a Redis stream id's milliseconds; zero for local spools).
    pub const fn high(self) -> u64 {
        (self.0 >> 64) as u64
    }

    /// The lower 64 bits (a Redis stream id's sequence; the number for local spools).
    pub const fn low(self) -> u64 {
        self.0 as u64
    }

    pub(crate) const fn local(n: u64) -> Self {
        EntryId(n as u128)
    }
}

impl fmt::Display for EntryId {
    /// `N` for a local id, `ms-seq` for a Redis stream id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.high() {
            0 => write!(f, "{}", self.low()),
            high => write!(f, "{high}-{}", self.low()),
        }
    }
}

/// One claimed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its id, for [`Spool::ack`] and [`Spool::release`].
    pub id: EntryId,
    /// The bytes appended.
    pub bytes: Bytes,
}

/// What a spool holds now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolStats {
    /// Entries appended and not acknowledged (ready and claimed).
    pub entries: u64,
    /// Of those, claimed by a deliverer of this process.
    pub claimed: u64,
    /// Bytes the entries count against the byte bound (a backend's own measure, see each).
    pub bytes: u64,
    /// Bytes the backend uses for them on its medium (segment files for [`DiskSpool`]; zero where
    /// the backend does not know).
    pub stored_bytes: u64,
}

/// Why a spool operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SpoolError {
    /// The spool holds its maximum; nothing was appended.
    Full {
        /// Entries held.
        entries: u64,
        /// Bytes held (against the byte bound).
        bytes: u64,
        /// The entry bound.
        max_entries: u64,
        /// The byte bound.
        max_bytes: u64,
    },
    /// The entry is larger than the spool accepts for one entry; nothing was appended.
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// The largest length accepted.
        max: usize,
    },
    /// A file operation failed.
    Io {
        /// What the spool was doing.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The spool's directory holds a file that is not a spool segment of this version, or is
    /// used by another open spool.
    Unusable(String),
    /// The Redis backend failed (connection, or an unexpected answer); nothing was stored.
    Backend(String),
    /// The outcome is unknown: the append was sent and no answer came (a timeout, a connection
    /// broken after sending). The entry may have been stored, and is then delivered: appending
    /// it again may deliver it twice.
    MaybeStored(String),
}

impl SpoolError {
    pub(crate) fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> SpoolError {
        move |source| SpoolError::Io { action, source }
    }
}

impl fmt::Display for SpoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpoolError::Full {
                entries,
                bytes,
                max_entries,
                max_bytes,
            } => write!(
                f,
                "spool full: {entries} entries of at most {max_entries}, \
                 {bytes} bytes of at most {max_bytes}"
            ),
            SpoolError::TooLarge { len, max } => {
                write!(f, "spool entry of {len} bytes exceeds the limit of {max}")
            }
            SpoolError::Io { action, source } => write!(f, "spool I/O failed {action}: {source}"),
            SpoolError::Unusable(why) => write!(f, "spool unusable: {why}"),
            SpoolError::Backend(why) => write!(f, "spool backend failed: {why}"),
            SpoolError::MaybeStored(why) => write!(
                f,
                "spool append outcome unknown, the entry may have been stored: {why}"
            ),
        }
    }
}

impl std::error::Error for SpoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpoolError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Durable storage of entries between `track` and the service's acceptance; see the
/// [module documentation](self).
///
/// Object safe: a tracker holds an `Arc<dyn Spool>`.
pub trait Spool: Send + Sync + 'static {
    /// Stores `entry` and returns its id once it is as durable as the backend promises. Fails
    /// with [`SpoolError::Full`] or [`SpoolError::TooLarge`] without storing anything, and with
    /// [`SpoolError::MaybeStored`] when the outcome is unknown.
    fn append(&self, entry: Bytes) -> SpoolFuture<'_, EntryId>;

    /// Claims up to `max` ready entries, oldest first, for one deliverer. Empty when none is
    /// ready; never waits for one to be appended.
    fn claim(&self, max: usize) -> SpoolFuture<'_, Vec<Entry>>;

    /// Removes the entries `ids` (claimed or ready). Ids already removed or unknown are ignored.
    fn ack<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()>;

    /// Makes the claimed entries `ids` ready again. Ids not claimed are ignored.
    fn release<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()>;

    /// What the spool holds now.
    fn stats(&self) -> SpoolFuture<'_, SpoolStats>;
}
