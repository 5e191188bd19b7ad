//! TGTrack's documented limits: the default quotas, the share of them reserved for starts and
//! stops, and how long a goal stays valid. Each method's own facts (name, idempotency,
//! priority) are constants of its operation ([`crate::operation`]).

use std::time::Duration;

use tg_common::Quota;

/// The share of every window that `add_event` and `send_reach_goal` leave to starts and stops by
/// default: 20%, rounded up to whole calls (1 of 3 a second, 100 of 500 an hour, 1,000 of 5,000
/// a day). A burst of events then never keeps a start waiting past the next second, and events
/// still get four fifths of the quota.
pub const DEFAULT_RESERVED_PERCENT: u8 = 20;

/// How long after the user's subscription or start TGTrack accepts a goal: "Цель можно
/// передавать в течение 21 дня с момента подписки пользователя на канал или старта вашего бота".
pub const GOAL_WINDOW: Duration = Duration::from_secs(21 * 86_400);

/// TGTrack's documented default limits per API key: 3 requests a second, 500 an hour, 5,000 a
/// day (the server counts in fixed windows that reset every second, hour and day).
///
/// Each carries a safety margin (50 ms on the second, 1 s on the hour and the day): the limiter
/// keeps the `count`-th request before any other at least `window + margin` earlier, so network
/// delay that varies between requests cannot land one request too many in a server window.
pub const DEFAULT_QUOTAS: [Quota; 3] = [
    Quota::per_second(3).with_margin(Duration::from_millis(50)),
    Quota::per_hour(500).with_margin(Duration::from_secs(1)),
    Quota::per_day(5000).with_margin(Duration::from_secs(1)),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_quotas_match_the_document() {
        assert_eq!(DEFAULT_QUOTAS[0].to_string(), "3/second");
        assert_eq!(DEFAULT_QUOTAS[1].to_string(), "500/hour");
        assert_eq!(DEFAULT_QUOTAS[2].to_string(), "5000/day");
    }

    #[test]
    fn default_quotas_carry_the_safety_margins() {
        let margins: Vec<_> = DEFAULT_QUOTAS.iter().map(|q| q.margin).collect();
        assert_eq!(
            margins,
            [
                Duration::from_millis(50),
                Duration::from_secs(1),
                Duration::from_secs(1)
            ]
        );
    }
}
