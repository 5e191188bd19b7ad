//! The `/start` command and its deep-link parameter.
//!
//! `https://t.me/<bot>?start=<param>` reaches the bot as the message `/start <param>`
//! (`/start@<bot> <param>` when the command names the bot). Telegram allows at most 64 characters
//! of `A-Z a-z 0-9 _ -` in the parameter.

use tg_common::Error;

/// The longest deep-link parameter Telegram accepts, in characters.
pub const MAX_START_PARAM_LEN: usize = 64;

/// A `/start` command split into its parts, without validating the parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartCommand<'a> {
    /// The bot named after `@` (`/start@my_bot`), if any.
    pub bot: Option<&'a str>,
    /// The text after the command, trimmed; `None` when there is none.
    pub param: Option<&'a str>,
}

/// Splits a message text into a `/start` command, or `None` when the text is not one.
///
/// The text must begin with `/start`, followed by the end of the text, whitespace, or `@bot`
/// (`/startgame` is not a start). The parameter is whatever follows, trimmed, unvalidated.
pub fn parse_start_command(text: &str) -> Option<StartCommand<'_>> {
    let rest = text.strip_prefix("/start")?;
    let (bot, rest) = match rest.strip_prefix('@') {
        Some(after_at) => {
            let end = after_at.find(char::is_whitespace).unwrap_or(after_at.len());
            let (bot, rest) = after_at.split_at(end);
            if bot.is_empty() {
                return None;
            }
            (Some(bot), rest)
        }
        None => (None, rest),
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let param = rest.trim();
    Some(StartCommand {
        bot,
        param: (!param.is_empty()).then_some(param),
    })
}

/// Extracts and validates the deep-link parameter of a `/start` message text.
///
/// `Ok(None)` for a bare `/start`; `Ok(Some(param))` for a valid parameter. An error names
/// `text` when the text is not a `/start` command and `start_param` when the parameter breaks
/// Telegram's rule.
pub fn start_param(text: &str) -> Result<Option<&str>, Error> {
    let cmd = parse_start_command(text)
        .ok_or_else(|| Error::invalid_input("text", "not a /start command"))?;
    match cmd.param {
        None => Ok(None),
        Some(param) => {
            validate_start_param("start_param", param)?;
            Ok(Some(param))
        }
    }
}

/// Whether `param` is a valid deep-link parameter: 1 to 64 characters of `A-Z a-z 0-9 _ -`.
pub fn is_valid_start_param(param: &str) -> bool {
    !param.is_empty()
        && param.len() <= MAX_START_PARAM_LEN
        && param
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks a deep-link parameter, naming `field` in the error.
pub fn validate_start_param(field: &'static str, param: &str) -> Result<(), Error> {
    if param.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if let Some(bad) = param
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid_input(
            field,
            format!("contains {bad:?}; only A-Z a-z 0-9 _ - are allowed"),
        ));
    }
    if param.len() > MAX_START_PARAM_LEN {
        return Err(Error::invalid_input(
            field,
            format!(
                "is {} characters long; at most {MAX_START_PARAM_LEN} are allowed",
                param.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_common::ErrorKind;

    fn field_of(e: &Error) -> &str {
        match e.kind() {
            ErrorKind::InvalidInput { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn splits_every_form_of_the_command() {
        assert_eq!(
            parse_start_command("/start"),
            Some(StartCommand {
                bot: None,
                param: None
            })
        );
        assert_eq!(
            parse_start_command("/start abc-1_2"),
            Some(StartCommand {
                bot: None,
                param: Some("abc-1_2")
            })
        );
        assert_eq!(
            parse_start_command("/start@my_bot ref42"),
            Some(StartCommand {
                bot: Some("my_bot"),
                param: Some("ref42")
            })
        );
        assert_eq!(
            parse_start_command("/start@my_bot"),
            Some(StartCommand {
                bot: Some("my_bot"),
                param: None
            })
        );
        assert_eq!(
            parse_start_command("/start   "),
            Some(StartCommand {
                bot: None,
                param: None
            })
        );
    }

    #[test]
    fn rejects_texts_that_are_not_the_start_command() {
        for text in [
            "/startgame",
            "start",
            " /start",
            "/stop",
            "/start@",
            "/start@ x",
            "",
        ] {
            assert_eq!(parse_start_command(text), None, "{text:?}");
        }
    }

    #[test]
    fn start_param_extracts_and_validates() {
        assert_eq!(start_param("/start").unwrap(), None);
        assert_eq!(
            start_param("/start PJaf5568712cd").unwrap(),
            Some("PJaf5568712cd")
        );
        assert_eq!(start_param("/start@bot x").unwrap(), Some("x"));
        assert_eq!(field_of(&start_param("hello").unwrap_err()), "text");
        assert_eq!(
            field_of(&start_param("/start bad param").unwrap_err()),
            "start_param"
        );
    }

    #[test]
    fn length_limit_is_64_characters() {
        let ok = "a".repeat(64);
        let too_long = "a".repeat(65);
        assert!(is_valid_start_param(&ok));
        assert!(validate_start_param("start_value", &ok).is_ok());
        assert!(!is_valid_start_param(&too_long));
        let e = validate_start_param("start_value", &too_long).unwrap_err();
        assert!(e.to_string().contains("65 characters"), "{e}");
    }

    #[test]
    fn charset_is_letters_digits_underscore_dash() {
        assert!(is_valid_start_param("AZaz09_-"));
        for bad in ["a b", "a+b", "a=b", "a.b", "привет", "TГTrack", "a/b", "é"] {
            assert!(!is_valid_start_param(bad), "{bad:?}");
            let e = validate_start_param("start_value", bad).unwrap_err();
            assert_eq!(field_of(&e), "start_value");
        }
        assert!(!is_valid_start_param(""));
        assert!(validate_start_param("start_value", "").is_err());
    }

    #[test]
    fn the_bad_character_is_named() {
        let e = validate_start_param("start_value", "TГTrack-PJ123456").unwrap_err();
        assert!(e.to_string().contains("'Г'"), "{e}");
    }
}
