//! The documented schema of `POST /events`, checked the way the service does before it records
//! anything: one bad event rejects the whole body.

use serde_json::{Map, Value};

/// The `custom_data` key that makes an event invalid on purpose when it is `true`.
pub const INVALID_MARKER: &str = "tg_mock_invalid";

/// The expected JSON type of a field.
#[derive(Clone, Copy)]
enum Kind {
    Number,
    String,
    Boolean,
    Object,
    AuthType,
    Messages,
}

/// The optional fields of the documents' table and the TON Connect extras.
const OPTIONAL: &[(&str, Kind)] = &[
    ("is_premium", Kind::Boolean),
    ("is_success", Kind::Boolean),
    ("error_message", Kind::String),
    ("error_code", Kind::Number),
    ("wallet_address", Kind::String),
    ("wallet_type", Kind::String),
    ("wallet_version", Kind::String),
    ("auth_type", Kind::AuthType),
    ("valid_until", Kind::String),
    ("from", Kind::String),
    ("messages", Kind::Messages),
    ("custom_data", Kind::Object),
    ("client_timestamp", Kind::String),
    ("platform", Kind::String),
    ("locale", Kind::String),
    ("start_param", Kind::String),
    ("url_referer", Kind::String),
    ("scope", Kind::String),
    ("wallet_state_init", Kind::String),
    ("trace_id", Kind::String),
    ("signed_transaction", Kind::String),
];

fn fits(value: &Value, kind: Kind) -> bool {
    match kind {
        Kind::Number => value.is_number(),
        Kind::String => value.is_string(),
        Kind::Boolean => value.is_boolean(),
        Kind::Object => value.is_object(),
        Kind::AuthType => {
            matches!(
                value,
                Value::String(s) if s == "ton_addr" || s == "ton_proof"
            ) || value.as_u64().is_some_and(|n| n <= 1)
        }
        Kind::Messages => value.as_array().is_some_and(|items| {
            items.iter().all(|m| {
                m.get("address").is_some_and(Value::is_string)
                    && m.get("amount").is_some_and(Value::is_string)
            })
        }),
    }
}

/// Whether `s` is a UUID in the hyphenated 8-4-4-4-12 form.
fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// The events of a body (a JSON array of events, or one event), or why it fails the schema.
pub(crate) fn events(body: &[u8]) -> Result<Vec<Map<String, Value>>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = match value {
        Value::Array(items) if items.is_empty() => return Err("empty array".into()),
        Value::Array(items) => items,
        single @ Value::Object(_) => vec![single],
        _ => return Err("the body is neither an event nor an array of events".into()),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(event) => check(&event)
                .map(|()| event)
                .map_err(|e| format!("[{i}]: {e}")),
            _ => Err(format!("[{i}]: not an object")),
        })
        .collect()
}

fn check(event: &Map<String, Value>) -> Result<(), String> {
    match event.get("user_id") {
        Some(v) if v.is_number() => {}
        _ => return Err("user_id must be a number".into()),
    }
    match event.get("event_name") {
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => return Err("event_name must be a non-empty string".into()),
    }
    match event.get("session_id") {
        Some(Value::String(s)) if is_uuid(s) => {}
        _ => return Err("session_id must be a UUID".into()),
    }
    match event.get("app_name") {
        Some(Value::String(_)) => {}
        _ => return Err("app_name must be a string".into()),
    }
    for (field, kind) in OPTIONAL {
        match event.get(*field) {
            None | Some(Value::Null) => {}
            Some(v) if fits(v, *kind) => {}
            Some(_) => return Err(format!("{field} has the wrong type")),
        }
    }
    let marked = event
        .get("custom_data")
        .and_then(|d| d.get(INVALID_MARKER))
        .is_some_and(|v| v == &Value::Bool(true));
    if marked {
        return Err(format!("custom_data.{INVALID_MARKER} is true"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn base() -> Value {
        json!({
            "event_name": "app-init",
            "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
            "user_id": 111111111,
            "app_name": "docs"
        })
    }

    fn with(field: &str, value: Value) -> Vec<u8> {
        let mut event = base();
        event[field] = value;
        serde_json::to_vec(&json!([event])).unwrap()
    }

    fn without(field: &str) -> Vec<u8> {
        let mut event = base();
        event.as_object_mut().unwrap().remove(field);
        serde_json::to_vec(&event).unwrap()
    }

    #[test]
    fn accepts_an_array_or_one_object() {
        assert_eq!(
            events(&serde_json::to_vec(&base()).unwrap()).unwrap().len(),
            1
        );
        let two = serde_json::to_vec(&json!([base(), base()])).unwrap();
        assert_eq!(events(&two).unwrap().len(), 2);
    }

    #[test]
    fn each_required_field_is_required() {
        for field in ["user_id", "event_name", "session_id", "app_name"] {
            assert!(events(&without(field)).is_err(), "{field}");
        }
    }

    #[test]
    fn field_types_follow_the_table() {
        let good = [
            ("is_premium", json!(true)),
            ("error_code", json!(null)),
            ("error_code", json!(300)),
            ("auth_type", json!(1)),
            ("auth_type", json!("ton_addr")),
            ("messages", json!([{"address": "EQ", "amount": "5"}])),
            ("custom_data", json!({"a": 1})),
            ("client_timestamp", json!("1743503599534")),
            ("platform", json!(null)),
            ("unknown_field", json!([1])),
        ];
        for (field, value) in good {
            assert!(
                events(&with(field, value.clone())).is_ok(),
                "{field}={value}"
            );
        }
        let bad = [
            ("user_id", json!("111")),
            ("session_id", json!("10c574d96d2c4e6da141ce6da141ce6d")),
            ("session_id", json!("not-a-uuid")),
            ("is_premium", json!("true")),
            ("error_code", json!("300")),
            ("auth_type", json!(2)),
            ("auth_type", json!("ton")),
            ("messages", json!([{"address": "EQ", "amount": 5}])),
            ("messages", json!({"address": "EQ", "amount": "5"})),
            ("custom_data", json!("x")),
            ("client_timestamp", json!(1743503599534u64)),
            ("platform", json!(1)),
            ("event_name", json!("")),
        ];
        for (field, value) in bad {
            assert!(
                events(&with(field, value.clone())).is_err(),
                "{field}={value}"
            );
        }
    }

    #[test]
    fn other_bodies_fail() {
        for body in [&b"[]"[..], b"null", b"\"x\"", b"[1]", b"{", b""] {
            assert!(events(body).is_err());
        }
    }

    #[test]
    fn the_marker_makes_an_event_invalid() {
        assert!(events(&with("custom_data", json!({INVALID_MARKER: true}))).is_err());
        assert!(events(&with("custom_data", json!({INVALID_MARKER: false}))).is_ok());
    }
}
