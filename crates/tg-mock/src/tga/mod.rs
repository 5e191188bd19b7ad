//! The fake Telegram Mini Apps Analytics service: `POST /events`, as the documents describe it.
//!
//! Checks, in order, each with its documented answer:
//! 1. the `TGA-Auth-Token` header: missing or not of the shape `base64 + "!" + signature` is
//!    400 `The token is not specified in the headers or is specified incorrectly.`; a token this
//!    fake did not issue (see [`TgaFake::issue_token`]) is 400 `Token is invalid.`; a token
//!    registered with [`TgaFake::add_token`] is accepted whatever its shape;
//! 2. the `Origin` header (when [`TgaFake::set_check_origin`] is on, the default): its host must
//!    be the token's domain, else 403 `The domain name does not match.`;
//! 3. the per-token rate limit (off by default, see [`TgaFake::set_rate_limit`]): 429
//!    `Too many requests. Try again later.`;
//! 4. the body (gzip accepted): a JSON array of events or one event, each with the four
//!    required fields, `session_id` a hyphenated UUID and every documented field of its
//!    documented type (`null` allowed in optional fields); anything else, a bad gzip included,
//!    is 400 `{"status":400,"message":"VALIDATION_MISMATCH_REPORT"}`. An event whose
//!    `custom_data` holds `"tg_mock_invalid": true` ([`INVALID_MARKER`]) fails validation: tests
//!    use it to make an event invalid on purpose;
//! 5. every event's `app_name` must be the token's app: 400 `Invalid app_name is specified.`;
//! 6. scripted failures ([`TgaFake::fail_next`]): 400 `Failed to record`.
//!
//! Then every event of the body is kept and the answer is 202 `{"message":"Success record."}`,
//! as the live service answers (the documents say 201).
//!
//! `GET /events/threshold` answers 200 with the per-launch caps the official SDK fetches, a
//! JSON object of event names to counts (`0`: do not send). The SDK sends no token, so the app
//! is found by the `TGA-Auth-Token` header when one is sent, else by the `Origin` (the first app
//! issued for that domain); that app's caps ([`TgaFake::set_app_thresholds`]) are served, or the
//! default ones ([`TgaFake::set_thresholds`], `{}` at first). Any other route is 404.

mod token;
mod validate;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::Method;
use serde_json::{Value, json};

use crate::service::{FakeService, Reply, Request};
pub use token::TokenApp;
use token::{Signer, TokenProblem};
pub use validate::INVALID_MARKER;

/// The header that carries the token.
pub const TOKEN_HEADER: &str = "TGA-Auth-Token";

/// The documented answer messages.
pub mod messages {
    /// 202 (documented as 201).
    pub const SUCCESS: &str = "Success record.";
    /// 400: the service failed to store the events.
    pub const FAILED_TO_RECORD: &str = "Failed to record";
    /// 400: no token, or not a token.
    pub const TOKEN_MISSING: &str =
        "The token is not specified in the headers or is specified incorrectly.";
    /// 400: a token the service did not issue.
    pub const TOKEN_INVALID: &str = "Token is invalid.";
    /// 400: an event's `app_name` is not the token's app.
    pub const APP_NAME_MISMATCH: &str = "Invalid app_name is specified.";
    /// 400 (with `"status": 400`): the body fails the schema.
    pub const VALIDATION_MISMATCH: &str = "VALIDATION_MISMATCH_REPORT";
    /// 403: the Origin is not the token's domain.
    pub const DOMAIN_MISMATCH: &str = "The domain name does not match.";
    /// 429.
    pub const TOO_MANY_REQUESTS: &str = "Too many requests. Try again later.";
}

/// A per-token rate limit (GCRA): `per_second` requests a second on average, bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second per token (0 is read as 1).
    pub per_second: u32,
    /// Requests allowed at once (0 is read as 1).
    pub burst: u32,
}

/// Counts of what the fake answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TgaCounts {
    /// Requests answered by `POST /events`.
    pub requests: u64,
    /// Requests answered 202.
    pub accepted_requests: u64,
    /// Events kept.
    pub accepted_events: u64,
    /// Requests answered 400 `VALIDATION_MISMATCH_REPORT`.
    pub validation_failures: u64,
    /// Requests answered 429.
    pub rate_limited: u64,
    /// Requests answered 400 `Failed to record` by script.
    pub failed_to_record: u64,
}

struct State {
    apps: HashMap<String, TokenApp>,
    accepted: Vec<Box<str>>,
    fail_next: u64,
    check_origin: bool,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    last_rejection: Option<String>,
    counts: TgaCounts,
    /// The answer of `GET /events/threshold` for apps without their own.
    thresholds: Value,
    /// Per app name, its own answer of `GET /events/threshold`.
    app_thresholds: HashMap<String, Value>,
    /// The apps in the order issued, to find one by its domain.
    issued: Vec<TokenApp>,
}

/// The fake TGA service; see the module documentation for what it checks.
pub struct TgaFake {
    signer: Signer,
    state: Mutex<State>,
}

impl Default for TgaFake {
    fn default() -> Self {
        TgaFake::new()
    }
}

impl std::fmt::Debug for TgaFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TgaFake")
            .field("counts", &self.counts())
            .finish_non_exhaustive()
    }
}

impl TgaFake {
    /// A fake with no tokens, Origin checks on, no rate limit and no scripted failure.
    pub fn new() -> Self {
        TgaFake {
            signer: Signer::random(),
            state: Mutex::new(State {
                apps: HashMap::new(),
                accepted: Vec::new(),
                fail_next: 0,
                check_origin: true,
                limiter: None,
                last_rejection: None,
                counts: TgaCounts::default(),
                thresholds: json!({}),
                app_thresholds: HashMap::new(),
                issued: Vec::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues and registers a token for `app_name` on `app_domain` (`my-app.example.com`).
    pub fn issue_token(&self, app_name: &str, app_domain: &str) -> String {
        let token = self.signer.issue(app_name, app_domain);
        self.add_token(&token, app_name, app_domain);
        token
    }

    /// Registers `token` exactly as given for `app_name` on `app_domain`, so a dev setup can
    /// keep one token across restarts (`tg-mock --tga-token`). The fake accepts it like one it
    /// issued. A token of another shape than the fake's (`base64(JSON)!signature`) cannot be
    /// read by a client, which then needs the app name and the Origin given explicitly.
    pub fn add_token(&self, token: &str, app_name: &str, app_domain: &str) {
        let app = TokenApp {
            app_name: app_name.to_owned(),
            app_domain: app_domain.to_owned(),
        };
        let mut state = self.state();
        state.apps.insert(token.trim().to_owned(), app.clone());
        state.issued.push(app);
    }

    /// Sets the answer of `GET /events/threshold` for apps without caps of their own (any
    /// JSON, so a test can serve a malformed one too; `{"app-hide": 3}` is the SDK's shape).
    pub fn set_thresholds(&self, thresholds: Value) {
        self.state().thresholds = thresholds;
    }

    /// Sets the answer of `GET /events/threshold` for the app `app_name`.
    pub fn set_app_thresholds(&self, app_name: &str, thresholds: Value) {
        self.state()
            .app_thresholds
            .insert(app_name.to_owned(), thresholds);
    }

    fn thresholds(&self, request: &Request) -> Reply {
        let state = self.state();
        let by_token = request
            .header(TOKEN_HEADER)
            .and_then(|t| state.apps.get(t.trim()));
        let by_origin = || {
            state
                .issued
                .iter()
                .find(|app| origin_matches(request.header("origin"), &app.app_domain))
        };
        let caps = by_token
            .or_else(by_origin)
            .and_then(|app| state.app_thresholds.get(&app.app_name))
            .unwrap_or(&state.thresholds);
        Reply::json(200, caps)
    }

    /// Answers the next `n` requests that pass every other check with 400 `Failed to record`.
    pub fn fail_next(&self, n: u64) {
        self.state().fail_next = n;
    }

    /// Turns the Origin check on or off.
    pub fn set_check_origin(&self, on: bool) {
        self.state().check_origin = on;
    }

    /// Sets the per-token rate limit; `None` turns it off.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let limiter = limit.map(|l| {
            let per_second = NonZeroU32::new(l.per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(l.burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))
        });
        self.state().limiter = limiter;
    }

    /// Every event kept so far, in the order received (duplicates included).
    pub fn accepted_events(&self) -> Vec<Value> {
        self.state()
            .accepted
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect()
    }

    /// How many events were kept (duplicates included).
    pub fn accepted_count(&self) -> usize {
        self.state().accepted.len()
    }

    /// Forgets the events kept so far.
    pub fn clear_accepted(&self) {
        self.state().accepted.clear();
    }

    /// Counts of what the fake answered.
    pub fn counts(&self) -> TgaCounts {
        self.state().counts
    }

    /// Why the last request was refused with a validation answer, for test diagnostics.
    pub fn last_rejection(&self) -> Option<String> {
        self.state().last_rejection.clone()
    }

    fn events(&self, request: &Request) -> Reply {
        let token = request.header(TOKEN_HEADER);
        let mut state = self.state();
        state.counts.requests += 1;
        let registered = token.and_then(|t| state.apps.get(t.trim())).cloned();
        let app = match (registered, self.signer.check(token)) {
            (Some(app), _) => app,
            (None, Err(TokenProblem::Malformed)) => return message(400, messages::TOKEN_MISSING),
            (None, _) => return message(400, messages::TOKEN_INVALID),
        };
        if state.check_origin && !origin_matches(request.header("origin"), &app.app_domain) {
            return message(403, messages::DOMAIN_MISMATCH);
        }
        let key = token.map(|t| t.trim().to_owned()).unwrap_or_default();
        let limited = state
            .limiter
            .as_ref()
            .is_some_and(|l| l.check_key(&key).is_err());
        if limited {
            state.counts.rate_limited += 1;
            return message(429, messages::TOO_MANY_REQUESTS);
        }
        let parsed = request
            .decoded_body()
            .ok_or_else(|| "the body is not valid gzip".to_owned())
            .and_then(|body| validate::events(&body));
        let events = match parsed {
            Ok(events) => events,
            Err(why) => {
                state.counts.validation_failures += 1;
                state.last_rejection = Some(why);
                return Reply::json(
                    400,
                    &json!({"status": 400, "message": messages::VALIDATION_MISMATCH}),
                );
            }
        };
        let foreign = events
            .iter()
            .any(|e| e.get("app_name").and_then(Value::as_str) != Some(&app.app_name));
        if foreign {
            return message(400, messages::APP_NAME_MISMATCH);
        }
        if state.fail_next > 0 {
            state.fail_next -= 1;
            state.counts.failed_to_record += 1;
            return message(400, messages::FAILED_TO_RECORD);
        }
        state.counts.accepted_requests += 1;
        state.counts.accepted_events += events.len() as u64;
        state.accepted.extend(
            events
                .into_iter()
                .map(|e| Value::Object(e).to_string().into_boxed_str()),
        );
        message(202, messages::SUCCESS)
    }
}

fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, &json!({ "message": text }))
}

/// Whether the Origin's host (scheme, port and path ignored) is `domain`, ignoring case.
fn origin_matches(origin: Option<&str>, domain: &str) -> bool {
    let Some(origin) = origin else {
        return false;
    };
    let host = |s: &str| -> String {
        let rest = s.trim().split_once("://").map_or(s.trim(), |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        host.split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let want = host(domain);
    !want.is_empty() && host(origin) == want
}

impl FakeService for TgaFake {
    fn name(&self) -> &'static str {
        "tga"
    }

    fn handle(&self, request: &Request) -> Reply {
        if request.path == "/events" && request.method == Method::POST {
            self.events(request)
        } else if request.path == "/events/threshold" && request.method == Method::GET {
            self.thresholds(request)
        } else {
            Reply::json(
                404,
                &json!({"message": format!("Cannot {} {}", request.method, request.path), "statusCode": 404}),
            )
        }
    }

    fn rate_limited(&self, request: &Request) -> Reply {
        let _ = request;
        message(429, messages::TOO_MANY_REQUESTS)
    }

    fn rate_limit_key(&self, request: &Request) -> Option<String> {
        request.header(TOKEN_HEADER).map(|t| t.trim().to_owned())
    }
}

#[cfg(test)]
mod tests;
