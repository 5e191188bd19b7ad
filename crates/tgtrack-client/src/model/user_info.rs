//! `get_user_info`: its request body and the user data it answers with.

use serde::{Deserialize, Serialize};

/// `get_user_info`: asks what TGTrack knows about a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetUserInfo {
    /// The Telegram user id (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
}

impl GetUserInfo {
    /// Asks about this user.
    pub fn new(user_id: i64) -> Self {
        GetUserInfo { user_id }
    }
}

/// What TGTrack knows about a user: the `data` of a `get_user_info` answer.
///
/// Dates are unix seconds with `0` meaning none, as documented; a missing or `null` date or
/// text decodes as `0` or `""`. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The Telegram user id (a JSON string on the wire).
    #[serde(with = "super::wire::user_id")]
    pub user_id: i64,
    /// The first subscription (start), unix seconds; `0` if none.
    #[serde(default, deserialize_with = "super::wire::null_as_zero::deserialize")]
    pub first_join_date: i64,
    /// The latest subscription (start), unix seconds; `0` if none.
    #[serde(default, deserialize_with = "super::wire::null_as_zero::deserialize")]
    pub last_join_date: i64,
    /// The source of the first subscription (the tracking link's name, e.g. `Яндекс.Директ`).
    #[serde(default, deserialize_with = "super::wire::null_as_empty::deserialize")]
    pub invite_link: String,
    /// When the user unsubscribed (blocked the bot), unix seconds; `0` if not.
    #[serde(default, deserialize_with = "super::wire::null_as_zero::deserialize")]
    pub left_date: i64,
    /// The user's first name in Telegram.
    #[serde(default, deserialize_with = "super::wire::null_as_empty::deserialize")]
    pub first_name: String,
    /// The user's last name (shown in the document's example, not in its table); `None` when
    /// the answer omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The username; empty if the user has none.
    #[serde(default, deserialize_with = "super::wire::null_as_empty::deserialize")]
    pub username: String,
    /// UTM `source` of the first subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    /// UTM `medium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_medium: Option<String>,
    /// UTM `content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_content: Option<String>,
    /// UTM `campaign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_campaign: Option<String>,
    /// UTM `term`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_term: Option<String>,
}

impl UserInfo {
    /// The first subscription time, if there was one.
    pub fn first_joined_at(&self) -> Option<i64> {
        (self.first_join_date > 0).then_some(self.first_join_date)
    }

    /// The latest subscription time, if there was one.
    pub fn last_joined_at(&self) -> Option<i64> {
        (self.last_join_date > 0).then_some(self.last_join_date)
    }

    /// When the user unsubscribed, if they did.
    pub fn left_at(&self) -> Option<i64> {
        (self.left_date > 0).then_some(self.left_date)
    }

    /// Whether the user is currently unsubscribed: they left after their latest subscription.
    pub fn has_left(&self) -> bool {
        self.left_date > 0 && self.left_date >= self.last_join_date
    }
}
