//! Orders: `GET orders` (paginated, limit 1 to 100), `GET orders/{order_key}` and
//! `POST orders` (create an invoice).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::model::{Currency, OrderStatus, PaymentGateway, PaymentGatewayName};

/// `GET orders`: newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOrders {
    pub(crate) member_id: Option<i64>,
    pub(crate) plan_id: Option<i64>,
    pub(crate) project_id: Option<i64>,
    pub(crate) order_status: Option<OrderStatus>,
    pub(crate) currency: Option<Currency>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u64>,
}

impl ListOrders {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 100;

    /// The last orders, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
    }
}

/// `GET orders/{order_key}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOrder {
    pub(crate) order_key: String,
}

impl GetOrder {
    /// The order with this key.
    pub fn new(order_key: impl Into<String>) -> Self {
        GetOrder {
            order_key: order_key.into(),
        }
    }
}

/// `POST orders`: create an invoice for a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrder {
    pub(crate) plan_id: i64,
    pub(crate) payment_gateway: PaymentGateway,
    pub(crate) member_id: Option<i64>,
    pub(crate) email: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) return_url: Option<String>,
    pub(crate) cancel_url: Option<String>,
}

impl CreateOrder {
    /// An invoice for `plan_id`, paid through `payment_gateway` (installed in the bot; see
    /// `GET paymentMethods`). The gateway is sent by id (`"paypal"`).
    pub fn new(plan_id: i64, payment_gateway: PaymentGateway) -> Self {
        CreateOrder {
            plan_id,
            payment_gateway,
            member_id: None,
            email: None,
            token: None,
            return_url: None,
            cancel_url: None,
        }
    }
}

/// A crypto token for `POST orders`: `TOKEN` or `TOKEN.NETWORK`, ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CryptoToken {
    /// The token (`"USDT"`).
    pub token: String,
    /// The network (`"MATIC"`), when given.
    pub network: Option<String>,
}

impl CryptoToken {
    /// Parses `TOKEN` or `TOKEN.NETWORK`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let part_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
        let (token, network) = match text.split_once('.') {
            Some((t, n)) => (t, Some(n)),
            None => (text, None),
        };
        if part_ok(token) && network.is_none_or(part_ok) {
            Ok(CryptoToken {
                token: token.to_owned(),
                network: network.map(str::to_owned),
            })
        } else {
            Err(Error::invalid_input(
                "token",
                "must be TOKEN or TOKEN.NETWORK in letters and digits, such as USDT.MATIC",
            ))
        }
    }
}

impl fmt::Display for CryptoToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.network {
            Some(n) => write!(f, "{}.{n}", self.token),
            None => f.write_str(&self.token),
        }
    }
}

/// An order, from `GET orders` or `GET orders/{order_key}`.
///
/// The list carries `order_type`, `plan_name`, `amount`, `currency` and `formatted` and names the
/// gateway by display name; the single order carries `member_email` and names the gateway by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order key.
    pub order_key: String,
    /// The order type (`1` in every documented example; meaning undocumented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<i64>,
    /// When it was created (Unix seconds).
    pub order_date: i64,
    /// Its status.
    pub order_status: OrderStatus,
    /// The member (`0` when none).
    pub member_id: i64,
    /// The member's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_name: Option<String>,
    /// The member's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_email: Option<String>,
    /// The plan.
    pub plan_id: i64,
    /// The plan's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_name: Option<String>,
    /// The project (`0` when none).
    pub project_id: i64,
    /// The gateway, by id or display name.
    pub payment_gateway: PaymentGatewayName,
    /// The amount, converted into `currency`.
    #[serde(
        default,
        with = "crate::model::money::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// The amount's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The amount formatted for display (`"$1.34"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
}

/// A created invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedOrder {
    /// The order key.
    pub order_key: String,
    /// The amount to pay.
    #[serde(with = "crate::model::money::string")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// Where the payer pays.
    pub checkout_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;
    use tg_common::ErrorKind;

    fn field(e: Error) -> String {
        match e.into_kind() {
            ErrorKind::InvalidInput { field, .. } => field.into_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_query_uses_lower_case_currency_and_encodes_values() {
        let r = ListOrders::new()
            .plan_id(20)
            .order_status(OrderStatus::Completed)
            .currency(Currency::Usd)
            .limit(100)
            .offset(200)
            .render()
            .unwrap();
        assert_eq!(
            r.query(),
            Some("plan_id=20&order_status=COMPLETED&currency=usd&limit=100&offset=200")
        );
        let r = ListOrders::new()
            .order_status(OrderStatus::Unknown("ON HOLD&x".into()))
            .render()
            .unwrap();
        assert_eq!(r.query(), Some("order_status=ON%20HOLD%26x"));
    }

    #[test]
    fn list_limits_and_currency() {
        assert_eq!(
            field(ListOrders::new().limit(0).render().unwrap_err()),
            "limit"
        );
        assert!(ListOrders::new().limit(1).render().is_ok());
        assert!(ListOrders::new().limit(100).render().is_ok());
        assert_eq!(
            field(ListOrders::new().limit(101).render().unwrap_err()),
            "limit"
        );
        assert_eq!(
            field(
                ListOrders::new()
                    .currency(Currency::Unknown("xau".into()))
                    .render()
                    .unwrap_err()
            ),
            "currency"
        );
    }

    #[test]
    fn get_order_encodes_the_key_and_refuses_count() {
        let r = GetOrder::new("TGM-1234567890-20240716-abcd1234")
            .render()
            .unwrap();
        assert_eq!(r.path(), "orders/TGM-1234567890-20240716-abcd1234");
        let r = GetOrder::new("a/b c").render().unwrap();
        assert_eq!(r.path(), "orders/a%2Fb%20c");
        assert_eq!(
            r.0.target.masked_path(),
            "/v1/bot42/[redacted]/orders/a%2Fb%20c",
            "each segment encoded once, below the key"
        );
        for bad in ["", "count", "COUNT", ".", ".."] {
            assert_eq!(field(GetOrder::new(bad).render().unwrap_err()), "order_key");
        }
    }

    #[test]
    fn create_order_body() {
        let r = CreateOrder::new(20, PaymentGateway::Stripe)
            .member_id(1111111111)
            .return_url("https://example.com/ok")
            .cancel_url("https://example.com/cancel")
            .render()
            .unwrap();
        assert_eq!(
            r.body_json().unwrap(),
            json!({
                "plan_id": 20,
                "payment_gateway": "stripe",
                "member_id": 1111111111_i64,
                "return_url": "https://example.com/ok",
                "cancel_url": "https://example.com/cancel"
            })
        );
    }

    #[test]
    fn create_order_gateway_rules() {
        let e = CreateOrder::new(1, PaymentGateway::Paystack)
            .render()
            .unwrap_err();
        assert_eq!(field(e), "email");
        assert!(
            CreateOrder::new(1, PaymentGateway::Paystack)
                .email("john@doe.com")
                .render()
                .is_ok()
        );
        let e = CreateOrder::new(1, PaymentGateway::CryptoNoKyc)
            .render()
            .unwrap_err();
        assert_eq!(field(e), "token");
        let e = CreateOrder::new(1, PaymentGateway::CryptoNoKyc)
            .token("USDT")
            .render()
            .unwrap_err();
        assert_eq!(field(e), "token");
        let r = CreateOrder::new(1, PaymentGateway::CryptoNoKyc)
            .token("USDT.MATIC")
            .render()
            .unwrap();
        assert_eq!(r.body_json().unwrap()["token"], "USDT.MATIC");
        let binance = PaymentGateway::Unknown("binancepay".into());
        assert!(
            CreateOrder::new(1, binance.clone())
                .token("USDT")
                .render()
                .is_ok()
        );
        for bad in ["USDT.", ".MATIC", "US DT", "USDT.MATIC.X", ""] {
            assert_eq!(
                field(
                    CreateOrder::new(1, binance.clone())
                        .token(bad)
                        .render()
                        .unwrap_err()
                ),
                "token"
            );
        }
        let e = CreateOrder::new(1, PaymentGateway::Unknown(String::new()))
            .render()
            .unwrap_err();
        assert_eq!(field(e), "payment_gateway");
        let e = CreateOrder::new(1, PaymentGateway::Stripe)
            .return_url("example.com")
            .render()
            .unwrap_err();
        assert_eq!(field(e), "return_url");
    }

    #[test]
    fn crypto_token_display_round_trips() {
        for t in ["USDT.MATIC", "BTC.LN", "USDT"] {
            assert_eq!(CryptoToken::parse(t).unwrap().to_string(), t);
        }
    }
}
