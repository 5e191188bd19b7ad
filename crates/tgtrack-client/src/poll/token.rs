//! The bot token: checked before anything is sent, carried only as a secret path segment
//! (`/bot{TOKEN}/getUpdates`), so it never reaches a URL that is formatted, an error or a log.

use tg_common::KeyFormat;
use tg_common::transport::RequestPath;
use tg_common::{Error, Secret};

/// Telegram issues tokens as `<bot id>:<secret>`, the secret in `A-Z a-z 0-9 _ -`.
const TOKEN_FORMAT: KeyFormat = KeyFormat {
    what: "bot token",
    max_len: 256,
    punctuation: b":_-",
};

/// Checks the token's shape (`<digits>:<A-Z a-z 0-9 _ ->`); the error never names the token.
pub(crate) fn check(token: &Secret) -> Result<(), Error> {
    TOKEN_FORMAT.check(token)?;
    let value = token.expose();
    let shaped = value.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !secret.is_empty()
            && !secret.contains(':')
    });
    if shaped {
        Ok(())
    } else {
        Err(Error::config(
            "the bot token must look like `<bot id>:<secret>` as BotFather issues it",
        ))
    }
}

/// `/bot{TOKEN}`, the prefix of every method's path, the whole `bot{TOKEN}` segment secret.
/// The `:` travels as `%3A`, which the Bot API server decodes.
pub(crate) fn prefix(token: &Secret) -> RequestPath {
    let segment = Secret::new(format!("bot{}", token.expose()));
    RequestPath::new().secret(&segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_botfather_shaped_tokens_pass_and_errors_never_name_them() {
        assert!(check(&Secret::new("123456:AAE-x_Yz09")).is_ok());
        for bad in [
            "",
            "SECRETnocolon",
            ":SECRET",
            "12a:SECRET",
            "123:",
            "123:SEC:RET",
            "123:SEC RET",
            "123:SEC/RET",
        ] {
            let err = check(&Secret::new(bad)).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("SEC"), "{text}");
        }
    }

    #[test]
    fn the_path_masks_the_whole_token_segment() {
        let path = prefix(&Secret::new("123456:AAE-secret")).segment("getUpdates");
        let shown = format!("{path:?}");
        assert!(
            !shown.contains("123456") && !shown.contains("secret"),
            "{shown}"
        );
        assert!(shown.ends_with("/getUpdates)"), "{shown}");
    }
}
