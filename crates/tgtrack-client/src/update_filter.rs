//! Which Telegram updates TGTrack needs, so a bot forwards only those (the daily quota is 5,000
//! requests).
//!
//! Tracked, in private chats only:
//! - a `message` whose text is `/start`, `/start <param>` or `/start@<bot> [<param>]`: a start;
//! - a `my_chat_member` update whose new status is `kicked` (the user blocked the bot) or
//!   `member` (the user unblocked it).
//!
//! Not tracked: other messages, edited messages, callback queries, channel posts, and anything
//! in a group or channel. A `/start` in a group is a command addressed to the bot in that group,
//! not a user starting the bot (TGTrack counts bot starts, which happen in the private chat);
//! a `my_chat_member` change in a group is the bot being added or removed there.

use serde::Deserialize;

use crate::start_param::parse_start_command;

/// Why TGTrack needs an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackedKind {
    /// A user started the bot (`/start` in the private chat).
    Start {
        /// The text after the command, trimmed and not validated; `None` for a bare `/start`.
        param: Option<String>,
    },
    /// The user blocked the bot (`my_chat_member`, new status `kicked`).
    Blocked,
    /// The user unblocked the bot (`my_chat_member`, new status `member`).
    Unblocked,
}

/// Tells whether a raw Telegram update is one TGTrack needs, and why; `None` for every other
/// update and for bytes that are not an update.
///
/// Reads only the few fields it needs, so unknown fields, big integers and odd formatting do not
/// matter.
pub fn is_tracked_update(raw: &[u8]) -> Option<TrackedKind> {
    let update: Update = serde_json::from_slice(raw).ok()?;
    if let Some(message) = update.message {
        if !message.chat.is_private() {
            return None;
        }
        let cmd = parse_start_command(message.text.as_deref()?)?;
        return Some(TrackedKind::Start {
            param: cmd.param.map(str::to_owned),
        });
    }
    if let Some(change) = update.my_chat_member {
        if !change.chat.is_private() {
            return None;
        }
        return match change.new_chat_member.status.as_str() {
            "kicked" => Some(TrackedKind::Blocked),
            "member" => Some(TrackedKind::Unblocked),
            _ => None,
        };
    }
    None
}

/// The chat of an update's `message` or `my_chat_member` (for a tracked update, the user's
/// private chat), so one chat's updates are forwarded one at a time, in order; `None` without
/// one (or with an id beyond 64 bits).
pub(crate) fn chat_of(raw: &[u8]) -> Option<i64> {
    #[derive(Deserialize)]
    struct Of {
        #[serde(default)]
        message: Option<InChat>,
        #[serde(default)]
        my_chat_member: Option<InChat>,
    }
    #[derive(Deserialize)]
    struct InChat {
        chat: ChatId,
    }
    #[derive(Deserialize)]
    struct ChatId {
        id: i64,
    }
    let of: Of = serde_json::from_slice(raw).ok()?;
    Some(of.message.or(of.my_chat_member)?.chat.id)
}

#[derive(Deserialize)]
struct Update {
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    my_chat_member: Option<ChatMemberUpdated>,
}

#[derive(Deserialize)]
struct Message {
    chat: Chat,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct ChatMemberUpdated {
    chat: Chat,
    new_chat_member: ChatMember,
}

#[derive(Deserialize)]
struct Chat {
    #[serde(rename = "type")]
    kind: String,
}

impl Chat {
    fn is_private(&self) -> bool {
        self.kind == "private"
    }
}

#[derive(Deserialize)]
struct ChatMember {
    status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(chat_type: &str, text: &str) -> String {
        format!(
            r#"{{"update_id":912345678,"message":{{"message_id":17,"from":{{"id":7123456789,"is_bot":false,"first_name":"Вася","username":"vasya","language_code":"ru"}},"chat":{{"id":{chat_id},"first_name":"Вася","type":"{chat_type}"}},"date":1680387078,"text":{text},"entities":[{{"offset":0,"length":6,"type":"bot_command"}}]}}}}"#,
            chat_id = if chat_type == "private" {
                "7123456789"
            } else {
                "-1001234567890"
            },
            text = serde_json::to_string(text).unwrap(),
        )
    }

    fn member_change(chat_type: &str, old: &str, new: &str) -> String {
        format!(
            r#"{{"update_id":912345679,"my_chat_member":{{"chat":{{"id":7123456789,"first_name":"Вася","type":"{chat_type}"}},"from":{{"id":7123456789,"is_bot":false,"first_name":"Вася"}},"date":1680390000,"old_chat_member":{{"user":{{"id":6000000001,"is_bot":true,"first_name":"Bot","username":"my_bot"}},"status":"{old}"}},"new_chat_member":{{"user":{{"id":6000000001,"is_bot":true,"first_name":"Bot","username":"my_bot"}},"status":"{new}"{until}}}}}}}"#,
            until = if new == "kicked" {
                r#","until_date":0"#
            } else {
                ""
            },
        )
    }

    fn start(param: Option<&str>) -> Option<TrackedKind> {
        Some(TrackedKind::Start {
            param: param.map(str::to_owned),
        })
    }

    #[test]
    fn the_chat_of_a_start_and_of_a_block_is_the_users() {
        assert_eq!(
            chat_of(message("private", "/start").as_bytes()),
            Some(7123456789)
        );
        let blocked = member_change("private", "member", "kicked");
        assert_eq!(chat_of(blocked.as_bytes()), Some(7123456789));
        assert_eq!(chat_of(br#"{"update_id":1}"#), None);
        assert_eq!(chat_of(b"not json"), None);
    }

    #[test]
    fn private_starts_are_tracked() {
        let t = |text| is_tracked_update(message("private", text).as_bytes());
        assert_eq!(t("/start"), start(None));
        assert_eq!(t("/start PJaf5568712cd"), start(Some("PJaf5568712cd")));
        assert_eq!(t("/start@my_bot"), start(None));
        assert_eq!(t("/start@my_bot ref-42"), start(Some("ref-42")));
    }

    #[test]
    fn starts_outside_private_chats_are_not_tracked() {
        for chat in ["group", "supergroup", "channel"] {
            for text in ["/start", "/start@my_bot ref-42"] {
                assert_eq!(
                    is_tracked_update(message(chat, text).as_bytes()),
                    None,
                    "{chat} {text}"
                );
            }
        }
    }

    #[test]
    fn other_messages_are_not_tracked() {
        for text in ["hello", "/help", "/startgame", "start", "/stop"] {
            assert_eq!(
                is_tracked_update(message("private", text).as_bytes()),
                None,
                "{text}"
            );
        }
        let photo = r#"{"update_id":1,"message":{"message_id":2,"chat":{"id":5,"type":"private"},"date":1,"photo":[{"file_id":"x","width":1,"height":1}],"caption":"/start"}}"#;
        assert_eq!(is_tracked_update(photo.as_bytes()), None);
    }

    #[test]
    fn edited_messages_callbacks_and_channel_posts_are_not_tracked() {
        let edited = message("private", "/start x").replace("\"message\":", "\"edited_message\":");
        assert_eq!(is_tracked_update(edited.as_bytes()), None);
        let callback = r#"{"update_id":5,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":7123456789,"is_bot":false,"first_name":"Вася"},"message":{"message_id":3,"chat":{"id":7123456789,"type":"private"},"date":1,"text":"/start"},"chat_instance":"-1","data":"/start"}}"#;
        assert_eq!(is_tracked_update(callback.as_bytes()), None);
        let post = message("channel", "/start").replace("\"message\":", "\"channel_post\":");
        assert_eq!(is_tracked_update(post.as_bytes()), None);
    }

    #[test]
    fn blocks_and_unblocks_are_tracked_in_private_chats() {
        assert_eq!(
            is_tracked_update(member_change("private", "member", "kicked").as_bytes()),
            Some(TrackedKind::Blocked)
        );
        assert_eq!(
            is_tracked_update(member_change("private", "kicked", "member").as_bytes()),
            Some(TrackedKind::Unblocked)
        );
        assert_eq!(
            is_tracked_update(member_change("group", "left", "member").as_bytes()),
            None
        );
        assert_eq!(
            is_tracked_update(member_change("supergroup", "member", "administrator").as_bytes()),
            None
        );
    }

    #[test]
    fn big_integers_unknown_fields_and_garbage_do_not_break_it() {
        let odd = "{\"message\" : {\"chat\":{\"type\":\"private\",\"id\":123456789012345678901234567890},\n\"text\":\"\\/start x\",\"extra\":{\"n\":9007199254740993}}, \"update_id\":18446744073709551616}";
        assert_eq!(is_tracked_update(odd.as_bytes()), start(Some("x")));
        for bad in ["", "{", "[]", "null", r#"{"message":{"text":"/start"}}"#] {
            assert_eq!(is_tracked_update(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
