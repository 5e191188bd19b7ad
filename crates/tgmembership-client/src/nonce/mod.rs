//! The nonces of webhook deliveries, held so that each event is handled at least once and a
//! handled one is not handled again: a [`NonceStore`] (in memory, or in Redis with the `redis`
//! feature) and the [`DeliveryClaim`] a receiver holds while its handler runs.
//!
//! A nonce goes through three states. [`NonceStore::claim`] holds it as *in progress* for a
//! lease; [`DeliveryClaim::commit`] marks it *done* (after the handler answered 2xx) until the
//! delivery's timestamp leaves the tolerance window; [`DeliveryClaim::release`] (after a non-2xx
//! answer or a panic) or dropping the claim (the connection went away) forgets it, so the
//! service's retry reaches the handler again. A hold nobody commits or releases (a crashed
//! replica) ends with its lease.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::{DEFAULT_NONCE_CAPACITY, MemoryNonceStore};
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_REDIS_TIMEOUT, RedisNonceStore};

/// What a [`NonceStore`] method returns: a boxed future, so that stores can be `dyn`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, NonceStoreError>> + Send + 'a>>;

/// The state of a nonce as [`NonceStore::claim`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// It was free: it is now held by the caller's token, for the lease.
    Claimed,
    /// Another delivery with this nonce is being handled; its hold ends within `retry_after`.
    InProgress {
        /// How long the other hold's lease still runs (at least 1 s).
        retry_after: Duration,
    },
    /// A delivery with this nonce was handled (committed) within the window: a replay.
    Done,
}

/// Holds nonces through *in progress* and *done* (below).
/// Implement it over a shared store when several replicas receive the same webhook URL; the
/// default, [`MemoryNonceStore`], protects one process only. Every method must answer within a
/// bounded time and must never block the async runtime.
///
/// A nonce goes through three states. [`NonceStore::claim`] holds it as *in progress* for a
/// lease; [`DeliveryClaim::commit`] marks it *done* (after the handler answered 2xx) until the
/// delivery's timestamp leaves the tolerance window; [`DeliveryClaim::release`] (after a non-2xx
/// answer or a panic) or dropping the claim (the connection went away) forgets it, so the
/// service's retry reaches the handler again. A hold nobody commits or releases (a crashed
/// replica) ends with its lease.
pub trait NonceStore: Send + Sync + fmt::Debug {
    /// Holds `nonce` for `token` for `lease` if it is neither held nor done. Atomic: two
    /// concurrent claims of one nonce cannot both return [`NonceState::Claimed`].
    /// `expires_at_unix` is when the delivery's timestamp leaves the window (a done nonce need
    /// not be kept longer); `now_unix` is the verifier's clock.
    fn claim<'a>(
        &'a self,
        nonce: &'a str,
        token: &'a str,
        lease: Duration,
        expires_at_unix: i64,
        now_unix: i64,
    ) -> StoreFuture<'a, NonceState>;

    /// Marks `nonce` done until `expires_at_unix`: the delivery was handled.
    fn commit<'a>(
        &'a self,
        nonce: &'a str,
        expires_at_unix: i64,
        now_unix: i64,
    ) -> StoreFuture<'a, ()>;

    /// Forgets `nonce` if `token` still holds it (a hold whose lease ran out and that another
    /// claim took is left alone).
    fn release<'a>(&'a self, nonce: &'a str, token: &'a str) -> StoreFuture<'a, ()>;

    /// [`release`](Self::release) from a `Drop`: must not block or wait. The default polls the
    /// release once and leaves the hold to its lease if it is not done at once; a store doing
    /// I/O finishes it in the background instead.
    fn release_detached(&self, nonce: &str, token: &str) {
        use futures_util::FutureExt;
        let _ = self.release(nonce, token).now_or_never();
    }
}

/// Why a [`NonceStore`] could not answer. The delivery is refused with a retryable answer (503):
/// it is neither handled nor recorded.
#[derive(Debug, Clone)]
pub struct NonceStoreError {
    kind: NonceStoreErrorKind,
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// The kind of a [`NonceStoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NonceStoreErrorKind {
    /// The store did not answer within its timeout.
    Timeout,
    /// The store could not be reached (connection refused, reset, closed).
    Unavailable,
    /// The store answered with an error or an answer that makes no sense.
    Failed,
}

impl NonceStoreError {
    /// An error of `kind` described by `message`, caused by `source` if given.
    pub fn new(
        kind: NonceStoreErrorKind,
        message: impl Into<String>,
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        NonceStoreError {
            kind,
            message: message.into(),
            source,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> NonceStoreErrorKind {
        self.kind
    }
}

impl PartialEq for NonceStoreError {
    /// Equal when kind and message are (the causes are not compared).
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for NonceStoreError {}

impl fmt::Display for NonceStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NonceStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A nonce held *in progress* while its delivery is handled. [`commit`](Self::commit) it after
/// the handler succeeded; [`release`](Self::release) it after a failure. Dropped without either
/// (a panic, a dropped connection), it is released in the background.
#[must_use = "a claim is released when dropped: commit it once the event is handled"]
#[derive(Debug)]
pub struct DeliveryClaim {
    store: Arc<dyn NonceStore>,
    nonce: String,
    token: String,
    expires_at_unix: i64,
    open: bool,
}

impl DeliveryClaim {
    pub(crate) fn new(
        store: Arc<dyn NonceStore>,
        nonce: &str,
        token: String,
        expires_at_unix: i64,
    ) -> Self {
        DeliveryClaim {
            store,
            nonce: nonce.to_owned(),
            token,
            expires_at_unix,
            open: true,
        }
    }

    /// The nonce held.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// Marks the nonce done: the same delivery again within the window is a replay. On an
    /// error the hold is released (a retry is handled again: at least once).
    pub async fn commit(self) -> Result<(), NonceStoreError> {
        self.commit_at(crate::webhook::now_unix()).await
    }

    /// [`commit`](Self::commit) against `now_unix`.
    pub async fn commit_at(mut self, now_unix: i64) -> Result<(), NonceStoreError> {
        let result = self
            .store
            .commit(&self.nonce, self.expires_at_unix, now_unix)
            .await;
        if result.is_ok() {
            self.open = false;
        }
        result
    }

    /// Forgets the nonce, so that the service's retry of this delivery is handled again.
    pub async fn release(mut self) -> Result<(), NonceStoreError> {
        self.open = false;
        self.store.release(&self.nonce, &self.token).await
    }
}

impl Drop for DeliveryClaim {
    fn drop(&mut self) {
        if self.open {
            self.store.release_detached(&self.nonce, &self.token);
        }
    }
}

/// A token no other claim (of this process or, with overwhelming probability, another) has.
pub(crate) fn new_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // `RandomState` is seeded from the OS's randomness once per process.
    let seed = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{seed:016x}-{}-{n}", std::process::id())
}

/// Whole seconds, rounded up, at least 1: a `Retry-After`.
pub(crate) fn at_least_a_second(d: Duration) -> Duration {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    Duration::from_secs(secs.max(1))
}
