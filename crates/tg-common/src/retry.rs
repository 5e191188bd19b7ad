//! When to retry: a pure decision function, backoff with full jitter, and a retry budget.
//!
//! Only what is safe is retried. A request the server refused without processing it (429, a
//! connection that was never established) may be retried whatever it is; a request the server
//! may have processed (timeout, reset, 5xx) only when it is idempotent, or when the caller opted
//! in for that call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::error::RetrySafety;

/// Whether repeating a request can repeat its effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Repeating it is harmless (GET, DELETE, lookups).
    Idempotent,
    /// Repeating it may create a second invoice or count an event twice.
    NotIdempotent,
}

/// Retry settings of a client.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The first backoff step.
    pub base_delay: Duration,
    /// The largest backoff step.
    pub max_delay: Duration,
    /// The longest Retry-After honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
    /// Full jitter on (production) or off (deterministic tests).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry), before jitter:
    /// `base * 2^(retry-1)`, capped at `max_delay` ([`Backoff::ceiling`]).
    pub fn backoff(&self, retry: u32) -> Duration {
        self.as_backoff().ceiling(retry.saturating_sub(1))
    }

    /// The policy's backoff steps as a [`Backoff`].
    pub fn as_backoff(&self) -> Backoff {
        Backoff {
            initial: self.base_delay,
            max: self.max_delay,
            max_retry_after: self.max_retry_after,
        }
    }
}

/// Exponential backoff with full jitter: the one formula of the clients' retries
/// ([`RetryPolicy`]) and of the TGA tracker's. Before retry `n` (from 0) the wait is a random
/// time between zero and `min(max, initial * 2^n)`, and at least the server's Retry-After (up to
/// `max_retry_after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait.
    pub initial: Duration,
    /// The largest ceiling.
    pub max: Duration,
    /// The longest Retry-After honoured.
    pub max_retry_after: Duration,
}

impl Default for Backoff {
    /// 500 ms doubling to 30 s; Retry-After honoured up to 10 minutes (the TGA tracker's).
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The ceiling of the wait before retry `attempt` (from 0): `initial * 2^attempt`, capped.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The ceiling scaled by `jitter` (clamped to `[0, 1]`): full jitter with a given draw.
    pub fn jittered(&self, attempt: u32, jitter: f64) -> Duration {
        self.ceiling(attempt).mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// A random wait before retry `attempt`, at least `retry_after` (capped at
    /// `max_retry_after`).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let floor = retry_after.unwrap_or_default().min(self.max_retry_after);
        self.jittered(attempt, rand::random::<f64>()).max(floor)
    }
}

/// The retry safety of an HTTP status, or of a provider's error code read as one: the one
/// status table of every client and of the TGA tracker (reasons in `docs/reliability.md`).
///
/// 429 [`Always`](RetrySafety::Always): refused unprocessed. 408, 425 and every 5xx but 501,
/// 505 and 511 [`IfIdempotent`](RetrySafety::IfIdempotent): transient, but the request may
/// have been processed. Everything else (2xx/3xx/4xx, 501, 505, 511)
/// [`Never`](RetrySafety::Never): the same request gets the same answer.
pub const fn status_safety(status: u16) -> RetrySafety {
    match status {
        429 => RetrySafety::Always,
        501 | 505 | 511 => RetrySafety::Never,
        408 | 425 | 500..=599 => RetrySafety::IfIdempotent,
        _ => RetrySafety::Never,
    }
}

/// Whether a retry may succeed after an answer with this status ([`status_safety`] is not
/// [`Never`](RetrySafety::Never)), for a sender that repeats every request (the TGA tracker).
pub const fn is_retryable_status(status: u16) -> bool {
    !matches!(status_safety(status), RetrySafety::Never)
}

/// The outcome of one attempt, as the retry decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Whether a retry may help and when it is safe.
    pub safety: RetrySafety,
    /// A delay the server asked for.
    pub retry_after: Option<Duration>,
}

/// Why no retry follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// The failure is permanent.
    NotRetryable,
    /// The request may have been processed and is not idempotent.
    NotIdempotent,
    /// `max_attempts` reached.
    AttemptsExhausted,
    /// The server asked for a longer wait than `max_retry_after`.
    RetryAfterTooLong,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Retry after this delay.
    Retry(Duration),
    /// Stop and return the error.
    Stop(GiveUp),
}

/// Decides whether to retry after `attempt` attempts (1 after the first) ended in `outcome`.
///
/// `jitter` is a number in `[0, 1)`; with `policy.jitter` on, the backoff is scaled by it (full
/// jitter). A Retry-After is honoured when it is longer than the backoff.
pub(crate) fn decide(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    attempt: u32,
    outcome: Outcome,
    jitter: f64,
) -> Decision {
    match outcome.safety {
        RetrySafety::Never => return Decision::Stop(GiveUp::NotRetryable),
        RetrySafety::IfIdempotent if idempotency == Idempotency::NotIdempotent => {
            return Decision::Stop(GiveUp::NotIdempotent);
        }
        _ => {}
    }
    if attempt >= policy.max_attempts {
        return Decision::Stop(GiveUp::AttemptsExhausted);
    }
    let steps = policy.as_backoff();
    let retry = attempt.saturating_sub(1);
    let backoff = if policy.jitter {
        steps.jittered(retry, jitter)
    } else {
        steps.ceiling(retry)
    };
    match outcome.retry_after {
        Some(ra) if ra > policy.max_retry_after => Decision::Stop(GiveUp::RetryAfterTooLong),
        Some(ra) => Decision::Retry(backoff.max(ra)),
        None => Decision::Retry(backoff),
    }
}

/// A retry budget shared by all calls of a client, so an outage does not multiply traffic.
///
/// Each retry withdraws [`RetryBudget::RETRY_COST`] tokens; each success returns one, up to the
/// capacity. With the defaults, at most one retry per ten successful requests is sustained.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
}

impl RetryBudget {
    /// Tokens one retry costs.
    pub const RETRY_COST: u32 = 10;

    /// A budget holding `capacity` tokens, full.
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            tokens: AtomicU32::new(capacity),
            capacity,
        }
    }

    /// Takes the cost of one retry; `false` when the budget is spent.
    pub fn try_withdraw(&self) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                t.checked_sub(Self::RETRY_COST)
            })
            .is_ok()
    }

    /// Returns one token after a success.
    pub fn deposit(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < self.capacity).then_some(t + 1)
            });
    }

    /// Tokens left.
    #[cfg(test)]
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Idempotency::*;
    use RetrySafety::*;

    #[test]
    fn status_table() {
        assert_eq!(status_safety(429), Always);
        for s in [408, 425, 500, 502, 503, 504, 507, 520, 599] {
            assert_eq!(status_safety(s), IfIdempotent, "{s}");
        }
        for s in [200, 304, 400, 401, 404, 413, 422, 501, 505, 511, 600, 0] {
            assert_eq!(status_safety(s), Never, "{s}");
        }
        assert!(is_retryable_status(429) && is_retryable_status(408) && is_retryable_status(503));
        assert!(!is_retryable_status(501) && !is_retryable_status(400));
    }

    fn fixed() -> RetryPolicy {
        RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        }
    }

    const fn o(safety: RetrySafety, retry_after_ms: Option<u64>) -> Outcome {
        Outcome {
            safety,
            retry_after: match retry_after_ms {
                Some(ms) => Some(Duration::from_millis(ms)),
                None => None,
            },
        }
    }

    #[test]
    fn decision_table() {
        let ms = Duration::from_millis;
        let table: &[(Idempotency, u32, Outcome, Decision)] = &[
            // 429 / never connected: safe for anything.
            (NotIdempotent, 1, o(Always, None), Decision::Retry(ms(200))),
            (
                NotIdempotent,
                1,
                o(Always, Some(1500)),
                Decision::Retry(ms(1500)),
            ),
            (
                Idempotent,
                2,
                o(Always, Some(100)),
                Decision::Retry(ms(400)),
            ),
            // Timeouts, resets, 5xx: only idempotent requests.
            (
                Idempotent,
                1,
                o(IfIdempotent, None),
                Decision::Retry(ms(200)),
            ),
            (
                Idempotent,
                2,
                o(IfIdempotent, None),
                Decision::Retry(ms(400)),
            ),
            (
                NotIdempotent,
                1,
                o(IfIdempotent, None),
                Decision::Stop(GiveUp::NotIdempotent),
            ),
            // Permanent failures never.
            (
                Idempotent,
                1,
                o(Never, None),
                Decision::Stop(GiveUp::NotRetryable),
            ),
            (
                NotIdempotent,
                1,
                o(Never, Some(10)),
                Decision::Stop(GiveUp::NotRetryable),
            ),
            // Attempts exhausted.
            (
                Idempotent,
                3,
                o(IfIdempotent, None),
                Decision::Stop(GiveUp::AttemptsExhausted),
            ),
            (
                NotIdempotent,
                3,
                o(Always, None),
                Decision::Stop(GiveUp::AttemptsExhausted),
            ),
            // Retry-After beyond the cap ends the retries.
            (
                Idempotent,
                1,
                o(Always, Some(60_000)),
                Decision::Stop(GiveUp::RetryAfterTooLong),
            ),
        ];
        for (i, (idem, attempt, outcome, want)) in table.iter().enumerate() {
            let got = decide(&fixed(), *idem, *attempt, *outcome, 0.5);
            assert_eq!(got, *want, "row {i}");
        }
    }

    #[test]
    fn the_policy_steps_are_the_backoff_formula() {
        let p = RetryPolicy::default();
        let b = p.as_backoff();
        for retry in 1..40 {
            assert_eq!(p.backoff(retry), b.ceiling(retry - 1), "retry {retry}");
        }
        for attempt in 0..40 {
            let wait = b.delay(attempt, None);
            assert!(wait <= b.ceiling(attempt));
            assert_eq!(b.jittered(attempt, 1.0), b.ceiling(attempt));
            assert_eq!(b.jittered(attempt, -3.0), Duration::ZERO);
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 20,
            ..fixed()
        };
        let steps: Vec<u128> = (1..=7).map(|r| p.backoff(r).as_millis()).collect();
        assert_eq!(steps, vec![200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn full_jitter_scales_the_step() {
        let p = RetryPolicy::default();
        let at = |j| decide(&p, Idempotent, 2, o(IfIdempotent, None), j);
        assert_eq!(at(0.0), Decision::Retry(Duration::ZERO));
        assert_eq!(at(0.5), Decision::Retry(Duration::from_millis(200)));
        assert_eq!(
            at(0.999_999),
            Decision::Retry(Duration::from_nanos(399_999_600))
        );
    }

    #[test]
    fn budget_caps_retries_and_refills_on_success() {
        let b = RetryBudget::new(25);
        assert!(b.try_withdraw());
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
        assert_eq!(b.available(), 5);
        for _ in 0..100 {
            b.deposit();
        }
        assert_eq!(b.available(), 25);
    }

    #[test]
    fn never_policy_does_not_retry() {
        let d = decide(&RetryPolicy::none(), Idempotent, 1, o(Always, None), 0.3);
        assert_eq!(d, Decision::Stop(GiveUp::AttemptsExhausted));
    }
}
