//! The fake TGTrack bot API: `POST /v1/{API_KEY}/{METHOD}`, as the document describes it.
//!
//! Checks, in order; every error is the documented envelope
//! `{"status":"error","mode":...,"error_code":N,"error_description":...,"error_details":...}`
//! with the HTTP status equal to `error_code`:
//! 1. the path must be `/v1/{key}/{method}`, else 404 `Method not found`;
//! 2. the key must be known ([`TgtrackFake::add_key`]), else 401 `Invalid token`; an expired key
//!    ([`TgtrackFake::expire_key`]) is 402 `Token expired`;
//! 3. the method must be one of the twelve documented ones, else 404 `Method not found`;
//! 4. the HTTP method must be POST, else 405 (the document's table calls 405 `Resource not
//!    found`; it is the code closest to HTTP's Method Not Allowed);
//! 5. `Content-Type` must be `application/json` (parameters such as `charset` allowed), and any
//!    `Content-Encoding` must be gzip or identity, else 415 `Unsupported media type`;
//! 6. the body must be well-formed JSON, else 400 `Bad request` (the document's code for a
//!    request with syntax errors); nothing is recorded for it;
//! 7. the body must have the method's documented shape, else 422 `Unprocessable entity` with
//!    `error_details` naming the field; a forwarded update must be one Telegram could send: no
//!    `null` anywhere, no `from_user` key, no top-level field outside the Bot API `Update`
//!    (422, as the service refused updates re-serialized by a bot library);
//! 8. `get_user_info` for a user no earlier report established is 405 `Resource not found`.
//!
//! Success is `{"status":"OK","mode":"production"}` (or `"sandbox"` for a sandbox key), with
//! `data` for `get_user_info`. Sandbox keys are processed like production keys; only the mode
//! differs. The rate limit (TGTrack's fixed windows; see [`crate::FixedWindows::tgtrack`]) is
//! the server toolkit's: its 429 answer is [`TgtrackFake::rate_limited`]'s envelope, keyed by the
//! API key in the path.
//!
//! State per key: starts (`on_telegram_webhook` and `sambot_on_tg_webhook` with a private
//! `/start`, `user_did_start_bot`) establish users — the first start sets `first_join_date`,
//! `invite_link` and UTM tags (from [`TgtrackFake::add_invite_link`], else the raw start
//! parameter); every start or unblock sets `last_join_date` and clears `left_date`; a stop
//! (`my_bot_was_stopped`, a `kicked` `my_chat_member`) sets `left_date`. `my_bot_was_started`
//! carries no user and is kept as an [`AnonymousStart`]. The builder webhooks (BotHelp, Win Win,
//! toolsy, SendPulse) accept any JSON and are only recorded: the document does not describe
//! their payloads. Every request to a known key goes into the last-events view (the last 100,
//! status `0` when processed without error).

mod body;
mod state;
mod telegram;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value, json};

use crate::service::{FakeService, Reply, Request};
pub use state::{
    AcceptedEvent, AnonymousStart, Forwarded, InviteLink, LAST_EVENTS_KEPT, LastEvent, Mode,
    ReachedGoal, UserRecord,
};
use state::{KeyState, Names};
use telegram::{UpdateEvent, read_update};

/// Every documented method name.
pub const METHODS: [&str; 12] = [
    "on_telegram_webhook",
    "my_bot_was_started",
    "my_bot_was_stopped",
    "my_bothelp_was_started",
    "win_win_was_started",
    "sambot_on_tg_webhook",
    "on_toolsy_event",
    "on_send_pulse_event",
    "user_did_start_bot",
    "send_reach_goal",
    "add_event",
    "get_user_info",
];

/// The document's short description of an error code (`Invalid token`).
pub fn error_description(code: u16) -> &'static str {
    match code {
        400 => "Bad request",
        401 => "Invalid token",
        402 => "Token expired",
        403 => "Forbidden",
        404 => "Method not found",
        405 => "Resource not found",
        409 => "Data conflict",
        415 => "Unsupported media type",
        422 => "Unprocessable entity",
        429 => "Too many requests",
        500 => "Internal server error",
        503 => "Service unavailable",
        _ => "Error",
    }
}

/// The documented error envelope with HTTP status `code`, for the fake's own answers and for
/// scripting faults (`Fault::Respond(error_reply(503, None, None))`).
pub fn error_reply(code: u16, details: Option<&str>, mode: Option<Mode>) -> Reply {
    let mut body = Map::new();
    body.insert("status".into(), json!("error"));
    if let Some(mode) = mode {
        body.insert("mode".into(), json!(mode.as_str()));
    }
    body.insert("error_code".into(), json!(code));
    body.insert("error_description".into(), json!(error_description(code)));
    if let Some(details) = details {
        body.insert("error_details".into(), json!(details));
    }
    Reply::json(code, &Value::Object(body))
}

/// An error answer before it is sent: code and details.
struct Failure {
    code: u16,
    details: Option<String>,
}

impl Failure {
    fn new(code: u16, details: impl Into<String>) -> Self {
        Failure {
            code,
            details: Some(details.into()),
        }
    }

    fn invalid(details: impl Into<String>) -> Self {
        Failure::new(422, details)
    }

    fn syntax(details: impl Into<String>) -> Self {
        Failure::new(400, details)
    }
}

struct State {
    keys: HashMap<String, KeyState>,
    now: Option<i64>,
}

/// The fake TGTrack service; see the module documentation for what it checks and keeps.
pub struct TgtrackFake {
    state: Mutex<State>,
}

impl Default for TgtrackFake {
    fn default() -> Self {
        TgtrackFake::new()
    }
}

impl std::fmt::Debug for TgtrackFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TgtrackFake")
            .field("keys", &self.state().keys.len())
            .finish_non_exhaustive()
    }
}

/// Splits `/v1/{key}/{method}` into its key and method.
fn route(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/v1/")?;
    let (key, method) = rest.split_once('/')?;
    if key.is_empty() || method.is_empty() || method.contains('/') {
        return None;
    }
    Some((key, method))
}

impl TgtrackFake {
    /// A fake with no keys and the system clock.
    pub fn new() -> Self {
        TgtrackFake {
            state: Mutex::new(State {
                keys: HashMap::new(),
                now: None,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_key<R>(&self, key: &str, f: impl FnOnce(&KeyState) -> R) -> Option<R> {
        self.state().keys.get(key).map(f)
    }

    /// Registers an API key in this mode (keeping its state if it exists).
    pub fn add_key(&self, key: &str, mode: Mode) {
        let mut state = self.state();
        let entry = state
            .keys
            .entry(key.to_owned())
            .or_insert_with(|| KeyState::new(mode));
        entry.mode = mode;
        entry.expired = false;
    }

    /// Switches a key between production and sandbox; `false` if the key is unknown.
    pub fn set_mode(&self, key: &str, mode: Mode) -> bool {
        match self.state().keys.get_mut(key) {
            Some(k) => {
                k.mode = mode;
                true
            }
            None => false,
        }
    }

    /// Makes a key answer 402 `Token expired` from now on; `false` if the key is unknown.
    pub fn expire_key(&self, key: &str) -> bool {
        match self.state().keys.get_mut(key) {
            Some(k) => {
                k.expired = true;
                true
            }
            None => false,
        }
    }

    /// Forgets a key and everything it holds (it then answers 401).
    pub fn remove_key(&self, key: &str) {
        self.state().keys.remove(key);
    }

    /// Declares a tracking link of `key`: a start with `start_value` is attributed to `link`.
    pub fn add_invite_link(&self, key: &str, start_value: &str, link: InviteLink) {
        if let Some(k) = self.state().keys.get_mut(key) {
            k.links.insert(start_value.to_owned(), link);
        }
    }

    /// Fixes the fake's clock at this unix time (seconds); `None` returns to the system clock.
    pub fn set_now(&self, unix_seconds: Option<i64>) {
        self.state().now = unix_seconds;
    }

    /// The fake's clock, unix seconds.
    pub fn now(&self) -> i64 {
        now(&self.state())
    }

    /// The last requests `key` received (at most [`LAST_EVENTS_KEPT`]), oldest first.
    pub fn last_events(&self, key: &str) -> Vec<LastEvent> {
        self.with_key(key, |k| k.last_events.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every body a forwarding method of `key` received, oldest first.
    pub fn forwarded(&self, key: &str) -> Vec<Forwarded> {
        self.with_key(key, |k| k.forwarded.clone())
            .unwrap_or_default()
    }

    /// What `key` knows about a user (by decimal id).
    pub fn user(&self, key: &str, user_id: &str) -> Option<UserRecord> {
        self.with_key(key, |k| k.users.get(user_id).cloned())
            .flatten()
    }

    /// Every user `key` knows, sorted by id.
    pub fn users(&self, key: &str) -> Vec<UserRecord> {
        let mut users = self
            .with_key(key, |k| k.users.values().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        users.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        users
    }

    /// Every `add_event` `key` accepted, oldest first.
    pub fn accepted_events(&self, key: &str) -> Vec<AcceptedEvent> {
        self.with_key(key, |k| k.events.clone()).unwrap_or_default()
    }

    /// Every `send_reach_goal` `key` accepted, oldest first.
    pub fn goals(&self, key: &str) -> Vec<ReachedGoal> {
        self.with_key(key, |k| k.goals.clone()).unwrap_or_default()
    }

    /// Every `my_bot_was_started` `key` accepted, oldest first.
    pub fn anonymous_starts(&self, key: &str) -> Vec<AnonymousStart> {
        self.with_key(key, |k| k.anonymous_starts.clone())
            .unwrap_or_default()
    }

    fn answer(&self, request: &Request) -> Reply {
        let Some((key, method)) = route(&request.path) else {
            return error_reply(404, Some("the URL must be /v1/API_KEY/METHOD"), None);
        };
        let mut state = self.state();
        let now = now(&state);
        let Some(key_state) = state.keys.get_mut(key) else {
            return error_reply(401, Some("unknown API key"), None);
        };
        let mode = key_state.mode;
        let outcome = if key_state.expired {
            Err(Failure::new(402, "the API key has expired"))
        } else {
            process(key_state, method, request, now)
        };
        let (reply, event) = match outcome {
            Ok(data) => {
                let mut body = Map::new();
                body.insert("status".into(), json!("OK"));
                body.insert("mode".into(), json!(mode.as_str()));
                if let Some(data) = data {
                    body.insert("data".into(), data);
                }
                (Reply::json(200, &Value::Object(body)), (0, None, None))
            }
            Err(f) => (
                error_reply(f.code, f.details.as_deref(), Some(mode)),
                (
                    f.code,
                    Some(error_description(f.code).to_owned()),
                    f.details,
                ),
            ),
        };
        key_state.push_last_event(LastEvent {
            method: method.to_owned(),
            status_code: event.0,
            error_description: event.1,
            error_details: event.2,
            received_at: now,
            body: request.body.clone(),
        });
        reply
    }
}

fn now(state: &State) -> i64 {
    state.now.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

fn is_json_content_type(request: &Request) -> bool {
    request.header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// Runs one request to a known, unexpired key: `Ok(data)` or the failure to answer.
fn process(
    key: &mut KeyState,
    method: &str,
    request: &Request,
    now: i64,
) -> Result<Option<Value>, Failure> {
    if !METHODS.contains(&method) {
        return Err(Failure::new(404, format!("no method `{method}`")));
    }
    if request.method != Method::POST {
        return Err(Failure::new(405, "only POST is supported"));
    }
    if !is_json_content_type(request) {
        return Err(Failure::new(415, "send the body as application/json"));
    }
    let Some(body) = request.decoded_body() else {
        return Err(Failure::new(415, "unsupported Content-Encoding"));
    };
    let parsed = || body::json(&body).map_err(Failure::syntax);
    let obj_or = || body::object(parsed()?).map_err(Failure::invalid);
    match method {
        "on_telegram_webhook" => {
            let update = parsed()?;
            key.forwarded.push(Forwarded {
                method: method.to_owned(),
                body: body.clone(),
                update: Some(body.clone()),
            });
            apply_update(key, &update, "")?;
            Ok(None)
        }
        "sambot_on_tg_webhook" => sambot(key, method, &body),
        "my_bothelp_was_started"
        | "win_win_was_started"
        | "on_toolsy_event"
        | "on_send_pulse_event" => {
            serde_json::from_slice::<serde::de::IgnoredAny>(&body)
                .map_err(|e| Failure::syntax(format!("malformed JSON: {e}")))?;
            key.forwarded.push(Forwarded {
                method: method.to_owned(),
                body: body.clone(),
                update: None,
            });
            Ok(None)
        }
        "my_bot_was_started" => {
            let obj = obj_or()?;
            let start_value = body::string(&obj, "start_value").map_err(Failure::invalid)?;
            key.anonymous_starts.push(AnonymousStart {
                start_value,
                date: now,
            });
            Ok(None)
        }
        "my_bot_was_stopped" => {
            let obj = obj_or()?;
            let user_id = body::user_id(&obj).map_err(Failure::invalid)?;
            let date = body::optional_date(&obj, "date").map_err(Failure::invalid)?;
            key.stop(&user_id, date.unwrap_or(now));
            Ok(None)
        }
        "user_did_start_bot" => {
            let obj = obj_or()?;
            let read = || -> Result<_, String> {
                let user_id = body::user_id(&obj)?;
                let names = Names {
                    first_name: Some(body::non_blank(&obj, "first_name")?),
                    last_name: body::optional_string(&obj, "last_name")?,
                    username: body::optional_string(&obj, "username")?,
                };
                body::optional_string(&obj, "full_name")?;
                let start = body::optional_string(&obj, "start_value")?;
                Ok((user_id, names, start))
            };
            let (user_id, names, start) = read().map_err(Failure::invalid)?;
            let param = start.as_deref().filter(|s| !s.is_empty());
            key.start(&user_id, names, param, now);
            Ok(None)
        }
        "send_reach_goal" => {
            let obj = obj_or()?;
            let user_id = body::user_id(&obj).map_err(Failure::invalid)?;
            let target = body::non_blank(&obj, "target").map_err(Failure::invalid)?;
            key.goals.push(ReachedGoal {
                user_id,
                target,
                date: now,
            });
            Ok(None)
        }
        "add_event" => {
            let obj = obj_or()?;
            let read = || -> Result<AcceptedEvent, String> {
                let date = body::optional_date(&obj, "date")?;
                Ok(AcceptedEvent {
                    user_id: body::user_id(&obj)?,
                    event_type: body::non_blank(&obj, "event_type")?,
                    event_result: body::event_result(&obj)?,
                    date: date.unwrap_or(now),
                    date_sent: date.is_some(),
                    conversion_target: body::optional_string(&obj, "conversion_target")?,
                    amount: body::amount(&obj, &body)?,
                    labels: body::labels(&obj)?,
                })
            };
            key.events.push(read().map_err(Failure::invalid)?);
            Ok(None)
        }
        "get_user_info" => {
            let obj = obj_or()?;
            let user_id = body::user_id(&obj).map_err(Failure::invalid)?;
            let Some(user) = key.users.get(&user_id) else {
                return Err(Failure::new(405, format!("no user {user_id}")));
            };
            Ok(Some(user_info(user)))
        }
        _ => Err(Failure::new(404, format!("no method `{method}`"))),
    }
}

/// `sambot_on_tg_webhook`: `{"webhook": <update object>}` or `{"webhook": "<update JSON>"}`.
fn sambot(key: &mut KeyState, method: &str, body: &Bytes) -> Result<Option<Value>, Failure> {
    #[derive(serde::Deserialize)]
    struct Wrapper<'a> {
        #[serde(borrow)]
        webhook: Option<&'a serde_json::value::RawValue>,
    }
    let wrapper = serde_json::from_slice::<Wrapper<'_>>(body);
    let raw_inner = wrapper
        .as_ref()
        .ok()
        .and_then(|w| w.webhook)
        .map(|raw| raw.get());
    let inner_value = raw_inner.and_then(|text| serde_json::from_str::<Value>(text).ok());
    let (update_bytes, update) = match inner_value {
        Some(Value::String(s)) => (
            Some(Bytes::from(s.clone())),
            serde_json::from_str::<Value>(&s).ok(),
        ),
        Some(v) => {
            let bytes = raw_inner.map(|t| Bytes::copy_from_slice(t.as_bytes()));
            (bytes, v.is_object().then_some(v))
        }
        None => (None, None),
    };
    key.forwarded.push(Forwarded {
        method: method.to_owned(),
        body: body.clone(),
        update: update_bytes,
    });
    if let Err(e) = &wrapper {
        return Err(Failure::invalid(format!("invalid body: {e}")));
    }
    match (raw_inner, update) {
        (None, _) => Err(Failure::invalid("webhook: is required")),
        (Some(_), None) => Err(Failure::invalid(
            "webhook: must be the Telegram update (an object, or a string holding its JSON)",
        )),
        (Some(_), Some(update)) => {
            apply_update(key, &update, "webhook.")?;
            Ok(None)
        }
    }
}

/// Applies a Telegram update's start, block or unblock to the key's users.
fn apply_update(key: &mut KeyState, update: &Value, prefix: &str) -> Result<(), Failure> {
    let event = read_update(update).map_err(|(field, what)| {
        let field = format!("{prefix}{field}");
        let field = field.trim_end_matches('.');
        Failure::invalid(if field.is_empty() {
            what
        } else {
            format!("{field}: {what}")
        })
    })?;
    match event {
        UpdateEvent::Start {
            user_id,
            names,
            param,
            date,
        } => key.start(&user_id, names, param.as_deref(), date),
        UpdateEvent::Unblocked {
            user_id,
            names,
            date,
        } => key.start(&user_id, names, None, date),
        UpdateEvent::Blocked { user_id, date } => key.stop(&user_id, date),
        UpdateEvent::Ignored => {}
    }
    Ok(())
}

/// `get_user_info`'s `data`, in the document's shape.
fn user_info(user: &UserRecord) -> Value {
    let mut data = Map::new();
    data.insert("user_id".into(), json!(user.user_id));
    data.insert("first_join_date".into(), json!(user.first_join_date));
    data.insert("last_join_date".into(), json!(user.last_join_date));
    data.insert("invite_link".into(), json!(user.invite_link));
    data.insert("left_date".into(), json!(user.left_date));
    data.insert("first_name".into(), json!(user.first_name));
    data.insert("last_name".into(), json!(user.last_name));
    data.insert("username".into(), json!(user.username));
    let utm = [
        ("utm_source", &user.utm.utm_source),
        ("utm_medium", &user.utm.utm_medium),
        ("utm_content", &user.utm.utm_content),
        ("utm_campaign", &user.utm.utm_campaign),
        ("utm_term", &user.utm.utm_term),
    ];
    for (name, value) in utm {
        if let Some(v) = value {
            data.insert(name.into(), json!(v));
        }
    }
    Value::Object(data)
}

impl FakeService for TgtrackFake {
    fn name(&self) -> &'static str {
        "tgtrack"
    }

    fn handle(&self, request: &Request) -> Reply {
        self.answer(request)
    }

    /// The documented 429 envelope, also entered in the key's last-events view.
    fn rate_limited(&self, request: &Request) -> Reply {
        let mut state = self.state();
        let now = now(&state);
        let key = route(&request.path).map(|(key, method)| (key.to_owned(), method.to_owned()));
        let mode = match key.and_then(|(key, method)| Some((state.keys.get_mut(&key)?, method))) {
            Some((k, method)) => {
                k.push_last_event(LastEvent {
                    method,
                    status_code: 429,
                    error_description: Some(error_description(429).to_owned()),
                    error_details: None,
                    received_at: now,
                    body: request.body.clone(),
                });
                Some(k.mode)
            }
            None => None,
        };
        error_reply(429, None, mode)
    }

    /// The API key in the path (`/v1/{key}/...`); `None` for any other path.
    fn rate_limit_key(&self, request: &Request) -> Option<String> {
        route(&request.path).map(|(key, _)| key.to_owned())
    }
}
