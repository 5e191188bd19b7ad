//! Configuring a [`Client`]: the bot id, the API key and the shared core settings, with
//! TGmembership's base URL as the default and no quotas (the service documents none).

use tg_common::KeyFormat;
use tg_common::{Core, CoreConfig, Error, Secret};

/// TGmembership keys are one URL path segment (`/v1/bot{BOT_ID}/{API_KEY}/{METHOD}`); the
/// documents give no format (their example is `abcd123`), so the URL-safe characters, at most
/// 256 bytes.
const KEY_FORMAT: KeyFormat = KeyFormat::PATH_SEGMENT;

use super::Client;
use crate::{DEFAULT_BASE_URL, PROVIDER};

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// Defaults: base URL [`DEFAULT_BASE_URL`], no client-side quotas (the service documents no rate
/// limit; set them with `.core(|c| c.with_quotas(..))`), and `tg-common`'s timeouts,
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

    tg_common::core_setters!();

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
