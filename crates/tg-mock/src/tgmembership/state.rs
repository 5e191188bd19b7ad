//! What the fake TGmembership keeps, and its seed: the document's examples.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

/// A user the bot knows (has interacted with it and not blocked it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Telegram user id.
    pub member_id: i64,
    /// Display name.
    pub name: String,
    /// Email, when known.
    pub email: Option<String>,
}

/// One membership of one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// The member.
    pub member_id: i64,
    /// The plan.
    pub plan_id: i64,
    /// The project.
    pub project_id: i64,
    /// Start (Unix seconds).
    pub start: i64,
    /// End (Unix seconds).
    pub end: i64,
}

/// A plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecord {
    /// The id.
    pub plan_id: i64,
    /// The name.
    pub plan_name: String,
    /// The duration as given (`"2 days"`).
    pub duration: String,
    /// The trial, as given.
    pub trial: Option<String>,
    /// The price as a decimal string.
    pub price: String,
    /// Upper-case currency code.
    pub currency: String,
    /// The options object as the service reports it.
    pub options: Value,
    /// Customer cap.
    pub max_customers: i64,
    /// Display order.
    pub sort_order: i64,
    /// Purchasable.
    pub enabled: bool,
    /// The project it belongs to (not part of the plan's JSON).
    pub project_id: Option<i64>,
}

impl PlanRecord {
    /// The plan's JSON as `GET plans` shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "plan_id": self.plan_id,
            "plan_name": self.plan_name,
            "duration": self.duration,
            "price": self.price,
            "currency": self.currency,
            "options": self.options,
            "max_customers": self.max_customers,
            "sort_order": self.sort_order,
            "enabled": self.enabled,
        })
    }
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// The key.
    pub order_key: String,
    /// The type (`1` throughout the document).
    pub order_type: i64,
    /// Creation time (Unix seconds).
    pub order_date: i64,
    /// `PENDING` or `COMPLETED`.
    pub order_status: String,
    /// The member (`0`: none).
    pub member_id: i64,
    /// The member's name.
    pub member_name: String,
    /// The member's email.
    pub member_email: Option<String>,
    /// The plan.
    pub plan_id: i64,
    /// The plan's name.
    pub plan_name: String,
    /// The project (`0`: none).
    pub project_id: i64,
    /// The gateway id (`"stripe"`).
    pub gateway: String,
    /// The amount, a decimal string in `currency`.
    pub amount: String,
    /// Upper-case currency code.
    pub currency: String,
    /// The token, for crypto gateways.
    pub token: Option<String>,
}

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    /// The URL.
    pub url: String,
    /// The signing secret.
    pub secret: String,
}

/// An issued access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenRecord {
    /// The token.
    pub token: String,
    /// The plan it activates.
    pub plan_id: i64,
    /// The member it is tied to, if any.
    pub member_id: Option<i64>,
}

/// A bot registered through `POST bot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotRecord {
    /// The bot id (the token's prefix).
    pub bot_id: i64,
    /// Its username.
    pub bot_username: String,
    /// Its API key (valid for `/v1/bot{bot_id}/{api_key}/...` on this fake).
    pub api_key: String,
}

/// The whole state.
pub(super) struct State {
    pub credentials: BTreeSet<(i64, String)>,
    pub bot_username: String,
    pub report_currency: String,
    pub now: Option<i64>,
    pub next_request_id: u64,
    pub test_mode: bool,
    pub empty_204: bool,
    pub users: BTreeMap<i64, UserRecord>,
    pub members: Vec<MemberRecord>,
    pub plans: Vec<PlanRecord>,
    pub next_plan_id: i64,
    pub projects: Vec<Value>,
    pub coupons: Vec<Value>,
    pub payment_methods: Vec<Value>,
    pub orders: Vec<OrderRecord>,
    pub affiliates: BTreeMap<String, i64>,
    pub access_tokens: Vec<AccessTokenRecord>,
    pub webhooks: Vec<WebhookRecord>,
    pub bots: Vec<BotRecord>,
}

fn options(recurring: bool) -> Value {
    json!({
        "recurring": recurring,
        "newcomers": 0,
        "singleuse": 0,
        "token_only": false,
        "credit_only": false,
        "invitee_only": 0,
        "is_hidden": false
    })
}

#[allow(clippy::too_many_arguments)]
fn order(
    key: &str,
    date: i64,
    status: &str,
    member_id: i64,
    member_name: &str,
    plan: (i64, &str),
    gateway: &str,
    amount: &str,
) -> OrderRecord {
    OrderRecord {
        order_key: key.to_owned(),
        order_type: 1,
        order_date: date,
        order_status: status.to_owned(),
        member_id,
        member_name: member_name.to_owned(),
        member_email: None,
        plan_id: plan.0,
        plan_name: plan.1.to_owned(),
        project_id: 0,
        gateway: gateway.to_owned(),
        amount: amount.to_owned(),
        currency: "USD".to_owned(),
        token: None,
    }
}

impl State {
    /// The document's examples: plans 20 and 19, projects 1/9/10, the seven payment methods,
    /// the two coupons, the three memberships, the five listed orders and order `ABCD123`.
    pub(super) fn seeded(bot_id: i64, api_key: &str) -> State {
        let users = [
            (1111111111, "John Doe"),
            (2222222222, "Mark Moe"),
            (3333333333, "Sam Soe"),
            (4444444444, "Jane Doe"),
            (5555555555, "Tom"),
        ]
        .into_iter()
        .map(|(id, name)| {
            (
                id,
                UserRecord {
                    member_id: id,
                    name: name.to_owned(),
                    email: None,
                },
            )
        })
        .collect();
        let member = |member_id, plan_id, project_id, start, end| MemberRecord {
            member_id,
            plan_id,
            project_id,
            start,
            end,
        };
        let plan =
            |plan_id, name: &str, duration: &str, price: &str, currency: &str, sort| PlanRecord {
                plan_id,
                plan_name: name.to_owned(),
                duration: duration.to_owned(),
                trial: None,
                price: price.to_owned(),
                currency: currency.to_owned(),
                options: options(false),
                max_customers: 0,
                sort_order: sort,
                enabled: true,
                project_id: None,
            };
        let mut by_key = order(
            "ABCD123",
            1721159920,
            "PENDING",
            0,
            "John Doe",
            (11, "Plan 11"),
            "stripe",
            "1.23",
        );
        by_key.member_email = Some("john@doe.com".to_owned());
        by_key.project_id = 1;
        by_key.currency = "EUR".to_owned();
        State {
            credentials: BTreeSet::from([(bot_id, api_key.to_owned())]),
            bot_username: "tgmembership_demobot".to_owned(),
            report_currency: "EUR".to_owned(),
            now: None,
            next_request_id: 123456789,
            test_mode: false,
            empty_204: false,
            users,
            members: vec![
                member(1111111111, 1, 1, 1721137290, 1721742090),
                member(2222222222, 14, 2, 1721137296, 1721223696),
                member(1111111111, 18, 3, 1721137382, 1721310182),
            ],
            plans: vec![
                plan(20, "EUR Demo Plan", "2 days", "1.23", "EUR", 100),
                plan(19, "USD Demo Plan", "1 year", "99.99", "USD", 90),
            ],
            next_plan_id: 77,
            projects: vec![
                json!({"project_id": 1, "project_name": "Basketball",
                       "options": {"sort_order": 100, "is_hidden": false}}),
                json!({"project_id": 9, "project_name": "Football",
                       "options": {"is_hidden": false}}),
                json!({"project_id": 10, "project_name": "Tennis",
                       "options": {"is_hidden": true}}),
            ],
            coupons: seed_coupons(),
            payment_methods: seed_payment_methods(),
            orders: vec![
                order(
                    "66804997RC5418150",
                    1721285697,
                    "PENDING",
                    1111111111,
                    "John Doe",
                    (20, "EUR Demo Plan"),
                    "paypal",
                    "1.344882",
                ),
                order(
                    "TGM_20240718_360140305",
                    1721276234,
                    "PENDING",
                    2222222222,
                    "Mark Moe",
                    (38, "RUB Demo Plan"),
                    "telegram",
                    "11.35291",
                ),
                order(
                    "d2615671-b946-4e68-ebd8-6714a042079a",
                    1721255592,
                    "COMPLETED",
                    3333333333,
                    "Sam Soe",
                    (20, "EUR Demo Plan"),
                    "cryptocom",
                    "1.344882",
                ),
                order(
                    "cs_test_abcd123",
                    1721196809,
                    "COMPLETED",
                    4444444444,
                    "Jane Doe",
                    (20, "EUR Demo Plan"),
                    "stripe",
                    "1.344882",
                ),
                order(
                    "2DG51012HU4265914",
                    1721196532,
                    "PENDING",
                    5555555555,
                    "Tom",
                    (25, "BRL Demo Plan"),
                    "paypal",
                    "9.25856208",
                ),
                by_key,
            ],
            affiliates: BTreeMap::new(),
            access_tokens: Vec::new(),
            webhooks: Vec::new(),
            bots: Vec::new(),
        }
    }
}

fn seed_coupons() -> Vec<Value> {
    vec![
        json!({
            "name": "discountcode", "amount": "0", "percent": "10", "min_amount": "0",
            "max_amount": "0", "uses": 0, "used": 0, "plans": [14], "newcomers": false,
            "singleuse": false, "invitee_only": false, "auto_apply": false, "enabled": true
        }),
        json!({
            "name": "HJTPS3", "amount": "0", "percent": "11", "min_amount": "0",
            "max_amount": "0", "uses": 0, "used": 0, "payment_gateways": ["paypal"],
            "plans": [11, 14, 18],
            "revenue": {"direction": "above", "amount": "10", "currency": "USD"},
            "newcomers": false, "singleuse": true, "invitee_only": true, "auto_apply": true,
            "enabled": true
        }),
    ]
}

fn seed_payment_methods() -> Vec<Value> {
    let tokens = [
        ("BTC.LN", "Bitcoin (Lightning)"),
        ("BUSD.BEP20", "BUSD (BEP20)"),
        ("ETH.BASE", "Ethereum (BASE)"),
        ("BTC.BTC", "Bitcoin"),
        ("DOGE.BEP20", "DOGE (BEP20)"),
        ("BCH.BCH", "Bitcoin Cash"),
        ("LTC.LTC", "Litecoin"),
    ]
    .map(|(token, name)| json!({"token": token, "display_name": name}));
    let method = |name: &str, display: &str, recurring: bool, email: bool| {
        json!({"name": name, "display_name": display, "supports_recurring": recurring,
               "requires_email": email})
    };
    let mut crypto = method("cryptonokyc", "Crypto (No KYC)", false, false);
    crypto["tokens"] = json!(tokens);
    vec![
        crypto,
        method("paypal", "PayPal", true, false),
        method("paystack", "Paystack", false, true),
        method("reepay", "Billwerk+", true, true),
        method("stripe", "Credit / Debit card (Stripe)", true, false),
        method("telegram_stars", "Telegram Stars", false, false),
        method("yookassa", "YooKassa", false, true),
    ]
}

/// The display name of a gateway id, from the documents (installed or not).
pub fn gateway_display_name(id: &str) -> String {
    match id {
        "authorizenet" => "AuthorizeNet",
        "cryptocom" => "Crypto (Crypto.Com)",
        "cryptonokyc" => "Crypto (No KYC)",
        "gocardless" => "GoCardless",
        "paypal" => "PayPal",
        "paystack" => "Paystack",
        "reepay" => "Billwerk+",
        "revolut" => "Revolut",
        "stripe" => "Credit / Debit card (Stripe)",
        "telegram" => "Telegram Pay",
        "telegram_stars" => "Telegram Stars",
        "yookassa" => "YooKassa",
        other => other,
    }
    .to_owned()
}
