//! The exact multi-window admission log: the pure state behind every limiter backend.
//!
//! Times are nanoseconds on one monotonic clock. For each quota the log keeps the admission
//! times that can still matter, sorted. A new admission at `t` is allowed when, for every quota
//! `(N, T)` with margin `m`, the N-th most recent admission is at or before `t - (T + m)`. Then
//! any interval of length `T + m`, at any alignment, holds at most N admissions; removing an
//! admission (a cancelled reservation) only widens the gaps, so the property survives refunds.

use std::collections::VecDeque;
use std::time::Duration;

use super::Quota;

/// Nanoseconds on the limiter's clock.
pub type Nanos = u64;

/// Converts a duration to nanoseconds, saturating.
pub fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A granted reservation: the admission time to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The reserved admission time.
    pub at: Nanos,
}

/// A refused reservation: capacity does not return within the allowed wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    /// The quota that binds (`None` when the key is paused after a remote 429).
    pub quota: Option<Quota>,
    /// The earliest time a request could be admitted.
    pub available_at: Nanos,
}

#[derive(Debug, Clone)]
struct Window {
    quota: Quota,
    span: Nanos,
    count: usize,
    admitted: VecDeque<Nanos>,
}

impl Window {
    /// The earliest time this window admits one more request.
    fn earliest(&self) -> Nanos {
        if self.count == 0 {
            return Nanos::MAX;
        }
        if self.admitted.len() < self.count {
            return 0;
        }
        let nth_latest = self.admitted[self.admitted.len() - self.count];
        nth_latest.saturating_add(self.span)
    }

    fn prune(&mut self, now: Nanos) {
        while let Some(&front) = self.admitted.front() {
            if front.saturating_add(self.span) <= now {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
    }
}

/// The admission log of one key across all its quotas.
#[derive(Debug, Clone)]
pub struct AdmissionLog {
    windows: Vec<Window>,
    paused_until: Nanos,
}

impl AdmissionLog {
    /// A log enforcing these quotas.
    pub fn new(quotas: &[Quota]) -> Self {
        AdmissionLog {
            windows: quotas
                .iter()
                .map(|q| Window {
                    quota: *q,
                    span: nanos(q.span()),
                    count: q.count as usize,
                    admitted: VecDeque::with_capacity((q.count as usize).min(64)),
                })
                .collect(),
            paused_until: 0,
        }
    }

    /// The quotas enforced.
    pub fn quotas(&self) -> impl Iterator<Item = &Quota> {
        self.windows.iter().map(|w| &w.quota)
    }

    /// Reserves the earliest admission at or after `now`, after every earlier reservation (FIFO),
    /// if it is no later than `now + max_wait`. Charges every quota, or none when refused.
    pub fn reserve(&mut self, now: Nanos, max_wait: Duration) -> Result<Grant, Denial> {
        let mut at = now.max(self.paused_until);
        let mut binding: Option<Quota> = None;
        for w in &mut self.windows {
            w.prune(now);
            // FIFO: never before an admission already reserved.
            if let Some(&last) = w.admitted.back() {
                at = at.max(last);
            }
        }
        for w in &self.windows {
            let e = w.earliest();
            if e > at {
                at = e;
                binding = Some(w.quota);
            }
        }
        if at == Nanos::MAX || at - now > nanos(max_wait) {
            let quota = binding.or_else(|| {
                // The wait comes from an earlier reservation or a pause: name the tightest quota
                // that is full, if any.
                self.windows
                    .iter()
                    .filter(|w| w.admitted.len() >= w.count)
                    .max_by_key(|w| w.earliest())
                    .map(|w| w.quota)
            });
            return Err(Denial {
                quota,
                available_at: at,
            });
        }
        for w in &mut self.windows {
            w.admitted.push_back(at);
        }
        Ok(Grant { at })
    }

    /// Returns a reservation that was not used (its waiter gave up before its time).
    pub fn cancel(&mut self, grant: Grant) {
        for w in &mut self.windows {
            // Remove the latest entry equal to `at`: entries are sorted.
            if let Some(pos) = w.admitted.iter().rposition(|&t| t == grant.at) {
                w.admitted.remove(pos);
            }
        }
    }

    /// Admits nothing before `until` (a remote 429 answered).
    pub fn pause_until(&mut self, until: Nanos) {
        self.paused_until = self.paused_until.max(until);
    }

    /// How many admissions each quota currently remembers (for tests and metrics).
    pub fn remembered(&self) -> Vec<usize> {
        self.windows.iter().map(|w| w.admitted.len()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn tgtrack() -> Vec<Quota> {
        vec![
            Quota::per_second(3),
            Quota::per_hour(500),
            Quota::per_day(5000),
        ]
    }

    #[test]
    fn a_burst_of_n_is_admitted_at_once() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        for _ in 0..3 {
            assert_eq!(
                log.reserve(10 * S, Duration::ZERO),
                Ok(Grant { at: 10 * S })
            );
        }
        let d = log.reserve(10 * S, Duration::ZERO).unwrap_err();
        assert_eq!(d.available_at, 11 * S);
        assert_eq!(d.quota, Some(Quota::per_second(3)));
    }

    #[test]
    fn waiting_reservations_are_fifo_and_spaced_exactly() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        let times: Vec<Nanos> = (0..9)
            .map(|_| log.reserve(0, Duration::from_secs(10)).unwrap().at)
            .collect();
        assert_eq!(times, vec![0, 0, 0, S, S, S, 2 * S, 2 * S, 2 * S]);
    }

    #[test]
    fn refusal_charges_nothing() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3), Quota::per_day(4)]);
        for _ in 0..3 {
            log.reserve(0, Duration::ZERO).unwrap();
        }
        // The 4th waits a second for the per-second quota: refused with no wait allowed.
        assert!(log.reserve(0, Duration::ZERO).is_err());
        assert_eq!(log.remembered(), vec![3, 3]);
        // A day later the daily quota refused the 5th: the per-second window stayed clean.
        log.reserve(S, Duration::ZERO).unwrap();
        let d = log
            .reserve(S + S / 2, Duration::from_secs(3600))
            .unwrap_err();
        assert_eq!(d.quota, Some(Quota::per_day(4)));
        assert_eq!(d.available_at, 86_400 * S);
        assert_eq!(log.remembered(), vec![1, 4]);
    }

    #[test]
    fn daily_quota_refuses_at_once_naming_the_quota() {
        let mut log = AdmissionLog::new(&tgtrack());
        let mut now = 0;
        let mut admitted = 0;
        while admitted < 5000 {
            match log.reserve(now, Duration::from_secs(5)) {
                Ok(g) => {
                    now = g.at;
                    admitted += 1;
                }
                Err(d) => now = d.available_at,
            }
        }
        let d = log.reserve(now, Duration::from_secs(5)).unwrap_err();
        assert_eq!(d.quota, Some(Quota::per_day(5000)));
        assert_eq!(d.available_at, 86_400 * S);
    }

    #[test]
    fn cancel_returns_the_slot() {
        let mut log = AdmissionLog::new(&[Quota::per_second(1)]);
        log.reserve(0, Duration::ZERO).unwrap();
        let g = log.reserve(0, Duration::from_secs(5)).unwrap();
        assert_eq!(g.at, S);
        log.cancel(g);
        assert_eq!(log.reserve(0, Duration::from_secs(5)).unwrap().at, S);
    }

    #[test]
    fn pause_delays_everything() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        log.pause_until(5 * S);
        let d = log.reserve(0, Duration::from_secs(1)).unwrap_err();
        assert_eq!(d.available_at, 5 * S);
        assert_eq!(log.reserve(0, Duration::from_secs(5)).unwrap().at, 5 * S);
    }

    #[test]
    fn margin_widens_the_spacing() {
        let q = Quota::per_second(2).with_margin(Duration::from_millis(50));
        let mut log = AdmissionLog::new(&[q]);
        let t: Vec<Nanos> = (0..4)
            .map(|_| log.reserve(0, Duration::from_secs(5)).unwrap().at)
            .collect();
        assert_eq!(t, vec![0, 0, S + 50_000_000, S + 50_000_000]);
    }

    #[test]
    fn zero_count_quota_never_admits() {
        let mut log = AdmissionLog::new(&[Quota::per_second(0)]);
        let d = log.reserve(0, Duration::from_secs(100)).unwrap_err();
        assert_eq!(d.available_at, Nanos::MAX);
    }
}
