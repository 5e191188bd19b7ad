//! Checks that text meant for people (the demo's output, the examples' output) is readable:
//! no Rust `Debug` dump, and no money with more decimals than its currency has.

use rust_decimal::Decimal;
use tgmembership_client::Currency;

/// Every problem found in `text`, one message per offending line; empty when it reads well.
pub fn problems(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(marker) = debug_marker(line) {
            found.push(format!("line {}: a Debug dump (`{marker}`): {line}", n + 1));
        }
        if let Some(why) = over_precise(line) {
            found.push(format!("line {}: {why}: {line}", n + 1));
        }
    }
    found
}

/// Largest number of decimals any amount may show (BTC's 8).
const MAX_DECIMALS: u32 = 8;

/// The first sign of a `Debug` dump in `line`: `Some(`, `Ok(`, a capitalised name followed by
/// `(` or ` { ` (`Secret(`, `Response { `), or a byte string `b"`.
fn debug_marker(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !starts_word {
            continue;
        }
        if b == b'b' && bytes.get(i + 1) == Some(&b'"') {
            return Some("b\"".to_owned());
        }
        if !b.is_ascii_uppercase() {
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .map_or(bytes.len(), |p| i + p);
        let rest = &line[end..];
        if rest.starts_with('(') || rest.starts_with(" { ") || rest == " {" {
            let sign: String = rest.chars().take(2).collect();
            return Some(format!("{}{}", &line[i..end], sign.trim_end()));
        }
    }
    None
}

/// Why an amount in `line` shows too many decimals: `<amount> <CODE>` with more decimals than
/// the currency's minor unit, or any number with more than [`MAX_DECIMALS`].
fn over_precise(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let Some(amount) = number(word) else {
            continue;
        };
        let decimals = amount.scale();
        if decimals > MAX_DECIMALS {
            return Some(format!("`{amount}` has {decimals} decimals"));
        }
        let code = words
            .get(i + 1)
            .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphabetic()));
        let currency =
            code.and_then(|c| Currency::DOCUMENTED.iter().find(|d| d.code() == c).cloned());
        if let Some(currency) = currency
            && let Some(dp) = currency.minor_units()
            && decimals > dp
        {
            return Some(format!(
                "`{amount} {currency}` has {decimals} decimals, {currency} has {dp}"
            ));
        }
    }
    None
}

/// The word as a decimal number, ignoring surrounding punctuation (`(1.5,` is 1.5).
fn number(word: &str) -> Option<Decimal> {
    let core = word
        .trim_start_matches(['(', '[', '$', '€', '£', '¥', '₽', '"', '\''])
        .trim_end_matches([')', ']', ',', ';', ':', '"', '\'', '%']);
    let core = core.strip_suffix('.').unwrap_or(core);
    let digits = core.strip_prefix('-').unwrap_or(core);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Decimal::from_str_exact(core).ok()
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn debug_dumps_are_found() {
        for dump in [
            "    -> Response { data: None, mode: Some(Production) }",
            "  POST bot  RegisteredBot { bot_id: 1 }",
            "  secret: Secret([redacted])",
            "  answer Some(3)",
            "  Delivery { status: 200, body: b\"ok\" }",
            "  body b\"ok\"",
            "  data: Object {\"amount\": String(\"1.3\")}",
        ] {
            assert_eq!(problems(dump).len(), 1, "{dump}");
        }
    }

    #[test]
    fn readable_lines_pass() {
        for fine in [
            "  sambot_on_tg_webhook({\"webhook\": /start sambot_ad})  accepted (production key)",
            "  send([app-init])  accepted",
            "  GET orders/ABCD123  pending, 1.34 EUR via Stripe (John Doe)",
            "  user_did_start_bot(987654321, John Doe)  accepted",
            "  error: tgtrack add_event: API error (HTTP 401): error 401: Invalid token",
            "  total 830.05 EUR, 0.00012345 BTC, 1500 JPY, 3.0.3, 1760000000",
            "  Telegram Stars (stars)",
        ] {
            assert_eq!(problems(fine), Vec::<String>::new(), "{fine}");
        }
    }

    #[test]
    fn money_past_its_currency_precision_is_found() {
        for raw in [
            "revenue: 2.5748819999999997",
            "  total 830.049528000000027",
            "  2026-01  31.314881 EUR",
            "  price 1.5 JPY",
            "  0.000000001 BTC",
            "  (12.345 USD)",
        ] {
            assert_eq!(problems(raw).len(), 1, "{raw}");
        }
    }
}
