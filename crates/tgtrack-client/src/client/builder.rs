//! Configuring a [`Client`]: the API key and the shared core settings, with TGTrack's base URL
//! and quotas as defaults.

use tg_common::ClientHandle;
use tg_common::KeyFormat;
use tg_common::limit::ReservedShare;
use tg_common::{Core, CoreConfig, Error, Secret};

/// TGTrack keys are one URL path segment (`/v1/API_KEY/METHOD`); the documents give no format,
/// so the URL-safe characters, at most 256 bytes.
const KEY_FORMAT: KeyFormat = KeyFormat::PATH_SEGMENT;

use super::Client;
use crate::limits::{DEFAULT_QUOTAS, DEFAULT_RESERVED_PERCENT};
use crate::operation::prefix;
use crate::{DEFAULT_BASE_URL, PROVIDER};

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// Defaults: base URL `https://bot-api.tgtrack.ru`, the documented quotas with their safety
/// margins ([`DEFAULT_QUOTAS`]), [`DEFAULT_RESERVED_PERCENT`] of each window reserved for starts
/// and stops, and `tg-common`'s timeouts, retry policy and maximum rate wait. Debug prints the
/// settings with the key masked.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    key: Secret,
    core: CoreConfig,
    reserved_percent: u8,
}

impl ClientBuilder {
    pub(super) fn new(key: Secret) -> Self {
        ClientBuilder {
            key,
            core: CoreConfig::new(DEFAULT_BASE_URL).with_quotas(DEFAULT_QUOTAS.to_vec()),
            reserved_percent: DEFAULT_RESERVED_PERCENT,
        }
    }

    tg_common::core_setters!();

    /// The share of every quota window, in percent (0 to 100, default
    /// [`DEFAULT_RESERVED_PERCENT`]), that `add_event` and `send_reach_goal` leave to starts and
    /// stops, rounded up to whole calls. 0 lets events use whole windows; 100 never sends them.
    /// A value above 100 fails [`ClientBuilder::build`] with
    /// [`ErrorKind::Config`](tg_common::ErrorKind::Config).
    pub fn reserved_share(mut self, percent: u8) -> Self {
        self.reserved_percent = percent;
        self
    }

    /// Builds the client. Surrounding whitespace of the key is dropped.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] when the key is empty, longer than 256 bytes
    /// or holds a character other than `A-Z a-z 0-9 - . _ ~` (it is a URL path segment), or the
    /// core settings
    /// are invalid (a base URL that is not https, plain http to a host other than loopback), or
    /// the reserved share is above 100%.
    pub fn build(self) -> Result<Client, Error> {
        let key = KEY_FORMAT
            .accept(self.key)
            .map_err(|e| e.with_context(PROVIDER, "build client"))?;
        let share = ReservedShare::percent(self.reserved_percent)
            .map_err(|e| e.with_context(PROVIDER, "build client"))?;
        let core = Core::new(PROVIDER, &key, self.core.with_reserved_share(share))?;
        Ok(Client(ClientHandle::new(core, prefix(&key), ())))
    }
}
