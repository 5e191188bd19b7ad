//! The dev server's controls of the fake Bot API, not part of Telegram's: add a bot and queue
//! updates for it over HTTP, under `/_admin/telegram/` ([`ADMIN_PREFIX`]).
//!
//! - `POST /_admin/telegram/bots` with `{"token": "ID:SECRET"}`: registers the bot (keeping its
//!   queue when it exists); answers `{"ok":true,"result":{"id":ID,"username":"test_ID_bot"}}`,
//!   the `getMe` of that bot. 400 when the token is not of Telegram's shape ([`is_bot_token`]).
//! - `POST /_admin/telegram/bots/{TOKEN}/updates` with one update without its id, such as
//!   `{"message":{...}}` (or with an `update_id` above every earlier one): queued for
//!   `getUpdates`; answers `{"ok":true,"result":{"update_id":N}}`, `"result":null` when the bot's
//!   `allowed_updates` leaves that kind out. 404 for an unknown bot, 400 for a bad update.
//!
//! Answers use the Bot API's envelope; the token is never echoed.

use std::collections::BTreeMap;

use http::Method;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::{TelegramFake, error_reply};
use crate::service::{Reply, Request, percent_decode};

/// Where the admin endpoints live.
pub const ADMIN_PREFIX: &str = "/_admin/telegram/";

/// Whether `token` has the shape of a bot token: the bot's id (digits), `:`, then at least one
/// of `A-Z a-z 0-9 _ -`.
pub fn is_bot_token(token: &str) -> bool {
    token.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !secret.is_empty()
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// Handles a request under [`ADMIN_PREFIX`].
pub(super) fn handle(fake: &TelegramFake, request: &Request) -> Reply {
    let rest = request
        .path
        .strip_prefix(ADMIN_PREFIX)
        .unwrap_or_default()
        .trim_end_matches('/');
    if request.method != Method::POST {
        return error_reply(405, "Method Not Allowed: the admin endpoints take POST");
    }
    let body = request.decoded_body().unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        ["bots"] => add_bot(fake, &body),
        ["bots", token, "updates"] => push(fake, &percent_decode(token, false), &body),
        _ => error_reply(404, "Not Found"),
    }
}

fn add_bot(fake: &TelegramFake, body: &[u8]) -> Reply {
    let token = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_owned));
    let Some(token) = token.filter(|t| is_bot_token(t)) else {
        return error_reply(
            400,
            "Bad Request: expected {\"token\":\"ID:SECRET\"} with a Telegram bot token",
        );
    };
    fake.add_bot(&token);
    super::get_me(&token)
}

fn push(fake: &TelegramFake, token: &str, body: &[u8]) -> Reply {
    let fields: BTreeMap<String, Box<RawValue>> = match serde_json::from_slice(body) {
        Ok(fields) => fields,
        Err(e) => return error_reply(400, &format!("Bad Request: not a JSON object: {e}")),
    };
    let queued = if fields.contains_key("update_id") {
        fake.push_update(token, body.to_vec())
    } else {
        let mut kinds = fields.iter();
        match (kinds.next(), kinds.next()) {
            (Some((kind, object)), None) => fake.push(token, kind, object.get()),
            _ => {
                return error_reply(
                    400,
                    "Bad Request: an update holds exactly one kind, such as {\"message\":{...}}",
                );
            }
        }
    };
    match queued {
        Ok(id) => Reply::json(
            200,
            &json!({"ok": true, "result": id.map(|id| json!({"update_id": id}))}),
        ),
        Err(e) if e == "unknown bot token" => error_reply(404, "Not Found: no such bot"),
        Err(e) => error_reply(400, &format!("Bad Request: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::FakeService;

    fn post(path: &str, body: &str) -> Request {
        Request::new(Method::POST, path).with_body(body.to_owned())
    }

    #[test]
    fn a_bot_added_over_http_answers_get_me_and_gets_pushed_updates() {
        let fake = TelegramFake::new();
        let me = Request::new(Method::GET, "/bot7%3AAbC/getMe");
        assert_eq!(fake.handle(&me).status, 401);

        let added = fake.handle(&post("/_admin/telegram/bots", r#"{"token":"7:AbC"}"#));
        assert_eq!(added.status, 200);
        assert_eq!(added.json_body().unwrap()["result"]["id"], 7);
        assert_eq!(fake.handle(&me).status, 200);

        let pushed = fake.handle(&post(
            "/_admin/telegram/bots/7%3AAbC/updates",
            r#"{"message":{"message_id":1,"text":"hi"}}"#,
        ));
        assert_eq!(pushed.json_body().unwrap()["result"]["update_id"], 1);
        assert_eq!(fake.pending("7:AbC"), vec![1]);
    }

    #[test]
    fn bad_tokens_and_updates_are_refused() {
        let fake = TelegramFake::new();
        for body in [r#"{"token":"abc"}"#, r#"{"token":"1:"}"#, "{}", "nope"] {
            let answer = fake.handle(&post("/_admin/telegram/bots", body));
            assert_eq!(answer.status, 400, "{body}");
        }
        let unknown = post("/_admin/telegram/bots/1:x/updates", r#"{"message":{}}"#);
        assert_eq!(fake.handle(&unknown).status, 404);
        fake.add_bot("1:x");
        let two = post("/_admin/telegram/bots/1:x/updates", r#"{"a":{},"b":{}}"#);
        assert_eq!(fake.handle(&two).status, 400);
        assert!(is_bot_token("123:AA-_z") && !is_bot_token("x1:a") && !is_bot_token("1:a/b"));
    }
}
