//! Reading request parameters (query string or body) the way the service validates them.

use serde_json::{Map, Value};

pub(super) use crate::service::percent_decode;

/// An error answer before it is sent.
#[derive(Debug)]
pub(super) struct Failure {
    pub code: u16,
    pub description: String,
}

impl Failure {
    pub(super) fn new(code: u16, description: impl Into<String>) -> Self {
        Failure {
            code,
            description: description.into(),
        }
    }

    pub(super) fn bad(description: impl Into<String>) -> Self {
        Failure::new(400, description)
    }
}

/// Parameters by name: query pairs as strings, or the body's JSON object.
pub(super) struct Params(pub Map<String, Value>);

impl Params {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// An integer given as a JSON integer or a decimal string.
    pub(super) fn int(&self, name: &str) -> Result<Option<i64>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Failure::bad(format!("Invalid {name}: must be an integer"))),
            Some(Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Failure::bad(format!("Invalid {name}: must be an integer"))),
            Some(_) => Err(Failure::bad(format!("Invalid {name}: must be an integer"))),
        }
    }

    /// A positive integer, when given.
    pub(super) fn positive(&self, name: &str) -> Result<Option<i64>, Failure> {
        match self.int(name)? {
            Some(v) if v <= 0 => Err(Failure::bad(format!(
                "Invalid {name}: must be a positive number"
            ))),
            other => Ok(other),
        }
    }

    /// A positive integer that must be given.
    pub(super) fn required_positive(&self, name: &str) -> Result<i64, Failure> {
        self.positive(name)?
            .ok_or_else(|| Failure::bad(format!("Missing required parameter: {name}")))
    }

    /// A string, when given (numbers are accepted as their text).
    pub(super) fn text(&self, name: &str) -> Result<Option<String>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(Failure::bad(format!("Invalid {name}: must be a string"))),
        }
    }

    /// A string that must be given and non-empty.
    pub(super) fn required_text(&self, name: &str) -> Result<String, Failure> {
        match self.text(name)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(Failure::bad(format!("Missing required parameter: {name}"))),
        }
    }

    /// A boolean (JSON boolean, `0`/`1`, `"true"`/`"false"`), when given.
    pub(super) fn boolean(&self, name: &str) -> Result<Option<bool>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
            Some(Value::String(s)) if s == "true" || s == "1" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" || s == "0" => Ok(Some(false)),
            Some(_) => Err(Failure::bad(format!("Invalid {name}: must be a boolean"))),
        }
    }

    /// `limit` within `1..=max` (default 100) and `offset >= 0` (default 0).
    pub(super) fn page(&self, max: i64) -> Result<(usize, usize), Failure> {
        let limit = self.int("limit")?.unwrap_or(100);
        if !(1..=max).contains(&limit) {
            return Err(Failure::bad(format!(
                "Invalid limit: must be an integer between 1 and {max}"
            )));
        }
        let offset = self.int("offset")?.unwrap_or(0);
        if offset < 0 {
            return Err(Failure::bad(
                "Invalid offset: must be an integer greater than or equal to 0",
            ));
        }
        Ok((
            usize::try_from(limit).unwrap_or(100),
            usize::try_from(offset).unwrap_or(usize::MAX),
        ))
    }

    /// `currency` among the 13 documented (any case), upper-cased; `default` when absent.
    pub(super) fn currency(&self, default: &str) -> Result<String, Failure> {
        match self.text("currency")? {
            None => Ok(default.to_owned()),
            Some(c) if super::money::is_documented(&c) => Ok(c.to_ascii_uppercase()),
            Some(c) => Err(Failure::bad(format!("Invalid currency: {c}"))),
        }
    }
}

/// Query pairs into parameters (string values; the first occurrence wins).
pub(super) fn from_query(query: Option<&str>) -> Params {
    let mut map = Map::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k, true);
        if !map.contains_key(&k) {
            map.insert(k, Value::String(percent_decode(v, true)));
        }
    }
    Params(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(percent_decode("a%2Fb+c", true), "a/b c");
        assert_eq!(percent_decode("a%2Fb+c", false), "a/b+c");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%4", false), "%4");
        assert_eq!(percent_decode("%41", false), "A");
    }
}
