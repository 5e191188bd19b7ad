//! `POST bot`: register a new bot under the API key's owner.

use std::fmt;

use serde::{Deserialize, Serialize};
use tg_common::Secret;

/// `POST bot`. The bot token is a [`Secret`]: Debug prints a mask.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisterBot {
    pub(crate) bot_token: Secret,
}

impl RegisterBot {
    /// Registers the bot with this @BotFather token (`123456:ABC...`).
    pub fn new(bot_token: impl Into<Secret>) -> Self {
        RegisterBot {
            bot_token: bot_token.into(),
        }
    }
}

impl fmt::Debug for RegisterBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterBot")
            .field("bot_token", &self.bot_token)
            .finish()
    }
}

/// A registered bot. The API key is a [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredBot {
    /// The bot's Telegram id.
    pub bot_id: i64,
    /// The bot's username, without `@`.
    pub bot_username: String,
    /// The new bot's API key.
    #[serde(with = "super::secret_string")]
    pub api_key: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;

    const TOKEN: &str = "1347378140:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    #[test]
    fn debug_never_shows_the_token() {
        let req = RegisterBot::new(TOKEN);
        assert!(!format!("{req:?}").contains("AAHdq"));
        let rendered = req.render().unwrap();
        assert!(!format!("{rendered:?}").contains("AAHdq"));
        assert_eq!(rendered.body_json().unwrap(), json!({ "bot_token": TOKEN }));
    }

    #[test]
    fn rejects_malformed_tokens_without_quoting_them() {
        for bad in ["", "nocolon", ":abc", "12a:abc", "123:", "123:a b"] {
            let e = RegisterBot::new(bad).render().unwrap_err();
            assert!(e.to_string().contains("bot_token"), "{bad}");
            if !bad.is_empty() {
                assert!(!e.to_string().contains(bad), "{bad}");
            }
        }
    }

    #[test]
    fn result_masks_the_api_key_in_debug() {
        let bot: RegisteredBot =
            serde_json::from_str(r#"{"bot_id":1,"bot_username":"b","api_key":"abcd123"}"#).unwrap();
        assert_eq!(bot.api_key.expose(), "abcd123");
        assert!(!format!("{bot:?}").contains("abcd123"));
    }
}
