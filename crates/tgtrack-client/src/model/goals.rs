//! Bodies that report what a user did after the start: `send_reach_goal` and `add_event`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{EventResult, Label};

/// `send_reach_goal`: a deep goal, forwarded to the ad system the user came from (within 21
/// days of the subscription or start).
///
/// The request carries no date: a goal is "older than the window" when the user's subscription
/// or start, if the caller gives it ([`SendReachGoal::started_at`], never sent), was more than
/// [`GOAL_WINDOW`](crate::GOAL_WINDOW) ago; such a goal is refused before sending with
/// [`ErrorKind::Expired`](tg_common::ErrorKind::Expired).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendReachGoal {
    /// The user who reached the goal (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
    /// The goal's identifier in the ad system (`userDidSharePhone`).
    pub target: String,
    /// When the user subscribed or started the bot, in unix seconds, if known: checked against
    /// the 21-day window before sending, never sent.
    #[serde(skip)]
    pub started_at: Option<i64>,
}

impl SendReachGoal {
    /// This user reached this goal.
    pub fn new(user_id: i64, target: impl Into<String>) -> Self {
        SendReachGoal {
            user_id,
            target: target.into(),
            started_at: None,
        }
    }
}

/// `add_event`: a subscriber-lifecycle event (a funnel step, a sale, a qualified lead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddEvent {
    /// The user the event is about (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
    /// The event's type, shown in reports as a funnel step.
    pub event_type: String,
    /// The step's result; omitted means [`EventResult::InProgress`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_result: Option<EventResult>,
    /// When, in unix seconds; omitted means now (on the server's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<i64>,
    /// A goal forwarded to the user's ad system (within 21 days of the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_target: Option<String>,
    /// An amount: positive for revenue, negative for cost. Sent as a JSON number with exactly
    /// these digits (`1500.00`). The service keeps it as a float, so `validate` refuses an
    /// amount a double cannot hold exactly (see [`crate::validate::float_amount`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::wire::amount::option"
    )]
    pub amount: Option<Decimal>,
    /// Extra analytics labels; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
}

impl AddEvent {
    /// An event of this type about this user.
    pub fn new(user_id: i64, event_type: impl Into<String>) -> Self {
        AddEvent {
            user_id,
            event_type: event_type.into(),
            event_result: None,
            date: None,
            conversion_target: None,
            amount: None,
            labels: Vec::new(),
        }
    }
}
