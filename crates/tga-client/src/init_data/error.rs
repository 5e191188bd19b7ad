//! Why an initData string was refused.

use std::fmt;
use std::time::Duration;

/// Why an initData string was refused.
///
/// No variant carries the bot token, the secret key derived from it, the `hash`, the
/// `signature` or any other byte of the input: the texts are safe to log and to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitDataError {
    /// The bot-token check needs the `hash` field, and there is none.
    MissingHash,
    /// The third-party check needs the `signature` field, and there is none.
    MissingSignature,
    /// The `hash` is not the HMAC of the fields under this bot's token: forged, altered, or
    /// signed for another bot.
    BadHash,
    /// The `signature` is not Telegram's Ed25519 signature of the fields for this bot id:
    /// forged, altered, or signed for another bot or environment.
    BadSignature,
    /// The data is authentic but older than the maximum age.
    Expired {
        /// How old `auth_date` is.
        age: Duration,
        /// The maximum age allowed.
        max_age: Duration,
    },
    /// The data is authentic but its `auth_date` lies further in the future than clock skew
    /// explains.
    FromTheFuture {
        /// How far ahead of the clock `auth_date` is.
        ahead: Duration,
    },
    /// The string is not a well-formed initData, or a field does not hold what Telegram
    /// documents.
    Malformed {
        /// The field at fault (`auth_date`, `user`), or `initData` for the string as a whole.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl InitDataError {
    /// A short name of the refusal for metrics (`bad_hash`, `expired`, `malformed`, ...).
    pub fn reason(&self) -> &'static str {
        match self {
            InitDataError::MissingHash => "missing_hash",
            InitDataError::MissingSignature => "missing_signature",
            InitDataError::BadHash => "bad_hash",
            InitDataError::BadSignature => "bad_signature",
            InitDataError::Expired { .. } => "expired",
            InitDataError::FromTheFuture { .. } => "from_the_future",
            InitDataError::Malformed { .. } => "malformed",
        }
    }

    pub(crate) fn malformed(field: &'static str, reason: impl Into<String>) -> Self {
        InitDataError::Malformed {
            field,
            reason: reason.into(),
        }
    }

    /// Whether the data failed the authenticity check (bad or missing `hash` / `signature`).
    pub fn is_forged(&self) -> bool {
        matches!(
            self,
            InitDataError::MissingHash
                | InitDataError::MissingSignature
                | InitDataError::BadHash
                | InitDataError::BadSignature
        )
    }

    /// Whether the data is authentic but too old.
    pub fn is_expired(&self) -> bool {
        matches!(self, InitDataError::Expired { .. })
    }
}

impl fmt::Display for InitDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitDataError::MissingHash => f.write_str("initData has no `hash` field"),
            InitDataError::MissingSignature => f.write_str("initData has no `signature` field"),
            InitDataError::BadHash => {
                f.write_str("initData `hash` does not match: not signed with this bot's token")
            }
            InitDataError::BadSignature => f.write_str(
                "initData `signature` does not verify: not signed by Telegram for this bot",
            ),
            InitDataError::Expired { age, max_age } => write!(
                f,
                "initData expired: auth_date is {}s old, at most {}s allowed",
                age.as_secs(),
                max_age.as_secs()
            ),
            InitDataError::FromTheFuture { ahead } => write!(
                f,
                "initData auth_date is {}s in the future",
                ahead.as_secs()
            ),
            InitDataError::Malformed { field, reason } => {
                write!(f, "malformed initData: `{field}` {reason}")
            }
        }
    }
}

impl std::error::Error for InitDataError {}
