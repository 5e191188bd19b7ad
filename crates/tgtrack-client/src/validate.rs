//! Checks run on a request before it is sent; each failure is
//! [`Error::invalid_input`](tg_common::Error::invalid_input) naming the field.
//!
//! What the request types' `validate()` methods check:
//! - user ids are positive (Telegram ids are; `0` is what an unset id usually looks like);
//! - required text (`event_type`, `target`, `first_name`, label names) is not blank, and optional
//!   text that is set (`conversion_target`) is not blank either;
//! - dates are positive unix times in seconds, and not milliseconds by mistake;
//! - start values are empty, the keyword `auto_detect`, or free text (at most
//!   [`MAX_START_VALUE_LEN`] characters, no control characters). Telegram's deep-link rule
//!   (64 characters of `A-Z a-z 0-9 _ -`) is not applied: the value comes from a bot builder, and
//!   the document's own example (`"TГTrack-PJ123456"`) breaks it. The rule applies where a value
//!   is a deep link: [`crate::start_param`].
//!
//! - free text has no control characters and is at most [`MAX_TEXT_LEN`] characters
//!   (`event_type`, `target`, `conversion_target`, label names and values; the document states
//!   no limit), names at most [`MAX_NAME_LEN`] and usernames [`MAX_USERNAME_LEN`] (Telegram's
//!   limits on profile names and usernames).
//!
//! - a goal whose user started more than [`GOAL_WINDOW`](crate::GOAL_WINDOW) ago (when the
//!   caller gives the start) fails with [`Error::expired`] instead: the service would not forward
//!   it, and no retry can help.
//!
//! - amounts, positive (revenue) or negative (cost), must survive the service's float: the
//!   document types `amount` as `float`, so a decimal whose value changes through an IEEE 754
//!   double (`0.1` survives; 28 decimal places or `Decimal::MAX` do not) is refused instead of
//!   being rounded silently on the service.

use std::borrow::Cow;

use rust_decimal::Decimal;
use tg_common::Error;

/// Refuses, as expired, a goal whose user started at `started_at` (unix seconds) more than
/// [`GOAL_WINDOW`](crate::GOAL_WINDOW) before now (this machine's clock); checks the date first.
pub fn within_goal_window(field: &'static str, started_at: i64) -> Result<(), Error> {
    unix_seconds(field, started_at)?;
    let now = crate::model::unix_seconds(std::time::SystemTime::now());
    let age = std::time::Duration::from_secs(u64::try_from(now - started_at).unwrap_or(0));
    if age > crate::GOAL_WINDOW {
        return Err(Error::expired(field, age, crate::GOAL_WINDOW));
    }
    Ok(())
}

/// The largest accepted unix time in seconds (year 5138): larger values are almost surely
/// milliseconds.
pub const MAX_UNIX_SECONDS: i64 = 99_999_999_999;

/// Rejects a user id that is not positive.
pub fn user_id(field: &'static str, id: i64) -> Result<(), Error> {
    if id <= 0 {
        return Err(Error::invalid_input(
            field,
            format!("{id} is not a Telegram user id (must be positive)"),
        ));
    }
    Ok(())
}

/// The longest start value sent, in characters: Telegram's limit on a message text (4096), since
/// the value reaches a bot inside the `/start` message. The TGTrack document states no limit.
pub const MAX_START_VALUE_LEN: usize = 4096;

/// The longest free text sent in `event_type`, `target`, `conversion_target` and label names and
/// values, in characters. The TGTrack document states no limit; 256 is this crate's choice, well
/// above the document's examples (`userDidSharePhone`, `Smartphone`), so that a runaway value is
/// refused locally instead of being sent.
pub const MAX_TEXT_LEN: usize = 256;

/// The longest `first_name` or `last_name`, in characters: Telegram's limit on a profile name.
pub const MAX_NAME_LEN: usize = 64;

/// The longest `full_name`, in characters: a first and a last name and a space between them.
pub const MAX_FULL_NAME_LEN: usize = 2 * MAX_NAME_LEN + 1;

/// The longest `username`, in characters: Telegram's limit on a username.
pub const MAX_USERNAME_LEN: usize = 32;

/// Rejects text longer than `max` characters or holding a control character (`\n`, `\t`,
/// NUL, ...).
pub fn bounded_text(
    field: impl Into<Cow<'static, str>>,
    text: &str,
    max: usize,
) -> Result<(), Error> {
    // ASCII text (the common case) is checked byte by byte: its control characters are the
    // ASCII ones, and its length in characters is its length in bytes.
    let ascii = text.is_ascii();
    let control = if ascii {
        text.bytes().find(u8::is_ascii_control).map(char::from)
    } else {
        text.chars().find(|c| c.is_control())
    };
    if let Some(bad) = control {
        return Err(Error::invalid_input(
            field,
            format!("contains the control character {bad:?}"),
        ));
    }
    let len = if ascii {
        text.len()
    } else {
        text.chars().count()
    };
    if len > max {
        return Err(Error::invalid_input(
            field,
            format!("is {len} characters long; at most {max} are sent"),
        ));
    }
    Ok(())
}

/// Rejects an amount whose value does not survive a round trip through an `f64` (the document's
/// `float`): the shortest decimal form of the nearest double must equal it.
pub fn float_amount(field: &'static str, amount: &Decimal) -> Result<(), Error> {
    let survives = amount
        .to_string()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(|f| f.to_string().parse::<Decimal>().ok())
        .is_some_and(|back| back == *amount);
    if survives {
        return Ok(());
    }
    Err(Error::invalid_input(
        field,
        format!(
            "{amount} does not survive the service's float (a double keeps about 15 significant \
             digits); round it first"
        ),
    ))
}

/// Rejects text that is empty or only whitespace.
pub fn not_blank(field: impl Into<Cow<'static, str>>, text: &str) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty or blank"));
    }
    Ok(())
}

/// Rejects a unix time that is not positive or looks like milliseconds.
pub fn unix_seconds(field: &'static str, date: i64) -> Result<(), Error> {
    if date <= 0 {
        return Err(Error::invalid_input(
            field,
            format!("{date} is not a unix time in seconds (omit the field to mean now)"),
        ));
    }
    if date > MAX_UNIX_SECONDS {
        return Err(Error::invalid_input(
            field,
            format!("{date} looks like milliseconds; the API takes seconds"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_must_be_positive() {
        assert!(user_id("user_id", 1).is_ok());
        assert!(user_id("user_id", 7_000_000_000).is_ok());
        assert!(user_id("user_id", 0).is_err());
        assert!(user_id("user_id", -5).is_err());
    }

    #[test]
    fn blank_text_is_rejected() {
        assert!(not_blank("event_type", "sale").is_ok());
        assert!(not_blank("event_type", "").is_err());
        assert!(not_blank("event_type", " \t\n").is_err());
    }

    #[test]
    fn bounded_text_refuses_control_characters_and_length() {
        assert!(bounded_text("f", "TГTrack-PJ123456", 64).is_ok());
        assert!(bounded_text("f", &"я".repeat(64), 64).is_ok());
        assert!(bounded_text("f", &"я".repeat(65), 64).is_err());
        for bad in ["a\nb", "a\tb", "a\u{0}b", "a\u{7f}b", "a\u{85}b"] {
            assert!(bounded_text("f", bad, 64).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn amounts_must_survive_a_double() {
        for ok in [
            "1500.00",
            "-250.5",
            "0.1",
            "0.3",
            "-0.01",
            "123456789012.34",
            "0",
        ] {
            let d: Decimal = ok.parse().unwrap();
            assert!(float_amount("amount", &d).is_ok(), "{ok}");
        }
        for bad in [
            "0.1234567890123456789012345678",
            "12345678901234567.123456789",
            "7922816251426433759354395033.5",
        ] {
            let d: Decimal = bad.parse().unwrap();
            let e = float_amount("amount", &d).unwrap_err();
            assert!(e.to_string().contains("amount"), "{e}");
        }
        assert!(float_amount("amount", &Decimal::MAX).is_err());
        assert!(float_amount("amount", &Decimal::MIN).is_err());
    }

    #[test]
    fn dates_are_seconds() {
        assert!(unix_seconds("date", 1_622_520_000).is_ok());
        assert!(unix_seconds("date", 0).is_err());
        assert!(unix_seconds("date", -1).is_err());
        let e = unix_seconds("date", 1_622_520_000_000).unwrap_err();
        assert!(e.to_string().contains("milliseconds"), "{e}");
    }
}
