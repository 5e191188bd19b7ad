//! The parameters of `getUpdates`, read as the Bot API accepts them: from the query string, an
//! `application/x-www-form-urlencoded` body or an `application/json` body (a body's value wins
//! over the query's). In the query and form encodings `allowed_updates` is itself JSON text.

use serde_json::Value;

use crate::service::{Request, percent_decode};

/// The parameters of one `getUpdates` call, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetUpdatesCall {
    /// `offset`, when given.
    pub offset: Option<i64>,
    /// `limit`, when given (the server clamps it to 1–100).
    pub limit: Option<i64>,
    /// `timeout` in seconds, when given (0 or absent: short polling).
    pub timeout: Option<i64>,
    /// `allowed_updates`, when given.
    pub allowed_updates: Option<Vec<String>>,
}

impl GetUpdatesCall {
    /// At most this many updates are returned: `limit` clamped to 1–100 (100 when absent or out
    /// of range, as the server does).
    pub fn effective_limit(&self) -> usize {
        match self.limit {
            Some(n @ 1..=100) => usize::try_from(n).unwrap_or(100),
            _ => 100,
        }
    }

    /// The long-polling wait in seconds (negative counts as 0).
    pub fn effective_timeout(&self) -> u64 {
        self.timeout
            .and_then(|t| u64::try_from(t).ok())
            .unwrap_or(0)
    }
}

/// Reads the parameters, or the `Bad Request: ...` description of the first bad one.
pub fn read(request: &Request) -> Result<GetUpdatesCall, String> {
    let mut pairs: Vec<(String, Value)> = request
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let media = request
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/json") if !request.body.is_empty() => {
            let body: Value = serde_json::from_slice(&request.body)
                .map_err(|_| "can't parse JSON object".to_owned())?;
            let Value::Object(map) = body else {
                return Err("can't parse JSON object".to_owned());
            };
            pairs.extend(map);
        }
        Some("application/x-www-form-urlencoded") => {
            let text = String::from_utf8_lossy(&request.body);
            for pair in text.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                pairs.push((
                    percent_decode(k, true),
                    Value::String(percent_decode(v, true)),
                ));
            }
        }
        _ => {}
    }
    let mut call = GetUpdatesCall::default();
    for (name, value) in pairs {
        match name.as_str() {
            "offset" => call.offset = Some(integer(&name, &value)?),
            "limit" => call.limit = Some(integer(&name, &value)?),
            "timeout" => call.timeout = Some(integer(&name, &value)?),
            "allowed_updates" => call.allowed_updates = Some(string_list(&value)?),
            _ => {}
        }
    }
    Ok(call)
}

fn integer(name: &str, value: &Value) -> Result<i64, String> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| format!("field \"{name}\" must be of type Integer"))
}

fn string_list(value: &Value) -> Result<Vec<String>, String> {
    let parsed;
    let list = match value {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|_| "can't parse allowed updates JSON array".to_owned())?;
            &parsed
        }
        other => other,
    };
    let Value::Array(items) = list else {
        return Err("can't parse allowed updates JSON array".to_owned());
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| "allowed updates must be strings".to_owned())
        })
        .collect()
}
