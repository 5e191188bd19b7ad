//! A quota: at most `count` requests in any interval of length `window`.

use std::fmt;
use std::time::Duration;

/// At most `count` requests in any interval of length `window`, at any alignment.
///
/// `margin` widens the window the limiter enforces, to absorb network-delay jitter between the
/// client's clock and the server's arrival time: the limiter keeps `count` admissions at least
/// `window + margin` apart. It is the minimum: after remote 429s the limiter adds an adaptive
/// extra ([`MarginPolicy`](super::MarginPolicy)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    /// The largest number of requests in one window.
    pub count: u32,
    /// The window's length.
    pub window: Duration,
    /// Extra spacing enforced on top of `window`.
    pub margin: Duration,
}

impl Quota {
    /// `count` requests per `window`, with no margin.
    pub const fn new(count: u32, window: Duration) -> Self {
        Quota {
            count,
            window,
            margin: Duration::ZERO,
        }
    }

    /// `count` requests per second.
    pub const fn per_second(count: u32) -> Self {
        Quota::new(count, Duration::from_secs(1))
    }

    /// `count` requests per hour.
    pub const fn per_hour(count: u32) -> Self {
        Quota::new(count, Duration::from_secs(3600))
    }

    /// `count` requests per day.
    pub const fn per_day(count: u32) -> Self {
        Quota::new(count, Duration::from_secs(86_400))
    }

    /// The same quota with this safety margin.
    pub const fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The spacing the limiter enforces between an admission and the `count`-th before it.
    pub fn span(&self) -> Duration {
        self.window + self.margin
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.window;
        match w.as_secs() {
            1 if w.subsec_nanos() == 0 => write!(f, "{}/second", self.count),
            60 if w.subsec_nanos() == 0 => write!(f, "{}/minute", self.count),
            3600 if w.subsec_nanos() == 0 => write!(f, "{}/hour", self.count),
            86_400 if w.subsec_nanos() == 0 => write!(f, "{}/day", self.count),
            _ => write!(f, "{} per {:?}", self.count, w),
        }
    }
}
