//! Where limiter state lives: in this process, or in a shared store for several replicas.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use super::Quota;
use super::log::{AdmissionLog, Denial, Grant, Nanos};
use crate::error::Error;

/// A boxed future returned by a [`LimiterBackend`].
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A reservation as a backend answers it: wait this long, then go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// How long to wait before sending, from the moment of the answer.
    pub wait: Duration,
    /// Identifies the reservation for [`LimiterBackend::cancel`].
    pub id: u64,
}

/// A refusal as a backend answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The quota that binds (`None` while paused after a remote 429).
    pub quota: Option<Quota>,
    /// How long until capacity returns.
    pub retry_after: Duration,
}

/// Storage of limiter state for one key.
///
/// A backend must check and charge every quota atomically: a refused reservation charges
/// nothing. Implementations for a shared store (Redis) let replicas share one quota.
pub trait LimiterBackend: Send + Sync + 'static {
    /// Reserves the earliest admission within `max_wait`, in FIFO order among callers.
    fn reserve(
        &self,
        max_wait: Duration,
    ) -> BackendFuture<'_, Result<Result<Reservation, Refusal>, Error>>;

    /// Returns a reservation whose caller gave up before its time.
    fn cancel(&self, reservation: Reservation) -> BackendFuture<'_, ()>;

    /// Admits nothing for `pause` (the server answered 429).
    fn pause(&self, pause: Duration) -> BackendFuture<'_, ()>;

    /// The quotas enforced.
    fn quotas(&self) -> Vec<Quota>;
}

/// The in-process backend: one mutex around the admission log, time from tokio's clock.
#[derive(Debug)]
pub struct LocalBackend {
    base: tokio::time::Instant,
    log: Mutex<AdmissionLog>,
    quotas: Vec<Quota>,
}

impl LocalBackend {
    /// A backend enforcing these quotas.
    pub fn new(quotas: &[Quota]) -> Self {
        LocalBackend {
            base: tokio::time::Instant::now(),
            log: Mutex::new(AdmissionLog::new(quotas)),
            quotas: quotas.to_vec(),
        }
    }

    fn now(&self) -> Nanos {
        super::log::nanos(tokio::time::Instant::now().saturating_duration_since(self.base))
    }

    fn with_log<R>(&self, f: impl FnOnce(&mut AdmissionLog) -> R) -> R {
        // A panic while holding the lock cannot leave the log half-updated in a way that
        // breaks exactness (every update is a push or a remove), so recover from poisoning.
        let mut guard = match self.log.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Reserves without a future: the fast path used by [`super::RateLimiter`].
    pub fn reserve_now(&self, max_wait: Duration) -> Result<Reservation, Refusal> {
        let now = self.now();
        match self.with_log(|log| log.reserve(now, max_wait)) {
            Ok(Grant { at, seq }) => Ok(Reservation {
                wait: Duration::from_nanos(at - now),
                id: seq,
            }),
            Err(Denial {
                quota,
                available_at,
            }) => Err(Refusal {
                quota,
                retry_after: Duration::from_nanos(available_at.saturating_sub(now)),
            }),
        }
    }

    /// Returns a reservation (synchronous form of [`LimiterBackend::cancel`]).
    pub fn cancel_now(&self, reservation: Reservation) {
        self.with_log(|log| log.cancel(reservation.id));
    }

    /// Pauses admissions (synchronous form of [`LimiterBackend::pause`]).
    pub fn pause_now(&self, pause: Duration) {
        let until = self.now().saturating_add(super::log::nanos(pause));
        self.with_log(|log| log.pause_until(until));
    }
}

impl LimiterBackend for LocalBackend {
    fn reserve(
        &self,
        max_wait: Duration,
    ) -> BackendFuture<'_, Result<Result<Reservation, Refusal>, Error>> {
        let r = self.reserve_now(max_wait);
        Box::pin(async move { Ok(r) })
    }

    fn cancel(&self, reservation: Reservation) -> BackendFuture<'_, ()> {
        self.cancel_now(reservation);
        Box::pin(async {})
    }

    fn pause(&self, pause: Duration) -> BackendFuture<'_, ()> {
        self.pause_now(pause);
        Box::pin(async {})
    }

    fn quotas(&self) -> Vec<Quota> {
        self.quotas.clone()
    }
}
