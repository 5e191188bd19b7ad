//! Every endpoint as a [`tg_common::Operation`]: its request type (the crate root's `ListPlans`, `CreateOrder`, ...) with its
//! facts as constants (name, HTTP method, path, idempotency), the documented limits checked
//! before sending, its query string or JSON body, and its answer decoded through
//! [`envelope::decode`].
//!
//! Every path goes below `/v1/bot{BOT_ID}/{API_KEY}`. The GETs and `DELETE webhook` are
//! idempotent; the creates are not, since a retry after a lost answer could register a second
//! affiliate, bot, access token, order, plan or webhook.
//!
//! Each request type's optional parameters follow its operation, as chained setters: one trait
//! per request type, implemented for every [`HasOperation`] of it, so the same setters work on
//! the request value (`ListPlans::new().limit(5)`) and on its builder
//! (`client.plans().list().limit(5)`); the request validates when it is rendered or sent. A new
//! endpoint is its request type and answer in `model/`, its operation and setters here, and its
//! handler method in `client/handlers.rs`.
//!
//! The request builder, the retries, the pages and the percent-encoding are tg-common's
//! ([`tg_common::RequestBuilder`]).

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::json;
use tg_common::Paginated;
use tg_common::transport::{RequestPath, query_string};
use tg_common::{Error, HasOperation, Idempotency, Operation, RawResponse};

use crate::client::Client;
use crate::envelope;
use crate::model::{
    AccessToken, Affiliate, CountOrders, CountUsers, Coupon, CreateAccessToken, CreateAffiliate,
    CreateOrder, CreatePlan, CreatedOrder, CryptoToken, Currency, DeleteWebhook, GetOrder,
    GetPaymentMethodsReport, GetPlansReport, GetRevenue, IntervalUnit, ListCoupons, ListMembers,
    ListOrders, ListPaymentMethods, ListPlans, ListProjects, Member, NewPlanOptions, Order,
    OrderStatus, PaymentGateway, PaymentMethod, PaymentMethodReport, PeriodRevenue, Plan,
    PlanDuration, PlanReport, Project, RegisterBot, RegisteredBot, ReportQuery, RevenueSummary,
    SetWebhook, UsersCount, Webhook, WebhookDeleted,
};
use crate::validate;

/// An endpoint's facts: `GET "plans", Idempotent => Vec<Plan>` is the operation
/// `GET plans`, sent to `.../plans`, retried after an ambiguous failure, its `result` decoded
/// through the envelope (`facts` alone leaves the decoding to the operation).
macro_rules! endpoint {
    (facts $method:ident $path:literal, $idempotency:ident => $output:ty) => {
        type Client = Client;
        type Output = $output;

        const NAME: &'static str = concat!(stringify!($method), " ", $path);
        const METHOD: Method = Method::$method;
        const PATH: &'static str = $path;
        const IDEMPOTENCY: Idempotency = Idempotency::$idempotency;
    };
    ($method:ident $path:literal, $idempotency:ident => $output:ty) => {
        endpoint!(facts $method $path, $idempotency => $output);

        fn decode(&self, _: &Client, response: RawResponse) -> Result<$output, Error> {
            result(&response)
        }
    };
}

/// One setter trait: each setter stores its value in one field of the request.
macro_rules! setters {
    (
        $(#[$trait_doc:meta])*
        $trait:ident for $request:ident {
            $( $(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident = $value:expr; )*
        }
    ) => {
        $(#[$trait_doc])*
        pub trait $trait: HasOperation<Operation = $request> + Sized {
            $(
                $(#[$doc])*
                fn $name(mut self, $arg: $ty) -> Self {
                    self.operation_mut().$field = $value;
                    self
                }
            )*
        }

        impl<T: HasOperation<Operation = $request>> $trait for T {}
    };
}

/// The `result` of a successful answer (one is required).
fn result<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
    envelope::decode(response.status, &response.body, response.retry_after())?.into_result()
}

/// `value` encoded as the JSON body.
fn json_body(value: &serde_json::Value) -> Result<Option<Bytes>, Error> {
    serde_json::to_vec(value)
        .map(|body| Some(Bytes::from(body)))
        .map_err(|e| Error::invalid_input("body", format!("could not encode the body: {e}")))
}

/// Collects the query parameters in order; encoded by tg-common's [`query_string`].
#[derive(Default)]
struct Query(Vec<(&'static str, String)>);

impl Query {
    /// Adds `name=value` when `value` is set.
    fn opt(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.0.push((name, v.to_string()));
        }
        self
    }

    /// Adds `name=value`.
    fn add(mut self, name: &'static str, value: impl ToString) -> Self {
        self.0.push((name, value.to_string()));
        self
    }

    /// A currency in its query form (lower case); validation refuses the others.
    fn currency(self, currency: Option<&Currency>) -> Self {
        self.opt("currency", currency.and_then(Currency::as_query_str))
    }

    /// The encoded query string; `None` without parameters.
    fn finish(self) -> Option<String> {
        (!self.0.is_empty()).then(|| query_string(self.0))
    }
}

/// Checks that a currency can go in a query string (one of the 13 documented).
fn query_currency(currency: Option<&Currency>) -> Result<(), Error> {
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

/// `limit`/`offset` pages of a list request.
macro_rules! paginated {
    ($request:ident) => {
        impl Paginated for $request {
            const MAX_LIMIT: u32 = $request::MAX_LIMIT;

            fn page_limit(&self) -> Option<u32> {
                self.limit
            }

            fn page_offset(&self) -> u64 {
                self.offset.unwrap_or(0)
            }

            fn at_page(&self, offset: u64, limit: u32) -> Self {
                $request {
                    offset: Some(offset),
                    limit: Some(limit),
                    ..self.clone()
                }
            }
        }
    };
}

// ---- affiliates, bots, coupons ---------------------------------------------------------------

impl Operation for CreateAffiliate {
    endpoint!(POST "affiliate", NotIdempotent => Affiliate);

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id("member_id", self.member_id)?;
        if let Some(id) = &self.affiliate_id {
            validate::affiliate_id(id)?;
        }
        Ok(())
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        let mut body = json!({ "member_id": self.member_id });
        if let Some(id) = &self.affiliate_id {
            body["affiliate_id"] = json!(id);
        }
        json_body(&body)
    }
}

setters!(
    /// The setters of `POST affiliate` ([`CreateAffiliate`]).
    CreateAffiliateSetters for CreateAffiliate {
        /// Chooses the affiliate id: starts with a letter, 3 to 12 letters or digits, unique.
        affiliate_id(affiliate_id: impl Into<String>) => affiliate_id = Some(affiliate_id.into());
    }
);

impl Operation for RegisterBot {
    endpoint!(POST "bot", NotIdempotent => RegisteredBot);

    /// The token must be `<digits>:<text>` without whitespace, as @BotFather issues it; the
    /// error never quotes it.
    fn validate(&self) -> Result<(), Error> {
        let token = self.bot_token.expose();
        if token.is_empty() {
            return Err(Error::invalid_input("bot_token", "must not be empty"));
        }
        let well_formed = token.split_once(':').is_some_and(|(id, rest)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        }) && !token.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(Error::invalid_input(
                "bot_token",
                "must look like a @BotFather token: `<bot id>:<secret>`",
            ));
        }
        Ok(())
    }

    /// The body holds the token: [`tg_common::Call`]'s Debug prints its length only.
    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        json_body(&json!({ "bot_token": self.bot_token.expose() }))
    }
}

impl Operation for ListCoupons {
    endpoint!(GET "coupons", Idempotent => Vec<Coupon>);
}

// ---- members ---------------------------------------------------------------------------------

impl Operation for ListMembers {
    endpoint!(GET "members", Idempotent => Vec<Member>);

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id_opt("member_id", self.member_id)?;
        validate::positive_id_opt("plan_id", self.plan_id)?;
        validate::positive_id_opt("project_id", self.project_id)?;
        validate::limit(self.limit, ListMembers::MAX_LIMIT)
    }

    fn query(&self) -> Option<String> {
        Query::default()
            .opt("member_id", self.member_id)
            .opt("plan_id", self.plan_id)
            .opt("project_id", self.project_id)
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

setters!(
    /// The setters of `GET members` ([`ListMembers`]).
    ListMembersSetters for ListMembers {
        /// Only this member's memberships.
        member_id(member_id: i64) => member_id = Some(member_id);
        /// Only memberships of this plan.
        plan_id(plan_id: i64) => plan_id = Some(plan_id);
        /// Only memberships of this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Page size, 1 to 1000 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

paginated!(ListMembers);

impl Operation for CreateAccessToken {
    endpoint!(POST "members/accessToken", NotIdempotent => AccessToken);

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id("plan_id", self.plan_id)?;
        validate::positive_id_opt("member_id", self.member_id)
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        let mut body = json!({ "plan_id": self.plan_id });
        if let Some(m) = self.member_id {
            body["member_id"] = json!(m);
        }
        json_body(&body)
    }
}

setters!(
    /// The setters of `POST members/accessToken` ([`CreateAccessToken`]).
    CreateAccessTokenSetters for CreateAccessToken {
        /// Ties the token to a member who has used the bot.
        member_id(member_id: i64) => member_id = Some(member_id);
    }
);

// ---- orders ----------------------------------------------------------------------------------

impl Operation for ListOrders {
    endpoint!(GET "orders", Idempotent => Vec<Order>);

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
        validate::limit(self.limit, ListOrders::MAX_LIMIT)
    }

    fn query(&self) -> Option<String> {
        Query::default()
            .opt("member_id", self.member_id)
            .opt("plan_id", self.plan_id)
            .opt("project_id", self.project_id)
            .opt("order_status", self.order_status.as_ref())
            .currency(self.currency.as_ref())
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

setters!(
    /// The setters of `GET orders` ([`ListOrders`]).
    ListOrdersSetters for ListOrders {
        /// Only this member's orders.
        member_id(member_id: i64) => member_id = Some(member_id);
        /// Only orders of this plan.
        plan_id(plan_id: i64) => plan_id = Some(plan_id);
        /// Only orders of this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Only orders in this status.
        order_status(status: OrderStatus) => order_status = Some(status);
        /// Converts the amounts into this currency (one of the 13 documented).
        currency(currency: Currency) => currency = Some(currency);
        /// Page size, 1 to 100 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

paginated!(ListOrders);

impl Operation for GetOrder {
    endpoint!(GET "orders/{order_key}", Idempotent => Order);

    /// `orders/{order_key}`, the key percent-encoded once when sent.
    fn path(&self, prefix: &RequestPath) -> RequestPath {
        prefix.clone().segment("orders").segment(&self.order_key)
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
}

impl Operation for CreateOrder {
    endpoint!(POST "orders", NotIdempotent => CreatedOrder);

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

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
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
        json_body(&body)
    }
}

setters!(
    /// The setters of `POST orders` ([`CreateOrder`]).
    CreateOrderSetters for CreateOrder {
        /// The member who pays.
        member_id(member_id: i64) => member_id = Some(member_id);
        /// The payer's email (required by Paystack and other gateways that say so in
        /// `GET paymentMethods`).
        email(email: impl Into<String>) => email = Some(email.into());
        /// The crypto token: `TOKEN.NETWORK` (`"USDT.MATIC"`, required by CryptoNoKYC) or a bare
        /// `TOKEN` (`"USDT"`, BinancePay).
        token(token: impl Into<String>) => token = Some(token.into());
        /// Where the payer lands after paying (gateways that support it, such as Stripe).
        return_url(url: impl Into<String>) => return_url = Some(url.into());
        /// Where the payer lands after cancelling.
        cancel_url(url: impl Into<String>) => cancel_url = Some(url.into());
    }
);

impl Operation for CountOrders {
    endpoint!(GET "orders/count", Idempotent => Vec<PeriodRevenue>);

    fn validate(&self) -> Result<(), Error> {
        if let Some(IntervalUnit::Unknown(u)) = &self.interval_unit {
            return Err(Error::invalid_input(
                "interval_unit",
                format!("`{u}` is not day, month or year"),
            ));
        }
        if self.interval_count == Some(0) {
            return Err(Error::invalid_input("interval_count", "must be at least 1"));
        }
        query_currency(self.currency.as_ref())
    }

    fn query(&self) -> Option<String> {
        Query::default()
            .opt("interval_unit", self.interval_unit.as_ref())
            .opt("interval_count", self.interval_count)
            .currency(self.currency.as_ref())
            .finish()
    }
}

setters!(
    /// The setters of `GET orders/count` ([`CountOrders`]).
    CountOrdersSetters for CountOrders {
        /// Day, month or year (the service's default is month).
        interval_unit(unit: IntervalUnit) => interval_unit = Some(unit);
        /// How many periods, at least 1 (the service's default is 1).
        interval_count(count: u32) => interval_count = Some(count);
        /// The report's currency (one of the 13 documented).
        currency(currency: Currency) => currency = Some(currency);
    }
);

// ---- payment methods, plans, projects, reports -----------------------------------------------

impl Operation for ListPaymentMethods {
    endpoint!(GET "paymentMethods", Idempotent => Vec<PaymentMethod>);
}

/// The currency of the two reports.
fn report_query(report: &ReportQuery) -> Option<String> {
    Query::default().currency(report.currency.as_ref()).finish()
}

impl Operation for GetPaymentMethodsReport {
    endpoint!(GET "paymentMethods/report", Idempotent => Vec<PaymentMethodReport>);

    fn validate(&self) -> Result<(), Error> {
        query_currency(self.0.currency.as_ref())
    }

    fn query(&self) -> Option<String> {
        report_query(&self.0)
    }
}

/// The setters of `GET paymentMethods/report` ([`GetPaymentMethodsReport`]).
pub trait GetPaymentMethodsReportSetters:
    HasOperation<Operation = GetPaymentMethodsReport> + Sized
{
    /// The report's currency (one of the 13 documented; default: the bot's, else EUR).
    fn currency(mut self, currency: Currency) -> Self {
        self.operation_mut().0.currency = Some(currency);
        self
    }
}

impl<T: HasOperation<Operation = GetPaymentMethodsReport>> GetPaymentMethodsReportSetters for T {}

impl Operation for ListPlans {
    endpoint!(GET "plans", Idempotent => Vec<Plan>);

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id_opt("plan_id", self.plan_id)?;
        validate::positive_id_opt("project_id", self.project_id)?;
        validate::limit(self.limit, ListPlans::MAX_LIMIT)
    }

    fn query(&self) -> Option<String> {
        Query::default()
            .opt("plan_id", self.plan_id)
            .opt("project_id", self.project_id)
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

setters!(
    /// The setters of `GET plans` ([`ListPlans`]).
    ListPlansSetters for ListPlans {
        /// Only this plan.
        plan_id(plan_id: i64) => plan_id = Some(plan_id);
        /// Only plans of this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Page size, 1 to 100 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

paginated!(ListPlans);

impl Operation for CreatePlan {
    endpoint!(POST "plans", NotIdempotent => Plan);

    fn validate(&self) -> Result<(), Error> {
        validate::plan_name(&self.plan_name)?;
        PlanDuration::parse_field("plan_duration", &self.plan_duration)?;
        if let Some(t) = &self.plan_trial {
            PlanDuration::parse_field("plan_trial", t)?;
        }
        if self.plan_price.is_sign_negative() && !self.plan_price.is_zero() {
            return Err(Error::invalid_input("plan_price", "must not be negative"));
        }
        // The service keeps money as a double: its own examples answer
        // `"revenue": "398.60636332000007"`, a double's artefact. A price a double cannot hold
        // exactly would be rounded silently there, so it is refused here.
        let survives = self
            .plan_price
            .to_string()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .and_then(|f| f.to_string().parse::<rust_decimal::Decimal>().ok())
            .is_some_and(|back| back == self.plan_price);
        if !survives {
            return Err(Error::invalid_input(
                "plan_price",
                format!(
                    "{} does not survive the service's double (about 15 significant digits); \
                     round it first",
                    self.plan_price
                ),
            ));
        }
        let code = self.plan_currency.code();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid_input(
                "plan_currency",
                "must be a currency code such as USD",
            ));
        }
        validate::positive_id_opt("plan_project_id", self.plan_project_id)?;
        if let Some(o) = &self.options {
            o.validate()?;
        }
        Ok(())
    }

    /// Durations go out in canonical form; the price as a decimal string, scale kept.
    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        let canonical = |text: &str| {
            PlanDuration::parse_field("plan_duration", text)
                .map(|d| d.to_string())
                .unwrap_or_else(|_| text.to_owned())
        };
        let mut body = json!({
            "plan_name": self.plan_name,
            "plan_duration": canonical(&self.plan_duration),
            "plan_price": crate::model::money::format(&self.plan_price),
            "plan_currency": self.plan_currency.code(),
        });
        if let Some(t) = &self.plan_trial {
            body["plan_trial"] = json!(canonical(t));
        }
        if let Some(p) = self.plan_project_id {
            body["plan_project_id"] = json!(p);
        }
        if let Some(o) = &self.options {
            body["options"] = serde_json::to_value(o).unwrap_or_else(|_| json!({}));
        }
        json_body(&body)
    }
}

setters!(
    /// The setters of `POST plans` ([`CreatePlan`]).
    CreatePlanSetters for CreatePlan {
        /// A trial period in the duration form (`"7 days"`).
        trial(trial: impl ToString) => plan_trial = Some(trial.to_string());
        /// The project the plan belongs to.
        project_id(project_id: i64) => plan_project_id = Some(project_id);
        /// The plan's options (recurring, newcomers, singleuse, ...).
        options(options: NewPlanOptions) => options = Some(options);
    }
);

impl Operation for GetPlansReport {
    endpoint!(GET "plans/report", Idempotent => Vec<PlanReport>);

    fn validate(&self) -> Result<(), Error> {
        query_currency(self.0.currency.as_ref())
    }

    fn query(&self) -> Option<String> {
        report_query(&self.0)
    }
}

/// The setters of `GET plans/report` ([`GetPlansReport`]).
pub trait GetPlansReportSetters: HasOperation<Operation = GetPlansReport> + Sized {
    /// The report's currency (one of the 13 documented; default: the bot's, else EUR).
    fn currency(mut self, currency: Currency) -> Self {
        self.operation_mut().0.currency = Some(currency);
        self
    }
}

impl<T: HasOperation<Operation = GetPlansReport>> GetPlansReportSetters for T {}

impl Operation for ListProjects {
    endpoint!(GET "projects", Idempotent => Vec<Project>);

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id_opt("project_id", self.project_id)?;
        validate::limit(self.limit, ListProjects::MAX_LIMIT)
    }

    fn query(&self) -> Option<String> {
        Query::default()
            .opt("project_id", self.project_id)
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

setters!(
    /// The setters of `GET projects` ([`ListProjects`]).
    ListProjectsSetters for ListProjects {
        /// Only this project.
        project_id(project_id: i64) => project_id = Some(project_id);
        /// Page size, 1 to 100 (the service's default is 100).
        limit(limit: u32) => limit = Some(limit);
        /// Results to skip.
        offset(offset: u64) => offset = Some(offset);
    }
);

paginated!(ListProjects);

// ---- revenue, users, webhooks ----------------------------------------------------------------

impl Operation for GetRevenue {
    endpoint!(GET "revenue", Idempotent => RevenueSummary);

    fn validate(&self) -> Result<(), Error> {
        if self.from < 0 {
            return Err(Error::invalid_input(
                "from",
                "must be a Unix timestamp >= 0",
            ));
        }
        if self.to < self.from {
            return Err(Error::invalid_input("to", "must not be before `from`"));
        }
        query_currency(self.currency.as_ref())
    }

    fn query(&self) -> Option<String> {
        Query::default()
            .add("from", self.from)
            .add("to", self.to)
            .currency(self.currency.as_ref())
            .finish()
    }
}

setters!(
    /// The setters of `GET revenue` ([`GetRevenue`]).
    GetRevenueSetters for GetRevenue {
        /// The report's currency (one of the 13 documented).
        currency(currency: Currency) => currency = Some(currency);
    }
);

impl Operation for CountUsers {
    endpoint!(GET "users/count", Idempotent => UsersCount);
}

impl Operation for SetWebhook {
    endpoint!(POST "webhook", NotIdempotent => Webhook);

    fn validate(&self) -> Result<(), Error> {
        validate::https_url("url", &self.url)
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        json_body(&json!({ "url": self.url }))
    }
}

impl Operation for DeleteWebhook {
    endpoint!(facts DELETE "webhook", Idempotent => WebhookDeleted);

    fn validate(&self) -> Result<(), Error> {
        validate::https_url("url", &self.url)
    }

    fn json_body(&self, _: &Client) -> Result<Option<Bytes>, Error> {
        json_body(&json!({ "url": self.url }))
    }

    /// Success needs no result (the answer is `{"ok": true, "code": 204}` or empty).
    fn decode(&self, _: &Client, response: RawResponse) -> Result<WebhookDeleted, Error> {
        envelope::decode::<WebhookDeleted>(
            response.status,
            &response.body,
            response.retry_after(),
        )?;
        Ok(WebhookDeleted)
    }
}
