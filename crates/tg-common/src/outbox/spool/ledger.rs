//! Which entries of a local spool are ready and which are claimed, with their counts and bytes.

use std::collections::{BTreeMap, HashMap};

/// A value the ledger weighs against the byte bound.
pub(crate) trait Weighed {
    /// The bytes this entry counts.
    fn weight(&self) -> u64;
}

/// Ready entries by id (claimed oldest first) and claimed entries by id.
#[derive(Debug)]
pub(crate) struct Ledger<T> {
    ready: BTreeMap<u64, T>,
    claimed: HashMap<u64, T>,
    bytes: u64,
}

impl<T> Default for Ledger<T> {
    fn default() -> Self {
        Ledger {
            ready: BTreeMap::new(),
            claimed: HashMap::new(),
            bytes: 0,
        }
    }
}

impl<T: Weighed> Ledger<T> {
    /// Entries held (ready and claimed).
    pub(crate) fn len(&self) -> u64 {
        (self.ready.len() + self.claimed.len()) as u64
    }

    /// Entries claimed.
    pub(crate) fn claimed_len(&self) -> u64 {
        self.claimed.len() as u64
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Whether `id` is held.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.ready.contains_key(&id) || self.claimed.contains_key(&id)
    }

    /// Adds (or replaces) a ready entry; returns the value it replaced.
    pub(crate) fn insert(&mut self, id: u64, value: T) -> Option<T> {
        self.bytes += value.weight();
        let old = self.ready.insert(id, value);
        if let Some(old) = &old {
            self.bytes -= old.weight();
        }
        old
    }

    /// Moves up to `max` oldest ready entries to claimed and passes each to `each`.
    pub(crate) fn claim(&mut self, max: usize, mut each: impl FnMut(u64, &T)) {
        for _ in 0..max {
            let Some((id, value)) = self.ready.pop_first() else {
                break;
            };
            each(id, &value);
            self.claimed.insert(id, value);
        }
    }

    /// Removes an entry, ready or claimed.
    pub(crate) fn remove(&mut self, id: u64) -> Option<T> {
        let value = self
            .claimed
            .remove(&id)
            .or_else(|| self.ready.remove(&id))?;
        self.bytes -= value.weight();
        Some(value)
    }

    /// Makes a claimed entry ready again; false when it was not claimed.
    pub(crate) fn release(&mut self, id: u64) -> bool {
        match self.claimed.remove(&id) {
            Some(value) => {
                self.ready.insert(id, value);
                true
            }
            None => false,
        }
    }

    /// Makes every claimed entry ready again.
    pub(crate) fn release_all(&mut self) {
        self.ready.extend(self.claimed.drain());
    }

    /// Every entry, ready and claimed, mutably.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = (u64, &mut T)> {
        self.ready
            .iter_mut()
            .map(|(id, v)| (*id, v))
            .chain(self.claimed.iter_mut().map(|(id, v)| (*id, v)))
    }
}
