//! How long a limiter needs to admit a backlog: [`RateLimiter::time_to_admit`].

use std::time::Duration;

use super::backend::LocalBackend;
use super::{Quota, RateLimiter};

/// The most admissions simulated on a copy of the in-process log; a larger backlog's rest is
/// projected at the quotas' rates.
const SIMULATED_MAX: u64 = 100_000;

impl RateLimiter {
    /// How long from now until `n` more requests could all have been admitted, callers already
    /// waiting first. In process it is exact: the reservations are made on a copy of the log
    /// (what was admitted, pauses, waiting callers), which is then dropped, so nothing is
    /// charged. With a shared backend the state is elsewhere: the projection assumes every
    /// window is used up now (the time fresh windows take, plus one window of the slowest quota).
    pub fn time_to_admit(&self, n: u64) -> Duration {
        if n == 0 {
            return Duration::ZERO;
        }
        let quotas = self.quotas();
        match self.local() {
            Some(local) => {
                let simulated = n.min(SIMULATED_MAX);
                let first = local.time_to_admit(simulated);
                first.saturating_add(time_to_admit_fresh(&quotas, n - simulated))
            }
            None => {
                let window = quotas.iter().map(Quota::span).max().unwrap_or_default();
                time_to_admit_fresh(&quotas, n).saturating_add(window)
            }
        }
    }
}

/// How long `n` requests take under `quotas` starting from unused windows: each quota admits
/// `count` at once, then `count` more every `window + margin`; the slowest quota decides.
pub fn time_to_admit_fresh(quotas: &[Quota], n: u64) -> Duration {
    if n == 0 {
        return Duration::ZERO;
    }
    quotas
        .iter()
        .filter(|q| q.count > 0)
        .map(|q| {
            let windows = (n - 1) / u64::from(q.count);
            q.span()
                .saturating_mul(u32::try_from(windows).unwrap_or(u32::MAX))
        })
        .max()
        .unwrap_or_default()
}

impl LocalBackend {
    /// [`RateLimiter::time_to_admit`] on a copy of the log.
    pub(super) fn time_to_admit(&self, n: u64) -> Duration {
        let now = self.now();
        let mut log = self.with_log(|log| log.clone());
        let mut last = now;
        for _ in 0..n {
            match log.reserve(now, Duration::MAX) {
                Ok(grant) => last = last.max(grant.at),
                Err(denial) => {
                    // Nothing is admitted (a quota of zero): as far as the clock goes.
                    last = last.max(denial.available_at);
                    break;
                }
            }
        }
        Duration::from_nanos(last.saturating_sub(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_windows_admit_count_at_once_then_one_window_each() {
        let q = [
            Quota::per_second(3),
            Quota::per_hour(500),
            Quota::per_day(5000),
        ];
        assert_eq!(time_to_admit_fresh(&q, 0), Duration::ZERO);
        assert_eq!(time_to_admit_fresh(&q, 3), Duration::ZERO);
        assert_eq!(time_to_admit_fresh(&q, 4), Duration::from_secs(1));
        assert_eq!(time_to_admit_fresh(&q, 2000), Duration::from_secs(3 * 3600));
        assert_eq!(time_to_admit_fresh(&q, 5001), Duration::from_secs(86_400));
    }

    #[tokio::test(start_paused = true)]
    async fn in_process_the_projection_counts_what_was_admitted_and_charges_nothing() {
        let lim = RateLimiter::new(&[Quota::per_second(2), Quota::per_hour(4)]);
        assert_eq!(lim.time_to_admit(2), Duration::ZERO);
        assert_eq!(lim.time_to_admit(4), Duration::from_secs(1));
        for _ in 0..4 {
            lim.acquire_within(Duration::from_secs(5)).await.unwrap();
        }
        // The hour's four are used: the next one is an hour after the first.
        let hour = Duration::from_secs(3600);
        assert_eq!(lim.time_to_admit(1), hour - Duration::from_secs(1));
        assert_eq!(
            lim.time_to_admit(1),
            hour - Duration::from_secs(1),
            "nothing charged"
        );
    }
}
