//! The currencies the service documents, with a fallback for any other code.
//!
//! Responses carry upper-case codes (`"USD"`), query strings take lower case (`currency=usd`).
//! Decoding is case-insensitive for the documented codes; any other code is kept verbatim in
//! [`Currency::Unknown`] and written back unchanged.

use std::fmt;
use std::str::FromStr;

/// A currency code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Currency {
    /// US dollar.
    Usd,
    /// Euro.
    Eur,
    /// Pound sterling.
    Gbp,
    /// Canadian dollar.
    Cad,
    /// Australian dollar.
    Aud,
    /// New Zealand dollar.
    Nzd,
    /// Japanese yen.
    Jpy,
    /// Chinese yuan.
    Cny,
    /// Russian ruble.
    Rub,
    /// Brazilian real.
    Brl,
    /// Indian rupee.
    Inr,
    /// Turkish lira.
    Try,
    /// Bitcoin.
    Btc,
    /// A code outside the documented list, exactly as received or given.
    Unknown(String),
}

impl Currency {
    /// The 13 documented currencies, in the document's order.
    pub const DOCUMENTED: [Currency; 13] = [
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Cad,
        Currency::Aud,
        Currency::Nzd,
        Currency::Jpy,
        Currency::Cny,
        Currency::Rub,
        Currency::Brl,
        Currency::Inr,
        Currency::Try,
        Currency::Btc,
    ];

    /// Reads a code, case-insensitively for the documented ones.
    pub fn parse(code: &str) -> Currency {
        Currency::DOCUMENTED
            .iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
            .cloned()
            .unwrap_or_else(|| Currency::Unknown(code.to_owned()))
    }

    /// The code as written in bodies and responses: upper case (`"USD"`), or the unknown code as
    /// given.
    pub fn code(&self) -> &str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cad => "CAD",
            Currency::Aud => "AUD",
            Currency::Nzd => "NZD",
            Currency::Jpy => "JPY",
            Currency::Cny => "CNY",
            Currency::Rub => "RUB",
            Currency::Brl => "BRL",
            Currency::Inr => "INR",
            Currency::Try => "TRY",
            Currency::Btc => "BTC",
            Currency::Unknown(code) => code,
        }
    }

    /// The code as a query string takes it (`"usd"`); `None` for an unknown code, which the
    /// query parameters do not accept.
    pub fn as_query_str(&self) -> Option<&'static str> {
        Some(match self {
            Currency::Usd => "usd",
            Currency::Eur => "eur",
            Currency::Gbp => "gbp",
            Currency::Cad => "cad",
            Currency::Aud => "aud",
            Currency::Nzd => "nzd",
            Currency::Jpy => "jpy",
            Currency::Cny => "cny",
            Currency::Rub => "rub",
            Currency::Brl => "brl",
            Currency::Inr => "inr",
            Currency::Try => "try",
            Currency::Btc => "btc",
            Currency::Unknown(_) => return None,
        })
    }

    /// The number of decimal places of the currency's minor unit, `None` for an unknown code.
    ///
    /// Fiat currencies follow ISO 4217: 2 for USD, EUR, GBP, CAD, AUD, NZD, CNY, RUB, BRL, INR
    /// and TRY; 0 for JPY (ISO 4217 lists no minor unit for the yen). BTC, which ISO 4217 does
    /// not list, has 8 (one satoshi is 0.00000001 BTC). For an unknown code there is no rule to
    /// follow, so amounts in it are shown exactly.
    pub fn minor_units(&self) -> Option<u32> {
        match self {
            Currency::Jpy => Some(0),
            Currency::Btc => Some(8),
            Currency::Unknown(_) => None,
            _ => Some(2),
        }
    }

    /// Whether this is one of the 13 documented currencies.
    pub fn is_documented(&self) -> bool {
        !matches!(self, Currency::Unknown(_))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Currency::parse(s))
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Currency::parse(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_case_insensitively_and_encodes_upper_case() {
        for text in ["usd", "USD", "Usd"] {
            let c: Currency = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(c, Currency::Usd);
            assert_eq!(serde_json::to_string(&c).unwrap(), "\"USD\"");
        }
        assert_eq!(Currency::Try.as_query_str(), Some("try"));
        assert_eq!(Currency::Btc.code(), "BTC");
    }

    #[test]
    fn every_documented_code_round_trips_in_both_cases() {
        for c in Currency::DOCUMENTED {
            let lower = c.as_query_str().unwrap();
            assert_eq!(Currency::parse(lower), c);
            assert_eq!(Currency::parse(c.code()), c);
            assert_eq!(c.code().to_ascii_lowercase(), lower);
        }
    }

    #[test]
    fn minor_units_follow_iso_4217_and_btc_has_8() {
        assert_eq!(Currency::Jpy.minor_units(), Some(0));
        assert_eq!(Currency::Btc.minor_units(), Some(8));
        for c in Currency::DOCUMENTED {
            if !matches!(c, Currency::Jpy | Currency::Btc) {
                assert_eq!(c.minor_units(), Some(2), "{c}");
            }
        }
        assert_eq!(Currency::Unknown("XYZ".into()).minor_units(), None);
    }

    #[test]
    fn unknown_codes_round_trip_unchanged() {
        let c: Currency = serde_json::from_str("\"xYz\"").unwrap();
        assert_eq!(c, Currency::Unknown("xYz".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"xYz\"");
        assert_eq!(c.as_query_str(), None);
        assert!(!c.is_documented());
    }
}
