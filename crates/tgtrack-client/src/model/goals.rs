//! Bodies that report what a user did after the start: `send_reach_goal` and `add_event`.

use std::time::SystemTime;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tg_common::Error;

use super::{EventResult, Label};
use crate::method::{ApiMethod, MethodRequest};
use crate::validate;

/// `send_reach_goal`: a deep goal, forwarded to the ad system the user came from (within 21
/// days of the subscription or start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendReachGoal {
    /// The user who reached the goal (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
    /// The goal's identifier in the ad system (`userDidSharePhone`).
    pub target: String,
}

impl SendReachGoal {
    /// This user reached this goal.
    pub fn new(user_id: i64, target: impl Into<String>) -> Self {
        SendReachGoal {
            user_id,
            target: target.into(),
        }
    }
}

impl MethodRequest for SendReachGoal {
    const METHOD: ApiMethod = ApiMethod::SendReachGoal;
    type Output = serde_json::Value;

    /// Checks `user_id` and that `target` is not blank.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)?;
        validate::not_blank("target", &self.target)?;
        validate::bounded_text("target", &self.target, validate::MAX_TEXT_LEN)
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

    /// The same event with this result.
    pub fn with_result(mut self, result: EventResult) -> Self {
        self.event_result = Some(result);
        self
    }

    /// The same event dated at this unix time in seconds.
    pub fn with_date(mut self, unix_seconds: i64) -> Self {
        self.date = Some(unix_seconds);
        self
    }

    /// The same event dated at this time (truncated to seconds).
    pub fn with_date_at(self, at: SystemTime) -> Self {
        self.with_date(super::unix_seconds(at))
    }

    /// The same event with a goal for the user's ad system.
    pub fn with_conversion_target(mut self, target: impl Into<String>) -> Self {
        self.conversion_target = Some(target.into());
        self
    }

    /// The same event with an amount (positive revenue, negative cost).
    pub fn with_amount(mut self, amount: Decimal) -> Self {
        self.amount = Some(amount);
        self
    }

    /// The same event with one more label.
    pub fn with_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push(Label::new(name, value));
        self
    }
}

impl MethodRequest for AddEvent {
    const METHOD: ApiMethod = ApiMethod::AddEvent;
    type Output = serde_json::Value;

    /// Checks `user_id`, that `event_type` is not blank, that `event_result` is a documented
    /// value, `date` and `conversion_target` when set, and every label's name.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)?;
        validate::not_blank("event_type", &self.event_type)?;
        validate::bounded_text("event_type", &self.event_type, validate::MAX_TEXT_LEN)?;
        if let Some(EventResult::Unknown(other)) = &self.event_result {
            return Err(Error::invalid_input(
                "event_result",
                format!("`{other}` is not one of in_progress, success, failure"),
            ));
        }
        if let Some(date) = self.date {
            validate::unix_seconds("date", date)?;
        }
        if let Some(amount) = &self.amount {
            validate::float_amount("amount", amount)?;
        }
        if let Some(target) = &self.conversion_target {
            validate::not_blank("conversion_target", target)?;
            validate::bounded_text("conversion_target", target, validate::MAX_TEXT_LEN)?;
        }
        for (i, label) in self.labels.iter().enumerate() {
            label.validate_at(&format!("labels[{i}]"))?;
        }
        Ok(())
    }
}
