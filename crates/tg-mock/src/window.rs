//! The strict fixed-window rate limiter of the fake servers: counts arrivals per key in fixed
//! windows (like TGTrack's counters that reset every second, hour and day) at a chosen alignment.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// Fixed windows `[epoch + alignment + k*window, ... + (k+1)*window)`, one count each.
#[derive(Debug, Clone)]
pub struct FixedWindows {
    limits: Vec<(u32, Duration)>,
    epoch: Instant,
    alignment: Duration,
    counts: HashMap<(String, usize, u128), u32>,
    worst: Vec<u32>,
}

impl FixedWindows {
    /// Windows of `(count, length)`, aligned at `epoch + alignment`.
    pub fn new(limits: &[(u32, Duration)], epoch: Instant, alignment: Duration) -> Self {
        FixedWindows {
            limits: limits.to_vec(),
            epoch,
            alignment,
            counts: HashMap::new(),
            worst: vec![0; limits.len()],
        }
    }

    /// TGTrack's documented limits: 3 per second, 500 per hour, 5,000 per day.
    pub fn tgtrack(epoch: Instant, alignment: Duration) -> Self {
        FixedWindows::new(
            &[
                (3, Duration::from_secs(1)),
                (500, Duration::from_secs(3600)),
                (5000, Duration::from_secs(86_400)),
            ],
            epoch,
            alignment,
        )
    }

    fn index(&self, at: Instant, window: Duration) -> u128 {
        // Shift by one full window so arrivals just after the epoch but before the alignment
        // point fall in the window before the first aligned one.
        let since = at.saturating_duration_since(self.epoch) + window;
        let shifted = since
            .as_nanos()
            .saturating_sub(self.alignment.as_nanos() % window.as_nanos().max(1));
        shifted / window.as_nanos().max(1)
    }

    /// Counts an arrival of `key` at `at`; `false` (and nothing counted) when a window is full.
    pub fn admit(&mut self, key: &str, at: Instant) -> bool {
        let slots: Vec<(usize, u128)> = self
            .limits
            .iter()
            .enumerate()
            .map(|(i, (_, w))| (i, self.index(at, *w)))
            .collect();
        let full = slots.iter().any(|&(i, idx)| {
            let count = self
                .counts
                .get(&(key.to_owned(), i, idx))
                .copied()
                .unwrap_or(0);
            count >= self.limits[i].0
        });
        if full {
            return false;
        }
        for (i, idx) in slots {
            let c = self.counts.entry((key.to_owned(), i, idx)).or_insert(0);
            *c += 1;
            self.worst[i] = self.worst[i].max(*c);
        }
        true
    }

    /// The largest count reached in any window of each limit, in the order given.
    pub fn worst_counts(&self) -> Vec<u32> {
        self.worst.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn counts_per_fixed_window_at_the_alignment() {
        let epoch = Instant::now();
        let mut w = FixedWindows::new(
            &[(2, Duration::from_secs(1))],
            epoch,
            Duration::from_millis(500),
        );
        // Window boundaries at 0.5 s, 1.5 s, ...
        assert!(w.admit("k", epoch + Duration::from_millis(100)));
        assert!(w.admit("k", epoch + Duration::from_millis(400)));
        assert!(!w.admit("k", epoch + Duration::from_millis(499)));
        assert!(w.admit("k", epoch + Duration::from_millis(500)));
        assert!(w.admit("k", epoch + Duration::from_millis(1499)));
        assert!(!w.admit("k", epoch + Duration::from_millis(1499)));
        assert!(w.admit("other", epoch + Duration::from_millis(1499)));
        assert_eq!(w.worst_counts(), vec![2]);
    }
}
