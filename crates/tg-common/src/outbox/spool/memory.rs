//! [`MemorySpool`]: entries in this process's memory, lost with it.

use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;

use super::ledger::{Ledger, Weighed};
use super::{Entry, EntryId, Spool, SpoolError, SpoolFuture, SpoolStats};

impl Weighed for Bytes {
    fn weight(&self) -> u64 {
        self.len() as u64
    }
}

/// A spool in memory: the claim and acknowledgement rules of a durable spool, without
/// durability. Bounded by entries and by bytes (the entries' lengths).
#[derive(Debug)]
pub struct MemorySpool {
    state: Mutex<MemoryEntries>,
    max_entries: u64,
    max_bytes: u64,
    /// Bytes of each entry not counted against `max_bytes` (an outbox's envelope).
    overhead: u64,
}

#[derive(Debug, Default)]
struct MemoryEntries {
    ledger: Ledger<Bytes>,
    next_id: u64,
}

impl MemorySpool {
    /// A spool holding at most `max_entries` entries and `max_bytes` bytes of entries.
    pub fn new(max_entries: u64, max_bytes: u64) -> Self {
        MemorySpool {
            state: Mutex::new(MemoryEntries {
                ledger: Ledger::default(),
                next_id: 1,
            }),
            max_entries,
            max_bytes,
            overhead: 0,
        }
    }

    /// A spool for an [`Outbox`](crate::outbox::Outbox) that counts the bytes of its callers'
    /// entries against `max_bytes`, not the few bytes the outbox adds to each.
    pub fn for_outbox(max_entries: u64, max_bytes: u64) -> Self {
        MemorySpool {
            overhead: crate::outbox::envelope::OVERHEAD as u64,
            ..MemorySpool::new(max_entries, max_bytes)
        }
    }

    /// The bytes held, as counted against `max_bytes`.
    fn counted(&self, state: &MemoryEntries) -> u64 {
        state
            .ledger
            .bytes()
            .saturating_sub(self.overhead * state.ledger.len())
    }

    fn lock(&self) -> MutexGuard<'_, MemoryEntries> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// [`Spool::append`], without a future.
    pub fn append_now(&self, entry: Bytes) -> Result<EntryId, SpoolError> {
        let mut state = self.lock();
        let (entries, bytes) = (state.ledger.len(), self.counted(&state));
        let len = (entry.len() as u64).saturating_sub(self.overhead);
        if entries >= self.max_entries || bytes + len > self.max_bytes {
            if len > self.max_bytes {
                return Err(SpoolError::TooLarge {
                    len: usize::try_from(len).unwrap_or(usize::MAX),
                    max: usize::try_from(self.max_bytes).unwrap_or(usize::MAX),
                });
            }
            return Err(SpoolError::Full {
                entries,
                bytes,
                max_entries: self.max_entries,
                max_bytes: self.max_bytes,
            });
        }
        let id = state.next_id;
        state.next_id += 1;
        state.ledger.insert(id, entry);
        Ok(EntryId::local(id))
    }

    /// [`Spool::claim`], without a future.
    pub fn claim_now(&self, max: usize) -> Vec<Entry> {
        let mut out = Vec::new();
        self.lock().ledger.claim(max, |id, bytes| {
            out.push(Entry {
                id: EntryId::local(id),
                bytes: bytes.clone(),
            });
        });
        out
    }

    /// [`Spool::ack`], without a future.
    pub fn ack_now(&self, ids: &[EntryId]) {
        let mut state = self.lock();
        for id in ids {
            state.ledger.remove(id.low());
        }
    }

    /// [`Spool::release`], without a future.
    pub fn release_now(&self, ids: &[EntryId]) {
        let mut state = self.lock();
        for id in ids {
            state.ledger.release(id.low());
        }
    }

    /// [`Spool::stats`], without a future.
    pub fn stats_now(&self) -> SpoolStats {
        let state = self.lock();
        SpoolStats {
            entries: state.ledger.len(),
            claimed: state.ledger.claimed_len(),
            bytes: self.counted(&state),
            stored_bytes: state.ledger.bytes(),
        }
    }
}

impl Spool for MemorySpool {
    fn append(&self, entry: Bytes) -> SpoolFuture<'_, EntryId> {
        Box::pin(async move { self.append_now(entry) })
    }

    fn claim(&self, max: usize) -> SpoolFuture<'_, Vec<Entry>> {
        Box::pin(async move { Ok(self.claim_now(max)) })
    }

    fn ack<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()> {
        Box::pin(async move {
            self.ack_now(ids);
            Ok(())
        })
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
