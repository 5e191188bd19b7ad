//! Configuring a [`Client`]: the bot id, the API key and the shared core settings, with
//! TGmembership's base URL as the default and no quotas (the service documents none).

use std::time::Duration;

use tg_common::KeyFormat;
use tg_common::{Core, CoreConfig, Error, RetryPolicy, Secret};

/// TGmembership keys are one URL path segment (`/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`); the
/// documents give no format (their example is `abcd123`), so the URL-safe characters, at most
/// 256 bytes.
const KEY_FORMAT: KeyFormat = KeyFormat::PATH_SEGMENT;

use super::Client;
use crate::{DEFAULT_BASE_URL, PROVIDER};

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// Defaults: base URL [`DEFAULT_BASE_URL`], no client-side quotas, and `tg-common`'s timeouts,
/// retry policy and body cap. Debug prints the settings with the key masked.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    bot_id: i64,
    key: Secret,
    core: CoreConfig,
}

impl ClientBuilder {
    pub(super) fn new(bot_id: i64, key: Secret) -> Self {
        ClientBuilder {
            bot_id,
            key,
            core: CoreConfig::new(DEFAULT_BASE_URL),
        }
    }

    /// Changes the shared settings: base URL, timeouts, retries, quotas, pool.
    ///
    /// `.core(|c| c.with_loopback_url(server.base_url()))` points the
    /// client at a fake server.
    pub fn core(mut self, configure: impl FnOnce(CoreConfig) -> CoreConfig) -> Self {
        self.core = configure(self.core);
        self
    }

    /// Shares the client's quotas with every replica through Redis (feature `redis`): each
    /// replica builds its client with the same [`RedisConfig`](crate::RedisConfig) (URL and
    /// naming key) and the same key, and together they stay inside the quotas. Redis key names
    /// hold a keyed hash of the key, never the key. Unreachable Redis fails the call with
    /// `LimiterUnavailable` (nothing sent) unless the config fails open
    /// ([`RedisConfig::fail_open`](crate::RedisConfig::fail_open)). The service documents no rate limit: set the
    /// quotas with `.core(|c| c.with_quotas(..))`, or `build()` fails with a configuration error.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn shared_limiter(self, config: crate::RedisConfig) -> Self {
        self.core(|c| c.with_shared_limiter(config))
    }

    /// The retry policy (attempts, backoff, longest Retry-After honoured).
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        self.core(|c| c.with_retry(policy))
    }

    /// How long a call may wait for the rate limiter (only with quotas set through
    /// [`ClientBuilder::core`]).
    pub fn max_rate_wait(self, max_wait: Duration) -> Self {
        self.core(|c| c.with_max_rate_wait(max_wait))
    }

    /// Builds the client. Surrounding whitespace of the key is dropped.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] when the bot id is not positive, the key is
    /// empty, longer than 256 bytes or holds a character other than `A-Z a-z 0-9 - . _ ~` (it is
    /// a URL path segment), or the core settings are invalid (a base URL that is not https, plain http to a
    /// host other than loopback). Nothing is sent.
    pub fn build(self) -> Result<Client, Error> {
        if self.bot_id <= 0 {
            return Err(Error::config(format!(
                "the bot id must be a positive number, got {}",
                self.bot_id
            ))
            .with_context(PROVIDER, "build client"));
        }
        let key = KEY_FORMAT
            .accept(self.key)
            .map_err(|e| e.with_context(PROVIDER, "build client"))?;
        let core = Core::new(PROVIDER, &key, self.core)
            .map_err(|e| e.with_context(PROVIDER, "build client"))?;
        Client::new(core, self.bot_id, &key).map_err(|e| e.with_context(PROVIDER, "build client"))
    }
}
