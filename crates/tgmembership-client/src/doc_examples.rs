//! Every JSON example of the TGmembership document (seeds/004), verbatim, as test vectors:
//! each response decodes through its endpoint's types and its `result` re-encodes to the same
//! JSON value.
//!
//! The `POST affiliate` example in the document lacks its final `}`; it is restored here.

/// `POST /affiliate` response example.
const CREATE_AFFILIATE: &str = r#"{
    "ok": true,
    "request_id": "123456789",
    "method": "POST",
    "path": "/affiliate",
    "code": 200,
    "result": {
        "affiliate_id": "abcd123",
        "affiliate_link": "https://t.me/tgmembership_demobot?start=r_abcd123"
    }
}"#;

/// `POST /bot` response example.
const REGISTER_BOT: &str = r#"{
  "request_id": "123456789",
  "method": "POST",
  "path": "/bot",
  "code": 201,
  "result": {
    "bot_id": 1347378140,
    "bot_username": "tgmembership_demobot",
    "api_key": "abcd123"
  }
}"#;

/// `GET /coupons` response example.
const LIST_COUPONS: &str = r#"{
  "request_id": "123456789",
  "method": "GET",
  "path": "/coupons",
  "code": 200,
  "result": [
    {
      "name": "discountcode",
      "amount": "0",
      "percent": "10",
      "min_amount": "0",
      "max_amount": "0",
      "uses": 0,
      "used": 0,
      "plans": [
        14
      ],
      "newcomers": false,
      "singleuse": false,
      "invitee_only": false,
      "auto_apply": false,
      "enabled": true
    },
    {
      "name": "HJTPS3",
      "amount": "0",
      "percent": "11",
      "min_amount": "0",
      "max_amount": "0",
      "uses": 0,
      "used": 0,
      "payment_gateways": [
        "paypal"
      ],
      "plans": [
        11,
        14,
        18
      ],
      "revenue": {
        "direction": "above",
        "amount": "10",
        "currency": "USD"
      },
      "newcomers": false,
      "singleuse": true,
      "invitee_only": true,
      "auto_apply": true,
      "enabled": true
    }
  ]
}"#;

/// `GET /members` response example.
const LIST_MEMBERS: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/members",
  "code": 200,
  "result": [
    {
      "member_id": 1111111111,
      "plan_id": 1,
      "project_id": 1,
      "membership": {
        "start": 1721137290,
        "end": 1721742090
      }
    },
    {
      "member_id": 2222222222,
      "plan_id": 14,
      "project_id": 2,
      "membership": {
        "start": 1721137296,
        "end": 1721223696
      }
    },
    {
      "member_id": 1111111111,
      "plan_id": 18,
      "project_id": 3,
      "membership": {
        "start": 1721137382,
        "end": 1721310182
      }
    }
  ]
}"#;

/// `POST /members/accessToken` response example.
const CREATE_ACCESS_TOKEN: &str = r#"{
    "ok": true,
    "request_id": "123456789",
    "method": "POST",
    "path": "/members/access_token",
    "code": 201,
    "result": {
        "bot_username": "tgmembership_demobot",
        "access_token": "abcd123",
        "link": "https://t.me/tgmembership_demobot?start=accesstoken_abcd123"
    }
}"#;

/// `GET /orders/:order_key` response example.
const GET_ORDER: &str = r#"{
  "request_id": "123456789",
  "method": "GET",
  "path": "/orders/ABCD123",
  "code": 200,
  "result": {
    "order_key": "ABCD123",
    "member_id": 0,
    "member_name": "John Doe",
    "member_email": "john@doe.com",
    "payment_gateway": "stripe",
    "order_status": "PENDING",
    "order_date": 1721159920,
    "plan_id": 11,
    "project_id": 1
  }
}"#;

/// `GET /orders` response example.
const LIST_ORDERS: &str = r#"{
  "request_id": "123456789",
  "method": "GET",
  "path": "/orders?currency=usd",
  "code": 200,
  "result": [
    {
      "order_key": "66804997RC5418150",
      "order_type": 1,
      "order_date": 1721285697,
      "order_status": "PENDING",
      "member_id": 1111111111,
      "member_name": "John Doe",
      "plan_id": 20,
      "plan_name": "EUR Demo Plan",
      "project_id": 0,
      "payment_gateway": "PayPal",
      "amount": "1.344882",
      "currency": "USD",
      "formatted": "$1.34"
    },
    {
      "order_key": "TGM_20240718_360140305",
      "order_type": 1,
      "order_date": 1721276234,
      "order_status": "PENDING",
      "member_id": 2222222222,
      "member_name": "Mark Moe",
      "plan_id": 38,
      "plan_name": "RUB Demo Plan",
      "project_id": 0,
      "payment_gateway": "Telegram Pay",
      "amount": "11.35291",
      "currency": "USD",
      "formatted": "$11.35"
    },
    {
      "order_key": "d2615671-b946-4e68-ebd8-6714a042079a",
      "order_type": 1,
      "order_date": 1721255592,
      "order_status": "COMPLETED",
      "member_id": 3333333333,
      "member_name": "Sam Soe",
      "plan_id": 20,
      "plan_name": "EUR Demo Plan",
      "project_id": 0,
      "payment_gateway": "Crypto (Crypto.Com)",
      "amount": "1.344882",
      "currency": "USD",
      "formatted": "$1.34"
    },
    {
      "order_key": "cs_test_abcd123",
      "order_type": 1,
      "order_date": 1721196809,
      "order_status": "COMPLETED",
      "member_id": 4444444444,
      "member_name": "Jane Doe",
      "plan_id": 20,
      "plan_name": "EUR Demo Plan",
      "project_id": 0,
      "payment_gateway": "Credit / Debit card (Stripe)",
      "amount": "1.344882",
      "currency": "USD",
      "formatted": "$1.34"
    },
    {
      "order_key": "2DG51012HU4265914",
      "order_type": 1,
      "order_date": 1721196532,
      "order_status": "PENDING",
      "member_id": 5555555555,
      "member_name": "Tom",
      "plan_id": 25,
      "plan_name": "BRL Demo Plan",
      "project_id": 0,
      "payment_gateway": "PayPal",
      "amount": "9.25856208",
      "currency": "USD",
      "formatted": "$9.26"
    }
  ]
}"#;

/// `POST /orders` response example.
const CREATE_ORDER: &str = r#"{
    "ok": true,
    "request_id": "123456789",
    "method": "POST",
    "path": "/orders",
    "code": 200,
    "result": {
        "order_key": "TGM-1234567890-20240716-abcd1234",
        "amount": "3",
        "currency": "EUR",
        "checkout_url": "https://example.com"
    }
}"#;

/// `GET /orders/count` response example.
const ORDERS_COUNT: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/orders/count?interval_unit=month&interval_count=3&currency=usd",
  "code": 200,
  "result": [
    {
      "period": "2024-07",
      "revenue": "38.0371384",
      "currency": "USD",
      "formatted": "$38.04",
      "sales": 10
    },
    {
      "period": "2024-06",
      "revenue": "440.66793845",
      "currency": "USD",
      "formatted": "$440.67",
      "sales": 12
    },
    {
      "period": "2024-05",
      "revenue": "234.82823044",
      "currency": "USD",
      "formatted": "$234.83",
      "sales": 9
    }
  ]
}"#;

/// `GET /paymentMethods` response example.
const LIST_PAYMENT_METHODS: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/payment_methods",
  "code": 200,
  "result": [
    {
      "name": "cryptonokyc",
      "display_name": "Crypto (No KYC)",
      "supports_recurring": false,
      "requires_email": false,
      "tokens": [
        {
          "token": "BTC.LN",
          "display_name": "Bitcoin (Lightning)"
        },
        {
          "token": "BUSD.BEP20",
          "display_name": "BUSD (BEP20)"
        },
        {
          "token": "ETH.BASE",
          "display_name": "Ethereum (BASE)"
        },
        {
          "token": "BTC.BTC",
          "display_name": "Bitcoin"
        },
        {
          "token": "DOGE.BEP20",
          "display_name": "DOGE (BEP20)"
        },
        {
          "token": "BCH.BCH",
          "display_name": "Bitcoin Cash"
        },
        {
          "token": "LTC.LTC",
          "display_name": "Litecoin"
        }
      ]
    },
    {
      "name": "paypal",
      "display_name": "PayPal",
      "supports_recurring": true,
      "requires_email": false
    },
    {
      "name": "paystack",
      "display_name": "Paystack",
      "supports_recurring": false,
      "requires_email": true
    },
    {
      "name": "reepay",
      "display_name": "Billwerk+",
      "supports_recurring": true,
      "requires_email": true
    },
    {
      "name": "stripe",
      "display_name": "Credit / Debit card (Stripe)",
      "supports_recurring": true,
      "requires_email": false
    },
    {
      "name": "telegram_stars",
      "display_name": "Telegram Stars",
      "supports_recurring": false,
      "requires_email": false
    },
    {
      "name": "yookassa",
      "display_name": "YooKassa",
      "supports_recurring": false,
      "requires_email": true
    }
  ]
}"#;

/// `GET /paymentMethods/report` response example.
const PAYMENT_METHODS_REPORT: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/payment_methods/report",
  "code": 200,
  "result": [
    {
      "name": "cryptocom",
      "display_name": "Crypto (Crypto.Com)",
      "revenue": "2412.0767644",
      "currency": "EUR",
      "formatted": "2 412,08€",
      "sales": 69
    },
    {
      "name": "stripe",
      "display_name": "Credit / Debit card (Stripe)",
      "revenue": "2165.20800147",
      "currency": "EUR",
      "formatted": "2 165,21€",
      "sales": 85
    },
    {
      "name": "telegram",
      "display_name": "Telegram Pay",
      "revenue": "762.50008054",
      "currency": "EUR",
      "formatted": "762,50€",
      "sales": 14
    },
    {
      "name": "authorizenet",
      "display_name": "AuthorizeNet",
      "revenue": "93.50875536",
      "currency": "EUR",
      "formatted": "93,51€",
      "sales": 2
    },
    {
      "name": "paypal",
      "display_name": "PayPal",
      "revenue": "74.01085615",
      "currency": "EUR",
      "formatted": "74,01€",
      "sales": 22
    },
    {
      "name": "revolut",
      "display_name": "Revolut",
      "revenue": "68.1283877",
      "currency": "EUR",
      "formatted": "68,13€",
      "sales": 4
    },
    {
      "name": "yookassa",
      "display_name": "YooKassa",
      "revenue": "32.11025898",
      "currency": "EUR",
      "formatted": "32,11€",
      "sales": 5
    },
    {
      "name": "gocardless",
      "display_name": "GoCardless",
      "revenue": "5.94919385",
      "currency": "EUR",
      "formatted": "5,95€",
      "sales": 1
    }
  ]
}"#;

/// `GET /plans` response example.
const LIST_PLANS: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/plans",
  "code": 200,
  "result": [
    {
      "plan_id": 20,
      "plan_name": "EUR Demo Plan",
      "duration": "2 days",
      "price": "1.23",
      "currency": "EUR",
      "options": {
        "recurring": false,
        "newcomers": 0,
        "singleuse": 0,
        "token_only": false,
        "credit_only": false,
        "invitee_only": 0,
        "is_hidden": false
      },
      "max_customers": 0,
      "sort_order": 100,
      "enabled": true
    },
    {
      "plan_id": 19,
      "plan_name": "USD Demo Plan",
      "duration": "1 year",
      "price": "99.99",
      "currency": "USD",
      "options": {
        "recurring": false,
        "newcomers": 0,
        "singleuse": 0,
        "token_only": false,
        "credit_only": false,
        "invitee_only": 0,
        "is_hidden": false
      },
      "max_customers": 0,
      "sort_order": 90,
      "enabled": true
    }
  ]
}"#;

/// `POST /plans` response example.
const CREATE_PLAN: &str = r#"{
  "request_id": "123456789",
  "method": "POST",
  "path": "/plans",
  "code": 201,
  "result": {
    "plan_id": 77,
    "plan_name": "Name of the plan",
    "duration": "1 week",
    "price": "100",
    "currency": "USD",
    "options": {
      "recurring": false,
      "newcomers": 0,
      "singleuse": 0,
      "token_only": false,
      "credit_only": false,
      "invitee_only": 0,
      "is_hidden": false
    },
    "max_customers": 0,
    "sort_order": 0,
    "enabled": true
  }
}"#;

/// `GET /plans/report` response example.
const PLANS_REPORT: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/plans/report",
  "code": 200,
  "result": [
    {
      "plan_id": 19,
      "plan_name": "USD Demo Plan",
      "revenue": "551.23244979",
      "currency": "EUR",
      "formatted": "551,23€",
      "sales": 7,
      "breakdown": [
        {
          "period": "2024-06",
          "revenue": "89.8184",
          "currency": "EUR",
          "formatted": "89,82€",
          "sales": 1
        },
        {
          "period": "2024-06",
          "revenue": "399.96",
          "currency": "EUR",
          "formatted": "399,96€",
          "sales": 4
        },
        {
          "period": "2024-05",
          "revenue": "199.98",
          "currency": "EUR",
          "formatted": "199,98€",
          "sales": 2
        }
      ]
    },
    {
      "plan_id": 21,
      "plan_name": "GBP Demo Plan",
      "revenue": "35.62931162",
      "currency": "EUR",
      "formatted": "35,63€",
      "sales": 6,
      "breakdown": [
        {
          "period": "2024-07",
          "revenue": "5",
          "currency": "EUR",
          "formatted": "5,00€",
          "sales": 1
        },
        {
          "period": "2024-06",
          "revenue": "5",
          "currency": "EUR",
          "formatted": "5,00€",
          "sales": 1
        },
        {
          "period": "2024-06",
          "revenue": "568.80310825",
          "currency": "EUR",
          "formatted": "568,80€",
          "sales": 1
        },
        {
          "period": "2024-05",
          "revenue": "15",
          "currency": "EUR",
          "formatted": "15,00€",
          "sales": 3
        }
      ]
    },
    {
      "plan_id": 38,
      "plan_name": "RUB Demo Plan",
      "revenue": "31.05438",
      "currency": "EUR",
      "formatted": "31,05€",
      "sales": 3,
      "breakdown": [
        {
          "period": "2024-06",
          "revenue": "2000",
          "currency": "EUR",
          "formatted": "2 000,00€",
          "sales": 2
        },
        {
          "period": "2024-05",
          "revenue": "1000",
          "currency": "EUR",
          "formatted": "1 000,00€",
          "sales": 1
        }
      ]
    },
    {
      "plan_id": 25,
      "plan_name": "BRL Demo Plan",
      "revenue": "17.00913401",
      "currency": "EUR",
      "formatted": "17,01€",
      "sales": 2,
      "breakdown": [
        {
          "period": "2024-07",
          "revenue": "100.74",
          "currency": "EUR",
          "formatted": "100,74€",
          "sales": 2
        }
      ]
    },
    {
      "plan_id": 20,
      "plan_name": "EUR Demo Plan",
      "revenue": "15.99",
      "currency": "EUR",
      "formatted": "15,99€",
      "sales": 13,
      "breakdown": [
        {
          "period": "2024-07",
          "revenue": "8.61",
          "currency": "EUR",
          "formatted": "8,61€",
          "sales": 7
        },
        {
          "period": "2024-06",
          "revenue": "3.69",
          "currency": "EUR",
          "formatted": "3,69€",
          "sales": 3
        },
        {
          "period": "2024-05",
          "revenue": "3.69",
          "currency": "EUR",
          "formatted": "3,69€",
          "sales": 3
        }
      ]
    },
    {
      "plan_id": 34,
      "plan_name": "Recurring Plan Demo",
      "revenue": "4.53981102",
      "currency": "EUR",
      "formatted": "4,54€",
      "sales": 1,
      "breakdown": [
        {
          "period": "2024-07",
          "revenue": "438.56721835",
          "currency": "EUR",
          "formatted": "438,57€",
          "sales": 1
        }
      ]
    }
  ]
}"#;

/// `GET /projects` response example.
const LIST_PROJECTS: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/projects",
  "code": 200,
  "result": [
    {
      "project_id": 1,
      "project_name": "Basketball",
      "options": {
        "sort_order": 100,
        "is_hidden": false
      }
    },
    {
      "project_id": 9,
      "project_name": "Football",
      "options": {
        "is_hidden": false
      }
    },
    {
      "project_id": 10,
      "project_name": "Tennis",
      "options": {
        "is_hidden": true
      }
    }
  ]
}"#;

/// `GET /revenue` response example.
const REVENUE: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/revenue?from=1681159917&to=1683751930",
  "code": 200,
  "result": {
    "from": 1681159917,
    "to": 1683751930,
    "revenue": "398.60636332000007",
    "currency": "EUR",
    "formatted": "398,61€",
    "sales": 21
  }
}"#;

/// `GET /users/count` response example.
const USERS_COUNT: &str = r#"{
  "ok": true,
  "request_id": "123456789",
  "method": "GET",
  "path": "/users/count",
  "code": 200,
  "result": {
    "users": 6405,
    "leads": 5651,
    "churned": 6,
    "members": 864
  }
}"#;

/// `DELETE /webhook` response example.
const DELETE_WEBHOOK: &str = r#"{
    "ok": true,
    "code": 204
}"#;

/// `POST /webhook` response example.
const SET_WEBHOOK: &str = r#"{
    "ok": true,
    "request_id": "123456789",
    "method": "POST",
    "path": "/webhook",
    "code": 201,
    "result": [{
        "url": "https://example.com/",
        "secret": "abcd123"
    }]
}"#;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::envelope::{self, Envelope};
use crate::model::*;
use crate::request::ApiRequest;

/// Decodes `example` as the answer to `R`, checks the envelope echo, and checks that the result
/// re-encodes to the document's `result` (`expected_result` picks it out of the document).
fn check<R>(example: &str, http_status: u16, expected_result: fn(&Value) -> Value) -> R::Output
where
    R: ApiRequest,
    R::Output: Serialize + Clone,
{
    let doc: Value = serde_json::from_str(example).unwrap();
    let env: Envelope<R::Output> = envelope::decode(http_status, example.as_bytes())
        .unwrap_or_else(|e| panic!("{example}\n{e}"));
    assert_eq!(u64::from(env.code), doc["code"].as_u64().unwrap());
    assert_eq!(env.request_id.as_deref(), doc["request_id"].as_str());
    assert_eq!(env.method.as_deref(), doc["method"].as_str());
    assert_eq!(env.path.as_deref(), doc["path"].as_str());
    assert_eq!(env.ok, doc["ok"].as_bool());
    let result = R::output(env).unwrap();
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
    let r = check::<OrdersCount>(ORDERS_COUNT, 200, whole);
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
    let r = check::<PaymentMethodsReport>(PAYMENT_METHODS_REPORT, 200, whole);
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
    let r = check::<PlansReport>(PLANS_REPORT, 200, whole);
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
    let r = check::<Revenue>(REVENUE, 200, whole);
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
    for status in [200, 204] {
        let env: Envelope<WebhookDeleted> =
            envelope::decode(status, DELETE_WEBHOOK.as_bytes()).unwrap();
        assert_eq!(env.code, 204);
        assert_eq!(env.ok, Some(true));
        assert_eq!(DeleteWebhook::output(env).unwrap(), WebhookDeleted);
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

/// The fixtures above are the document's examples: when the document is present (the
/// workspace's `../shared/seeds`), every JSON block in it equals one fixture.
#[test]
fn fixtures_match_the_document_when_present() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds/004_40cbfd4e6ab75c12.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not found; fixtures not cross-checked", path.display());
        return;
    };
    let fixtures: Vec<Value> = ALL
        .iter()
        .map(|f| serde_json::from_str(f).unwrap())
        .collect();
    let mut found = 0;
    let mut block: Option<String> = None;
    for line in text.lines().chain(std::iter::once("[END]")) {
        let heading = line.starts_with('[');
        if let Some(b) = block.as_mut() {
            if heading || line == "}" {
                if !heading {
                    b.push_str("}\n");
                }
                let mut json = std::mem::take(b);
                block = None;
                let value: Value = serde_json::from_str(&json).unwrap_or_else(|_| {
                    json.push('}'); // the affiliate example's missing brace
                    serde_json::from_str(&json).unwrap()
                });
                assert!(fixtures.contains(&value), "not a fixture: {value}");
                found += 1;
            } else {
                b.push_str(line);
                b.push('\n');
            }
        } else if line == "{" {
            block = Some("{\n".to_owned());
        }
    }
    assert_eq!(found, ALL.len());
}
