//! Money amounts: decimal strings on the wire (`"398.60636332000007"`), [`Decimal`] in Rust.
//!
//! Decoding is exact: a value [`Decimal`] cannot hold (more than 28 fractional digits, or a
//! mantissa past 96 bits, about 28 significant digits) is a decode error, never rounded.
//! Encoding writes [`Decimal`]'s own text, which keeps the scale, so a documented value survives
//! decode and encode byte for byte (`"1.230"` stays `"1.230"`).
//!
//! For showing money, [`round`] and [`Money`] bring an amount to its currency's minor units
//! ([`Currency::minor_units`]) with one stated rule: **half away from zero** (commercial
//! "half-up": `0.125 USD` is `0.13`, `-0.125 USD` is `-0.13`, `2.5 JPY` is `3`). The exact
//! [`Decimal`] stays what the models hold; sum exact values and round the sum once.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use super::currency::Currency;

/// The rounding rule of [`round`] and [`Money`]: half away from zero.
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// Rounds an amount to the currency's minor units, half away from zero, and writes exactly
/// that many decimals (`2.5` USD is `2.50`). An unknown currency has no known minor unit: the
/// amount comes back unchanged.
pub fn round(amount: Decimal, currency: &Currency) -> Decimal {
    match currency.minor_units() {
        Some(dp) => {
            let mut r = amount.round_dp_with_strategy(dp, ROUNDING);
            // `rescale` only pads here (the value has at most `dp` decimals already).
            r.rescale(dp);
            r
        }
        None => amount,
    }
}

/// An amount with its currency, for showing: its [`Display`](fmt::Display) is the amount
/// rounded by [`round`] followed by the code (`2.57 EUR`), and honours width and alignment
/// (`{:>14}`). The exact amount stays available through [`Money::exact`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount in a currency, kept exact.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// The exact amount, as the service sent it.
    pub fn exact(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The amount rounded to the currency's minor units (see [`round`]).
    pub fn rounded(&self) -> Decimal {
        round(self.amount, &self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("{} {}", self.rounded(), self.currency))
    }
}

/// Why a money string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Not of the form `-?DIGITS(.DIGITS)?`.
    Syntax(String),
    /// A valid number that [`Decimal`] cannot hold without rounding.
    OutOfRange(String),
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Syntax(s) => {
                write!(
                    f,
                    "`{s}` is not a decimal amount (expected digits with an optional `.`)"
                )
            }
            MoneyError::OutOfRange(s) => write!(
                f,
                "`{s}` has more precision or magnitude than a 96-bit decimal holds \
                 (at most 28 fractional digits, about 28 significant digits); refusing to round"
            ),
        }
    }
}

impl std::error::Error for MoneyError {}

/// Parses a wire amount exactly: an optional `-`, digits, an optional `.` and digits.
pub fn parse(text: &str) -> Result<Decimal, MoneyError> {
    if !is_plain_decimal(text) {
        return Err(MoneyError::Syntax(text.to_owned()));
    }
    Decimal::from_str_exact(text).map_err(|_| MoneyError::OutOfRange(text.to_owned()))
}

/// Writes an amount the way the service does: plain digits, scale kept, no exponent.
pub fn format(amount: &Decimal) -> String {
    amount.to_string()
}

fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

struct MoneyVisitor;

impl serde::de::Visitor<'_> for MoneyVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a string (\"1.344882\") or an integer")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse(v).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        Err(E::custom(format_args!(
            "amount {v} arrived as a JSON float, which may already have lost digits; \
             expected a decimal string"
        )))
    }
}

/// `#[serde(with = "money::string")]`: a [`Decimal`] as a decimal string.
pub mod string {
    use rust_decimal::Decimal;

    /// Writes the amount as a string.
    pub fn serialize<S: serde::Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(amount))
    }

    /// Reads a decimal string (or a JSON integer) exactly.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(super::MoneyVisitor)
    }
}

/// `#[serde(with = "money::option")]`: an optional [`Decimal`] as a decimal string.
pub mod option {
    use rust_decimal::Decimal;
    use serde::Deserialize;

    /// Writes the amount as a string, or `null`.
    pub fn serialize<S: serde::Serializer>(
        amount: &Option<Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => s.serialize_str(&super::format(a)),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional decimal string exactly; `null` is `None`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::string")] Decimal);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Holder {
        #[serde(with = "string")]
        amount: Decimal,
    }

    fn round_trip(text: &str) -> String {
        let json = format!(r#"{{"amount":"{text}"}}"#);
        let h: Holder = serde_json::from_str(&json).unwrap();
        let out = serde_json::to_string(&h).unwrap();
        assert_eq!(out, json);
        h.amount.to_string()
    }

    #[test]
    fn documented_values_survive_byte_exact() {
        for v in [
            "398.60636332000007",
            "1.344882",
            "0",
            "100",
            "99.99",
            "2412.0767644",
            "568.80310825",
            "1.230",
            "-5.10",
        ] {
            assert_eq!(round_trip(v), v);
        }
    }

    #[test]
    fn keeps_the_scale() {
        let d = parse("3.000").unwrap();
        assert_eq!(d.scale(), 3);
        assert_eq!(format(&d), "3.000");
    }

    #[test]
    fn past_the_precision_limit_is_an_error_not_rounding() {
        // 29 fractional digits: beyond the 28-digit scale limit.
        let err = parse("0.12345678901234567890123456789").unwrap_err();
        assert!(matches!(err, MoneyError::OutOfRange(_)));
        // A mantissa past 96 bits.
        assert!(matches!(
            parse("99999999999999999999999999999.5"),
            Err(MoneyError::OutOfRange(_))
        ));
        // 28 fractional digits still fit exactly.
        let d = parse("0.1234567890123456789012345678").unwrap();
        assert_eq!(d.to_string(), "0.1234567890123456789012345678");
    }

    #[test]
    fn rejects_what_is_not_a_plain_decimal() {
        for bad in [
            "", "abc", "1e5", "1_000", " 1", "1.", ".5", "+1", "1,5", "--1", "0x10",
        ] {
            assert!(matches!(parse(bad), Err(MoneyError::Syntax(_))), "{bad:?}");
        }
    }

    #[test]
    fn integers_are_accepted_and_floats_are_not() {
        let h: Holder = serde_json::from_str(r#"{"amount":15}"#).unwrap();
        assert_eq!(h.amount, Decimal::from(15));
        let err = serde_json::from_str::<Holder>(r#"{"amount":1.5}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("JSON float"));
    }

    #[test]
    fn option_module_handles_null_and_absent() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Opt {
            #[serde(default, with = "option", skip_serializing_if = "Option::is_none")]
            amount: Option<Decimal>,
        }
        let a: Opt = serde_json::from_str(r#"{"amount":null}"#).unwrap();
        assert_eq!(a.amount, None);
        let b: Opt = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(b.amount, None);
        let c: Opt = serde_json::from_str(r#"{"amount":"7.50"}"#).unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"amount":"7.50"}"#);
    }

    fn r(text: &str, c: Currency) -> String {
        round(parse(text).unwrap(), &c).to_string()
    }

    #[test]
    fn rounds_half_away_from_zero_with_0_decimals() {
        assert_eq!(r("2.5", Currency::Jpy), "3");
        assert_eq!(r("3.5", Currency::Jpy), "4");
        assert_eq!(r("-2.5", Currency::Jpy), "-3");
        assert_eq!(r("2.4999", Currency::Jpy), "2");
        assert_eq!(r("7", Currency::Jpy), "7");
    }

    #[test]
    fn rounds_half_away_from_zero_with_2_decimals() {
        assert_eq!(r("0.125", Currency::Usd), "0.13");
        assert_eq!(r("0.135", Currency::Usd), "0.14");
        assert_eq!(r("-0.125", Currency::Usd), "-0.13");
        assert_eq!(r("0.12499999", Currency::Usd), "0.12");
        assert_eq!(r("2.5748819999999997", Currency::Eur), "2.57");
        assert_eq!(r("2.5", Currency::Usd), "2.50");
        assert_eq!(r("398.60636332000007", Currency::Usd), "398.61");
    }

    #[test]
    fn rounds_half_away_from_zero_with_8_decimals() {
        assert_eq!(r("0.000000005", Currency::Btc), "0.00000001");
        assert_eq!(r("0.000000015", Currency::Btc), "0.00000002");
        assert_eq!(r("-0.000000005", Currency::Btc), "-0.00000001");
        assert_eq!(r("0.0000000049", Currency::Btc), "0.00000000");
        assert_eq!(r("1", Currency::Btc), "1.00000000");
    }

    #[test]
    fn unknown_currency_keeps_the_exact_amount() {
        assert_eq!(r("1.23456", Currency::Unknown("XYZ".into())), "1.23456");
    }

    #[test]
    fn money_displays_rounded_with_its_code_and_keeps_the_exact_value() {
        let m = Money::new(parse("329.67000000000013").unwrap(), Currency::Usd);
        assert_eq!(m.to_string(), "329.67 USD");
        assert_eq!(format!("{m:>12}|"), "  329.67 USD|");
        assert_eq!(m.exact().to_string(), "329.67000000000013");
        assert_eq!(m.currency(), &Currency::Usd);
        let yen = Money::new(parse("1234.5").unwrap(), Currency::Jpy);
        assert_eq!(yen.to_string(), "1235 JPY");
    }

    proptest::proptest! {
        /// Any value Decimal holds is written and read back with the same text and scale.
        #[test]
        fn every_decimal_round_trips(mantissa in proptest::num::i64::ANY, scale in 0u32..=28) {
            let d = Decimal::new(mantissa, scale);
            let text = format(&d);
            let back = parse(&text).unwrap();
            proptest::prop_assert_eq!(back, d);
            proptest::prop_assert_eq!(back.scale(), d.scale());
            proptest::prop_assert_eq!(format(&back), text);
        }
    }
}
