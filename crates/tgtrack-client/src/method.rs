//! The TGTrack methods: their names, which of them may be retried, how they compete for the
//! key's quotas, the default quotas and the reserved share, and how long a goal stays valid.
//! Each is sent as an operation of [`crate::operation`].

use std::fmt;
use std::time::Duration;

use tg_common::Quota;
use tg_common::limit::Priority;

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

/// Every method of the TGTrack bot API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiMethod {
    /// `on_telegram_webhook`: a Telegram update, forwarded byte for byte.
    OnTelegramWebhook,
    /// `my_bot_was_started`: a start whose user is unknown, with its start parameter.
    MyBotWasStarted,
    /// `my_bot_was_stopped`: a user blocked the bot.
    MyBotWasStopped,
    /// `my_bothelp_was_started`: BotHelp's subscriber webhook, forwarded as received.
    MyBothelpWasStarted,
    /// `win_win_was_started`: Win Win Bot's new-subscriber webhook, forwarded as received.
    WinWinWasStarted,
    /// `sambot_on_tg_webhook`: a Telegram update wrapped as `{"webhook": ...}` (SamBot).
    SambotOnTgWebhook,
    /// `on_toolsy_event`: a toolsy payment event, forwarded as received.
    OnToolsyEvent,
    /// `on_send_pulse_event`: a SendPulse bot event, forwarded as received.
    OnSendPulseEvent,
    /// `user_did_start_bot`: a start with the user's data.
    UserDidStartBot,
    /// `send_reach_goal`: a deep goal forwarded to the user's ad system.
    SendReachGoal,
    /// `add_event`: a funnel event.
    AddEvent,
    /// `get_user_info`: what TGTrack knows about a user.
    GetUserInfo,
}

impl ApiMethod {
    /// Every method, in the document's order.
    pub const ALL: [ApiMethod; 12] = [
        ApiMethod::OnTelegramWebhook,
        ApiMethod::MyBotWasStarted,
        ApiMethod::MyBotWasStopped,
        ApiMethod::MyBothelpWasStarted,
        ApiMethod::WinWinWasStarted,
        ApiMethod::SambotOnTgWebhook,
        ApiMethod::OnToolsyEvent,
        ApiMethod::OnSendPulseEvent,
        ApiMethod::UserDidStartBot,
        ApiMethod::SendReachGoal,
        ApiMethod::AddEvent,
        ApiMethod::GetUserInfo,
    ];

    /// The method's name, the last segment of the URL path.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiMethod::OnTelegramWebhook => "on_telegram_webhook",
            ApiMethod::MyBotWasStarted => "my_bot_was_started",
            ApiMethod::MyBotWasStopped => "my_bot_was_stopped",
            ApiMethod::MyBothelpWasStarted => "my_bothelp_was_started",
            ApiMethod::WinWinWasStarted => "win_win_was_started",
            ApiMethod::SambotOnTgWebhook => "sambot_on_tg_webhook",
            ApiMethod::OnToolsyEvent => "on_toolsy_event",
            ApiMethod::OnSendPulseEvent => "on_send_pulse_event",
            ApiMethod::UserDidStartBot => "user_did_start_bot",
            ApiMethod::SendReachGoal => "send_reach_goal",
            ApiMethod::AddEvent => "add_event",
            ApiMethod::GetUserInfo => "get_user_info",
        }
    }

    /// The method's position in [`ApiMethod::ALL`], which is also its entry in the client's
    /// path table.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The method with this name.
    pub fn from_name(name: &str) -> Option<ApiMethod> {
        ApiMethod::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// Whether repeating the request cannot change the outcome, so a retry after an ambiguous
    /// failure (a reset connection, a 500) is safe.
    ///
    /// Only `get_user_info` is: every other method records a start, a stop, an event or a goal,
    /// and a repeat may be counted twice (reports, ad-system conversions).
    pub const fn is_idempotent(self) -> bool {
        matches!(self, ApiMethod::GetUserInfo)
    }

    /// How calls of the method compete for the key's quotas: starts, stops and the builders'
    /// webhooks are [`Priority::Reserved`] (the share of each window kept from background
    /// calls is theirs), `add_event` and `send_reach_goal` [`Priority::Background`],
    /// `get_user_info` [`Priority::Interactive`] (a caller waits for it: it goes before every
    /// waiting call).
    pub const fn priority(self) -> Priority {
        match self {
            ApiMethod::SendReachGoal | ApiMethod::AddEvent => Priority::Background,
            ApiMethod::GetUserInfo => Priority::Interactive,
            _ => Priority::Reserved,
        }
    }

    /// Whether a successful answer must carry `data` (only `get_user_info`'s does).
    pub const fn answers_with_data(self) -> bool {
        matches!(self, ApiMethod::GetUserInfo)
    }

    /// Whether the method forwards a caller's payload verbatim instead of a typed body.
    pub const fn is_forwarding(self) -> bool {
        matches!(
            self,
            ApiMethod::OnTelegramWebhook
                | ApiMethod::MyBothelpWasStarted
                | ApiMethod::WinWinWasStarted
                | ApiMethod::SambotOnTgWebhook
                | ApiMethod::OnToolsyEvent
                | ApiMethod::OnSendPulseEvent
        )
    }
}

impl fmt::Display for ApiMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_and_stops_are_reserved_events_and_goals_background_lookups_interactive() {
        let reserved: Vec<_> = ApiMethod::ALL
            .into_iter()
            .filter(|m| m.priority() == Priority::Reserved)
            .map(ApiMethod::as_str)
            .collect();
        for lifecycle in [
            "on_telegram_webhook",
            "sambot_on_tg_webhook",
            "my_bot_was_started",
            "my_bot_was_stopped",
            "user_did_start_bot",
        ] {
            assert!(reserved.contains(&lifecycle), "{lifecycle}");
        }
        assert_eq!(ApiMethod::AddEvent.priority(), Priority::Background);
        assert_eq!(ApiMethod::SendReachGoal.priority(), Priority::Background);
        assert_eq!(ApiMethod::GetUserInfo.priority(), Priority::Interactive);
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<_> = ApiMethod::ALL.iter().map(|m| m.as_str()).collect();
        for m in ApiMethod::ALL {
            assert_eq!(ApiMethod::from_name(m.as_str()), Some(m));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 12);
        assert_eq!(ApiMethod::from_name("bot_was_started"), None);
        for (i, m) in ApiMethod::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i, "{m}");
        }
    }

    #[test]
    fn only_get_user_info_is_idempotent() {
        let idempotent: Vec<_> = ApiMethod::ALL
            .into_iter()
            .filter(|m| m.is_idempotent())
            .collect();
        assert_eq!(idempotent, [ApiMethod::GetUserInfo]);
    }

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
