//! The adaptive jitter margin: widened after a remote 429, narrowed slowly, bounded.
//!
//! A quota's own margin absorbs the network-delay jitter the client expects. When the server
//! still answers 429 (more jitter than that, or a window the client cannot see), the limiter adds
//! an extra margin to every window: a 429 at extra `e` makes it `2e + step`, at most `max`, and
//! remembers `e + step` as a floor (`e` was not enough). Each `narrow_every` without a remote 429
//! takes one `step` off the extra, down to the floor; each `forget_every` without one halves the
//! floor. So a transient spike costs throughput for a while, not for ever,
//! and steady jitter settles at a margin that fits it, probed again only rarely. A 429 within
//! `settle` of the last widening (an answer to a request sent before it) does not widen again,
//! but restarts the quiet time.

use std::time::Duration;

use super::log::{Nanos, nanos};

/// How the extra margin follows remote 429s. The margin a window enforces is its quota's margin
/// plus an extra between zero and `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginPolicy {
    /// Added on each widening (after doubling the current extra).
    pub step: Duration,
    /// The largest extra margin.
    pub max: Duration,
    /// Quiet time (no remote 429) that takes one `step` off the extra, down to the floor.
    pub narrow_every: Duration,
    /// Quiet time that halves the floor (the last extra found too small, plus a step).
    pub forget_every: Duration,
    /// A 429 this soon after a widening does not widen again.
    pub settle: Duration,
}

impl MarginPolicy {
    /// The default: steps of 50 ms, at most 1 s extra, the extra narrowed a step per 5 quiet
    /// minutes and the floor halved per quiet hour, 2 s to settle.
    pub const DEFAULT: MarginPolicy = MarginPolicy {
        step: Duration::from_millis(50),
        max: Duration::from_secs(1),
        narrow_every: Duration::from_secs(300),
        forget_every: Duration::from_secs(3600),
        settle: Duration::from_secs(2),
    };

    /// Never widens: the quotas' own margins only.
    pub const FIXED: MarginPolicy = MarginPolicy {
        step: Duration::ZERO,
        max: Duration::ZERO,
        ..MarginPolicy::DEFAULT
    };
}

impl Default for MarginPolicy {
    fn default() -> Self {
        MarginPolicy::DEFAULT
    }
}

/// The extra margin's state, on the limiter's clock (nanoseconds).
#[derive(Debug, Clone)]
pub struct AdaptiveMargin {
    step: Nanos,
    max: Nanos,
    narrow_every: Nanos,
    forget_every: Nanos,
    settle: Nanos,
    /// The extra and the floor at `since`, the last remote 429.
    extra: Nanos,
    floor: Nanos,
    since: Nanos,
    widened_at: Option<Nanos>,
}

impl AdaptiveMargin {
    /// No extra margin yet.
    pub fn new(policy: MarginPolicy) -> Self {
        AdaptiveMargin {
            step: nanos(policy.step),
            max: nanos(policy.max),
            narrow_every: nanos(policy.narrow_every).max(1),
            forget_every: nanos(policy.forget_every).max(1),
            settle: nanos(policy.settle),
            extra: 0,
            floor: 0,
            since: 0,
            widened_at: None,
        }
    }

    /// The largest extra this policy can reach.
    pub fn max(&self) -> Nanos {
        self.max
    }

    /// The floor at `now`.
    fn floor(&self, now: Nanos) -> Nanos {
        let quiet = now.saturating_sub(self.since);
        let halvings = u32::try_from(quiet / self.forget_every).unwrap_or(u32::MAX);
        let floor = self.floor.checked_shr(halvings).unwrap_or(0);
        // Under a millisecond is no floor.
        if floor < 1_000_000 { 0 } else { floor }
    }

    /// The extra margin at `now`.
    pub fn current(&self, now: Nanos) -> Nanos {
        if self.extra == 0 && self.floor == 0 {
            // Never widened: the common case, without the divisions.
            return 0;
        }
        let steps = now.saturating_sub(self.since) / self.narrow_every;
        self.extra
            .saturating_sub(steps.saturating_mul(self.step))
            .max(self.floor(now))
            .min(self.max)
    }

    /// A remote 429 at `now`.
    pub fn widen(&mut self, now: Nanos) {
        let current = self.current(now);
        let floor = self.floor(now);
        let settling = self
            .widened_at
            .is_some_and(|w| now.saturating_sub(w) < self.settle);
        if settling {
            (self.extra, self.floor) = (current, floor);
        } else {
            self.widened_at = Some(now);
            self.extra = current
                .saturating_mul(2)
                .saturating_add(self.step)
                .min(self.max);
            self.floor = current.saturating_add(self.step).min(self.max);
        }
        self.since = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;
    const MIN: Nanos = 60_000 * MS;

    #[test]
    fn widens_doubling_up_to_the_bound_and_narrows_a_step_per_quiet_period() {
        let mut m = AdaptiveMargin::new(MarginPolicy::DEFAULT);
        assert_eq!(m.current(0), 0);
        let mut t = 0;
        let mut seen = Vec::new();
        for _ in 0..3 {
            t += 3_000 * MS;
            m.widen(t);
            seen.push(m.current(t) / MS);
        }
        assert_eq!(seen, vec![50, 150, 350]);
        // One step off per 5 quiet minutes, down to the floor: 150 was too small, so 200.
        assert_eq!(m.current(t + 5 * MIN - 1) / MS, 350);
        assert_eq!(m.current(t + 5 * MIN) / MS, 300);
        assert_eq!(m.current(t + 15 * MIN) / MS, 200);
        assert_eq!(m.current(t + 59 * MIN) / MS, 200);
        // The floor halves per quiet hour.
        assert_eq!(m.current(t + 60 * MIN) / MS, 100);
        assert_eq!(m.current(t + 120 * MIN) / MS, 50);
        assert_eq!(m.current(t + 600 * MIN), 0);
        // Bounded: 350 -> 750 -> 1000 (the maximum), and no further; from there the floor is the
        // maximum and halves each quiet hour (4 h to 62.5 ms).
        for _ in 0..3 {
            t += 3_000 * MS;
            m.widen(t);
        }
        assert_eq!(m.current(t) / MS, 1000);
        assert_eq!(m.current(t + 100 * MIN) / MS, 500);
        assert_eq!(m.current(t + 240 * MIN) * 10 / MS, 625);
    }

    #[test]
    fn a_429_while_settling_does_not_widen_again_but_restarts_the_quiet_time() {
        let mut m = AdaptiveMargin::new(MarginPolicy::DEFAULT);
        m.widen(10_000 * MS);
        m.widen(10_500 * MS);
        m.widen(11_900 * MS);
        assert_eq!(m.current(11_900 * MS) / MS, 50);
        assert_eq!(m.current(11_900 * MS + 5 * MIN - 1) / MS, 50);
        m.widen(12_000 * MS);
        assert_eq!(m.current(12_000 * MS) / MS, 150);
    }

    #[test]
    fn the_fixed_policy_never_widens() {
        let mut m = AdaptiveMargin::new(MarginPolicy::FIXED);
        m.widen(0);
        m.widen(10_000 * MS);
        assert_eq!(m.current(10_000 * MS), 0);
    }
}
