//! `amount` goes on the wire as a JSON number with exactly the caller's digits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;

use rust_decimal::Decimal;
use tgtrack_client::AddEvent;
use tgtrack_client::AddEventSetters;

fn wire_amount(amount: &str) -> String {
    let event = AddEvent::new(1, "sale").amount(Decimal::from_str(amount).unwrap());
    let text = serde_json::to_string(&event).unwrap();
    let start = text.find("\"amount\":").unwrap() + "\"amount\":".len();
    let rest = &text[start..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].to_owned()
}

#[test]
fn trailing_zeros_are_kept() {
    assert_eq!(wire_amount("1500.00"), "1500.00");
    assert_eq!(wire_amount("1500"), "1500");
    assert_eq!(wire_amount("0.10"), "0.10");
}

#[test]
fn negative_amounts_are_costs() {
    assert_eq!(wire_amount("-250.5"), "-250.5");
    assert_eq!(wire_amount("-0.01"), "-0.01");
}

#[test]
fn many_digits_survive_without_float_rounding() {
    // f64 would print 0.30000000000000004 for 0.1 + 0.2 and lose digits past 17.
    assert_eq!(wire_amount("0.3"), "0.3");
    assert_eq!(
        wire_amount("12345678901234567.123456789"),
        "12345678901234567.123456789"
    );
    assert_eq!(
        wire_amount("7922816251426433759354395033.5"),
        "7922816251426433759354395033.5"
    );
}

#[test]
fn amount_is_a_number_not_a_string() {
    let event = AddEvent::new(1, "sale").amount(Decimal::new(150_000, 2));
    let value: serde_json::Value = serde_json::to_value(&event).unwrap();
    assert!(value["amount"].is_number(), "{value}");
    assert_eq!(value["amount"].as_f64(), Some(1500.0));
}

#[test]
fn no_amount_means_no_field() {
    let text = serde_json::to_string(&AddEvent::new(1, "sale")).unwrap();
    assert_eq!(text, r#"{"user_id":"1","event_type":"sale"}"#);
}

#[test]
fn decoding_keeps_exact_digits_and_reads_exponents_and_strings() {
    let decode = |json: &str| {
        serde_json::from_str::<AddEvent>(&format!(
            r#"{{"user_id":"1","event_type":"sale","amount":{json}}}"#
        ))
        .unwrap()
        .amount
        .unwrap()
        .to_string()
    };
    assert_eq!(decode("1500.00"), "1500.00");
    assert_eq!(
        decode("-12345678901234567.123456789"),
        "-12345678901234567.123456789"
    );
    assert_eq!(decode("1.5e3"), "1500");
    assert_eq!(decode("\"99.90\""), "99.90");
    let null =
        serde_json::from_str::<AddEvent>(r#"{"user_id":"1","event_type":"x","amount":null}"#)
            .unwrap();
    assert_eq!(null.amount, None);
}
