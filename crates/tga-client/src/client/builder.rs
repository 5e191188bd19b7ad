//! Configuring a [`Client`]: token, app name, Origin, gzip and the shared core settings.

use http::HeaderValue;
use tg_common::ClientHandle;
use tg_common::KeyFormat;
use tg_common::transport::GzipLevel;
use tg_common::transport::RequestPath;
use tg_common::{Core, CoreConfig, Error, Secret};

/// TGA tokens are `base64(JSON)!signature` (provider notes), sent as the `TGA-Auth-Token`
/// header: base64 and base64url characters, `!` and `.`, at most 4096 bytes.
const TOKEN_FORMAT: KeyFormat = KeyFormat::HEADER_TOKEN.named("TGA token");

use super::{Client, Settings};
use crate::DEFAULT_BASE_URL;
use crate::PROVIDER;
use crate::event::limits::{DEFAULT_MAX_REQUEST_BYTES, MAX_REQUEST_BYTES_LIMIT, MIN_REQUEST_BYTES};
use crate::identity::Identity;

/// Builds a [`Client`]; start with [`Client::builder`].
///
/// No quotas are set by default: the service documents none (set them with
/// `.core(|c| c.with_quotas(..))`).
///
/// Debug prints the settings with the token masked.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    token: Secret,
    app_name: Option<String>,
    origin: Option<String>,
    gzip: bool,
    gzip_level: GzipLevel,
    max_request_bytes: usize,
    core: CoreConfig,
}

impl ClientBuilder {
    pub(super) fn new(token: Secret) -> Self {
        ClientBuilder {
            token,
            app_name: None,
            origin: None,
            gzip: true,
            gzip_level: GzipLevel::default(),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            core: CoreConfig::new(DEFAULT_BASE_URL),
        }
    }

    /// The app name the token was created for (default: read from the token).
    pub fn app_name(mut self, app_name: impl Into<String>) -> Self {
        self.app_name = Some(app_name.into());
        self
    }

    /// The Origin to present, `https://host[:port]` of the Mini App's URL: the service answers
    /// 403 when it is not the domain the token was created for (default: read from the token).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Gzip request bodies and send `Content-Encoding: gzip` (default: on, as the official SDK).
    pub fn gzip(mut self, gzip: bool) -> Self {
        self.gzip = gzip;
        self
    }

    /// The gzip level when [`gzip`](Self::gzip) is on (default [`GzipLevel::default`], level 2:
    /// chosen by measurement, see `docs/performance.md`); `GzipLevel::new(n)?` gives another
    /// (1 fastest to 9 smallest).
    pub fn gzip_level(mut self, level: GzipLevel) -> Self {
        self.gzip_level = level;
        self
    }

    /// The largest body of one request, uncompressed JSON in bytes (default
    /// [`DEFAULT_MAX_REQUEST_BYTES`], between [`MIN_REQUEST_BYTES`] and
    /// [`MAX_REQUEST_BYTES_LIMIT`]): `send` refuses a batch that does not fit, and a tracker
    /// of this client cuts its batches to fit.
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    tg_common::core_setters!();

    /// Builds the client.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] when the token is empty, longer than 4096
    /// bytes or holds a character other than `A-Z a-z 0-9 + / = - _ ! .` (base64 or base64url
    /// pieces joined by `!`), when the app name or Origin is neither given nor readable from the token, when the
    /// Origin is not `scheme://host[:port]`, when `max_request_bytes` is out of range, or when
    /// the core settings are invalid.
    pub fn build(self) -> Result<Client, Error> {
        if !(MIN_REQUEST_BYTES..=MAX_REQUEST_BYTES_LIMIT).contains(&self.max_request_bytes) {
            return Err(Error::config(format!(
                "max_request_bytes must be between {MIN_REQUEST_BYTES} and {MAX_REQUEST_BYTES_LIMIT}"
            )));
        }
        let token = TOKEN_FORMAT.accept(self.token)?;
        let identity = Identity::resolve(token, self.app_name, self.origin)?;
        let origin = HeaderValue::from_str(&identity.origin).map_err(|_| {
            Error::config(format!(
                "origin `{}` is not a valid header value",
                identity.origin
            ))
        })?;
        let mut token = HeaderValue::from_str(identity.token.expose())
            .map_err(|_| Error::config("the TGA token is not a valid header value"))?;
        token.set_sensitive(true);
        let core = Core::new(PROVIDER, &identity.token, self.core)?;
        let settings = Settings {
            identity,
            origin,
            token,
            gzip: self.gzip.then_some(self.gzip_level),
            max_request_bytes: self.max_request_bytes,
        };
        Ok(Client(ClientHandle::new(
            core,
            RequestPath::new(),
            settings,
        )))
    }
}
