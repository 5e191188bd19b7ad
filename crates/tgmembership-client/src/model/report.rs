//! Reports: `GET orders/count` (revenue and sales per day, month or year),
//! `GET plans/report` (per plan, last 6 months) and `GET paymentMethods/report` (per gateway).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::endpoint::Endpoint;
use crate::model::order::query_currency;
use crate::model::{Currency, IntervalUnit, PaymentGateway};
use crate::request::{ApiRequest, QueryPairs};

/// `GET orders/count`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountOrders {
    interval_unit: Option<IntervalUnit>,
    interval_count: Option<u32>,
    currency: Option<Currency>,
}

impl CountOrders {
    /// The service's defaults: one month, in the bot's preferred currency (else EUR).
    pub fn new() -> Self {
        Self::default()
    }

    /// Day, month or year.
    pub fn interval_unit(mut self, unit: IntervalUnit) -> Self {
        self.interval_unit = Some(unit);
        self
    }

    /// How many periods (at least 1).
    pub fn interval_count(mut self, count: u32) -> Self {
        self.interval_count = Some(count);
        self
    }

    /// The report's currency (one of the 13 documented).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }
}

impl ApiRequest for CountOrders {
    type Output = Vec<PeriodRevenue>;

    fn endpoint(&self) -> Endpoint {
        Endpoint::CountOrders
    }

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

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        QueryPairs::default()
            .opt("interval_unit", self.interval_unit.as_ref())
            .opt("interval_count", self.interval_count)
            .opt(
                "currency",
                self.currency.as_ref().and_then(Currency::as_query_str),
            )
            .finish()
    }
}

/// Revenue and sales in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRevenue {
    /// The period (`"2024-07"` for a month).
    pub period: String,
    /// Revenue.
    #[serde(with = "crate::model::money::string")]
    pub revenue: Decimal,
    /// The revenue's currency.
    pub currency: Currency,
    /// Revenue formatted for display (`"$38.04"`).
    pub formatted: String,
    /// Number of sales.
    pub sales: i64,
}

/// The currency parameter shared by the two reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    currency: Option<Currency>,
}

impl ReportQuery {
    /// The bot's preferred currency (else EUR).
    pub fn new() -> Self {
        Self::default()
    }

    /// The report's currency (one of the 13 documented).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    fn validate(&self) -> Result<(), Error> {
        query_currency(self.currency.as_ref())
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        QueryPairs::default()
            .opt(
                "currency",
                self.currency.as_ref().and_then(Currency::as_query_str),
            )
            .finish()
    }
}

/// `GET plans/report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetPlansReport(pub ReportQuery);

impl ApiRequest for GetPlansReport {
    type Output = Vec<PlanReport>;

    fn endpoint(&self) -> Endpoint {
        Endpoint::PlansReport
    }

    fn validate(&self) -> Result<(), Error> {
        self.0.validate()
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        self.0.pairs()
    }
}

/// `GET paymentMethods/report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetPaymentMethodsReport(pub ReportQuery);

impl ApiRequest for GetPaymentMethodsReport {
    type Output = Vec<PaymentMethodReport>;

    fn endpoint(&self) -> Endpoint {
        Endpoint::PaymentMethodsReport
    }

    fn validate(&self) -> Result<(), Error> {
        self.0.validate()
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        self.0.pairs()
    }
}

/// One plan's revenue and sales, with a per-period breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanReport {
    /// The plan.
    pub plan_id: i64,
    /// Its name.
    pub plan_name: String,
    /// Revenue.
    #[serde(with = "crate::model::money::string")]
    pub revenue: Decimal,
    /// The revenue's currency.
    pub currency: Currency,
    /// Revenue formatted for display.
    pub formatted: String,
    /// Number of sales.
    pub sales: i64,
    /// Per period (month).
    #[serde(default)]
    pub breakdown: Vec<PeriodRevenue>,
}

/// One payment method's revenue and sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodReport {
    /// The gateway id.
    pub name: PaymentGateway,
    /// Its display name.
    pub display_name: String,
    /// Revenue.
    #[serde(with = "crate::model::money::string")]
    pub revenue: Decimal,
    /// The revenue's currency.
    pub currency: Currency,
    /// Revenue formatted for display.
    pub formatted: String,
    /// Number of sales.
    pub sales: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_count_query() {
        let r = CountOrders::new()
            .interval_unit(IntervalUnit::Month)
            .interval_count(3)
            .currency(Currency::Usd)
            .render()
            .unwrap();
        assert_eq!(r.path, "orders/count");
        assert_eq!(
            r.query.as_deref(),
            Some("interval_unit=month&interval_count=3&currency=usd")
        );
        assert!(CountOrders::new().interval_count(0).render().is_err());
        assert!(CountOrders::new().interval_count(1).render().is_ok());
        assert!(
            CountOrders::new()
                .interval_unit(IntervalUnit::Unknown("week".into()))
                .render()
                .is_err()
        );
    }

    #[test]
    fn report_queries() {
        let r = GetPlansReport(ReportQuery::new().currency(Currency::Eur))
            .render()
            .unwrap();
        assert_eq!(r.path, "plans/report");
        assert_eq!(r.query.as_deref(), Some("currency=eur"));
        let r = GetPaymentMethodsReport::default().render().unwrap();
        assert_eq!(r.path, "paymentMethods/report");
        assert_eq!(r.query, None);
        assert!(
            GetPaymentMethodsReport(ReportQuery::new().currency(Currency::Unknown("XAU".into())))
                .render()
                .is_err()
        );
    }
}
