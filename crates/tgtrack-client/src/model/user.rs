//! The `User` object: a Telegram user as TGTrack describes one.

use serde::{Deserialize, Serialize};

/// A Telegram user (`User` in the document).
///
/// Unknown fields are ignored when decoding; unset optional fields are omitted when encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The Telegram user id (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub id: i64,
    /// The username (nick), without `@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Whether the user has Telegram Premium; unset means no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_premium: Option<bool>,
}

impl User {
    /// A user with this id and nothing else.
    pub fn new(id: i64) -> Self {
        User {
            id,
            username: None,
            first_name: None,
            last_name: None,
            is_premium: None,
        }
    }

    /// The same user with this username.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The same user with this first name.
    pub fn with_first_name(mut self, first_name: impl Into<String>) -> Self {
        self.first_name = Some(first_name.into());
        self
    }

    /// The same user with this last name.
    pub fn with_last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// The same user with the premium flag set.
    pub fn with_premium(mut self, is_premium: bool) -> Self {
        self.is_premium = Some(is_premium);
        self
    }

    /// Whether the user has Telegram Premium (unset counts as no, as documented).
    pub fn is_premium(&self) -> bool {
        self.is_premium.unwrap_or(false)
    }
}
