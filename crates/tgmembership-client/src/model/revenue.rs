//! `GET revenue`: revenue and sales between two instants.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::Currency;

/// `GET revenue`: both bounds are required (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRevenue {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) currency: Option<Currency>,
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
    use crate::test_support::*;

    #[test]
    fn renders_and_validates() {
        let r = GetRevenue::new(1681159917, 1683751930).render().unwrap();
        assert_eq!(r.path(), "revenue");
        assert_eq!(r.query(), Some("from=1681159917&to=1683751930"));
        let r = GetRevenue::new(1, 1)
            .currency(Currency::Btc)
            .render()
            .unwrap();
        assert_eq!(r.query(), Some("from=1&to=1&currency=btc"));
        assert!(GetRevenue::new(10, 9).render().is_err());
        assert!(GetRevenue::new(-1, 9).render().is_err());
    }
}
