//! Amounts in the fake's reports: conversion between the 13 documented currencies at fixed
//! rates, sums, and the `formatted` display text.
//!
//! The service's own numbers (`"398.60636332000007"`) show floating-point arithmetic; the fake
//! computes the same way, writing an amount unchanged when no conversion happens.

/// A currency the service documents, as the fake treats it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurrencyInfo {
    /// The ISO 4217 code (`BTC` for bitcoin), upper case.
    pub code: &'static str,
    /// Units of it per euro (fixed, illustrative rates).
    pub per_euro: f64,
    /// The decimals `formatted` shows: ISO 4217's minor units (0 for `JPY`), 8 for `BTC`.
    pub minor_units: u32,
}

const fn info(code: &'static str, per_euro: f64, minor_units: u32) -> CurrencyInfo {
    CurrencyInfo {
        code,
        per_euro,
        minor_units,
    }
}

/// The 13 documented currencies: the fake's one table of rates and minor units.
pub const CURRENCIES: [CurrencyInfo; 13] = [
    info("EUR", 1.0, 2),
    info("USD", 1.0934, 2),
    info("GBP", 0.8458, 2),
    info("CAD", 1.4921, 2),
    info("AUD", 1.6212, 2),
    info("NZD", 1.7987, 2),
    info("JPY", 171.85, 0),
    info("CNY", 7.9341, 2),
    info("RUB", 95.62, 2),
    info("BRL", 6.0173, 2),
    info("INR", 91.32, 2),
    info("TRY", 36.08, 2),
    info("BTC", 0.0000171, 8),
];

/// The documented currency `code` (any case), if it is one.
pub fn currency(code: &str) -> Option<&'static CurrencyInfo> {
    CURRENCIES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
}

/// Whether `code` (any case) is one of the 13 documented currencies.
pub fn is_documented(code: &str) -> bool {
    currency(code).is_some()
}

fn rate(code: &str) -> f64 {
    currency(code).map_or(1.0, |c| c.per_euro)
}

/// Parses a decimal amount; 0 when it is not one.
pub fn value(amount: &str) -> f64 {
    amount.parse().unwrap_or(0.0)
}

/// `amount` in `from` expressed in `to`.
pub fn convert_value(amount: &str, from: &str, to: &str) -> f64 {
    if from.eq_ignore_ascii_case(to) {
        value(amount)
    } else {
        value(amount) / rate(from) * rate(to)
    }
}

/// `amount` in `from` written in `to`: unchanged when the currencies agree.
pub fn convert(amount: &str, from: &str, to: &str) -> String {
    if from.eq_ignore_ascii_case(to) {
        amount.to_owned()
    } else {
        write(convert_value(amount, from, to))
    }
}

/// A float as the service writes amounts: shortest round-trip digits, no exponent.
pub fn write(v: f64) -> String {
    format!("{v}")
}

/// The display text, in the currency's minor units (2 unless [`CURRENCIES`] says otherwise):
/// `$1.34`, `£1.34`, `2 412,08€`, else `81935 JPY`, `0.00001710 BTC`, `1.34 CODE`.
pub fn formatted(v: f64, code: &str) -> String {
    let decimals = currency(code).map_or(2, |c| c.minor_units) as usize;
    let fixed = format!("{v:.decimals$}");
    let (int, frac) = match fixed.split_once('.') {
        Some((int, frac)) => (int, format!(".{frac}")),
        None => (fixed.as_str(), String::new()),
    };
    match code {
        "USD" => format!("${int}{frac}"),
        "GBP" => format!("£{int}{frac}"),
        "EUR" => format!("{}{}€", group_thousands(int), frac.replace('.', ",")),
        other => format!("{int}{frac} {other}"),
    }
}

fn group_thousands(int: &str) -> String {
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", int),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Civil date (year, month, day) of a Unix timestamp (UTC).
pub fn civil(ts: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = ts.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// The `period` label of `ts` for an interval unit (`day`, `month`, `year`).
pub fn period_label(ts: i64, unit: &str) -> String {
    let (y, m, d) = civil(ts);
    match unit {
        "day" => format!("{y:04}-{m:02}-{d:02}"),
        "year" => format!("{y:04}"),
        _ => format!("{y:04}-{m:02}"),
    }
}

/// The labels of the `count` periods ending with the one holding `now`, newest first.
pub fn period_labels(now: i64, unit: &str, count: usize) -> Vec<String> {
    let (mut y, mut m, _) = civil(now);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        out.push(match unit {
            "day" => {
                let back = i64::try_from(i).unwrap_or(i64::MAX).saturating_mul(86_400);
                period_label(now.saturating_sub(back), "day")
            }
            "year" => format!("{:04}", y - i64::try_from(i).unwrap_or(0)),
            _ => {
                let label = format!("{y:04}-{m:02}");
                if m == 1 {
                    m = 12;
                    y -= 1;
                } else {
                    m -= 1;
                }
                label
            }
        });
    }
    out
}

/// Seconds in a duration like `"2 days"` (a month is 30 days, a year 365); `None` when
/// malformed.
pub fn duration_seconds(text: &str) -> Option<i64> {
    let (count, unit) = text.trim().split_once(' ')?;
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: i64 = count.parse().ok().filter(|c| *c > 0)?;
    let day = 86_400;
    let unit = match unit.to_ascii_lowercase().as_str() {
        "day" | "days" => day,
        "week" | "weeks" => 7 * day,
        "month" | "months" => 30 * day,
        "year" | "years" => 365 * day,
        _ => return None,
    };
    count.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_document() {
        assert_eq!(formatted(2412.0767644, "EUR"), "2 412,08€");
        assert_eq!(formatted(2000.0, "EUR"), "2 000,00€");
        assert_eq!(formatted(762.50008054, "EUR"), "762,50€");
        assert_eq!(formatted(1.344882, "USD"), "$1.34");
        assert_eq!(formatted(440.66793845, "USD"), "$440.67");
    }

    #[test]
    fn formats_each_currency_in_its_minor_units() {
        assert_eq!(formatted(81934.64, "JPY"), "81935 JPY");
        assert_eq!(formatted(0.01, "BTC"), "0.01000000 BTC");
        assert_eq!(formatted(0.000_017_1, "BTC"), "0.00001710 BTC");
        assert_eq!(formatted(12.5, "RUB"), "12.50 RUB");
        assert_eq!(currency("jpy").map(|c| c.minor_units), Some(0));
        assert!(currency("XYZ").is_none());
    }

    #[test]
    fn conversion_keeps_same_currency_amounts_verbatim() {
        assert_eq!(convert("1.344882", "USD", "usd"), "1.344882");
        assert_eq!(write(1.5 + 1.5), "3");
        let eur = convert_value("1.0934", "USD", "EUR");
        assert!((eur - 1.0).abs() < 1e-9);
    }

    #[test]
    fn calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(1721285697), (2024, 7, 18));
        assert_eq!(period_label(1721285697, "month"), "2024-07");
        assert_eq!(
            period_labels(1721285697, "month", 3),
            vec!["2024-07", "2024-06", "2024-05"]
        );
        assert_eq!(
            period_labels(1704153600, "month", 2),
            vec!["2024-01", "2023-12"]
        );
        assert_eq!(
            period_labels(1721285697, "day", 2),
            vec!["2024-07-18", "2024-07-17"]
        );
        assert_eq!(period_labels(1721285697, "year", 2), vec!["2024", "2023"]);
    }

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("2 days"), Some(172_800));
        assert_eq!(duration_seconds("1 Month"), Some(2_592_000));
        assert_eq!(duration_seconds("0 days"), None);
        assert_eq!(duration_seconds("1 fortnight"), None);
    }
}
