//! `GET revenue`: revenue and sales between two instants.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::endpoint::Endpoint;
use crate::model::Currency;
use crate::model::order::query_currency;
use crate::request::{ApiRequest, QueryPairs};

/// `GET revenue`: both bounds are required (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRevenue {
    from: i64,
    to: i64,
    currency: Option<Currency>,
}

impl GetRevenue {
    /// Revenue from `from` to `to` (Unix seconds, `from <= to`).
    pub fn new(from: i64, to: i64) -> Self {
        GetRevenue {
            from,
            to,
            currency: None,
        }
    }

    /// The report's currency (one of the 13 documented).
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }
}

impl ApiRequest for GetRevenue {
    type Output = RevenueSummary;

    fn endpoint(&self) -> Endpoint {
        Endpoint::Revenue
    }

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

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        QueryPairs::default()
            .add("from", self.from)
            .add("to", self.to)
            .opt(
                "currency",
                self.currency.as_ref().and_then(Currency::as_query_str),
            )
            .finish()
    }
}

/// Revenue and sales over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueSummary {
    /// Start (Unix seconds).
    pub from: i64,
    /// End (Unix seconds).
    pub to: i64,
    /// Revenue.
    #[serde(with = "crate::model::money::string")]
    pub revenue: Decimal,
    /// The revenue's currency.
    pub currency: Currency,
    /// Revenue formatted for display (`"398,61€"`).
    pub formatted: String,
    /// Number of sales.
    pub sales: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_validates() {
        let r = GetRevenue::new(1681159917, 1683751930).render().unwrap();
        assert_eq!(r.path, "revenue");
        assert_eq!(r.query.as_deref(), Some("from=1681159917&to=1683751930"));
        let r = GetRevenue::new(1, 1)
            .currency(Currency::Btc)
            .render()
            .unwrap();
        assert_eq!(r.query.as_deref(), Some("from=1&to=1&currency=btc"));
        assert!(GetRevenue::new(10, 9).render().is_err());
        assert!(GetRevenue::new(-1, 9).render().is_err());
    }
}
