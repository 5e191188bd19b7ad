//! Bodies that report a bot's starts and stops: `my_bot_was_started`, `my_bot_was_stopped`,
//! `user_did_start_bot`.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tg_common::Error;

use super::StartValue;
use crate::method::{ApiMethod, MethodRequest};
use crate::validate;

/// `my_bot_was_started` (limited integration): the bot was started, with this parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MyBotWasStarted {
    /// The `start` parameter; [`StartValue::Empty`] when there was none,
    /// [`StartValue::AutoDetect`] when the bot builder cannot read it.
    pub start_value: StartValue,
}

impl MyBotWasStarted {
    /// A start with this parameter (`""` for none, `"auto_detect"` for the keyword).
    pub fn new(start_value: impl Into<StartValue>) -> Self {
        MyBotWasStarted {
            start_value: start_value.into(),
        }
    }

    /// A start whose parameter TGTrack should determine itself (`"auto_detect"`).
    pub fn auto_detect() -> Self {
        MyBotWasStarted {
            start_value: StartValue::AutoDetect,
        }
    }
}

impl MethodRequest for MyBotWasStarted {
    const METHOD: ApiMethod = ApiMethod::MyBotWasStarted;
    type Output = serde_json::Value;

    /// Checks `start_value` (empty, `auto_detect`, or a valid deep-link parameter).
    fn validate(&self) -> Result<(), Error> {
        self.start_value.validate("start_value")
    }
}

/// `my_bot_was_stopped`: a user blocked the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MyBotWasStopped {
    /// The user who blocked the bot (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
    /// When, in unix seconds; omitted means now (on the server's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<i64>,
}

impl MyBotWasStopped {
    /// A stop by this user, dated now by the server.
    pub fn new(user_id: i64) -> Self {
        MyBotWasStopped {
            user_id,
            date: None,
        }
    }

    /// The same stop dated at this unix time in seconds.
    pub fn with_date(mut self, unix_seconds: i64) -> Self {
        self.date = Some(unix_seconds);
        self
    }

    /// The same stop dated at this time (truncated to seconds).
    pub fn with_date_at(self, at: SystemTime) -> Self {
        self.with_date(super::unix_seconds(at))
    }
}

impl MethodRequest for MyBotWasStopped {
    const METHOD: ApiMethod = ApiMethod::MyBotWasStopped;
    type Output = serde_json::Value;

    /// Checks `user_id` and, when set, `date`.
    fn validate(&self) -> Result<(), Error> {
        validate::user_id("user_id", self.user_id)?;
        if let Some(date) = self.date {
            validate::unix_seconds("date", date)?;
        }
        Ok(())
    }
}

/// `user_did_start_bot`: a user started the bot, for builders that give the user's data but not
/// Telegram's update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserDidStartBot {
    /// The user who started the bot (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
    /// The user's first name (required by the document; Telegram always has one).
    pub first_name: String,
    /// The user's last name, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The username, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The user's full name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The `start` parameter, if the builder can read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_value: Option<StartValue>,
}

impl UserDidStartBot {
    /// A start by this user.
    pub fn new(user_id: i64, first_name: impl Into<String>) -> Self {
        UserDidStartBot {
            user_id,
            first_name: first_name.into(),
            last_name: None,
            username: None,
            full_name: None,
            start_value: None,
        }
    }

    /// The same start with the user's last name.
    pub fn with_last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// The same start with the user's username.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The same start with the user's full name.
    pub fn with_full_name(mut self, full_name: impl Into<String>) -> Self {
        self.full_name = Some(full_name.into());
        self
    }

    /// The same start with the `start` parameter.
    pub fn with_start_value(mut self, start_value: impl Into<StartValue>) -> Self {
        self.start_value = Some(start_value.into());
        self
    }
}

impl MethodRequest for UserDidStartBot {
    const METHOD: ApiMethod = ApiMethod::UserDidStartBot;
    type Output = serde_json::Value;

    /// Checks `user_id`, that `first_name` is not blank, and `start_value` when set.
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
}
