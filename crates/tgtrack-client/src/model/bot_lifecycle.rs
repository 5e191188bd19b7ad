//! Bodies that report a bot's starts and stops: `my_bot_was_started`, `my_bot_was_stopped`,
//! `user_did_start_bot`.

use serde::{Deserialize, Serialize};

use super::StartValue;

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
}
