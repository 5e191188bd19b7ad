//! The fake TGmembership API: `/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`, as the document describes
//! it, with state.
//!
//! Checks, in order; every error is the envelope
//! `{"ok": false, "request_id", "method", "path", "code": N, "description"}` with HTTP status N:
//! 1. the path must be `/v1/bot{digits}/{key}/{method...}`, else 404;
//! 2. the (bot id, key) pair must be known ([`TgmembershipFake::new`],
//!    [`TgmembershipFake::add_api_key`], or a bot registered through `POST bot`), else 401;
//! 3. the method must be documented (names are case-insensitive: `paymentmethods/REPORT`
//!    works; an order key keeps its case), else 404; a documented name with the wrong HTTP method
//!    is 405;
//! 4. the parameters (query string for GET, JSON or form body for POST and DELETE) must follow
//!    the documented rules (limits, positive ids, `affiliate_id`, plan name and duration, https
//!    webhook URL...), else 400; an unknown member, plan, project, order or webhook is 404; an
//!    order while in test mode ([`TgmembershipFake::set_test_mode`]) is 401.
//!
//! Successes follow the document's examples, including their inconsistencies: `ok` is omitted
//! where the example omits it (`POST bot`, `GET coupons`, `GET orders`, `GET orders/{key}`,
//! `POST plans`), `path` is echoed in the service's spelling (`/payment_methods`,
//! `/members/access_token`) with the query string, `POST webhook` returns an array, and
//! `DELETE webhook` answers `{"ok": true, "code": 204}` with HTTP 200 (or an empty HTTP 204, see
//! [`TgmembershipFake::set_empty_204`]).
//!
//! State starts with the document's examples and changes as the API is used: `POST plans`
//! plans appear in `GET plans`; `POST orders` orders can be fetched by key and listed;
//! [`TgmembershipFake::complete_order`] marks one paid, which counts it in `orders/count`,
//! `plans/report`, `paymentMethods/report` and `revenue` (only completed orders are revenue),
//! starts the member's membership, and returns the signed `order_completed` deliveries for every
//! registered webhook ([`SignedWebhook`], headers [`SIGNATURE_HEADER`] and [`NONCE_HEADER`],
//! names of the fake's own choosing). Reports convert between the 13 documented currencies at
//! fixed rates ([`CURRENCIES`]) and write `formatted` in the currency's minor units (`81935
//! JPY`, `0.00001710 BTC`); the default report currency is EUR. As documented, `plans/report`
//! covers the last 6 calendar months (by order date) while `paymentMethods/report` covers every
//! completed order, so their totals differ once an order is older than that.

mod admin;
#[cfg(test)]
mod admin_tests;
mod delivery;
mod handlers;
mod money;
mod outbox;
mod params;
mod sign_cli;
mod state;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use http::Method;
use serde_json::{Map, Value, json};

use crate::service::{FakeService, Reply, Request};
pub use delivery::{NONCE_HEADER, SIGNATURE_HEADER, SignedWebhook, build_webhook, sign_webhook};
use handlers::Answer;
pub use money::{CURRENCIES, CurrencyInfo, civil, currency};
pub use outbox::{
    DELIVERY_TIMEOUT, DeliveryOutcome, DeliveryRecord, OUTBOX_LOG_CAPACITY, loopback_target,
};
use params::{Failure, Params};
pub use sign_cli::{BodySource, SIGN_USAGE, SignOptions, parse_sign_args, sign_output};
use state::State;
pub use state::{
    AccessTokenRecord, BotRecord, MemberRecord, OrderRecord, PlanRecord, UserRecord, WebhookRecord,
};

/// A documented method.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Affiliate,
    Bot,
    Coupons,
    Members,
    AccessToken,
    Orders,
    Order(String),
    OrdersCount,
    PaymentMethods,
    PaymentMethodsReport,
    Plans,
    PlansReport,
    Projects,
    Revenue,
    UsersCount,
    Webhook,
}

impl Route {
    /// The method from the path segments after the key; names are case-insensitive.
    fn parse(segments: &[&str]) -> Option<Route> {
        let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
        let names: Vec<&str> = lower.iter().map(String::as_str).collect();
        Some(match names.as_slice() {
            ["affiliate"] => Route::Affiliate,
            ["bot"] => Route::Bot,
            ["coupons"] => Route::Coupons,
            ["members"] => Route::Members,
            ["members", "accesstoken"] => Route::AccessToken,
            ["orders"] => Route::Orders,
            ["orders", "count"] => Route::OrdersCount,
            ["orders", _] => Route::Order(params::percent_decode(segments[1], false)),
            ["paymentmethods"] => Route::PaymentMethods,
            ["paymentmethods", "report"] => Route::PaymentMethodsReport,
            ["plans"] => Route::Plans,
            ["plans", "report"] => Route::PlansReport,
            ["projects"] => Route::Projects,
            ["revenue"] => Route::Revenue,
            ["users", "count"] => Route::UsersCount,
            ["webhook"] => Route::Webhook,
            _ => return None,
        })
    }

    /// The `path` the service echoes (its own spelling).
    fn echo(&self) -> String {
        match self {
            Route::Affiliate => "/affiliate".into(),
            Route::Bot => "/bot".into(),
            Route::Coupons => "/coupons".into(),
            Route::Members => "/members".into(),
            Route::AccessToken => "/members/access_token".into(),
            Route::Orders => "/orders".into(),
            Route::Order(key) => format!("/orders/{key}"),
            Route::OrdersCount => "/orders/count".into(),
            Route::PaymentMethods => "/payment_methods".into(),
            Route::PaymentMethodsReport => "/payment_methods/report".into(),
            Route::Plans => "/plans".into(),
            Route::PlansReport => "/plans/report".into(),
            Route::Projects => "/projects".into(),
            Route::Revenue => "/revenue".into(),
            Route::UsersCount => "/users/count".into(),
            Route::Webhook => "/webhook".into(),
        }
    }

    fn allows(&self, method: &Method) -> bool {
        match self {
            Route::Affiliate | Route::Bot | Route::AccessToken => method == Method::POST,
            Route::Orders | Route::Plans => method == Method::GET || method == Method::POST,
            Route::Webhook => method == Method::POST || method == Method::DELETE,
            _ => method == Method::GET,
        }
    }
}

/// `/v1/bot{id}/{key}/{rest}` split into its bot id, key and method segments.
fn split_path(path: &str) -> Option<(i64, &str, Vec<&str>)> {
    let rest = path.strip_prefix("/v1/")?;
    let (bot, rest) = rest.split_once('/')?;
    let bot_id = bot
        .strip_prefix("bot")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))?
        .parse()
        .ok()?;
    let (key, method) = rest.split_once('/')?;
    let segments: Vec<&str> = method.trim_end_matches('/').split('/').collect();
    if key.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    Some((bot_id, key, segments))
}

/// The error envelope with HTTP status `code`.
pub fn error_reply(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        &json!({ "ok": false, "code": code, "description": description }),
    )
}

/// The fake TGmembership service; see the module documentation.
pub struct TgmembershipFake {
    state: Mutex<State>,
    outbox: Arc<outbox::Outbox>,
}

impl std::fmt::Debug for TgmembershipFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state();
        f.debug_struct("TgmembershipFake")
            .field("plans", &st.plans.len())
            .field("orders", &st.orders.len())
            .field("webhooks", &st.webhooks.len())
            .finish_non_exhaustive()
    }
}

impl TgmembershipFake {
    /// A fake accepting `api_key` for bot `bot_id`, seeded with the document's examples, on the
    /// system clock.
    pub fn new(bot_id: i64, api_key: &str) -> Self {
        TgmembershipFake {
            state: Mutex::new(State::seeded(bot_id, api_key)),
            outbox: Arc::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_in(st: &State) -> i64 {
        st.now.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0)
        })
    }

    /// Accepts another key (for `bot_id`).
    pub fn add_api_key(&self, bot_id: i64, api_key: &str) {
        self.state()
            .credentials
            .insert((bot_id, api_key.to_owned()));
    }

    /// Revokes a key.
    pub fn remove_api_key(&self, bot_id: i64, api_key: &str) {
        self.state()
            .credentials
            .remove(&(bot_id, api_key.to_owned()));
    }

    /// Fixes the clock (Unix seconds); `None` returns to the system clock.
    pub fn set_now(&self, now: Option<i64>) {
        self.state().now = now;
    }

    /// The fake's current time.
    pub fn now(&self) -> i64 {
        Self::now_in(&self.state())
    }

    /// Puts the bot in test mode: `POST orders` answers 401.
    pub fn set_test_mode(&self, on: bool) {
        self.state().test_mode = on;
    }

    /// Makes `DELETE webhook` answer an empty HTTP 204 instead of `{"ok":true,"code":204}`.
    pub fn set_empty_204(&self, on: bool) {
        self.state().empty_204 = on;
    }

    /// Adds a user the bot knows (needed for `member_id` parameters).
    pub fn add_user(&self, member_id: i64, name: &str) {
        self.state().users.insert(
            member_id,
            UserRecord {
                member_id,
                name: name.to_owned(),
                email: None,
            },
        );
    }

    /// Adds a membership (and its user, if new).
    pub fn add_member(&self, member: MemberRecord) {
        let mut st = self.state();
        st.users
            .entry(member.member_id)
            .or_insert_with(|| UserRecord {
                member_id: member.member_id,
                name: format!("User {}", member.member_id),
                email: None,
            });
        st.members.push(member);
    }

    /// Every membership, in listing order.
    pub fn members(&self) -> Vec<MemberRecord> {
        self.state().members.clone()
    }

    /// Every plan, in creation order.
    pub fn plans(&self) -> Vec<PlanRecord> {
        self.state().plans.clone()
    }

    /// Every order, in creation order.
    pub fn orders(&self) -> Vec<OrderRecord> {
        self.state().orders.clone()
    }

    /// One order.
    pub fn order(&self, order_key: &str) -> Option<OrderRecord> {
        self.state()
            .orders
            .iter()
            .find(|o| o.order_key == order_key)
            .cloned()
    }

    /// Registered affiliates: affiliate id to member id.
    pub fn affiliates(&self) -> Vec<(String, i64)> {
        self.state()
            .affiliates
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Issued access tokens.
    pub fn access_tokens(&self) -> Vec<AccessTokenRecord> {
        self.state().access_tokens.clone()
    }

    /// Registered webhooks.
    pub fn webhooks(&self) -> Vec<WebhookRecord> {
        self.state().webhooks.clone()
    }

    /// Registers a webhook without the API's checks (any URL, for example a plain http receiver
    /// on loopback) with a secret of the caller's choice; replaces one at the same URL.
    pub fn add_webhook(&self, url: &str, secret: &str) {
        let mut st = self.state();
        st.webhooks.retain(|w| w.url != url);
        st.webhooks.push(WebhookRecord {
            url: url.to_owned(),
            secret: secret.to_owned(),
        });
    }

    /// Bots registered through `POST bot`.
    pub fn registered_bots(&self) -> Vec<BotRecord> {
        self.state().bots.clone()
    }

    fn deliveries(st: &State, event: &str, data: &Value) -> Vec<SignedWebhook> {
        let now = Self::now_in(st);
        st.webhooks
            .iter()
            .map(|w| {
                build_webhook(
                    &w.url,
                    &w.secret,
                    event,
                    data.clone(),
                    &delivery::new_nonce(),
                    now,
                )
            })
            .collect()
    }

    /// Signed deliveries of `event` with `data`, one per registered webhook, stamped with the
    /// fake's clock.
    pub fn webhook_deliveries(&self, event: &str, data: Value) -> Vec<SignedWebhook> {
        Self::deliveries(&self.state(), event, &data)
    }

    /// Marks an order paid (see the module documentation) and returns the signed
    /// `order_completed` deliveries; `None` for an unknown key, no deliveries when the order was
    /// already completed.
    pub fn complete_order(&self, order_key: &str) -> Option<Vec<SignedWebhook>> {
        let mut st = self.state();
        let now = Self::now_in(&st);
        match handlers::complete(&mut st, order_key, now) {
            Ok(Some(data)) => Some(Self::deliveries(&st, "order_completed", &data)),
            Ok(None) => Some(Vec::new()),
            Err(_) => None,
        }
    }

    /// Ends a member's active membership of a plan now and returns the signed
    /// `membership_terminated` deliveries; `None` when there was no active membership.
    pub fn terminate_membership(&self, member_id: i64, plan_id: i64) -> Option<Vec<SignedWebhook>> {
        let mut st = self.state();
        let now = Self::now_in(&st);
        let data = handlers::terminate(&mut st, member_id, plan_id, now)?;
        Some(Self::deliveries(&st, "membership_terminated", &data))
    }

    fn params(request: &Request) -> Result<Params, Failure> {
        if request.method == Method::GET {
            return Ok(params::from_query(request.query.as_deref()));
        }
        let body = request.decoded_body().unwrap_or_default();
        let form = request
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if form {
            return Ok(params::from_query(std::str::from_utf8(&body).ok()));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            // DELETE may carry its url in the query string.
            return Ok(params::from_query(request.query.as_deref()));
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => Ok(Params(map)),
            _ => Err(Failure::bad("Invalid request body: expected a JSON object")),
        }
    }

    fn answer(&self, request: &Request, route: &Route) -> Result<Answer, Failure> {
        if !route.allows(&request.method) {
            return Err(Failure::new(405, "Method not allowed"));
        }
        let p = Self::params(request)?;
        let mut st = self.state();
        let now = Self::now_in(&st);
        let post = request.method == Method::POST;
        match route {
            Route::Affiliate => handlers::create_affiliate(&mut st, &p),
            Route::Bot => handlers::register_bot(&mut st, &p),
            Route::Coupons => handlers::list_coupons(&st),
            Route::Members => handlers::list_members(&st, &p),
            Route::AccessToken => handlers::create_access_token(&mut st, &p),
            Route::Orders if post => handlers::create_order(&mut st, &p, now),
            Route::Orders => handlers::list_orders(&st, &p),
            Route::Order(key) => handlers::get_order(&st, key),
            Route::OrdersCount => handlers::orders_count(&st, &p, now),
            Route::PaymentMethods => handlers::list_payment_methods(&st),
            Route::PaymentMethodsReport => handlers::payment_methods_report(&st, &p),
            Route::Plans if post => handlers::create_plan(&mut st, &p),
            Route::Plans => handlers::list_plans(&st, &p),
            Route::PlansReport => handlers::plans_report(&st, &p, now),
            Route::Projects => handlers::list_projects(&st, &p),
            Route::Revenue => handlers::revenue(&st, &p),
            Route::UsersCount => handlers::users_count(&st, now),
            Route::Webhook if post => handlers::set_webhook(&mut st, &p),
            Route::Webhook => handlers::delete_webhook(&mut st, &p),
        }
    }

    fn next_request_id(&self) -> String {
        let mut st = self.state();
        st.next_request_id += 1;
        st.next_request_id.to_string()
    }
}

impl FakeService for TgmembershipFake {
    fn name(&self) -> &'static str {
        "tgmembership"
    }

    fn handle(&self, request: &Request) -> Reply {
        let Some((bot_id, key, segments)) = split_path(&request.path) else {
            return error_reply(404, "Not found");
        };
        let authorised = self.state().credentials.contains(&(bot_id, key.to_owned()));
        if authorised && segments.first() == Some(&"_admin") {
            return self.admin(request, &segments[1..]);
        }
        let route = Route::parse(&segments);
        let echo = match (&route, &request.query) {
            (Some(r), Some(q)) => format!("{}?{q}", r.echo()),
            (Some(r), None) => r.echo(),
            (None, _) => format!("/{}", segments.join("/")),
        };
        let mut envelope = Map::new();
        envelope.insert("request_id".into(), json!(self.next_request_id()));
        envelope.insert("method".into(), json!(request.method.as_str()));
        envelope.insert("path".into(), json!(echo));
        let outcome = if !authorised {
            Err(Failure::new(401, "Unauthorized: invalid bot id or API key"))
        } else {
            match &route {
                Some(route) => self.answer(request, route),
                None => Err(Failure::new(404, "Method not found")),
            }
        };
        match outcome {
            Ok(answer) if answer.code == 204 => {
                if self.state().empty_204 {
                    Reply::new(204, "")
                } else {
                    Reply::json(200, &json!({ "ok": true, "code": 204 }))
                }
            }
            Ok(answer) => {
                let mut body = Map::new();
                if answer.with_ok {
                    body.insert("ok".into(), json!(true));
                }
                body.extend(envelope);
                body.insert("code".into(), json!(answer.code));
                if let Some(result) = answer.result {
                    body.insert("result".into(), result);
                }
                Reply::json(answer.code, &Value::Object(body))
            }
            Err(f) => {
                let mut body = Map::new();
                body.insert("ok".into(), json!(false));
                body.extend(envelope);
                body.insert("code".into(), json!(f.code));
                body.insert("description".into(), json!(f.description));
                Reply::json(f.code, &Value::Object(body))
            }
        }
    }

    fn rate_limited(&self, _request: &Request) -> Reply {
        error_reply(429, "Too Many Requests")
    }

    fn rate_limit_key(&self, request: &Request) -> Option<String> {
        split_path(&request.path).map(|(bot_id, key, _)| format!("{bot_id}/{key}"))
    }
}
