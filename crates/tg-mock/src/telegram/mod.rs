//! The fake Telegram Bot API, for bots that long-poll: `getUpdates` at `/bot{TOKEN}/getUpdates`,
//! and `getMe` (a framework's first call; the bot's id is the token's digits before `:`).
//!
//! - The path is percent-decoded before the token is read (`/bot123%3AABC/...` is the token
//!   `123:ABC`), as the Bot API server decodes it.
//! - An unknown token answers 401 `{"ok":false,"error_code":401,"description":"Unauthorized"}`;
//!   another method or path answers 404 `Not Found`; a bad parameter 400 `Bad Request: ...`;
//!   while a webhook is set ([`TelegramFake::set_webhook`]) 409 `Conflict: can't use getUpdates
//!   method while webhook is active; use deleteWebhook to delete the webhook first`.
//! - Updates are queued per token as raw JSON ([`TelegramFake::push_update`]) and returned
//!   byte for byte: the answer is `{"ok":true,"result":[` + the updates joined by `,` + `]}`.
//! - `offset` confirms: updates below it are forgotten; a negative offset keeps the last
//!   `-offset`. `limit` is clamped to 1–100. `timeout` holds the request (long polling) until an
//!   update arrives or the timeout passes, then answers `[]`.
//! - `allowed_updates` is remembered per token and filters updates created after it is set; an
//!   empty list (or none ever set) means every kind but `chat_member`, `message_reaction` and
//!   `message_reaction_count`.
//!
//! - The dev server's own controls add bots and queue updates over HTTP (see [`ADMIN_PREFIX`]).
//!
//! Not modelled: a second concurrent `getUpdates` terminating the first (409), `setWebhook`
//! itself, and every other method (404).

mod admin;
mod params;
mod queue;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde_json::json;
use tokio::sync::watch;

use crate::service::{FakeService, Reply, Request, percent_decode};
pub use admin::{ADMIN_PREFIX, is_bot_token};
pub use params::GetUpdatesCall;
use queue::Bot;
pub use queue::OPT_IN_KINDS;

/// The fake Bot API; cheap to clone (clones share the queues).
#[derive(Clone, Default)]
pub struct TelegramFake {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    bots: Mutex<HashMap<String, BotState>>,
    /// Bumped whenever an update is queued, to wake held `getUpdates` calls.
    changed: watch::Sender<u64>,
}

#[derive(Default)]
struct BotState {
    bot: Bot,
    calls: Vec<GetUpdatesCall>,
}

impl std::fmt::Debug for TelegramFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramFake")
            .field("bots", &self.bots().len())
            .finish_non_exhaustive()
    }
}

/// The Bot API's error answer.
pub fn error_reply(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        &json!({"ok": false, "error_code": code, "description": description}),
    )
}

/// `/bot{token}/{method}` with the path percent-decoded.
fn route(path: &str) -> Option<(String, String)> {
    let decoded = percent_decode(path, false);
    let rest = decoded.strip_prefix("/bot")?;
    let (token, method) = rest.split_once('/')?;
    if token.is_empty() || method.is_empty() || method.contains('/') {
        return None;
    }
    Some((token.to_owned(), method.to_owned()))
}

impl TelegramFake {
    /// A fake with no bots.
    pub fn new() -> Self {
        TelegramFake::default()
    }

    fn bots(&self) -> MutexGuard<'_, HashMap<String, BotState>> {
        self.inner.bots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a bot token (keeping its queue if it exists).
    pub fn add_bot(&self, token: &str) {
        self.bots().entry(token.to_owned()).or_default();
    }

    /// Queues an update for `token`, kept as these bytes: one JSON object with an integer
    /// `update_id` above every earlier one and exactly one other field (its kind).
    ///
    /// `Ok(None)` when the bot's `allowed_updates` leaves this kind out (the update is not
    /// created, as with Telegram); an error names what is wrong (unknown token, bad JSON).
    pub fn push_update(&self, token: &str, raw: impl Into<Bytes>) -> Result<Option<i64>, String> {
        let queued = {
            let mut bots = self.bots();
            let state = bots.get_mut(token).ok_or("unknown bot token")?;
            state.bot.push(raw.into())?
        };
        if queued.is_some() {
            self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
        }
        Ok(queued)
    }

    /// Queues `{"update_id":<next>,"<kind>":<object>}` for `token`, built by concatenating
    /// `object`'s bytes; see [`TelegramFake::push_update`].
    pub fn push(&self, token: &str, kind: &str, object: &str) -> Result<Option<i64>, String> {
        let id = self
            .bots()
            .get(token)
            .map(|s| s.bot.next_id())
            .ok_or("unknown bot token")?;
        let kind = serde_json::to_string(kind).map_err(|e| e.to_string())?;
        self.push_update(token, format!("{{\"update_id\":{id},{kind}:{object}}}"))
    }

    /// The ids of `token`'s updates not yet confirmed, oldest first.
    pub fn pending(&self, token: &str) -> Vec<i64> {
        self.bots()
            .get(token)
            .map(|s| s.bot.pending())
            .unwrap_or_default()
    }

    /// Every `getUpdates` call `token` answered (its parameters), oldest first.
    pub fn calls(&self, token: &str) -> Vec<GetUpdatesCall> {
        self.bots()
            .get(token)
            .map(|s| s.calls.clone())
            .unwrap_or_default()
    }

    /// Sets or deletes a webhook: while set, `getUpdates` answers 409.
    pub fn set_webhook(&self, token: &str, active: bool) {
        if let Some(s) = self.bots().get_mut(token) {
            s.bot.webhook = active;
        }
        self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn get_updates(&self, token: &str, request: &Request) -> Reply {
        let mut bots = self.bots();
        let Some(state) = bots.get_mut(token) else {
            return error_reply(401, "Unauthorized");
        };
        if state.bot.webhook {
            return error_reply(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            );
        }
        let call = match params::read(request) {
            Ok(c) => c,
            Err(e) => return error_reply(400, &format!("Bad Request: {e}")),
        };
        state.bot.confirm(call.offset);
        state.bot.set_allowed(call.allowed_updates.clone());
        let mut body = Vec::from(&b"{\"ok\":true,\"result\":["[..]);
        for (i, update) in state.bot.first(call.effective_limit()).enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&update.raw);
        }
        body.extend_from_slice(b"]}");
        state.calls.push(call);
        Reply::new(200, body).with_header("content-type", "application/json")
    }

    /// Waits until `token` has an update at `offset`, a webhook is set, or `timeout` passes.
    async fn wait(self, token: String, offset: Option<i64>, timeout: Duration) {
        let mut changes = self.inner.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let ready = self
                .bots()
                .get(&token)
                .is_none_or(|s| s.bot.webhook || s.bot.has_pending(offset));
            if ready {
                return;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return,
            }
        }
    }
}

/// `getMe`: a bot named after its id.
fn get_me(token: &str) -> Reply {
    let id: i64 = token
        .split(':')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or(1);
    Reply::json(
        200,
        &json!({"ok": true, "result": {
            "id": id, "is_bot": true, "first_name": "Test bot", "username": format!("test_{id}_bot"),
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false,
        }}),
    )
}

impl FakeService for TelegramFake {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn handle(&self, request: &Request) -> Reply {
        if request.path.starts_with(ADMIN_PREFIX) {
            return admin::handle(self, request);
        }
        match route(&request.path) {
            Some((token, method)) => {
                if !self.bots().contains_key(&token) {
                    return error_reply(401, "Unauthorized");
                }
                if method.eq_ignore_ascii_case("getUpdates") {
                    self.get_updates(&token, request)
                } else if method.eq_ignore_ascii_case("getMe") {
                    get_me(&token)
                } else {
                    error_reply(404, "Not Found")
                }
            }
            None => error_reply(404, "Not Found"),
        }
    }

    fn hold(&self, request: &Request) -> Option<BoxFuture<'static, ()>> {
        let (token, method) = route(&request.path)?;
        if !method.eq_ignore_ascii_case("getUpdates") {
            return None;
        }
        let call = params::read(request).ok()?;
        // The server confirms at once, not when it answers.
        if let Some(state) = self.bots().get_mut(&token) {
            state.bot.confirm(call.offset);
        }
        let timeout = call.effective_timeout();
        if timeout == 0 {
            return None;
        }
        Some(Box::pin(self.clone().wait(
            token,
            call.offset,
            Duration::from_secs(timeout),
        )))
    }
}
