//! [`InitDataValidator`]: which check to run, the maximum age, and the clock.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tg_common::{Error, Secret};

use super::ed25519::TelegramPublicKey;
use super::hmac::BotTokenKey;
use super::parse::{Fields, split};
use super::{InitData, InitDataError};

/// The maximum age of `auth_date` unless set otherwise: one day, the common choice of the
/// reference implementations. Telegram documents no value.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// How far `auth_date` may lie ahead of the clock (clock skew) before it is refused.
pub const FUTURE_TOLERANCE: Duration = Duration::from_secs(60);

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Validates initData strings; cheap to clone, safe to share.
///
/// Build it with [`InitDataValidator::bot_token`] (your own bot: checks `hash`) or
/// [`InitDataValidator::third_party`] (any bot, without its token: checks `signature`).
#[derive(Clone)]
pub struct InitDataValidator {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    check: Check,
    max_age: Duration,
    clock: Clock,
}

#[derive(Clone)]
enum Check {
    BotToken(BotTokenKey),
    ThirdParty { bot_id: u64, key: TelegramPublicKey },
}

impl InitDataValidator {
    /// Checks the `hash` field with the bot's token (the first-party check).
    ///
    /// Only the key derived from the token is kept. An empty token is a
    /// [`Config`](tg_common::ErrorKind::Config) error.
    pub fn bot_token(token: impl Into<Secret>) -> Result<Self, Error> {
        let token = token.into();
        if token.is_empty() {
            return Err(Error::config("the bot token is empty"));
        }
        Ok(Self::with_check(Check::BotToken(BotTokenKey::derive(
            &token,
        ))))
    }

    /// Checks the `signature` field with Telegram's public `key` (the third-party check), for
    /// the bot whose numeric id is `bot_id` (the digits before `:` in its token).
    pub fn third_party(bot_id: u64, key: TelegramPublicKey) -> Self {
        Self::with_check(Check::ThirdParty { bot_id, key })
    }

    fn with_check(check: Check) -> Self {
        InitDataValidator {
            inner: Arc::new(Inner {
                check,
                max_age: DEFAULT_MAX_AGE,
                clock: Arc::new(SystemTime::now),
            }),
        }
    }

    /// Refuses data whose `auth_date` is older than `max_age` (default [`DEFAULT_MAX_AGE`]).
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        Arc::make_mut(&mut self.inner).max_age = max_age;
        self
    }

    /// Reads the current time from `clock` instead of [`SystemTime::now`] (for tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Arc::make_mut(&mut self.inner).clock = Arc::new(clock);
        self
    }

    /// Validates `raw` (the Mini App's `Telegram.WebApp.initData`, as sent) now.
    pub fn validate(&self, raw: &str) -> Result<InitData, InitDataError> {
        self.validate_at(raw, (self.inner.clock)())
    }

    /// Validates `raw` as of `now`: well-formed, authentic, then fresh.
    pub fn validate_at(&self, raw: &str, now: SystemTime) -> Result<InitData, InitDataError> {
        let result = self.check(raw, now);
        tg_common::telemetry::init_data(result.as_ref().err().map(InitDataError::reason));
        result
    }

    /// [`InitDataValidator::validate_at`] without its metric.
    fn check(&self, raw: &str, now: SystemTime) -> Result<InitData, InitDataError> {
        let fields = split(raw)?;
        match &self.inner.check {
            Check::BotToken(key) => key.verify(&fields)?,
            Check::ThirdParty { bot_id, key } => key.verify(*bot_id, &fields)?,
        }
        let auth_date = self.check_age(&fields, now)?;
        InitData::from_fields(fields, auth_date)
    }

    /// Reads `auth_date` and refuses it when too old or too far ahead.
    fn check_age(&self, fields: &Fields, now: SystemTime) -> Result<u64, InitDataError> {
        let seconds: u64 = fields
            .get("auth_date")
            .ok_or_else(|| InitDataError::malformed("auth_date", "is missing"))?
            .parse()
            .map_err(|_| InitDataError::malformed("auth_date", "is not a Unix time in seconds"))?;
        let at = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(seconds))
            .ok_or_else(|| InitDataError::malformed("auth_date", "is out of range"))?;
        match now.duration_since(at) {
            Ok(age) if age > self.inner.max_age => Err(InitDataError::Expired {
                age,
                max_age: self.inner.max_age,
            }),
            Ok(_) => Ok(seconds),
            Err(ahead) if ahead.duration() > FUTURE_TOLERANCE => {
                Err(InitDataError::FromTheFuture {
                    ahead: ahead.duration(),
                })
            }
            Err(_) => Ok(seconds),
        }
    }
}

impl fmt::Debug for InitDataValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("InitDataValidator");
        match &self.inner.check {
            Check::BotToken(_) => d.field("check", &"bot token hash"),
            Check::ThirdParty { bot_id, key } => d
                .field("check", &"third-party signature")
                .field("bot_id", bot_id)
                .field("key", key),
        };
        d.field("max_age", &self.inner.max_age)
            .finish_non_exhaustive()
    }
}
