//! The rate limiter a client holds: acquire (FIFO within a priority, bounded wait) and
//! try_acquire.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::backend::{LimiterBackend, LocalBackend, Refusal, Reservation, Standing};
use super::{Admission, MarginPolicy, Priority, Quota, ReservedShare};
use crate::error::{Error, ErrorKind, RateLimitOrigin};
use crate::secret::Secret;

/// How long `acquire` waits for capacity by default before returning the rate-limited error.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10);

/// How long a key is paused after a remote 429 that carried no Retry-After.
pub const DEFAULT_REMOTE_PAUSE: Duration = Duration::from_secs(1);

/// Provider, keyed hash of the API key, quotas.
type RegistryKey = (&'static str, u64, Vec<Quota>);

#[derive(Clone)]
enum Store {
    Local(Arc<LocalBackend>),
    Shared(Arc<dyn LimiterBackend>),
}

/// A multi-window rate limiter for one API key; clones share the state.
///
/// `acquire` waits in FIFO order up to a maximum wait and otherwise fails at once with
/// [`ErrorKind::RateLimited`], naming the binding quota and when capacity returns.
/// [`RateLimiter::acquire_for`] gives a call a [`Priority`]: background calls are held to the
/// unreserved part of each window ([`RateLimiter::with_reserved_share`]), and a call waits
/// ahead of every waiting call of a lower priority.
#[derive(Clone)]
pub struct RateLimiter {
    store: Store,
    max_wait: Duration,
    /// Names it in metrics (provider and a hash of the key, set by the client's core).
    label: Option<Arc<MetricsName>>,
    share: ReservedShare,
}

/// How a limiter is named in metrics, and when (its clock, nanoseconds) it last published its
/// usage.
struct MetricsName {
    label: Arc<str>,
    published: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("quotas", &self.quotas())
            .field("max_wait", &self.max_wait)
            .field("reserved_share", &self.share)
            .finish()
    }
}

impl RateLimiter {
    /// An in-process limiter enforcing `quotas`, with the default adaptive margin
    /// ([`MarginPolicy::DEFAULT`]).
    pub fn new(quotas: &[Quota]) -> Self {
        RateLimiter::with_margin(quotas, MarginPolicy::DEFAULT)
    }

    /// An in-process limiter enforcing `quotas`, widening their margins after a remote 429 by
    /// `policy` ([`MarginPolicy::FIXED`]: never).
    pub fn with_margin(quotas: &[Quota], policy: MarginPolicy) -> Self {
        RateLimiter {
            store: Store::Local(Arc::new(LocalBackend::with_margin(quotas, policy))),
            max_wait: DEFAULT_MAX_WAIT,
            label: None,
            share: ReservedShare::NONE,
        }
    }

    /// A limiter whose state lives in `backend` (for example a store shared by replicas).
    pub fn with_backend(backend: Arc<dyn LimiterBackend>) -> Self {
        RateLimiter {
            store: Store::Shared(backend),
            max_wait: DEFAULT_MAX_WAIT,
            label: None,
            share: ReservedShare::NONE,
        }
    }

    /// The process-wide limiter for `secret` under `provider`: every client built with the same
    /// key in this process shares it. The key is identified by a keyed hash, never stored.
    pub fn shared_for_key(provider: &'static str, secret: &Secret, quotas: &[Quota]) -> Self {
        static REGISTRY: OnceLock<Mutex<HashMap<RegistryKey, RateLimiter>>> = OnceLock::new();
        static HASHER: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
        let mut h = HASHER
            .get_or_init(std::collections::hash_map::RandomState::new)
            .build_hasher();
        h.write(secret.expose().as_bytes());
        let id = (provider, h.finish(), quotas.to_vec());
        let registry = REGISTRY.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = match registry.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        map.entry(id)
            .or_insert_with(|| RateLimiter::new(quotas))
            .clone()
    }

    /// The same limiter with this default maximum wait for [`RateLimiter::acquire`].
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Publishes how much of each window is used, at most once a second (in-process state
    /// only: a shared backend's is elsewhere).
    fn publish_usage(&self, name: &MetricsName) {
        use std::sync::atomic::Ordering;
        let Some(local) = self.local() else { return };
        let now = local.now();
        let last = name.published.load(Ordering::Relaxed);
        let second = 1_000_000_000;
        if last != 0 && now.saturating_sub(last) < second {
            return;
        }
        if name
            .published
            .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        local.with_log(|log| {
            for (quota, used) in log.usage(now) {
                crate::telemetry::limiter_usage(&name.label, &quota, used);
            }
        });
    }

    /// The same limiter named `label` in metrics.
    pub(crate) fn labelled(mut self, label: Arc<str>) -> Self {
        self.label = Some(Arc::new(MetricsName {
            label,
            published: std::sync::atomic::AtomicU64::new(0),
        }));
        self
    }

    /// The default maximum wait.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// The same limiter, whose background calls through this handle leave `share` of every
    /// window to the others (nothing by default). The state stays shared with the clones.
    pub fn with_reserved_share(mut self, share: ReservedShare) -> Self {
        self.share = share;
        self
    }

    /// The share of every window this handle's background calls leave to the others.
    pub fn reserved_share(&self) -> ReservedShare {
        self.share
    }

    /// The extra margin the in-process limiter enforces now on top of the quotas' (zero until
    /// a remote 429; `None` for a shared backend).
    pub fn extra_margin(&self) -> Option<Duration> {
        match &self.store {
            Store::Local(b) => Some(b.extra_margin()),
            Store::Shared(_) => None,
        }
    }

    /// The in-process backend, when the state lives in this process.
    pub(super) fn local(&self) -> Option<&LocalBackend> {
        match &self.store {
            Store::Local(b) => Some(b),
            Store::Shared(_) => None,
        }
    }

    /// The quotas enforced.
    pub fn quotas(&self) -> Vec<Quota> {
        match &self.store {
            Store::Local(b) => b.quotas(),
            Store::Shared(b) => b.quotas(),
        }
    }

    /// Waits for capacity, at most the limiter's default maximum wait.
    pub async fn acquire(&self) -> Result<(), Error> {
        self.acquire_within(self.max_wait).await
    }

    /// Waits for capacity for a normal call, at most `max_wait`
    /// ([`RateLimiter::acquire_for`] with [`Priority::Normal`]).
    pub async fn acquire_within(&self, max_wait: Duration) -> Result<(), Error> {
        self.acquire_for(Priority::Normal, max_wait).await
    }

    /// Waits for capacity for a call of `priority`, at most `max_wait`; FIFO among waiters of
    /// one priority, ahead of waiters of a lower one. Dropping the future before its turn
    /// returns the reserved slot. A remote 429 ([`RateLimiter::pause`]) or a caller of a higher
    /// priority while waiting moves the slot back, or, if that is beyond `max_wait`, fails the
    /// call when its first slot comes.
    pub async fn acquire_for(&self, priority: Priority, max_wait: Duration) -> Result<(), Error> {
        let admission = Admission {
            priority,
            share: self.share,
        };
        let started = tokio::time::Instant::now();
        self.wait_for_slot(admission, started, max_wait).await?;
        if let Some(name) = &self.label {
            crate::telemetry::limiter_wait(&name.label, started.elapsed());
            if cfg!(feature = "metrics") {
                self.publish_usage(name);
            }
        }
        Ok(())
    }

    /// [`RateLimiter::acquire_for`] without its metric.
    async fn wait_for_slot(
        &self,
        admission: Admission,
        started: tokio::time::Instant,
        max_wait: Duration,
    ) -> Result<(), Error> {
        // Read before reserving: a pause in between is seen as a change (and looked up).
        let moves = match &self.store {
            Store::Local(b) => b.moves(),
            Store::Shared(_) => 0,
        };
        let reservation = match &self.store {
            Store::Local(b) => b.reserve_for(max_wait, admission),
            Store::Shared(b) => b.reserve(max_wait, admission).await?,
        };
        let reservation = reservation.map_err(refusal_error)?;
        if reservation.wait.is_zero() {
            return Ok(());
        }
        let guard = CancelOnDrop {
            store: &self.store,
            reservation: Some(reservation),
        };
        let mut until = tokio::time::Instant::now() + reservation.wait;
        match &self.store {
            Store::Local(b) => loop {
                tokio::time::sleep_until(until).await;
                if b.moves() == moves {
                    // Nothing moved anything since this reservation: due.
                    break;
                }
                match b.standing_now(reservation) {
                    Standing::Due => break,
                    Standing::Wait(w) => until = tokio::time::Instant::now() + w,
                    Standing::Refused(r) => {
                        guard.disarm();
                        return Err(refusal_error(r));
                    }
                }
            },
            Store::Shared(b) => loop {
                tokio::time::sleep_until(until).await;
                let remaining = max_wait.saturating_sub(started.elapsed());
                // A store that cannot answer now already counted this slot: send.
                match b.confirm(reservation, remaining).await {
                    Ok(Standing::Wait(w)) => until = tokio::time::Instant::now() + w,
                    Ok(Standing::Refused(r)) => {
                        guard.disarm();
                        return Err(refusal_error(r));
                    }
                    Ok(Standing::Due) | Err(_) => break,
                }
            },
        }
        guard.disarm();
        Ok(())
    }

    /// Takes capacity only if it is available now.
    pub fn try_acquire(&self) -> Result<(), Error> {
        match &self.store {
            Store::Local(b) => b
                .reserve_now(Duration::ZERO)
                .map(|_| ())
                .map_err(refusal_error),
            Store::Shared(_) => Err(Error::config(
                "try_acquire needs the in-process backend; use acquire_within(Duration::ZERO)",
            )),
        }
    }

    /// Admits nothing for `pause` (call it when the server answered 429): neither new callers
    /// nor callers already waiting for a slot, which move behind the pause in order.
    pub async fn pause(&self, pause: Duration) {
        match &self.store {
            Store::Local(b) => b.pause_now(pause),
            Store::Shared(b) => b.pause(pause).await,
        }
    }
}

fn refusal_error(r: Refusal) -> Error {
    let origin = match r.quota {
        Some(quota) => RateLimitOrigin::Local { quota },
        None => RateLimitOrigin::Remote,
    };
    Error::new(ErrorKind::RateLimited {
        origin,
        retry_after: Some(r.retry_after),
    })
}

struct CancelOnDrop<'a> {
    store: &'a Store,
    reservation: Option<Reservation>,
}

impl CancelOnDrop<'_> {
    fn disarm(mut self) {
        self.reservation = None;
    }
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(r) = self.reservation.take() {
            match self.store {
                Store::Local(b) => b.cancel_now(r),
                Store::Shared(b) => {
                    let b = Arc::clone(b);
                    if let Ok(handle) = tokio::runtime::Handle::try_current() {
                        handle.spawn(async move { b.cancel(r).await });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_in_fifo_order_and_max_wait_fails_fast() {
        let lim = RateLimiter::new(&[Quota::per_second(3)]).with_max_wait(Duration::from_secs(2));
        let start = Instant::now();
        let mut handles = Vec::new();
        for i in 0..12u32 {
            let lim = lim.clone();
            handles.push(tokio::spawn(async move {
                let r = lim.acquire().await;
                (i, r, start.elapsed())
            }));
            tokio::task::yield_now().await;
        }
        for h in handles {
            let (i, r, at) = h.await.unwrap();
            if i < 9 {
                // 3 now, 3 after 1 s, 3 after 2 s: within the 2 s max wait, in arrival order.
                assert!(r.is_ok(), "caller {i} refused");
                assert_eq!(at.as_secs(), u64::from(i / 3), "caller {i} at {at:?}");
            } else {
                // The 10th to 12th would wait 3 s > 2 s: refused at once, naming the quota.
                assert_eq!(at, Duration::ZERO);
                let err = r.unwrap_err();
                match err.kind() {
                    ErrorKind::RateLimited {
                        origin: RateLimitOrigin::Local { quota },
                        retry_after,
                    } => {
                        assert_eq!(*quota, Quota::per_second(3));
                        assert_eq!(*retry_after, Some(Duration::from_secs(3)));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_waiter_returns_its_slot() {
        let lim = RateLimiter::new(&[Quota::per_second(1)]);
        lim.acquire().await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(100), lim.acquire()).await;
        assert!(waiting.is_err());
        // The abandoned slot at t=1s is free again: the next caller gets it, not t=2s.
        let start = Instant::now();
        lim.acquire().await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn try_acquire_never_waits() {
        let lim = RateLimiter::new(&[Quota::per_second(2)]);
        assert!(lim.try_acquire().is_ok());
        assert!(lim.try_acquire().is_ok());
        assert!(lim.try_acquire().is_err());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(lim.try_acquire().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_all_callers() {
        let lim = RateLimiter::new(&[Quota::per_second(100)]);
        lim.pause(Duration::from_secs(3)).await;
        let err = lim.try_acquire().unwrap_err();
        assert!(err.is_rate_limited());
        let start = Instant::now();
        lim.acquire_within(Duration::from_secs(5)).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_back_callers_already_granted_a_slot() {
        let lim = RateLimiter::new(&[Quota::per_second(2)]).with_max_wait(Duration::from_secs(3));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..6 {
            let lim = lim.clone();
            handles.push(tokio::spawn(async move {
                let r = lim.acquire().await;
                (r, start.elapsed())
            }));
            tokio::task::yield_now().await;
        }
        // Granted: two at 0 s, two at 1 s, two at 2 s. A 429 at 0.5 s pauses until 2.5 s.
        tokio::time::sleep(Duration::from_millis(500)).await;
        lim.pause(Duration::from_secs(2)).await;
        let mut outcomes = Vec::new();
        for h in handles {
            outcomes.push(h.await.unwrap());
        }
        for (i, (r, at)) in outcomes.iter().enumerate() {
            match i {
                0 | 1 => assert_eq!((r.is_ok(), *at), (true, Duration::ZERO), "caller {i}"),
                // Moved behind the pause, in order: none goes out inside it.
                2 | 3 => assert_eq!(
                    (r.is_ok(), *at),
                    (true, Duration::from_millis(2500)),
                    "caller {i}"
                ),
                // 3.55 s (the 429 widened the margin by 50 ms) would exceed the 3 s maximum wait:
                // refused, as a remote limit, when their first slot comes.
                _ => {
                    assert_eq!(*at, Duration::from_secs(2), "caller {i}");
                    let err = r.as_ref().unwrap_err();
                    match err.kind() {
                        ErrorKind::RateLimited {
                            origin: RateLimitOrigin::Remote,
                            retry_after,
                        } => assert_eq!(*retry_after, Some(Duration::from_millis(1550))),
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
        // The refused callers charged nothing: the next one gets 3.55 s.
        lim.acquire_within(Duration::from_secs(5)).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(3550));
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_of_a_higher_priority_waits_ahead_of_queued_background_callers() {
        let lim = RateLimiter::new(&[Quota::per_second(1)]).with_max_wait(Duration::from_secs(9));
        let start = Instant::now();
        let mut events = Vec::new();
        for _ in 0..4 {
            let lim = lim.clone();
            events.push(tokio::spawn(async move {
                let r = lim.acquire_for(Priority::Background, lim.max_wait()).await;
                (r, start.elapsed())
            }));
            tokio::task::yield_now().await;
        }
        // Events at 0, 1, 2, 3 s; a lookup at 0.5 s goes at 1 s, not 4 s.
        tokio::time::sleep(Duration::from_millis(500)).await;
        lim.acquire_for(Priority::Interactive, Duration::from_secs(9))
            .await
            .unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        let mut at = Vec::new();
        for h in events {
            let (r, t) = h.await.unwrap();
            r.unwrap();
            at.push(t.as_secs());
        }
        assert_eq!(at, vec![0, 2, 3, 4]);
    }

    #[test]
    fn clients_with_the_same_key_share_one_limiter() {
        let q = [Quota::per_second(1)];
        let a = RateLimiter::shared_for_key("test", &Secret::new("k1"), &q);
        let b = RateLimiter::shared_for_key("test", &Secret::new("k1"), &q);
        let c = RateLimiter::shared_for_key("test", &Secret::new("k2"), &q);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            assert!(a.try_acquire().is_ok());
            assert!(b.try_acquire().is_err());
            assert!(c.try_acquire().is_ok());
        });
    }
}
