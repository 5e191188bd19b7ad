//! The optional parameters of each request type, as chained setters: one trait per request
//! type, implemented for every [`HasOperation`] of it, so the same setter works on the request
//! value (`AddEvent::new(..).amount(..)`) and on its builder (`client.add_event(..).amount(..)`).
//!
//! Bring them into scope with `use tgtrack_client::prelude::*;`.

use std::time::SystemTime;

use rust_decimal::Decimal;
use tg_common::HasOperation;

use crate::forward::SambotEncoding;
use crate::model::{
    AddEvent, EventResult, Label, MyBotWasStopped, SendReachGoal, StartValue, UserDidStartBot,
    unix_seconds,
};
use crate::operation::SambotForward;

/// The optional fields of `my_bot_was_stopped`.
pub trait MyBotWasStoppedSetters: HasOperation<Operation = MyBotWasStopped> + Sized {
    /// When the user blocked the bot, in unix seconds (default: now, on the server's clock).
    fn date(mut self, unix_seconds: i64) -> Self {
        self.operation_mut().date = Some(unix_seconds);
        self
    }

    /// When the user blocked the bot (truncated to seconds).
    fn date_at(self, at: SystemTime) -> Self {
        self.date(unix_seconds(at))
    }
}

impl<T: HasOperation<Operation = MyBotWasStopped>> MyBotWasStoppedSetters for T {}

/// The optional fields of `user_did_start_bot`.
pub trait UserDidStartBotSetters: HasOperation<Operation = UserDidStartBot> + Sized {
    /// The user's last name.
    fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.operation_mut().last_name = Some(last_name.into());
        self
    }

    /// The user's Telegram username.
    fn username(mut self, username: impl Into<String>) -> Self {
        self.operation_mut().username = Some(username.into());
        self
    }

    /// The user's full name.
    fn full_name(mut self, full_name: impl Into<String>) -> Self {
        self.operation_mut().full_name = Some(full_name.into());
        self
    }

    /// The `start` parameter the bot was started with.
    fn start_value(mut self, start_value: impl Into<StartValue>) -> Self {
        self.operation_mut().start_value = Some(start_value.into());
        self
    }
}

impl<T: HasOperation<Operation = UserDidStartBot>> UserDidStartBotSetters for T {}

/// The optional fields of `send_reach_goal`.
pub trait SendReachGoalSetters: HasOperation<Operation = SendReachGoal> + Sized {
    /// When the user subscribed or started the bot, in unix seconds: a goal more than
    /// [`GOAL_WINDOW`](crate::GOAL_WINDOW) later is refused as expired, nothing sent. Never sent.
    fn started_at(mut self, unix_seconds: i64) -> Self {
        self.operation_mut().started_at = Some(unix_seconds);
        self
    }

    /// When the user subscribed or started the bot (truncated to seconds).
    fn started_at_time(self, at: SystemTime) -> Self {
        self.started_at(unix_seconds(at))
    }
}

impl<T: HasOperation<Operation = SendReachGoal>> SendReachGoalSetters for T {}

/// The optional fields of `add_event`.
pub trait AddEventSetters: HasOperation<Operation = AddEvent> + Sized {
    /// The step's result (default: [`EventResult::InProgress`], on the server).
    fn result(mut self, result: EventResult) -> Self {
        self.operation_mut().event_result = Some(result);
        self
    }

    /// When the event happened, in unix seconds (default: now, on the server's clock).
    fn date(mut self, unix_seconds: i64) -> Self {
        self.operation_mut().date = Some(unix_seconds);
        self
    }

    /// When the event happened (truncated to seconds).
    fn date_at(self, at: SystemTime) -> Self {
        self.date(unix_seconds(at))
    }

    /// A goal forwarded to the user's ad system (within 21 days of the start).
    fn conversion_target(mut self, target: impl Into<String>) -> Self {
        self.operation_mut().conversion_target = Some(target.into());
        self
    }

    /// An amount: positive for revenue, negative for cost; sent with exactly these digits.
    fn amount(mut self, amount: Decimal) -> Self {
        self.operation_mut().amount = Some(amount);
        self
    }

    /// One more analytics label.
    fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.operation_mut().labels.push(Label::new(name, value));
        self
    }

    /// More analytics labels.
    fn labels(mut self, labels: impl IntoIterator<Item = Label>) -> Self {
        self.operation_mut().labels.extend(labels);
        self
    }
}

impl<T: HasOperation<Operation = AddEvent>> AddEventSetters for T {}

/// The optional field of `sambot_on_tg_webhook`.
pub trait SambotForwardSetters: HasOperation<Operation = SambotForward> + Sized {
    /// How the update is carried in `webhook` (default: [`SambotEncoding::Object`], the
    /// update's bytes embedded verbatim).
    fn encoding(mut self, encoding: SambotEncoding) -> Self {
        self.operation_mut().encoding = encoding;
        self
    }
}

impl<T: HasOperation<Operation = SambotForward>> SambotForwardSetters for T {}
