//! The fake through `FakeService::handle`, as a client would see it.

use http::Method;
use serde_json::{Value, json};

use super::*;

const BOT: i64 = 1347378140;
const KEY: &str = "test-key";
/// 2024-07-18 12:00:00 UTC, the day of the document's newest order.
const NOW: i64 = 1721304000;

fn fake() -> TgmembershipFake {
    let f = TgmembershipFake::new(BOT, KEY);
    f.set_now(Some(NOW));
    f
}

fn url(method: &str) -> String {
    format!("/v1/bot{BOT}/{KEY}/{method}")
}

fn get(f: &TgmembershipFake, method: &str) -> (u16, Value) {
    let reply = f.handle(&Request::new(Method::GET, &url(method)));
    (
        reply.status.as_u16(),
        reply.json_body().unwrap_or(Value::Null),
    )
}

fn send(f: &TgmembershipFake, http: Method, method: &str, body: Value) -> (u16, Value) {
    let req = Request::new(http, &url(method))
        .with_header("content-type", "application/json")
        .with_body(body.to_string());
    let reply = f.handle(&req);
    (
        reply.status.as_u16(),
        reply.json_body().unwrap_or(Value::Null),
    )
}

fn post(f: &TgmembershipFake, method: &str, body: Value) -> (u16, Value) {
    send(f, Method::POST, method, body)
}

fn assert_error(answer: &(u16, Value), code: u16) {
    assert_eq!(answer.0, code, "{}", answer.1);
    assert_eq!(answer.1["ok"], false);
    assert_eq!(answer.1["code"], code);
    assert!(answer.1["description"].is_string());
}

#[test]
fn seeded_plans_are_the_documents() {
    let (status, body) = get(&fake(), "plans");
    assert_eq!(status, 200);
    assert_eq!(body["ok"], true);
    assert_eq!(body["path"], "/plans");
    assert_eq!(body["method"], "GET");
    assert!(body["request_id"].is_string());
    let options = json!({"recurring": false, "newcomers": 0, "singleuse": 0,
        "token_only": false, "credit_only": false, "invitee_only": 0, "is_hidden": false});
    assert_eq!(
        body["result"],
        json!([
            {"plan_id": 20, "plan_name": "EUR Demo Plan", "duration": "2 days", "price": "1.23",
             "currency": "EUR", "options": options, "max_customers": 0, "sort_order": 100,
             "enabled": true},
            {"plan_id": 19, "plan_name": "USD Demo Plan", "duration": "1 year", "price": "99.99",
             "currency": "USD", "options": options, "max_customers": 0, "sort_order": 90,
             "enabled": true}
        ])
    );
}

#[test]
fn seeded_orders_match_the_document() {
    let f = fake();
    let (status, body) = get(&f, "orders?currency=usd");
    assert_eq!(status, 200);
    assert_eq!(body.get("ok"), None, "the document's example has no `ok`");
    assert_eq!(body["path"], "/orders?currency=usd");
    let first = &body["result"][0];
    assert_eq!(
        *first,
        json!({"order_key": "66804997RC5418150", "order_type": 1, "order_date": 1721285697,
               "order_status": "PENDING", "member_id": 1111111111_i64, "member_name": "John Doe",
               "plan_id": 20, "plan_name": "EUR Demo Plan", "project_id": 0,
               "payment_gateway": "PayPal", "amount": "1.344882", "currency": "USD",
               "formatted": "$1.34"})
    );
    assert_eq!(
        body["result"][3]["payment_gateway"],
        "Credit / Debit card (Stripe)"
    );
    assert_eq!(body["result"][4]["amount"], "9.25856208");
    let (_, one) = get(&f, "orders/ABCD123");
    assert_eq!(one["path"], "/orders/ABCD123");
    assert_eq!(
        one["result"],
        json!({"order_key": "ABCD123", "member_id": 0, "member_name": "John Doe",
               "member_email": "john@doe.com", "payment_gateway": "stripe",
               "order_status": "PENDING", "order_date": 1721159920, "plan_id": 11,
               "project_id": 1})
    );
    assert_error(&get(&f, "orders/NOPE"), 404);
}

#[test]
fn other_seeds_match_the_document() {
    let f = fake();
    let (_, coupons) = get(&f, "coupons");
    assert_eq!(coupons.get("ok"), None);
    assert_eq!(coupons["result"][1]["name"], "HJTPS3");
    assert_eq!(coupons["result"][1]["revenue"]["direction"], "above");
    let (_, methods) = get(&f, "paymentMethods");
    assert_eq!(methods["path"], "/payment_methods");
    assert_eq!(methods["result"].as_array().unwrap().len(), 7);
    assert_eq!(methods["result"][0]["tokens"][0]["token"], "BTC.LN");
    let (_, projects) = get(&f, "projects");
    assert_eq!(
        projects["result"][0],
        json!({"project_id": 1, "project_name": "Basketball",
               "options": {"sort_order": 100, "is_hidden": false}})
    );
    let (_, members) = get(&f, "members");
    assert_eq!(
        members["result"][0],
        json!({"member_id": 1111111111_i64, "plan_id": 1, "project_id": 1,
               "membership": {"start": 1721137290, "end": 1721742090}})
    );
}

#[test]
fn authentication_and_routing() {
    let f = fake();
    let wrong_key = f.handle(&Request::new(
        Method::GET,
        &format!("/v1/bot{BOT}/nope/plans"),
    ));
    assert_eq!(wrong_key.status.as_u16(), 401);
    assert_eq!(wrong_key.json_body().unwrap()["code"], 401);
    let wrong_bot = f.handle(&Request::new(Method::GET, &format!("/v1/bot1/{KEY}/plans")));
    assert_eq!(wrong_bot.status.as_u16(), 401);
    for bad in [
        "/v1/plans",
        "/v2/bot1/k/plans",
        &format!("/v1/botX/{KEY}/plans"),
        "/",
    ] {
        assert_eq!(
            f.handle(&Request::new(Method::GET, bad)).status.as_u16(),
            404,
            "{bad}"
        );
    }
    assert_error(&get(&f, "nothing"), 404);
    assert_error(&send(&f, Method::DELETE, "plans", json!({})), 405);
    assert_error(&get(&f, "affiliate"), 405);
    f.add_api_key(BOT, "second");
    let ok = f.handle(&Request::new(
        Method::GET,
        &format!("/v1/bot{BOT}/second/plans"),
    ));
    assert_eq!(ok.status.as_u16(), 200);
    f.remove_api_key(BOT, "second");
    let gone = f.handle(&Request::new(
        Method::GET,
        &format!("/v1/bot{BOT}/second/plans"),
    ));
    assert_eq!(gone.status.as_u16(), 401);
}

#[test]
fn method_names_are_case_insensitive() {
    let f = fake();
    let (status, body) = get(&f, "paymentmethods/REPORT");
    assert_eq!(status, 200);
    assert_eq!(body["path"], "/payment_methods/report");
    assert_eq!(get(&f, "PLANS").0, 200);
    assert_eq!(get(&f, "Orders/Count").0, 200);
    assert_eq!(get(&f, "USERS/count").0, 200);
    // The order key keeps its case.
    assert_eq!(get(&f, "ORDERS/ABCD123").0, 200);
    assert_eq!(get(&f, "orders/abcd123").0, 404);
}

#[test]
fn members_paginate_with_limit_and_offset() {
    let f = fake();
    let ids = |q: &str| -> Vec<i64> {
        let (status, body) = get(&f, &format!("members?{q}"));
        assert_eq!(status, 200, "{body}");
        body["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["plan_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids("limit=2&offset=0"), vec![1, 14]);
    assert_eq!(ids("limit=2&offset=2"), vec![18]);
    assert_eq!(ids("limit=2&offset=4"), Vec::<i64>::new());
    assert_eq!(ids("limit=3&offset=3"), Vec::<i64>::new());
    assert_eq!(ids("member_id=1111111111"), vec![1, 18]);
    assert_eq!(ids("plan_id=14"), vec![14]);
    assert_eq!(ids("limit=1000"), vec![1, 14, 18]);
    assert_error(&get(&f, "members?limit=0"), 400);
    assert_error(&get(&f, "members?limit=1001"), 400);
    assert_error(&get(&f, "members?offset=-1"), 400);
    assert_error(&get(&f, "members?plan_id=0"), 400);
    assert_error(&get(&f, "members?limit=abc"), 400);
    assert_error(&get(&f, "members?member_id=42"), 404);
    assert_error(&get(&f, "plans?limit=101"), 400);
    assert_eq!(get(&f, "plans?limit=100").0, 200);
    assert_error(&get(&f, "projects?limit=101"), 400);
    assert_error(&get(&f, "orders?limit=101"), 400);
}

#[test]
fn affiliates() {
    let f = fake();
    let (status, body) = post(
        &f,
        "affiliate",
        json!({"member_id": 1111111111_i64, "affiliate_id": "abcd123"}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["ok"], true);
    assert_eq!(
        body["result"],
        json!({"affiliate_id": "abcd123",
               "affiliate_link": "https://t.me/tgmembership_demobot?start=r_abcd123"})
    );
    for bad in ["ab", "1abc", "abcdefghijklm", "ab-cd"] {
        assert_error(
            &post(
                &f,
                "affiliate",
                json!({"member_id": 2222222222_i64, "affiliate_id": bad}),
            ),
            400,
        );
    }
    assert_error(
        &post(
            &f,
            "affiliate",
            json!({"member_id": 2222222222_i64, "affiliate_id": "abcd123"}),
        ),
        400,
    );
    assert_error(
        &post(
            &f,
            "affiliate",
            json!({"member_id": 42, "affiliate_id": "xyz"}),
        ),
        404,
    );
    assert_error(&post(&f, "affiliate", json!({})), 400);
    let (status, body) = post(&f, "affiliate", json!({"member_id": 2222222222_i64}));
    assert_eq!(status, 200);
    let generated = body["result"]["affiliate_id"].as_str().unwrap();
    assert!(generated.starts_with(|c: char| c.is_ascii_alphabetic()));
    assert_eq!(f.affiliates().len(), 2);
}

#[test]
fn created_plans_are_listed() {
    let f = fake();
    let (status, body) = post(
        &f,
        "plans",
        json!({"plan_name": "Name of the plan", "plan_duration": "1 week", "plan_price": "100",
               "plan_currency": "USD", "plan_project_id": 9,
               "options": {"singleuse": 3, "recurring": true}}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body.get("ok"), None);
    assert_eq!(body["code"], 201);
    assert_eq!(body["result"]["plan_id"], 77);
    assert_eq!(body["result"]["options"]["singleuse"], 3);
    assert_eq!(body["result"]["options"]["recurring"], true);
    assert_eq!(body["result"]["sort_order"], 0);
    let (_, list) = get(&f, "plans");
    let ids: Vec<i64> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plan_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![20, 19, 77]);
    let (_, by_project) = get(&f, "plans?project_id=9");
    assert_eq!(by_project["result"].as_array().unwrap().len(), 1);
    let base = json!({"plan_name": "abc", "plan_duration": "1 month", "plan_price": "1",
                      "plan_currency": "EUR"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert_eq!(post(&f, "plans", base.clone()).0, 201);
    assert_error(&post(&f, "plans", with("plan_name", json!("ab"))), 400);
    assert_error(
        &post(&f, "plans", with("plan_name", json!("x".repeat(25)))),
        400,
    );
    assert_error(&post(&f, "plans", with("plan_name", json!("1abc"))), 400);
    assert_error(
        &post(&f, "plans", with("plan_duration", json!("1 fortnight"))),
        400,
    );
    assert_error(&post(&f, "plans", with("plan_price", json!("1,5"))), 400);
    assert_error(
        &post(&f, "plans", with("options", json!({"newcomers": 3}))),
        400,
    );
    assert_error(&post(&f, "plans", with("plan_project_id", json!(0))), 400);
    assert_error(&post(&f, "plans", with("plan_project_id", json!(5))), 404);
}

#[test]
fn an_order_is_fetchable_and_counts_once_completed() {
    let f = fake();
    let (_, before) = get(&f, "revenue?from=0&to=2000000000&currency=eur");
    let sales_before = before["result"]["sales"].as_i64().unwrap();
    let (status, created) = post(
        &f,
        "orders",
        json!({"plan_id": 19, "payment_gateway": "PayPal", "member_id": 5555555555_i64}),
    );
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["ok"], true);
    assert_eq!(created["result"]["amount"], "99.99");
    assert_eq!(created["result"]["currency"], "USD");
    let key = created["result"]["order_key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("TGM-5555555555-20240718-"));
    let (_, one) = get(&f, &format!("orders/{key}"));
    assert_eq!(one["result"]["order_status"], "PENDING");
    assert_eq!(one["result"]["payment_gateway"], "paypal");
    let (_, listed) = get(&f, "orders?limit=1");
    assert_eq!(listed["result"][0]["order_key"], key.as_str());
    assert_eq!(listed["result"][0]["payment_gateway"], "PayPal");

    // Pending orders are not revenue.
    let (_, pending) = get(&f, "revenue?from=0&to=2000000000&currency=eur");
    assert_eq!(pending["result"]["sales"].as_i64().unwrap(), sales_before);

    let secret = {
        let (_, hook) = post(&f, "webhook", json!({"url": "https://example.com/hook"}));
        hook["result"][0]["secret"].as_str().unwrap().to_owned()
    };
    let deliveries = f.complete_order(&key).unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(d.url, "https://example.com/hook");
    assert_eq!(d.timestamp, NOW);
    assert_eq!(d.signature, sign_webhook(&secret, &d.nonce, NOW, &d.body));
    let event = d.json().unwrap();
    assert_eq!(event["event"], "order_completed");
    assert_eq!(event["data"]["order_key"], key.as_str());
    assert_eq!(event["data"]["amount"], "99.99");
    assert_eq!(
        f.complete_order(&key).unwrap().len(),
        0,
        "completing twice delivers nothing"
    );
    assert!(f.complete_order("missing").is_none());

    let (_, rev) = get(&f, "revenue?from=0&to=2000000000&currency=usd");
    assert_eq!(rev["result"]["sales"].as_i64().unwrap(), sales_before + 1);
    let (_, count) = get(
        &f,
        "orders/count?interval_unit=day&interval_count=1&currency=usd",
    );
    assert_eq!(
        count["path"],
        "/orders/count?interval_unit=day&interval_count=1&currency=usd"
    );
    assert_eq!(count["result"][0]["period"], "2024-07-18");
    assert_eq!(count["result"][0]["sales"], 1);
    assert_eq!(count["result"][0]["revenue"], "99.99");
    assert_eq!(count["result"][0]["formatted"], "$99.99");
    let (_, plans) = get(&f, "plans/report?currency=usd");
    let row = plans["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["plan_id"] == 19)
        .unwrap()
        .clone();
    assert_eq!(row["sales"], 1);
    assert_eq!(row["breakdown"][0]["period"], "2024-07");
    let (_, methods) = get(&f, "paymentMethods/report?currency=usd");
    let paypal = methods["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "paypal")
        .unwrap()
        .clone();
    assert_eq!(paypal["display_name"], "PayPal");
    assert_eq!(paypal["sales"], 1);
    // The member now holds the plan.
    let (_, members) = get(&f, "members?member_id=5555555555");
    assert_eq!(members["result"][0]["plan_id"], 19);
    assert_eq!(members["result"][0]["membership"]["start"], NOW);
}

#[test]
fn order_rules() {
    let f = fake();
    assert_error(&post(&f, "orders", json!({"plan_id": 19})), 400);
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 1234, "payment_gateway": "paypal"}),
        ),
        404,
    );
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "revolut"}),
        ),
        400,
    );
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "paystack"}),
        ),
        400,
    );
    assert_eq!(
        post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "paystack",
                                  "email": "john@doe.com"})
        )
        .0,
        200
    );
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "CryptoNoKYC"}),
        ),
        400,
    );
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "CryptoNoKYC", "token": "USDT.MATIC"}),
        ),
        400,
    );
    assert_eq!(
        post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "CryptoNoKYC", "token": "BTC.LN"})
        )
        .0,
        200
    );
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "stripe", "member_id": 42}),
        ),
        404,
    );
    f.set_test_mode(true);
    assert_error(
        &post(
            &f,
            "orders",
            json!({"plan_id": 19, "payment_gateway": "stripe"}),
        ),
        401,
    );
}

#[test]
fn webhooks_register_and_delete() {
    let f = fake();
    let (status, body) = post(&f, "webhook", json!({"url": "https://example.com/"}));
    assert_eq!(status, 201);
    assert_eq!(body["ok"], true);
    let result = body["result"].as_array().unwrap();
    assert_eq!(result.len(), 1);
    assert_eq!(result[0]["url"], "https://example.com/");
    assert_eq!(result[0]["secret"].as_str().unwrap().len(), 32);
    assert_error(
        &post(&f, "webhook", json!({"url": "http://example.com/"})),
        400,
    );
    assert_error(&post(&f, "webhook", json!({"url": "https://"})), 400);
    let (status, body) = send(
        &f,
        Method::DELETE,
        "webhook",
        json!({"url": "https://example.com/"}),
    );
    assert_eq!(status, 200);
    assert_eq!(body, json!({"ok": true, "code": 204}));
    assert!(f.webhooks().is_empty());
    assert_error(
        &send(
            &f,
            Method::DELETE,
            "webhook",
            json!({"url": "https://example.com/"}),
        ),
        404,
    );
    post(&f, "webhook", json!({"url": "https://example.com/"}));
    f.set_empty_204(true);
    let reply = f.handle(
        &Request::new(Method::DELETE, &url("webhook"))
            .with_body(json!({"url": "https://example.com/"}).to_string()),
    );
    assert_eq!(reply.status.as_u16(), 204);
    assert!(reply.body.is_empty());
}

#[test]
fn terminated_memberships_are_signed_deliveries() {
    let f = fake();
    let (_, hook) = post(&f, "webhook", json!({"url": "https://example.com/"}));
    let secret = hook["result"][0]["secret"].as_str().unwrap().to_owned();
    let d = f.terminate_membership(1111111111, 1).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].json().unwrap()["event"], "membership_terminated");
    assert_eq!(
        d[0].signature,
        sign_webhook(&secret, &d[0].nonce, NOW, &d[0].body)
    );
    assert!(f.terminate_membership(1111111111, 1).is_none());
}

#[test]
fn registering_a_bot_issues_a_working_key() {
    let f = fake();
    let (status, body) = post(
        &f,
        "bot",
        json!({"bot_token": "987654:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}),
    );
    assert_eq!(status, 201);
    assert_eq!(body.get("ok"), None);
    assert_eq!(body["result"]["bot_id"], 987654);
    let key = body["result"]["api_key"].as_str().unwrap();
    let reply = f.handle(&Request::new(
        Method::GET,
        &format!("/v1/bot987654/{key}/plans"),
    ));
    assert_eq!(reply.status.as_u16(), 200);
    assert_error(&post(&f, "bot", json!({"bot_token": "nonsense"})), 400);
    assert_error(&post(&f, "bot", json!({"bot_token": "987654:again"})), 400);
}

#[test]
fn access_tokens() {
    let f = fake();
    let (status, body) = post(&f, "members/accessToken", json!({"plan_id": 19}));
    assert_eq!(status, 201);
    assert_eq!(body["path"], "/members/access_token");
    let token = body["result"]["access_token"].as_str().unwrap();
    assert_eq!(
        body["result"]["link"],
        format!("https://t.me/tgmembership_demobot?start=accesstoken_{token}")
    );
    assert_error(&post(&f, "members/accessToken", json!({"plan_id": 5})), 404);
    assert_error(
        &post(
            &f,
            "members/accessToken",
            json!({"plan_id": 19, "member_id": 7}),
        ),
        404,
    );
    assert_error(&post(&f, "members/accessToken", json!({"plan_id": 0})), 400);
    assert_eq!(f.access_tokens().len(), 1);
}

#[test]
fn reports_validate_their_parameters() {
    let f = fake();
    assert_error(&get(&f, "revenue"), 400);
    assert_error(&get(&f, "revenue?from=1"), 400);
    assert_error(&get(&f, "revenue?from=5&to=4"), 400);
    assert_error(&get(&f, "revenue?from=1&to=2&currency=xau"), 400);
    assert_error(&get(&f, "orders/count?interval_unit=week"), 400);
    assert_error(&get(&f, "orders/count?interval_count=0"), 400);
    let (_, three) = get(
        &f,
        "orders/count?interval_unit=month&interval_count=3&currency=usd",
    );
    let periods: Vec<&str> = three["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, vec!["2024-07", "2024-06", "2024-05"]);
    // Two seeded completed orders in July 2024, 1.344882 USD each.
    assert_eq!(three["result"][0]["sales"], 2);
    assert_eq!(three["result"][0]["revenue"], "2.689764");
    let (_, eur) = get(&f, "revenue?from=1721196809&to=1721255592");
    assert_eq!(eur["result"]["currency"], "EUR");
    assert_eq!(eur["result"]["sales"], 2);
}

#[test]
fn users_are_counted() {
    let f = fake();
    let (_, body) = get(&f, "users/count");
    // At NOW: 1111111111 holds plans 1 and 18; 2222222222's plan 14 ended.
    assert_eq!(
        body["result"],
        json!({"users": 5, "leads": 3, "churned": 1, "members": 1})
    );
}

#[test]
fn form_bodies_are_accepted() {
    let f = fake();
    let req = Request::new(Method::POST, &url("affiliate"))
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body("member_id=1111111111&affiliate_id=formid");
    let reply = f.handle(&req);
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(
        reply.json_body().unwrap()["result"]["affiliate_id"],
        "formid"
    );
    let bad = f.handle(&Request::new(Method::POST, &url("affiliate")).with_body("{not json"));
    assert_eq!(bad.status.as_u16(), 400);
}

#[test]
fn rate_limit_is_keyed_by_bot_and_key() {
    let f = fake();
    let req = Request::new(Method::GET, &url("plans"));
    assert_eq!(
        f.rate_limit_key(&req).as_deref(),
        Some(&*format!("{BOT}/{KEY}"))
    );
    let reply = f.rate_limited(&req);
    assert_eq!(reply.status.as_u16(), 429);
    assert_eq!(reply.json_body().unwrap()["code"], 429);
}
