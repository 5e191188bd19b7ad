//! Request builders of the typed methods: the body's optional fields as chained setters, the
//! per-call options, and `send`, which validates before anything is sent.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rust_decimal::Decimal;
use tg_common::Error;

use super::Client;
use super::calls::{CallOptions, local};
use crate::envelope::OkAnswer;
use crate::method::MethodRequest;
use crate::model::{
    AddEvent, EventResult, GetUserInfo, Label, MyBotWasStarted, MyBotWasStopped, SendReachGoal,
    StartValue, UserDidStartBot,
};

/// A request to a typed method, ready to send with [`RequestBuilder::send`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send().await`"]
pub struct RequestBuilder<B> {
    client: Client,
    body: B,
    options: CallOptions,
}

/// `my_bot_was_started`, ready to send.
pub type MyBotWasStartedBuilder = RequestBuilder<MyBotWasStarted>;
/// `my_bot_was_stopped`, ready to send.
pub type MyBotWasStoppedBuilder = RequestBuilder<MyBotWasStopped>;
/// `user_did_start_bot`, ready to send.
pub type UserDidStartBotBuilder = RequestBuilder<UserDidStartBot>;
/// `send_reach_goal`, ready to send.
pub type SendReachGoalBuilder = RequestBuilder<SendReachGoal>;
/// `add_event`, ready to send.
pub type AddEventBuilder = RequestBuilder<AddEvent>;
/// `get_user_info`, ready to send.
pub type GetUserInfoBuilder = RequestBuilder<GetUserInfo>;

impl<B: MethodRequest> RequestBuilder<B> {
    pub(super) fn new(client: Client, body: B) -> Self {
        RequestBuilder {
            client,
            body,
            options: CallOptions::default(),
        }
    }

    /// The body as it will be sent.
    pub fn body(&self) -> &B {
        &self.body
    }

    /// Allows retrying this call after an ambiguous failure (a timeout, a reset connection, a
    /// 500 or 503) although the method is not idempotent: a repeat may be counted twice.
    pub fn retry_unsafe(mut self) -> Self {
        self.options.retry_unsafe = true;
        self
    }

    /// This call's maximum wait for the rate limiter, instead of the client's.
    pub fn max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.options.max_rate_wait = Some(max_wait);
        self
    }

    /// Validates the body ([`MethodRequest::validate`]), then sends it.
    ///
    /// Invalid input fails with [`tg_common::ErrorKind::InvalidInput`] and nothing is sent;
    /// TGTrack's error answers are [`tg_common::ErrorKind::Api`] errors holding a
    /// [`TgtrackApiError`](crate::TgtrackApiError).
    pub async fn send(self) -> Result<OkAnswer<B::Output>, Error> {
        let method = B::METHOD;
        let body = self
            .body
            .validate()
            .and_then(|()| encode(&self.body))
            .map_err(|e| local(e, method))?;
        self.client.execute(method, body, self.options).await
    }
}

fn encode<B: MethodRequest>(body: &B) -> Result<Bytes, Error> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::invalid_input("body", format!("could not be encoded: {e}")))
}

impl RequestBuilder<MyBotWasStopped> {
    /// When the user blocked the bot, in unix seconds (default: now, on the server's clock).
    pub fn date(mut self, unix_seconds: i64) -> Self {
        self.body = self.body.with_date(unix_seconds);
        self
    }

    /// When the user blocked the bot (truncated to seconds).
    pub fn date_at(mut self, at: SystemTime) -> Self {
        self.body = self.body.with_date_at(at);
        self
    }
}

impl RequestBuilder<UserDidStartBot> {
    /// The user's last name.
    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.body = self.body.with_last_name(last_name);
        self
    }

    /// The user's Telegram username.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.body = self.body.with_username(username);
        self
    }

    /// The user's full name.
    pub fn full_name(mut self, full_name: impl Into<String>) -> Self {
        self.body = self.body.with_full_name(full_name);
        self
    }

    /// The `start` parameter the bot was started with.
    pub fn start_value(mut self, start_value: impl Into<StartValue>) -> Self {
        self.body = self.body.with_start_value(start_value);
        self
    }
}

impl RequestBuilder<AddEvent> {
    /// The step's result (default: [`EventResult::InProgress`], on the server).
    pub fn result(mut self, result: EventResult) -> Self {
        self.body = self.body.with_result(result);
        self
    }

    /// When the event happened, in unix seconds (default: now, on the server's clock).
    pub fn date(mut self, unix_seconds: i64) -> Self {
        self.body = self.body.with_date(unix_seconds);
        self
    }

    /// When the event happened (truncated to seconds).
    pub fn date_at(mut self, at: SystemTime) -> Self {
        self.body = self.body.with_date_at(at);
        self
    }

    /// A goal forwarded to the user's ad system (within 21 days of the start).
    pub fn conversion_target(mut self, target: impl Into<String>) -> Self {
        self.body = self.body.with_conversion_target(target);
        self
    }

    /// An amount: positive for revenue, negative for cost; sent with exactly these digits.
    pub fn amount(mut self, amount: Decimal) -> Self {
        self.body = self.body.with_amount(amount);
        self
    }

    /// One more analytics label.
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.body = self.body.with_label(name, value);
        self
    }

    /// More analytics labels.
    pub fn labels(mut self, labels: impl IntoIterator<Item = Label>) -> Self {
        self.body.labels.extend(labels);
        self
    }
}
