//! Reads the few fields of a Telegram update that TGTrack acts on: a `/start` in a private chat
//! and a `my_chat_member` block or unblock in a private chat.

use serde_json::{Map, Value};

use super::state::Names;

/// What an update reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum UpdateEvent {
    /// A user started the bot.
    Start {
        user_id: String,
        names: Names,
        param: Option<String>,
        date: i64,
    },
    /// A user blocked the bot.
    Blocked { user_id: String, date: i64 },
    /// A user unblocked the bot.
    Unblocked {
        user_id: String,
        names: Names,
        date: i64,
    },
    /// Anything else: accepted, nothing recorded.
    Ignored,
}

/// A problem with an update: the field (`message.from`) and what is wrong.
pub(super) type Problem = (String, String);

fn problem(field: &str, what: &str) -> Problem {
    (field.to_owned(), what.to_owned())
}

/// The top-level fields of a Telegram Bot API `Update` (Bot API 9.x): `update_id` and the
/// optional kinds, of which Telegram sends exactly one.
const UPDATE_FIELDS: &[&str] = &[
    "update_id",
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// Finds what Telegram never sends, anywhere in the update: a `null` (Telegram omits absent
/// fields) or a `from_user` key (a library's name for `from`, a sign of re-serialization).
fn never_sent_by_telegram(value: &Value, path: &str) -> Option<Problem> {
    match value {
        Value::Null => Some(problem(
            path,
            "is null; Telegram omits absent fields (the update was re-serialized, forward it as received)",
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| never_sent_by_telegram(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k == "from_user" {
                return Some(problem(
                    &child,
                    "is not a Telegram field (`from` renamed: the update was re-serialized, forward it as received)",
                ));
            }
            never_sent_by_telegram(v, &child)
        }),
        _ => None,
    }
}

/// Reads an update, or names the field that makes it not a Telegram update.
pub(super) fn read_update(update: &Value) -> Result<UpdateEvent, Problem> {
    let Some(obj) = update.as_object() else {
        return Err(problem("", "a Telegram update must be a JSON object"));
    };
    if let Some(p) = never_sent_by_telegram(update, "") {
        return Err(p);
    }
    if let Some(unknown) = obj.keys().find(|k| !UPDATE_FIELDS.contains(&k.as_str())) {
        return Err(problem(
            unknown,
            "is not a field of a Telegram update (the update was re-serialized or built by hand)",
        ));
    }
    match obj.get("update_id") {
        Some(v) if v.is_i64() || v.is_u64() => {}
        Some(_) => return Err(problem("update_id", "must be an integer")),
        None => return Err(problem("update_id", "is required")),
    }
    if let Some(message) = obj.get("message") {
        return read_message(message);
    }
    if let Some(change) = obj.get("my_chat_member") {
        return read_member_change(change);
    }
    Ok(UpdateEvent::Ignored)
}

fn read_message(message: &Value) -> Result<UpdateEvent, Problem> {
    let Some(m) = message.as_object() else {
        return Err(problem("message", "must be an object"));
    };
    let from = match m.get("from") {
        Some(Value::Object(from)) => from,
        Some(_) => return Err(problem("message.from", "must be an object")),
        None if m.contains_key("from_user") => {
            return Err(problem(
                "message.from",
                "is required (found `from_user`: the update was re-serialized, forward it as received)",
            ));
        }
        None => return Err(problem("message.from", "is required")),
    };
    let chat_type = chat_type(m, "message")?;
    let date = int_field(m, "date", "message.date")?;
    let text = m.get("text").and_then(Value::as_str).unwrap_or("");
    if chat_type != "private" {
        return Ok(UpdateEvent::Ignored);
    }
    let Some(param) = start_param(text) else {
        return Ok(UpdateEvent::Ignored);
    };
    Ok(UpdateEvent::Start {
        user_id: user_id(from, "message.from.id")?,
        names: names(from),
        param,
        date,
    })
}

fn read_member_change(change: &Value) -> Result<UpdateEvent, Problem> {
    let Some(c) = change.as_object() else {
        return Err(problem("my_chat_member", "must be an object"));
    };
    let Some(Value::Object(from)) = c.get("from") else {
        return Err(problem("my_chat_member.from", "is required"));
    };
    let chat_type = chat_type(c, "my_chat_member")?;
    let date = int_field(c, "date", "my_chat_member.date")?;
    let status = c
        .get("new_chat_member")
        .and_then(|m| m.get("status"))
        .and_then(Value::as_str)
        .ok_or_else(|| problem("my_chat_member.new_chat_member.status", "is required"))?;
    if chat_type != "private" {
        return Ok(UpdateEvent::Ignored);
    }
    let user_id = user_id(from, "my_chat_member.from.id")?;
    Ok(match status {
        "kicked" => UpdateEvent::Blocked { user_id, date },
        "member" => UpdateEvent::Unblocked {
            user_id,
            names: names(from),
            date,
        },
        _ => UpdateEvent::Ignored,
    })
}

fn chat_type<'a>(obj: &'a Map<String, Value>, at: &str) -> Result<&'a str, Problem> {
    obj.get("chat")
        .and_then(|c| c.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| problem(&format!("{at}.chat.type"), "is required"))
}

fn int_field(obj: &Map<String, Value>, key: &str, path: &str) -> Result<i64, Problem> {
    obj.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| problem(path, "must be an integer unix time"))
}

fn user_id(from: &Map<String, Value>, path: &str) -> Result<String, Problem> {
    match from.get("id") {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        _ => Err(problem(path, "must be an integer")),
    }
}

fn names(from: &Map<String, Value>) -> Names {
    let text = |k: &str| from.get(k).and_then(Value::as_str).map(str::to_owned);
    Names {
        first_name: text("first_name"),
        last_name: text("last_name"),
        username: text("username"),
    }
}

/// The parameter of a `/start` text: `None` when the text is not `/start`, `Some(None)` for a
/// bare `/start`, `Some(Some(param))` otherwise (`/start@bot param` included).
fn start_param(text: &str) -> Option<Option<String>> {
    let rest = text.strip_prefix("/start")?;
    let rest = match rest.strip_prefix('@') {
        Some(after) => {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            &after[end..]
        }
        None => rest,
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let param = rest.trim();
    Some((!param.is_empty()).then(|| param.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn start_texts() {
        assert_eq!(start_param("/start"), Some(None));
        assert_eq!(start_param("/start x1"), Some(Some("x1".into())));
        assert_eq!(start_param("/start@bot x1"), Some(Some("x1".into())));
        assert_eq!(start_param("/startx"), None);
        assert_eq!(start_param("hi"), None);
    }

    #[test]
    fn renamed_from_field_is_named() {
        let update = json!({"update_id": 1, "message": {"message_id": 1, "from_user": {"id": 5},
            "chat": {"id": 5, "type": "private"}, "date": 10, "text": "/start"}});
        let (field, what) = read_update(&update).unwrap_err();
        assert_eq!(field, "message.from_user");
        assert!(what.contains("re-serialized"));
    }
}
