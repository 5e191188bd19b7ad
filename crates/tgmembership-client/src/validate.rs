//! The documented constraints on request fields, checked before anything is sent.
//!
//! Each check returns [`Error::invalid_input`] naming the field and the rule it broke.

use tg_common::Error;

/// An id must be a positive number.
pub fn positive_id(field: &'static str, value: i64) -> Result<(), Error> {
    if value > 0 {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!("must be a positive number, got {value}"),
        ))
    }
}

/// An optional id, positive when set.
pub fn positive_id_opt(field: &'static str, value: Option<i64>) -> Result<(), Error> {
    value.map_or(Ok(()), |v| positive_id(field, v))
}

/// A page size within `1..=max`.
pub fn limit(value: Option<u32>, max: u32) -> Result<(), Error> {
    match value {
        Some(v) if v == 0 || v > max => Err(Error::invalid_input(
            "limit",
            format!("must be between 1 and {max}, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// `affiliate_id`: starts with a letter, 3 to 12 ASCII letters or digits.
pub fn affiliate_id(value: &str) -> Result<(), Error> {
    let len = value.chars().count();
    if !(3..=12).contains(&len) {
        return Err(Error::invalid_input(
            "affiliate_id",
            format!("must be 3 to 12 characters long, got {len}"),
        ));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(Error::invalid_input(
            "affiliate_id",
            "must start with a letter",
        ));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid_input(
            "affiliate_id",
            "may hold only letters and digits",
        ));
    }
    Ok(())
}

/// `plan_name`: 3 to 24 characters, starting with a letter.
pub fn plan_name(value: &str) -> Result<(), Error> {
    let len = value.chars().count();
    if !(3..=24).contains(&len) {
        return Err(Error::invalid_input(
            "plan_name",
            format!("must be 3 to 24 characters long, got {len}"),
        ));
    }
    if !value.starts_with(char::is_alphabetic) {
        return Err(Error::invalid_input(
            "plan_name",
            "must start with a letter",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "plan_name",
            "must not hold control characters",
        ));
    }
    Ok(())
}

/// A webhook URL: `https://`, a host, no whitespace or control characters.
pub fn https_url(field: &'static str, value: &str) -> Result<(), Error> {
    let rest = strip_scheme(value, "https://")
        .ok_or_else(|| Error::invalid_input(field, "must be a URL starting with https://"))?;
    url_tail(field, rest)
}

/// A redirect URL: `https://` or `http://`, a host, no whitespace or control characters.
pub fn http_url(field: &'static str, value: &str) -> Result<(), Error> {
    let rest = strip_scheme(value, "https://")
        .or_else(|| strip_scheme(value, "http://"))
        .ok_or_else(|| {
            Error::invalid_input(field, "must be a URL starting with https:// or http://")
        })?;
    url_tail(field, rest)
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let head = value.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &value[scheme.len()..])
}

fn url_tail(field: &'static str, rest: &str) -> Result<(), Error> {
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(Error::invalid_input(field, "must name a host"));
    }
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_input(
            field,
            "must not hold whitespace or control characters",
        ));
    }
    Ok(())
}

/// An email address: non-empty text around one `@`, no whitespace.
pub fn email(value: &str) -> Result<(), Error> {
    let ok = value
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !value.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input("email", "must be an email address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affiliate_id_rules() {
        for ok in ["abc", "abcd123", "A1b2C3d4E5f6"] {
            assert!(affiliate_id(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "1abc", "abcdefghijklm", "ab-c", "abc def", "", "été1"] {
            assert!(affiliate_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plan_name_lengths() {
        assert!(plan_name("ab").is_err());
        assert!(plan_name("abc").is_ok());
        assert!(plan_name(&format!("A{}", "x".repeat(23))).is_ok());
        assert!(plan_name(&format!("A{}", "x".repeat(24))).is_err());
        assert!(plan_name("1 month plan").is_err());
        assert!(plan_name("EUR Demo Plan").is_ok());
        assert!(plan_name("Ünïcode plan").is_ok());
    }

    #[test]
    fn urls() {
        assert!(https_url("url", "https://example.com/").is_ok());
        assert!(https_url("url", "HTTPS://example.com").is_ok());
        assert!(https_url("url", "http://example.com/").is_err());
        assert!(https_url("url", "https://").is_err());
        assert!(https_url("url", "https:///path").is_err());
        assert!(https_url("url", "https://exa mple.com").is_err());
        assert!(https_url("url", "ftp://example.com").is_err());
        assert!(http_url("return_url", "http://localhost:8080/ok").is_ok());
    }

    #[test]
    fn ids_and_limits() {
        assert!(positive_id("plan_id", 1).is_ok());
        assert!(positive_id("plan_id", 0).is_err());
        assert!(positive_id("plan_id", -4).is_err());
        assert!(limit(None, 100).is_ok());
        assert!(limit(Some(0), 100).is_err());
        assert!(limit(Some(1), 100).is_ok());
        assert!(limit(Some(100), 100).is_ok());
        assert!(limit(Some(101), 100).is_err());
        assert!(limit(Some(1000), 1000).is_ok());
        assert!(limit(Some(1001), 1000).is_err());
    }

    #[test]
    fn emails() {
        assert!(email("john@doe.com").is_ok());
        assert!(email("john").is_err());
        assert!(email("@doe.com").is_err());
        assert!(email("a b@c.d").is_err());
    }
}
