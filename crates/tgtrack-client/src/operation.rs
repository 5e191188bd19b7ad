//! Every TGTrack method as a [`tg_common::Operation`]: its facts as constants (name, path,
//! idempotency, priority), the checks run before sending, the JSON body and the decoding of
//! the answer.
//!
//! Every request is `POST {base}/v1/{API_KEY}/{METHOD}` with a JSON body; the prefix
//! `/v1/{API_KEY}` holds the key as a secret segment, so it never appears in an error, a log
//! line or a Debug print (no URL is formatted).
//!
//! - The typed methods ([`MyBotWasStarted`], [`MyBotWasStopped`], [`UserDidStartBot`],
//!   [`SendReachGoal`], [`AddEvent`], [`GetUserInfo`]) serialize their request value.
//! - The forwarding methods ([`OnTelegramWebhook`], [`MyBothelpWasStarted`],
//!   [`WinWinWasStarted`], [`OnToolsyEvent`], [`OnSendPulseEvent`]) send a caller's payload byte
//!   for byte; [`SambotForward`] wraps a Telegram update as `{"webhook": ...}` by concatenating
//!   bytes.
//!
//! Only `get_user_info` is idempotent: every other method records a start, a stop, an event or
//! a goal, and a repeat may be counted twice. Its answer must carry `data`, so its
//! [`OkAnswer::data`] is always set. Starts, stops and the builders' webhooks are
//! [`Priority::Reserved`] (the share of each window kept from background calls is theirs),
//! `add_event` and `send_reach_goal` [`Priority::Background`], `get_user_info`
//! [`Priority::Interactive`] (a caller waits for it).
//!
//! Each request type's optional fields follow its operation, as a setter trait implemented for
//! every [`HasOperation`] of it, so the same setter works on the request value
//! (`AddEvent::new(..).amount(..)`) and on its builder (`client.add_event(..).amount(..)`). A
//! new method is its request type (in `model/`, or here for a forwarded payload), its operation
//! and setters here, and its method on the client in `client/mod.rs`.

use bytes::Bytes;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::SystemTime;
use tg_common::limit::Priority;
use tg_common::transport::RequestPath;

use rust_decimal::Decimal;
use tg_common::{Error, HasOperation, Idempotency, Operation, RawResponse, Secret};

use crate::client::Client;
use crate::envelope::{self, OkAnswer};
use crate::forward::{RawJson, RawUpdate, SambotEncoding, sambot_body};
use crate::model::{
    AddEvent, EventResult, GetUserInfo, Label, MyBotWasStarted, MyBotWasStopped, SendReachGoal,
    StartValue, UserDidStartBot, UserInfo, unix_seconds,
};
use crate::validate;

/// `/v1/{API_KEY}`, the path every method goes below; the key a secret segment.
pub(crate) fn prefix(key: &Secret) -> RequestPath {
    RequestPath::new().segment("v1").secret(key)
}

/// A typed request's JSON body.
fn encode<T: Serialize>(request: &T) -> Result<Option<Bytes>, Error> {
    serde_json::to_vec(request)
        .map(|body| Some(Bytes::from(body)))
        .map_err(|e| Error::invalid_input("body", format!("could not be encoded: {e}")))
}

/// The envelope, with the answer's `Retry-After` in any error.
fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<OkAnswer<T>, Error> {
    envelope::decode(response.status, &response.body, response.retry_after())
}

/// A method's facts: `"add_event", Background, NotIdempotent => Value` is the method
/// `add_event`, sent as `POST .../add_event` with that priority, not retried after an ambiguous
/// failure, its answer decoded through the envelope (`facts` alone leaves the decoding to the
/// operation).
macro_rules! tgtrack_method {
    (facts $name:literal, $priority:ident, $idempotency:ident => $output:ty) => {
        type Client = Client;
        type Output = OkAnswer<$output>;

        const NAME: &'static str = $name;
        const METHOD: Method = Method::POST;
        const PATH: &'static str = $name;
        const IDEMPOTENCY: Idempotency = Idempotency::$idempotency;
        const PRIORITY: Priority = Priority::$priority;
    };
    ($name:literal, $priority:ident, $idempotency:ident => $output:ty) => {
        tgtrack_method!(facts $name, $priority, $idempotency => $output);

        fn decode(&self, _: &Client, response: RawResponse) -> Result<Self::Output, Error> {
            decode(&response)
        }
    };
}

impl Operation for MyBotWasStarted {
    tgtrack_method!("my_bot_was_started", Reserved, NotIdempotent => serde_json::Value);

    /// Checks `start_value` (empty, `auto_detect`, or a valid start parameter).
    fn validate(&self) -> Result<(), Error> {
        self.start_value.validate("start_value")
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

impl Operation for MyBotWasStopped {
    tgtrack_method!("my_bot_was_stopped", Reserved, NotIdempotent => serde_json::Value);

    /// Checks `user_id` and, when set, `date`.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)?;
        if let Some(date) = self.date {
            validate::unix_seconds("date", date)?;
        }
        Ok(())
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

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

impl Operation for UserDidStartBot {
    tgtrack_method!("user_did_start_bot", Reserved, NotIdempotent => serde_json::Value);

    /// Checks `user_id`, that `first_name` is not blank, the lengths of the names, and
    /// `start_value` when set.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)?;
        validate::not_blank("first_name", &self.first_name)?;
        validate::bounded_text("first_name", &self.first_name, validate::MAX_NAME_LEN)?;
        let optional = [
            ("last_name", &self.last_name, validate::MAX_NAME_LEN),
            ("username", &self.username, validate::MAX_USERNAME_LEN),
            ("full_name", &self.full_name, validate::MAX_FULL_NAME_LEN),
        ];
        for (field, text, max) in optional {
            if let Some(text) = text {
                validate::bounded_text(field, text, max)?;
            }
        }
        if let Some(start) = &self.start_value {
            start.validate("start_value")?;
        }
        Ok(())
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

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

impl Operation for SendReachGoal {
    tgtrack_method!("send_reach_goal", Background, NotIdempotent => serde_json::Value);

    /// Checks `user_id`, that `target` is not blank, and, when the user's start is known, that
    /// the goal is within [`GOAL_WINDOW`](crate::GOAL_WINDOW) of it (else
    /// [`ErrorKind::Expired`](tg_common::ErrorKind::Expired)).
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)?;
        validate::not_blank("target", &self.target)?;
        validate::bounded_text("target", &self.target, validate::MAX_TEXT_LEN)?;
        if let Some(started_at) = self.started_at {
            validate::within_goal_window("started_at", started_at)?;
        }
        Ok(())
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

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

impl Operation for AddEvent {
    tgtrack_method!("add_event", Background, NotIdempotent => serde_json::Value);

    /// Checks `user_id`, that `event_type` is not blank, that `event_result` is a documented
    /// value, `date`, `amount` and `conversion_target` when set, and every label.
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

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

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

impl Operation for GetUserInfo {
    tgtrack_method!(facts "get_user_info", Interactive, Idempotent => UserInfo);

    /// Checks `user_id`.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }

    /// The envelope; an answer without `data` is a decode error naming `data`.
    fn decode(&self, _: &Client, response: RawResponse) -> Result<Self::Output, Error> {
        let answer = decode(&response)?;
        if answer.data.is_none() {
            return Err(Error::decode(
                response.status,
                "data",
                "the answer carries no `data`",
                &response.body,
            ));
        }
        Ok(answer)
    }
}

/// Forwarding methods: each sends a caller's payload exactly as given. The payload was checked
/// to be well-formed JSON when the [`RawJson`] was made; nothing else is checked, and the bytes
/// are never parsed and serialized again. Each carries a start, a stop or a builder's
/// subscriber event, so each is [`Priority::Reserved`].
macro_rules! forwarding {
    ($($(#[$doc:meta])* $request:ident = $name:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $request {
            /// The body, exactly as it will be sent.
            pub payload: RawJson,
        }

        impl $request {
            /// `payload`, to be sent byte for byte.
            pub fn new(payload: impl Into<RawJson>) -> Self {
                $request {
                    payload: payload.into(),
                }
            }
        }

        impl Operation for $request {
            tgtrack_method!($name, Reserved, NotIdempotent => serde_json::Value);

            /// The caller's bytes.
            fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
                Ok(Some(self.payload.bytes()))
            }
        }
    )*};
}

forwarding! {
    /// `on_telegram_webhook`: a Telegram update, forwarded byte for byte.
    OnTelegramWebhook = "on_telegram_webhook";
    /// `my_bothelp_was_started`: BotHelp's subscriber webhook, forwarded as received.
    MyBothelpWasStarted = "my_bothelp_was_started";
    /// `win_win_was_started`: Win Win Bot's new-subscriber webhook, forwarded as received.
    WinWinWasStarted = "win_win_was_started";
    /// `on_toolsy_event`: a toolsy payment event, forwarded as received.
    OnToolsyEvent = "on_toolsy_event";
    /// `on_send_pulse_event`: a SendPulse bot event, forwarded as received.
    OnSendPulseEvent = "on_send_pulse_event";
}

/// `sambot_on_tg_webhook`: a Telegram update wrapped as `{"webhook": ...}` by concatenating
/// bytes, so the update inside stays as given (see [`sambot_body`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SambotForward {
    /// The update, exactly as received.
    pub update: RawUpdate,
    /// How the update is carried in `webhook` (default: [`SambotEncoding::Object`], the
    /// update's bytes embedded verbatim).
    pub encoding: SambotEncoding,
}

impl SambotForward {
    /// This update, embedded verbatim.
    pub fn new(update: RawUpdate) -> Self {
        SambotForward {
            update,
            encoding: SambotEncoding::default(),
        }
    }

    /// The body as it will be sent.
    pub fn body(&self) -> Bytes {
        sambot_body(&self.update, self.encoding)
    }
}

impl Operation for SambotForward {
    tgtrack_method!("sambot_on_tg_webhook", Reserved, NotIdempotent => serde_json::Value);

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        Ok(Some(self.body()))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each listed operation's name, path, idempotency and priority.
    macro_rules! facts {
        ($($op:ty),* $(,)?) => {
            [$((<$op>::NAME, <$op>::PATH, <$op>::IDEMPOTENCY, <$op>::PRIORITY)),*]
        };
    }

    #[test]
    fn starts_and_stops_are_reserved_events_and_goals_background_lookups_interactive() {
        let all = facts!(
            OnTelegramWebhook,
            MyBotWasStarted,
            MyBotWasStopped,
            MyBothelpWasStarted,
            WinWinWasStarted,
            SambotForward,
            OnToolsyEvent,
            OnSendPulseEvent,
            UserDidStartBot,
            SendReachGoal,
            AddEvent,
            GetUserInfo,
        );
        let mut names: Vec<_> = all.iter().map(|f| f.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 12);
        for (name, path, idempotency, priority) in all {
            assert_eq!(name, path, "the path is the method's name");
            let expected = match name {
                "add_event" | "send_reach_goal" => Priority::Background,
                "get_user_info" => Priority::Interactive,
                _ => Priority::Reserved,
            };
            assert_eq!(priority, expected, "{name}");
            let idempotent = idempotency == Idempotency::Idempotent;
            assert_eq!(
                idempotent,
                name == "get_user_info",
                "only get_user_info: {name}"
            );
        }
    }
}
