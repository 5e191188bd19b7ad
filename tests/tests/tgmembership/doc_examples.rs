//! Every JSON example of the TGmembership document, as test vectors read from
//! `fixtures/tgmembership/` (one file per example, byte for byte; see its README): each response
//! decodes through its endpoint's types and its `result` re-encodes to the same JSON value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The text of `fixtures/tgmembership/<file>`.
macro_rules! fixture {
    ($file:literal) => {
        include_str!(concat!("../../../fixtures/tgmembership/", $file))
    };
}

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use tg_common::Operation;
use tgmembership_client::Client;
use tgmembership_client::envelope::{self, Envelope};
use tgmembership_client::*;

const CREATE_AFFILIATE: &str = fixture!("post-affiliate.response.json");
const REGISTER_BOT: &str = fixture!("post-bot.response.json");
const LIST_COUPONS: &str = fixture!("get-coupons.response.json");
const LIST_MEMBERS: &str = fixture!("get-members.response.json");
const CREATE_ACCESS_TOKEN: &str = fixture!("post-members-access-token.response.json");
const GET_ORDER: &str = fixture!("get-orders-order-key.response.json");
const LIST_ORDERS: &str = fixture!("get-orders.response.json");
const CREATE_ORDER: &str = fixture!("post-orders.response.json");
const ORDERS_COUNT: &str = fixture!("get-orders-count.response.json");
const LIST_PAYMENT_METHODS: &str = fixture!("get-payment-methods.response.json");
const PAYMENT_METHODS_REPORT: &str = fixture!("get-payment-methods-report.response.json");
const LIST_PLANS: &str = fixture!("get-plans.response.json");
const CREATE_PLAN: &str = fixture!("post-plans.response.json");
const PLANS_REPORT: &str = fixture!("get-plans-report.response.json");
const LIST_PROJECTS: &str = fixture!("get-projects.response.json");
const REVENUE: &str = fixture!("get-revenue.response.json");
const USERS_COUNT: &str = fixture!("get-users-count.response.json");
const DELETE_WEBHOOK: &str = fixture!("delete-webhook.response.json");
const SET_WEBHOOK: &str = fixture!("post-webhook.response.json");

/// Decodes `example` as the answer to `R`, checks the envelope echo, and checks that the result
/// re-encodes to the document's `result` (`expected_result` picks it out of the document).
fn check<R>(example: &str, http_status: u16, expected_result: fn(&Value) -> Value) -> R::Output
where
    R: Operation,
    R::Output: Serialize + Clone + serde::de::DeserializeOwned,
{
    let doc: Value = serde_json::from_str(example).unwrap();
    let env: Envelope<R::Output> = envelope::decode(http_status, example.as_bytes(), None)
        .unwrap_or_else(|e| panic!("{example}\n{e}"));
    assert_eq!(u64::from(env.code), doc["code"].as_u64().unwrap());
    assert_eq!(env.request_id.as_deref(), doc["request_id"].as_str());
    assert_eq!(env.method.as_deref(), doc["method"].as_str());
    assert_eq!(env.path.as_deref(), doc["path"].as_str());
    assert_eq!(env.ok, doc["ok"].as_bool());
    let result = env.into_result().unwrap();
    let reencoded = serde_json::to_value(result.clone()).unwrap();
    assert_eq!(reencoded, expected_result(&doc), "{example}");
    result
}

fn whole(doc: &Value) -> Value {
    doc["result"].clone()
}

fn first(doc: &Value) -> Value {
    doc["result"][0].clone()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn affiliate() {
    let a = check::<CreateAffiliate>(CREATE_AFFILIATE, 200, whole);
    assert_eq!(a.affiliate_id, "abcd123");
}

/// The document's block as printed lacks its final `}`: a decode error, not a success.
#[test]
fn affiliate_as_published_is_a_decode_error() {
    let published = fixture!("post-affiliate.response.as-published.txt");
    let e = envelope::decode::<Affiliate>(200, published.as_bytes(), None).unwrap_err();
    assert!(
        matches!(e.kind(), tg_common::ErrorKind::Decode { .. }),
        "{e:?}"
    );
}

#[test]
fn bot() {
    let b = check::<RegisterBot>(REGISTER_BOT, 201, whole);
    assert_eq!(b.bot_id, 1347378140);
    assert_eq!(b.api_key.expose(), "abcd123");
}

#[test]
fn coupons() {
    let c = check::<ListCoupons>(LIST_COUPONS, 200, whole);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].percent, dec("10"));
    assert_eq!(c[0].payment_gateways, None);
    assert_eq!(c[1].payment_gateways, Some(vec![PaymentGateway::PayPal]));
    let rev = c[1].revenue.as_ref().unwrap();
    assert_eq!(rev.direction, RevenueDirection::Above);
    assert_eq!(rev.currency, Currency::Usd);
    assert!(c[1].singleuse && c[1].invitee_only && !c[1].newcomers);
}

#[test]
fn members() {
    let m = check::<ListMembers>(LIST_MEMBERS, 200, whole);
    assert_eq!(m.len(), 3);
    assert_eq!(m[1].member_id, 2222222222);
    assert_eq!(m[2].membership.end, 1721310182);
}

#[test]
fn access_token() {
    let t = check::<CreateAccessToken>(CREATE_ACCESS_TOKEN, 201, whole);
    assert!(t.link.ends_with("accesstoken_abcd123"));
}

#[test]
fn order_by_key() {
    let o = check::<GetOrder>(GET_ORDER, 200, whole);
    assert_eq!(o.order_status, OrderStatus::Pending);
    assert_eq!(o.payment_gateway.gateway(), &PaymentGateway::Stripe);
    assert_eq!(o.payment_gateway.form(), GatewayNameForm::Id);
    assert_eq!(o.member_email.as_deref(), Some("john@doe.com"));
    assert_eq!(o.amount, None);
}

#[test]
fn orders() {
    let o = check::<ListOrders>(LIST_ORDERS, 200, whole);
    assert_eq!(o.len(), 5);
    assert_eq!(o[0].amount, Some(dec("1.344882")));
    assert_eq!(o[0].currency, Some(Currency::Usd));
    assert_eq!(o[2].order_status, OrderStatus::Completed);
    assert_eq!(o[3].payment_gateway.gateway(), &PaymentGateway::Stripe);
    assert_eq!(o[3].payment_gateway.form(), GatewayNameForm::DisplayName);
    assert_eq!(o[2].payment_gateway.gateway(), &PaymentGateway::CryptoCom);
    assert_eq!(o[1].payment_gateway.gateway(), &PaymentGateway::Telegram);
}

#[test]
fn create_order() {
    let o = check::<CreateOrder>(CREATE_ORDER, 200, whole);
    assert_eq!(o.amount, dec("3"));
    assert_eq!(o.currency, Currency::Eur);
}

#[test]
fn orders_count() {
    let r = check::<CountOrders>(ORDERS_COUNT, 200, whole);
    assert_eq!(r[1].revenue, dec("440.66793845"));
    assert_eq!(r[1].sales, 12);
}

#[test]
fn payment_methods() {
    let p = check::<ListPaymentMethods>(LIST_PAYMENT_METHODS, 200, whole);
    assert_eq!(p.len(), 7);
    assert_eq!(p[0].name, PaymentGateway::CryptoNoKyc);
    assert_eq!(p[0].tokens.as_ref().unwrap().len(), 7);
    assert_eq!(p[3].name, PaymentGateway::Reepay);
    assert_eq!(
        p[3].display_name,
        PaymentGateway::Reepay.display_name().unwrap()
    );
    for method in &p {
        assert_eq!(
            method.name.display_name(),
            Some(method.display_name.as_str())
        );
    }
}

#[test]
fn payment_methods_report() {
    let r = check::<GetPaymentMethodsReport>(PAYMENT_METHODS_REPORT, 200, whole);
    assert_eq!(r.len(), 8);
    for row in &r {
        assert!(row.name.display_name().is_some(), "{:?}", row.name);
        assert_eq!(row.name.display_name(), Some(row.display_name.as_str()));
    }
    assert_eq!(r[0].formatted, "2 412,08€");
}

#[test]
fn plans() {
    let p = check::<ListPlans>(LIST_PLANS, 200, whole);
    assert_eq!(p[0].plan_id, 20);
    assert_eq!(p[0].price, dec("1.23"));
    assert_eq!(p[0].parsed_duration().unwrap().to_string(), "2 days");
    assert_eq!(p[1].options.singleuse, SingleUse::Unlimited);
}

#[test]
fn create_plan() {
    let p = check::<CreatePlan>(CREATE_PLAN, 201, whole);
    assert_eq!(p.plan_id, 77);
    assert_eq!(
        p.parsed_duration(),
        Some(PlanDuration::new(1, DurationUnit::Week))
    );
}

#[test]
fn plans_report() {
    let r = check::<GetPlansReport>(PLANS_REPORT, 200, whole);
    assert_eq!(r.len(), 6);
    assert_eq!(r[1].breakdown.len(), 4);
    assert_eq!(r[1].breakdown[2].revenue, dec("568.80310825"));
}

#[test]
fn projects() {
    let p = check::<ListProjects>(LIST_PROJECTS, 200, whole);
    assert_eq!(p[0].options.sort_order, Some(100));
    assert_eq!(p[1].options.sort_order, None);
    assert!(p[2].options.is_hidden);
}

#[test]
fn revenue_is_byte_exact() {
    let r = check::<GetRevenue>(REVENUE, 200, whole);
    assert_eq!(r.revenue.to_string(), "398.60636332000007");
    let reencoded = serde_json::to_string(&r).unwrap();
    assert!(reencoded.contains(r#""revenue":"398.60636332000007""#));
}

#[test]
fn users_count() {
    let u = check::<CountUsers>(USERS_COUNT, 200, whole);
    assert_eq!(u.members, 864);
}

#[test]
fn delete_webhook_with_http_200_or_204() {
    let client = Client::builder(1347378140, "abcd123").build().unwrap();
    let delete = DeleteWebhook::new("https://example.com/");
    for status in [200, 204] {
        let env: Envelope<WebhookDeleted> =
            envelope::decode(status, DELETE_WEBHOOK.as_bytes(), None).unwrap();
        assert_eq!(env.code, 204);
        assert_eq!(env.ok, Some(true));
        let response = tg_common::RawResponse {
            status,
            headers: http::HeaderMap::new(),
            body: DELETE_WEBHOOK.into(),
        };
        assert_eq!(delete.decode(&client, response).unwrap(), WebhookDeleted);
    }
}

#[test]
fn set_webhook_result_is_an_array_of_one() {
    let w = check::<SetWebhook>(SET_WEBHOOK, 201, first);
    assert_eq!(w.url, "https://example.com/");
    assert_eq!(w.secret.expose(), "abcd123");
}

/// Every money value in the document survives decode and encode byte for byte.
#[test]
fn every_documented_amount_is_byte_exact() {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let money_key = matches!(
                        k.as_str(),
                        "amount" | "percent" | "min_amount" | "max_amount" | "price" | "revenue"
                    );
                    match v {
                        Value::String(s) if money_key => out.push(s.clone()),
                        other => walk(other, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut amounts = Vec::new();
    for example in ALL {
        walk(&serde_json::from_str(example).unwrap(), &mut amounts);
    }
    assert_eq!(amounts.len(), 50);
    for a in amounts {
        let d = money::parse(&a).unwrap();
        assert_eq!(money::format(&d), a);
    }
}

const ALL: [&str; 19] = [
    CREATE_AFFILIATE,
    REGISTER_BOT,
    LIST_COUPONS,
    LIST_MEMBERS,
    CREATE_ACCESS_TOKEN,
    GET_ORDER,
    LIST_ORDERS,
    CREATE_ORDER,
    ORDERS_COUNT,
    LIST_PAYMENT_METHODS,
    PAYMENT_METHODS_REPORT,
    LIST_PLANS,
    CREATE_PLAN,
    PLANS_REPORT,
    LIST_PROJECTS,
    REVENUE,
    USERS_COUNT,
    DELETE_WEBHOOK,
    SET_WEBHOOK,
];
