//! Orders: `GET orders` (paginated, limit 1 to 100), `GET orders/{order_key}` and
//! `POST orders` (create an invoice).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tg_common::Error;

use crate::endpoint::Endpoint;
use crate::model::{Currency, OrderStatus, PaymentGateway, PaymentGatewayName};
use crate::paginate::Paginated;
use crate::request::{ApiRequest, QueryPairs};
use crate::validate;

/// `GET orders`: newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOrders {
    member_id: Option<i64>,
    plan_id: Option<i64>,
    project_id: Option<i64>,
    order_status: Option<OrderStatus>,
    currency: Option<Currency>,
    limit: Option<u32>,
    offset: Option<u64>,
}

impl ListOrders {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 100;

    /// The last orders, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this member's orders.
    pub fn member_id(mut self, member_id: i64) -> Self {
        self.member_id = Some(member_id);
        self
    }

    /// Only orders of this plan.
    pub fn plan_id(mut self, plan_id: i64) -> Self {
        self.plan_id = Some(plan_id);
        self
    }

    /// Only orders of this project.
    pub fn project_id(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }

    /// Only orders in this status.
    pub fn order_status(mut self, status: OrderStatus) -> Self {
        self.order_status = Some(status);
        self
    }

    /// Converts the amounts into this currency (one of the 13 documented).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// Page size, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Results to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// Checks that a currency can go in a query string (one of the 13 documented).
pub(crate) fn query_currency(currency: Option<&Currency>) -> Result<(), Error> {
    match currency {
        Some(c) if c.as_query_str().is_none() => Err(Error::invalid_input(
            "currency",
            format!(
                "`{c}` is not one of usd, eur, gbp, cad, aud, nzd, jpy, cny, rub, brl, inr, try, btc"
            ),
        )),
        _ => Ok(()),
    }
}

impl ApiRequest for ListOrders {
    type Output = Vec<Order>;

    fn endpoint(&self) -> Endpoint {
        Endpoint::ListOrders
    }

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id_opt("member_id", self.member_id)?;
        validate::positive_id_opt("plan_id", self.plan_id)?;
        validate::positive_id_opt("project_id", self.project_id)?;
        if self
            .order_status
            .as_ref()
            .is_some_and(|s| s.as_str().is_empty())
        {
            return Err(Error::invalid_input("order_status", "must not be empty"));
        }
        query_currency(self.currency.as_ref())?;
        validate::limit(self.limit, Self::MAX_LIMIT)
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        QueryPairs::default()
            .opt("member_id", self.member_id)
            .opt("plan_id", self.plan_id)
            .opt("project_id", self.project_id)
            .opt("order_status", self.order_status.as_ref())
            .opt(
                "currency",
                self.currency.as_ref().and_then(Currency::as_query_str),
            )
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

impl Paginated for ListOrders {
    const MAX_LIMIT: u32 = ListOrders::MAX_LIMIT;

    fn page_limit(&self) -> Option<u32> {
        self.limit
    }

    fn page_offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }

    fn at_page(&self, offset: u64, limit: u32) -> Self {
        self.clone().offset(offset).limit(limit)
    }
}

/// `GET orders/{order_key}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOrder {
    order_key: String,
}

impl GetOrder {
    /// The order with this key.
    pub fn new(order_key: impl Into<String>) -> Self {
        GetOrder {
            order_key: order_key.into(),
        }
    }
}

impl ApiRequest for GetOrder {
    type Output = Order;

    fn endpoint(&self) -> Endpoint {
        Endpoint::GetOrder
    }

    /// The key must be non-empty, not `.` or `..`, and not `count` (which would address
    /// `GET orders/count`; method names are case-insensitive).
    fn validate(&self) -> Result<(), Error> {
        let key = self.order_key.as_str();
        if key.is_empty() {
            return Err(Error::invalid_input("order_key", "must not be empty"));
        }
        if key == "." || key == ".." {
            return Err(Error::invalid_input("order_key", "must not be `.` or `..`"));
        }
        if key.eq_ignore_ascii_case("count") {
            return Err(Error::invalid_input(
                "order_key",
                "`count` would address GET orders/count",
            ));
        }
        Ok(())
    }

    fn path_segments(&self) -> Vec<String> {
        vec!["orders".to_owned(), self.order_key.clone()]
    }
}

/// `POST orders`: create an invoice for a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrder {
    plan_id: i64,
    payment_gateway: PaymentGateway,
    member_id: Option<i64>,
    email: Option<String>,
    token: Option<String>,
    return_url: Option<String>,
    cancel_url: Option<String>,
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

    /// The member who pays.
    pub fn member_id(mut self, member_id: i64) -> Self {
        self.member_id = Some(member_id);
        self
    }

    /// The payer's email (required by Paystack).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The crypto token: `TOKEN.NETWORK` (`"USDT.MATIC"`, required by CryptoNoKYC) or a bare
    /// `TOKEN` (`"USDT"`, BinancePay).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Where the payer lands after paying (gateways that support it, such as Stripe).
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Where the payer lands after cancelling.
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }
}

impl ApiRequest for CreateOrder {
    type Output = CreatedOrder;

    fn endpoint(&self) -> Endpoint {
        Endpoint::CreateOrder
    }

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id("plan_id", self.plan_id)?;
        let gateway = self.payment_gateway.id();
        if gateway.is_empty() || gateway.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input(
                "payment_gateway",
                "must be a payment method id such as `paypal`",
            ));
        }
        validate::positive_id_opt("member_id", self.member_id)?;
        match &self.email {
            Some(e) => validate::email(e)?,
            None if self.payment_gateway == PaymentGateway::Paystack => {
                return Err(Error::invalid_input("email", "Paystack requires an email"));
            }
            None => {}
        }
        match &self.token {
            Some(t) => {
                let token = CryptoToken::parse(t)?;
                if self.payment_gateway == PaymentGateway::CryptoNoKyc && token.network.is_none() {
                    return Err(Error::invalid_input(
                        "token",
                        "CryptoNoKYC needs TOKEN.NETWORK, such as USDT.MATIC",
                    ));
                }
            }
            None if self.payment_gateway == PaymentGateway::CryptoNoKyc => {
                return Err(Error::invalid_input(
                    "token",
                    "CryptoNoKYC needs TOKEN.NETWORK, such as USDT.MATIC",
                ));
            }
            None => {}
        }
        if let Some(u) = &self.return_url {
            validate::http_url("return_url", u)?;
        }
        if let Some(u) = &self.cancel_url {
            validate::http_url("cancel_url", u)?;
        }
        Ok(())
    }

    fn json_body(&self) -> Option<serde_json::Value> {
        let mut body = json!({
            "plan_id": self.plan_id,
            "payment_gateway": self.payment_gateway.id(),
        });
        let optional = [
            ("member_id", self.member_id.map(|m| json!(m))),
            ("email", self.email.as_ref().map(|e| json!(e))),
            ("token", self.token.as_ref().map(|t| json!(t))),
            ("return_url", self.return_url.as_ref().map(|u| json!(u))),
            ("cancel_url", self.cancel_url.as_ref().map(|u| json!(u))),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                body[name] = v;
            }
        }
        Some(body)
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
            r.query.as_deref(),
            Some("plan_id=20&order_status=COMPLETED&currency=usd&limit=100&offset=200")
        );
        let r = ListOrders::new()
            .order_status(OrderStatus::Unknown("ON HOLD&x".into()))
            .render()
            .unwrap();
        assert_eq!(r.query.as_deref(), Some("order_status=ON%20HOLD%26x"));
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
        assert_eq!(r.path, "orders/TGM-1234567890-20240716-abcd1234");
        let r = GetOrder::new("a/b c").render().unwrap();
        assert_eq!(r.path, "orders/a%2Fb%20c");
        assert_eq!(
            r.segments,
            ["orders", "a/b c"],
            "raw, for the transport to encode once"
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
