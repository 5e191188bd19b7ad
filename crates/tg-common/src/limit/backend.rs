//! Where limiter state lives: in this process, or in a shared store for several replicas.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::log::{AdmissionLog, Denial, Grant, Nanos, Slot};
use super::{Admission, MarginPolicy, Quota};
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

/// Where a granted reservation stands when its wait is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Send now.
    Due,
    /// A remote 429 since moved it: wait this much longer, then ask again.
    Wait(Duration),
    /// A remote 429 moved it past the caller's wait: it is cancelled.
    Refused(Refusal),
}

/// Storage of limiter state for one key.
///
/// A backend must check and charge every quota atomically: a refused reservation charges
/// nothing. Implementations for a shared store (Redis) let replicas share one quota.
pub trait LimiterBackend: Send + Sync + 'static {
    /// Reserves the earliest admission within `max_wait` that `admission` allows: FIFO among
    /// callers of one priority, ahead of waiting callers of a lower one, which move back (see
    /// [`Priority`](super::Priority)).
    fn reserve(
        &self,
        max_wait: Duration,
        admission: Admission,
    ) -> BackendFuture<'_, Result<Result<Reservation, Refusal>, Error>>;

    /// Returns a reservation whose caller gave up before its time.
    fn cancel(&self, reservation: Reservation) -> BackendFuture<'_, ()>;

    /// Asked when a reservation's wait is over, before sending: a pause or a caller of a higher
    /// priority since may have moved it (`Wait`), or past the caller's `remaining` wait
    /// (`Refused`). The default answers `Due`,
    /// for a backend whose pause does not move reservations already granted.
    fn confirm(
        &self,
        reservation: Reservation,
        remaining: Duration,
    ) -> BackendFuture<'_, Result<Standing, Error>> {
        let _ = (reservation, remaining);
        Box::pin(async { Ok(Standing::Due) })
    }

    /// Admits nothing for `pause` (the server answered 429), neither new reservations nor those
    /// granted and not yet due.
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
    /// The log's count of moves (a pause, a caller of a higher priority), copied under the
    /// log's lock: a waiter that saw no change since its reservation is due without taking it.
    moves: AtomicU64,
}

impl LocalBackend {
    /// A backend enforcing these quotas, with the default adaptive margin.
    pub fn new(quotas: &[Quota]) -> Self {
        LocalBackend::with_margin(quotas, MarginPolicy::DEFAULT)
    }

    /// A backend enforcing these quotas, widening their margins after a remote 429 by `policy`.
    pub fn with_margin(quotas: &[Quota], policy: MarginPolicy) -> Self {
        LocalBackend {
            base: tokio::time::Instant::now(),
            log: Mutex::new(AdmissionLog::with_margin(quotas, policy)),
            quotas: quotas.to_vec(),
            moves: AtomicU64::new(0),
        }
    }

    pub(super) fn now(&self) -> Nanos {
        super::log::nanos(tokio::time::Instant::now().saturating_duration_since(self.base))
    }

    pub(super) fn with_log<R>(&self, f: impl FnOnce(&mut AdmissionLog) -> R) -> R {
        // A panic while holding the lock cannot leave the log half-updated in a way that
        // breaks exactness (every update is a push or a remove), so recover from poisoning.
        let mut guard = match self.log.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Reserves a normal call without a future ([`LocalBackend::reserve_for`]).
    pub fn reserve_now(&self, max_wait: Duration) -> Result<Reservation, Refusal> {
        self.reserve_for(max_wait, Admission::NORMAL)
    }

    /// Reserves without a future: the fast path used by [`super::RateLimiter`].
    pub fn reserve_for(
        &self,
        max_wait: Duration,
        admission: Admission,
    ) -> Result<Reservation, Refusal> {
        let now = self.now();
        let granted = self.with_log(|log| {
            let granted = log.reserve_for(now, max_wait, admission);
            self.publish_moves(log);
            granted
        });
        match granted {
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

    /// Copies the log's count of moves, when it changed (called under the log's lock).
    fn publish_moves(&self, log: &AdmissionLog) {
        if log.moves() != self.moves.load(Ordering::Relaxed) {
            self.moves.store(log.moves(), Ordering::Release);
        }
    }

    /// Returns a reservation (synchronous form of [`LimiterBackend::cancel`]).
    pub fn cancel_now(&self, reservation: Reservation) {
        self.with_log(|log| log.cancel(reservation.id));
    }

    /// Where a reservation stands now (synchronous form of [`LimiterBackend::confirm`]; the
    /// caller's deadline was recorded when it was granted).
    pub fn standing_now(&self, reservation: Reservation) -> Standing {
        let now = self.now();
        match self.with_log(|log| log.slot(reservation.id, now)) {
            Slot::Due => Standing::Due,
            Slot::Wait(at) => Standing::Wait(Duration::from_nanos(at.saturating_sub(now))),
            Slot::Refused(d) => Standing::Refused(Refusal {
                quota: d.quota,
                retry_after: Duration::from_nanos(d.available_at.saturating_sub(now)),
            }),
        }
    }

    /// The extra margin enforced now on top of the quotas' (widened by remote 429s).
    pub fn extra_margin(&self) -> Duration {
        let now = self.now();
        self.with_log(|log| log.extra_margin(now))
    }

    /// How many times reservations were moved so far (by pauses and by callers of a higher
    /// priority): a waiter compares it with the count read before reserving, and asks
    /// [`LocalBackend::standing_now`] only when it changed.
    pub fn moves(&self) -> u64 {
        self.moves.load(Ordering::Acquire)
    }

    /// Pauses admissions and moves every reservation not yet due behind the pause (synchronous
    /// form of [`LimiterBackend::pause`]); their waiters find out when their wait is over.
    pub fn pause_now(&self, pause: Duration) {
        let now = self.now();
        let until = now.saturating_add(super::log::nanos(pause));
        self.with_log(|log| {
            log.pause_until(now, until);
            self.publish_moves(log);
        });
    }
}

impl LimiterBackend for LocalBackend {
    fn reserve(
        &self,
        max_wait: Duration,
        admission: Admission,
    ) -> BackendFuture<'_, Result<Result<Reservation, Refusal>, Error>> {
        let r = self.reserve_for(max_wait, admission);
        Box::pin(async move { Ok(r) })
    }

    fn cancel(&self, reservation: Reservation) -> BackendFuture<'_, ()> {
        self.cancel_now(reservation);
        Box::pin(async {})
    }

    fn confirm(
        &self,
        reservation: Reservation,
        _remaining: Duration,
    ) -> BackendFuture<'_, Result<Standing, Error>> {
        let s = self.standing_now(reservation);
        Box::pin(async move { Ok(s) })
    }

    fn pause(&self, pause: Duration) -> BackendFuture<'_, ()> {
        self.pause_now(pause);
        Box::pin(async {})
    }

    fn quotas(&self) -> Vec<Quota> {
        self.quotas.clone()
    }
}
