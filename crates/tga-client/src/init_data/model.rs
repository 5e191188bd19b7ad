//! What a validated initData holds: [`InitData`], its [`WebAppUser`]s and [`WebAppChat`].
//!
//! Fields as documented at <https://core.telegram.org/bots/webapps#webappinitdata>. Unknown
//! fields are ignored when decoding the JSON objects and kept, as text, in
//! [`InitData::get`].

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::InitDataError;
use super::parse::Fields;

/// A validated initData: signed by Telegram for this bot, and fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitData {
    /// When the Mini App was opened, in Unix seconds.
    pub auth_date: u64,
    /// The user who opened the Mini App.
    pub user: Option<WebAppUser>,
    /// The chat partner, in a private chat opened from the attachment menu.
    pub receiver: Option<WebAppUser>,
    /// The chat, when opened from the attachment menu of a group, supergroup or channel.
    pub chat: Option<WebAppChat>,
    /// The type of chat the Mini App was opened from.
    pub chat_type: Option<ChatType>,
    /// A global identifier of the chat the Mini App was opened from.
    pub chat_instance: Option<String>,
    /// The `startattach` / `startapp` parameter of the link that opened the Mini App.
    pub start_param: Option<String>,
    /// The session id for `answerWebAppQuery`.
    pub query_id: Option<String>,
    /// Seconds after which a message can be sent with `answerWebAppQuery`.
    pub can_send_after: Option<u64>,
    fields: Fields,
}

/// A Telegram user as initData describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct WebAppUser {
    /// The user's (or bot's) id.
    pub id: i64,
    /// Whether this is a bot (only in `receiver`).
    #[serde(default)]
    pub is_bot: Option<bool>,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// IETF language tag of the user's language.
    #[serde(default)]
    pub language_code: Option<String>,
    /// `Some(true)` for a Telegram Premium user; Telegram omits the field otherwise.
    #[serde(default)]
    pub is_premium: Option<bool>,
    /// Whether the user added the bot to the attachment menu.
    #[serde(default)]
    pub added_to_attachment_menu: Option<bool>,
    /// Whether the user allowed the bot to message them.
    #[serde(default)]
    pub allows_write_to_pm: Option<bool>,
    /// The URL of the user's profile photo (`.jpeg` or `.svg`).
    #[serde(default)]
    pub photo_url: Option<String>,
}

/// A chat as initData describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct WebAppChat {
    /// The chat's id.
    pub id: i64,
    /// `group`, `supergroup` or `channel`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The chat's title.
    #[serde(default)]
    pub title: String,
    /// The chat's username.
    #[serde(default)]
    pub username: Option<String>,
    /// The URL of the chat's photo.
    #[serde(default)]
    pub photo_url: Option<String>,
}

/// The `chat_type` field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChatType {
    /// The user's private chat with the bot itself.
    Sender,
    /// A private chat with another user.
    Private,
    /// A group.
    Group,
    /// A supergroup.
    Supergroup,
    /// A channel.
    Channel,
    /// A type this crate does not know, as sent.
    Unknown(String),
}

impl ChatType {
    /// Reads the field.
    pub fn parse(text: &str) -> Self {
        match text {
            "sender" => ChatType::Sender,
            "private" => ChatType::Private,
            "group" => ChatType::Group,
            "supergroup" => ChatType::Supergroup,
            "channel" => ChatType::Channel,
            other => ChatType::Unknown(other.to_owned()),
        }
    }

    /// The field as Telegram sends it.
    pub fn as_str(&self) -> &str {
        match self {
            ChatType::Sender => "sender",
            ChatType::Private => "private",
            ChatType::Group => "group",
            ChatType::Supergroup => "supergroup",
            ChatType::Channel => "channel",
            ChatType::Unknown(other) => other,
        }
    }
}

impl InitData {
    /// Reads the documented fields of authenticated `fields`; `auth_date` is already checked.
    pub(crate) fn from_fields(fields: Fields, auth_date: u64) -> Result<Self, InitDataError> {
        Ok(InitData {
            auth_date,
            user: json_field(&fields, "user")?,
            receiver: json_field(&fields, "receiver")?,
            chat: json_field(&fields, "chat")?,
            chat_type: fields.get("chat_type").map(|t| ChatType::parse(t)),
            chat_instance: fields.get("chat_instance").cloned(),
            start_param: fields.get("start_param").cloned(),
            query_id: fields.get("query_id").cloned(),
            can_send_after: fields
                .get("can_send_after")
                .map(|v| {
                    v.parse().map_err(|_| {
                        InitDataError::malformed("can_send_after", "is not a number of seconds")
                    })
                })
                .transpose()?,
            fields,
        })
    }

    /// The user's id, when initData carries a user.
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    /// `auth_date` as a time.
    pub fn auth_time(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(self.auth_date))
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// Any signed field, decoded, by name (fields this crate does not model included);
    /// `hash` and `signature` too.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// Every field, decoded, sorted by name.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Decodes the JSON object in field `key`, if present.
fn json_field<T: serde::de::DeserializeOwned>(
    fields: &Fields,
    key: &'static str,
) -> Result<Option<T>, InitDataError> {
    fields
        .get(key)
        .map(|json| {
            serde_json::from_str(json).map_err(|e| {
                // The position only: serde's message would quote the input.
                InitDataError::malformed(
                    key,
                    format!("is not the documented JSON object (column {})", e.column()),
                )
            })
        })
        .transpose()
}
