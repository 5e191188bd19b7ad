//! Reads and checks the JSON bodies of the typed methods, as the document describes them.
//!
//! Strict where the document is precise: user ids are JSON strings of digits, dates are integers,
//! `amount` is a JSON number, `event_result` is one of the three values, optional fields are
//! omitted rather than `null`. Unknown fields are ignored.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A field that failed: its name and what is wrong, for `error_details`.
pub(super) type Invalid = String;

/// The body as JSON, or why not: a syntax error is the document's 400 (`Bad request`, a
/// request with syntax errors), not 422 (data that fails validation).
pub(super) fn json(body: &[u8]) -> Result<Value, Invalid> {
    serde_json::from_slice::<Value>(body).map_err(|e| format!("malformed JSON: {e}"))
}

/// A parsed body as an object, or why not (422: well-formed JSON of the wrong shape).
pub(super) fn object(value: Value) -> Result<Map<String, Value>, Invalid> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err("the body must be a JSON object".to_owned()),
    }
}

fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Value>, Invalid> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Null) => Err(format!("{key}: must be omitted rather than null")),
        Some(v) => Ok(Some(v)),
    }
}

/// A required string field (may be empty).
pub(super) fn string(obj: &Map<String, Value>, key: &str) -> Result<String, Invalid> {
    optional_string(obj, key)?.ok_or_else(|| format!("{key}: is required"))
}

/// A required, non-blank string field.
pub(super) fn non_blank(obj: &Map<String, Value>, key: &str) -> Result<String, Invalid> {
    let s = string(obj, key)?;
    if s.trim().is_empty() {
        return Err(format!("{key}: must not be empty"));
    }
    Ok(s)
}

/// An optional string field.
pub(super) fn optional_string(
    obj: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, Invalid> {
    match present(obj, key)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key}: must be a string")),
    }
}

/// `user_id`: a required JSON string of decimal digits.
pub(super) fn user_id(obj: &Map<String, Value>) -> Result<String, Invalid> {
    match present(obj, "user_id")? {
        None => Err("user_id: is required".to_owned()),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(s.clone())
        }
        Some(Value::String(s)) if s.is_empty() => Err("user_id: must not be empty".to_owned()),
        Some(Value::String(_)) => Err("user_id: must be a Telegram user id (digits)".to_owned()),
        Some(_) => Err("user_id: must be a string".to_owned()),
    }
}

/// An optional unix-time field: a non-negative integer.
pub(super) fn optional_date(obj: &Map<String, Value>, key: &str) -> Result<Option<i64>, Invalid> {
    match present(obj, key)? {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(d) if d >= 0 => Ok(Some(d)),
            _ => Err(format!(
                "{key}: must be a unix time in seconds (an integer)"
            )),
        },
    }
}

/// `event_result`: one of the three documented values; `in_progress` when omitted.
pub(super) fn event_result(obj: &Map<String, Value>) -> Result<String, Invalid> {
    match optional_string(obj, "event_result")? {
        None => Ok("in_progress".to_owned()),
        Some(r) if matches!(r.as_str(), "in_progress" | "success" | "failure") => Ok(r),
        Some(r) => Err(format!(
            "event_result: `{r}` is not one of in_progress, success, failure"
        )),
    }
}

/// `amount`: an optional JSON number, returned as its exact text.
pub(super) fn amount(obj: &Map<String, Value>, body: &[u8]) -> Result<Option<String>, Invalid> {
    match present(obj, "amount")? {
        None => Ok(None),
        Some(Value::Number(_)) => {
            #[derive(serde::Deserialize)]
            struct Raw<'a> {
                #[serde(borrow)]
                amount: &'a RawValue,
            }
            // The body parsed as a Value already, so this only fails on odd inputs (a duplicate
            // key); fall back to the parsed number's text then.
            Ok(Some(match serde_json::from_slice::<Raw<'_>>(body) {
                Ok(raw) => raw.amount.get().to_owned(),
                Err(_) => obj.get("amount").map(Value::to_string).unwrap_or_default(),
            }))
        }
        Some(_) => Err("amount: must be a JSON number".to_owned()),
    }
}

/// `labels`: an optional array of `{"name": string, "value": string}`.
pub(super) fn labels(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, Invalid> {
    let Some(v) = present(obj, "labels")? else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = v else {
        return Err("labels: must be an array of Label objects".to_owned());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(label) = item else {
                return Err(format!("labels[{i}]: must be an object"));
            };
            let name = non_blank(label, "name").map_err(|e| format!("labels[{i}].{e}"))?;
            let value = string(label, "value").map_err(|e| format!("labels[{i}].{e}"))?;
            Ok((name, value))
        })
        .collect()
}
