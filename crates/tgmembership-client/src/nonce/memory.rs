//! [`MemoryNonceStore`]: the in-process [`NonceStore`], bounded in size.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::{NonceState, NonceStore, StoreFuture, at_least_a_second};

/// The default capacity of [`MemoryNonceStore`]: nonces held at once.
pub const DEFAULT_NONCE_CAPACITY: usize = 100_000;

/// An in-process [`NonceStore`] bounded to a number of nonces. Expired nonces are dropped first;
/// when the store is still full, the nonce expiring soonest is evicted, so under a flood of more
/// than `capacity` genuine deliveries within the window an evicted nonce could be handled again
/// (never lost). Its lock is held for a few map operations, never across an await.
#[derive(Debug)]
pub struct MemoryNonceStore {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
enum Hold {
    /// Being handled by `token` until `until` (Unix seconds).
    InProgress { token: String, until: i64 },
    /// Handled.
    Done,
}

#[derive(Debug)]
struct Entry {
    /// When the delivery's timestamp leaves the window.
    expires_at: i64,
    hold: Hold,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Insertion order with expiry; entries whose expiry no longer matches the map are stale.
    order: VecDeque<(i64, String)>,
}

impl Inner {
    fn remove_if_current(&mut self, until: i64, nonce: &str) {
        if self.entries.get(nonce).map(|e| e.expires_at) == Some(until) {
            self.entries.remove(nonce);
        }
    }

    /// Drops expired entries (timestamps are within the window, so the order is nearly sorted
    /// by expiry), then evicts the oldest while full.
    fn make_room(&mut self, capacity: usize, now_unix: i64) {
        let Inner { entries, order } = self;
        order.retain(|(until, n)| {
            let current = entries.get(n).map(|e| e.expires_at) == Some(*until);
            if current && *until < now_unix {
                entries.remove(n);
            }
            current && *until >= now_unix
        });
        while self.entries.len() >= capacity {
            let Some((until, n)) = self.order.pop_front() else {
                break;
            };
            self.remove_if_current(until, &n);
        }
    }

    fn insert(&mut self, nonce: &str, expires_at: i64, hold: Hold) {
        self.entries
            .insert(nonce.to_owned(), Entry { expires_at, hold });
        self.order.push_back((expires_at, nonce.to_owned()));
    }
}

impl MemoryNonceStore {
    /// A store holding at most `capacity` nonces (at least 1).
    pub fn new(capacity: usize) -> Self {
        MemoryNonceStore {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// How many nonces are held (in progress or done).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(
        &self,
        nonce: &str,
        token: &str,
        lease: Duration,
        expires_at: i64,
        now: i64,
    ) -> NonceState {
        let mut inner = self.lock();
        if let Some(entry) = inner.entries.get(nonce) {
            match &entry.hold {
                Hold::Done if entry.expires_at >= now => return NonceState::Done,
                Hold::InProgress { until, .. } if *until > now => {
                    let left = u64::try_from(until.saturating_sub(now)).unwrap_or(1);
                    return NonceState::InProgress {
                        retry_after: at_least_a_second(Duration::from_secs(left)),
                    };
                }
                // Expired, or a hold whose lease ran out: free.
                _ => {
                    inner.entries.remove(nonce);
                }
            }
        }
        inner.make_room(self.capacity, now);
        let lease_secs = i64::try_from(at_least_a_second(lease).as_secs()).unwrap_or(i64::MAX);
        let hold = Hold::InProgress {
            token: token.to_owned(),
            until: now.saturating_add(lease_secs),
        };
        inner.insert(nonce, expires_at, hold);
        NonceState::Claimed
    }

    fn commit_now(&self, nonce: &str, expires_at: i64, now: i64) {
        let mut inner = self.lock();
        if let Some(entry) = inner.entries.get_mut(nonce)
            && entry.expires_at == expires_at
        {
            entry.hold = Hold::Done;
            return;
        }
        inner.entries.remove(nonce);
        inner.make_room(self.capacity, now);
        inner.insert(nonce, expires_at, Hold::Done);
    }

    fn release_now(&self, nonce: &str, token: &str) {
        let mut inner = self.lock();
        if let Some(Entry {
            hold: Hold::InProgress { token: holder, .. },
            ..
        }) = inner.entries.get(nonce)
            && holder == token
        {
            inner.entries.remove(nonce);
        }
    }
}

impl Default for MemoryNonceStore {
    fn default() -> Self {
        MemoryNonceStore::new(DEFAULT_NONCE_CAPACITY)
    }
}

impl NonceStore for MemoryNonceStore {
    fn claim<'a>(
        &'a self,
        nonce: &'a str,
        token: &'a str,
        lease: Duration,
        expires_at_unix: i64,
        now_unix: i64,
    ) -> StoreFuture<'a, NonceState> {
        let state = self.claim_now(nonce, token, lease, expires_at_unix, now_unix);
        Box::pin(std::future::ready(Ok(state)))
    }

    fn commit<'a>(
        &'a self,
        nonce: &'a str,
        expires_at_unix: i64,
        now_unix: i64,
    ) -> StoreFuture<'a, ()> {
        self.commit_now(nonce, expires_at_unix, now_unix);
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, nonce: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        self.release_now(nonce, token);
        Box::pin(std::future::ready(Ok(())))
    }

    fn release_detached(&self, nonce: &str, token: &str) {
        self.release_now(nonce, token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_684_096_282;
    const LEASE: Duration = Duration::from_secs(60);

    fn claim(store: &MemoryNonceStore, nonce: &str, token: &str, now: i64) -> NonceState {
        store.claim_now(nonce, token, LEASE, NOW + 300, now)
    }

    #[test]
    fn a_nonce_goes_from_claimed_to_in_progress_to_done() {
        let store = MemoryNonceStore::default();
        assert_eq!(claim(&store, "n", "a", NOW), NonceState::Claimed);
        assert_eq!(
            claim(&store, "n", "b", NOW + 10),
            NonceState::InProgress {
                retry_after: Duration::from_secs(50)
            }
        );
        store.commit_now("n", NOW + 300, NOW + 11);
        assert_eq!(claim(&store, "n", "b", NOW + 12), NonceState::Done);
        assert_eq!(claim(&store, "n", "b", NOW + 300), NonceState::Done);
        // Past the window the timestamp check refuses it; the store forgets it.
        assert_eq!(claim(&store, "n", "b", NOW + 301), NonceState::Claimed);
    }

    #[test]
    fn a_release_frees_the_nonce_only_for_its_holder() {
        let store = MemoryNonceStore::default();
        assert_eq!(claim(&store, "n", "a", NOW), NonceState::Claimed);
        store.release_now("n", "someone-else");
        assert!(matches!(
            claim(&store, "n", "b", NOW),
            NonceState::InProgress { .. }
        ));
        store.release_now("n", "a");
        assert_eq!(claim(&store, "n", "b", NOW), NonceState::Claimed);
    }

    #[test]
    fn a_hold_ends_with_its_lease() {
        let store = MemoryNonceStore::default();
        assert_eq!(claim(&store, "n", "crashed", NOW), NonceState::Claimed);
        assert!(matches!(
            claim(&store, "n", "b", NOW + 59),
            NonceState::InProgress { retry_after } if retry_after == Duration::from_secs(1)
        ));
        assert_eq!(claim(&store, "n", "b", NOW + 60), NonceState::Claimed);
        // The first holder's late release does not free the new hold.
        store.release_now("n", "crashed");
        assert!(matches!(
            claim(&store, "n", "c", NOW + 61),
            NonceState::InProgress { .. }
        ));
    }

    #[test]
    fn the_store_is_bounded_and_forgets_expired_nonces() {
        let store = MemoryNonceStore::new(3);
        for i in 0..10 {
            assert_eq!(
                claim(&store, &format!("n{i}"), "t", NOW),
                NonceState::Claimed
            );
            store.commit_now(&format!("n{i}"), NOW + 300, NOW);
            assert!(store.len() <= 3);
        }
        assert_eq!(claim(&store, "n9", "t", NOW), NonceState::Done);
        // Expired entries make room and may be reused.
        assert_eq!(
            store.claim_now("n9", "t", LEASE, NOW + 600, NOW + 301),
            NonceState::Claimed
        );
        assert_eq!(store.len(), 1);
    }
}
