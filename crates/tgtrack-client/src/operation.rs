//! Every TGTrack method as a [`tg_common::Operation`]: its name, path, idempotency, the checks
//! run before sending, the JSON body and the decoding of the answer.
//!
//! Every request is `POST {base}/v1/{API_KEY}/{METHOD}` with a JSON body. The path is entry
//! [`ApiMethod::index`] of the client's [`PathTable`] (prefix `/v1/{API_KEY}`, the key a secret
//! segment, so it never appears in an error, a log line or a Debug print; no URL is formatted).
//!
//! - The typed methods ([`MyBotWasStarted`], [`MyBotWasStopped`], [`UserDidStartBot`],
//!   [`SendReachGoal`], [`AddEvent`], [`GetUserInfo`]) serialize their request value.
//! - [`Forward`] sends a caller's payload to a forwarding method byte for byte;
//!   [`SambotForward`] wraps a Telegram update as `{"webhook": ...}` by concatenating bytes.
//!
//! Only `get_user_info` is idempotent ([`ApiMethod::is_idempotent`]); its answer must carry
//! `data` ([`ApiMethod::answers_with_data`]), so its [`OkAnswer::data`] is always set.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tg_common::limit::Priority;
use tg_common::operation::PathTable;
use tg_common::transport::RequestPath;
use tg_common::{Core, Error, Idempotency, Operation, OperationPath, RawResponse, Secret};

use crate::client::Client;
use crate::envelope::{self, OkAnswer};
use crate::forward::{RawJson, RawUpdate, SambotEncoding, sambot_body};
use crate::method::ApiMethod;
use crate::model::{
    AddEvent, EventResult, GetUserInfo, MyBotWasStarted, MyBotWasStopped, SendReachGoal,
    UserDidStartBot, UserInfo,
};
use crate::validate;

/// The client's paths: `/v1/{API_KEY}/{method}` for every method of [`ApiMethod::ALL`], in
/// that order, each joined with the base URL once.
pub(crate) fn path_table(core: &Core, key: &Secret) -> Result<PathTable, Error> {
    let prefix = RequestPath::new().segment("v1").secret(key);
    PathTable::new(core, prefix, &ApiMethod::ALL.map(ApiMethod::as_str))
}

fn path(method: ApiMethod) -> OperationPath {
    OperationPath::Fixed(method.index())
}

fn idempotency(method: ApiMethod) -> Idempotency {
    if method.is_idempotent() {
        Idempotency::Idempotent
    } else {
        Idempotency::NotIdempotent
    }
}

/// A typed request's JSON body.
fn encode<T: Serialize>(request: &T) -> Result<Option<Bytes>, Error> {
    serde_json::to_vec(request)
        .map(|body| Some(Bytes::from(body)))
        .map_err(|e| Error::invalid_input("body", format!("could not be encoded: {e}")))
}

/// The envelope, with the answer's `Retry-After` in any error; an answer of a method that
/// answers with data but carries none is a decode error naming `data`.
fn decode<T: DeserializeOwned>(
    method: ApiMethod,
    response: &RawResponse,
) -> Result<OkAnswer<T>, Error> {
    // `Retry-After` matters only in an error: the headers are searched for it then (decoding
    // the failed answer again), not for every success.
    let answer = envelope::decode(response.status, &response.body, None)
        .or_else(|_| envelope::decode(response.status, &response.body, response.retry_after()))?;
    if method.answers_with_data() && answer.data.is_none() {
        return Err(Error::decode(
            response.status,
            "data",
            "the answer carries no `data`",
            &response.body,
        ));
    }
    Ok(answer)
}

/// The parts every TGTrack operation shares: `POST`, the method's name, path and idempotency,
/// and the envelope.
macro_rules! tgtrack_method {
    ($method:expr, $output:ty) => {
        type Client = Client;
        type Output = OkAnswer<$output>;

        const PRIORITY: Priority = $method.priority();

        fn name(&self) -> &'static str {
            $method.as_str()
        }

        fn method(&self) -> http::Method {
            http::Method::POST
        }

        fn idempotency(&self) -> Idempotency {
            idempotency($method)
        }

        fn path(&self) -> OperationPath {
            path($method)
        }

        fn decode(&self, _: &Client, response: RawResponse) -> Result<Self::Output, Error> {
            decode($method, &response)
        }
    };
}

impl Operation for MyBotWasStarted {
    tgtrack_method!(ApiMethod::MyBotWasStarted, serde_json::Value);

    /// Checks `start_value` (empty, `auto_detect`, or a valid start parameter).
    fn validate(&self) -> Result<(), Error> {
        self.start_value.validate("start_value")
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

impl Operation for MyBotWasStopped {
    tgtrack_method!(ApiMethod::MyBotWasStopped, serde_json::Value);

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

impl Operation for UserDidStartBot {
    tgtrack_method!(ApiMethod::UserDidStartBot, serde_json::Value);

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

impl Operation for SendReachGoal {
    tgtrack_method!(ApiMethod::SendReachGoal, serde_json::Value);

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

impl Operation for AddEvent {
    tgtrack_method!(ApiMethod::AddEvent, serde_json::Value);

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

impl Operation for GetUserInfo {
    tgtrack_method!(ApiMethod::GetUserInfo, UserInfo);

    /// Checks `user_id`.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        encode(self)
    }
}

/// A payload forwarded to `method` exactly as given: a Telegram update to
/// `on_telegram_webhook`, a builder's webhook to `my_bothelp_was_started`,
/// `win_win_was_started`, `on_toolsy_event` or `on_send_pulse_event`.
///
/// The payload was checked to be well-formed JSON when the [`RawJson`] was made; nothing else
/// is checked, and the bytes are never parsed and serialized again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Forward {
    /// The method the payload goes to.
    pub method: ApiMethod,
    /// The body, exactly as it will be sent.
    pub payload: RawJson,
}

impl Forward {
    /// `payload`, to be sent to `method` byte for byte.
    pub fn new(method: ApiMethod, payload: impl Into<RawJson>) -> Self {
        Forward {
            method,
            payload: payload.into(),
        }
    }
}

impl Operation for Forward {
    type Client = Client;
    type Output = OkAnswer<serde_json::Value>;

    /// Every forwarding method carries a start, a stop or a builder's subscriber event.
    const PRIORITY: Priority = Priority::Reserved;

    fn name(&self) -> &'static str {
        self.method.as_str()
    }

    fn method(&self) -> http::Method {
        http::Method::POST
    }

    fn idempotency(&self) -> Idempotency {
        idempotency(self.method)
    }

    fn path(&self) -> OperationPath {
        path(self.method)
    }

    /// The caller's bytes.
    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        Ok(Some(self.payload.bytes()))
    }

    fn decode(&self, _: &Client, response: RawResponse) -> Result<Self::Output, Error> {
        decode(self.method, &response)
    }
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
    tgtrack_method!(ApiMethod::SambotOnTgWebhook, serde_json::Value);

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        Ok(Some(self.body()))
    }
}
