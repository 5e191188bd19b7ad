//! Reports: `GET orders/count` (revenue and sales per day, month or year),
//! `GET plans/report` (per plan, last 6 months) and `GET paymentMethods/report` (per gateway).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Currency, IntervalUnit, PaymentGateway};

/// `GET orders/count`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountOrders {
    pub(crate) interval_unit: Option<IntervalUnit>,
    pub(crate) interval_count: Option<u32>,
    pub(crate) currency: Option<Currency>,
}

impl CountOrders {
    /// The service's defaults: one month, in the bot's preferred currency (else EUR).
    pub fn new() -> Self {
        Self::default()
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
    pub(crate) currency: Option<Currency>,
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
}

/// `GET plans/report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetPlansReport(pub ReportQuery);
/// `GET paymentMethods/report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetPaymentMethodsReport(pub ReportQuery);
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
    use crate::test_support::*;

    #[test]
    fn orders_count_query() {
        let r = CountOrders::new()
            .interval_unit(IntervalUnit::Month)
            .interval_count(3)
            .currency(Currency::Usd)
            .render()
            .unwrap();
        assert_eq!(r.path(), "orders/count");
        assert_eq!(
            r.query(),
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
        assert_eq!(r.path(), "plans/report");
        assert_eq!(r.query(), Some("currency=eur"));
        let r = GetPaymentMethodsReport::default().render().unwrap();
        assert_eq!(r.path(), "paymentMethods/report");
        assert_eq!(r.query(), None);
        assert!(
            GetPaymentMethodsReport(ReportQuery::new().currency(Currency::Unknown("XAU".into())))
                .render()
                .is_err()
        );
    }
}
