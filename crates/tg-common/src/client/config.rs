//! The settings shared by every provider client: base URL, timeouts, body cap, retries, quotas,
//! limiter and pool.

use std::time::Duration;

use crate::limit::{DEFAULT_MAX_WAIT, Quota, RateLimiter, ReservedShare};
use crate::retry::RetryPolicy;
use crate::transport::{Transport, TransportConfig};

/// Timeouts of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// One attempt: sending the request and reading the whole response body.
    pub attempt: Duration,
    /// The whole call: rate-limit waits, every attempt and every backoff.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            attempt: Duration::from_secs(30),
            overall: Duration::from_secs(60),
        }
    }
}

/// Default cap on a response body.
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;

/// Settings shared by every provider client; each provider's builder fills in its defaults.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The base URL (https; plain http only to loopback with `allow_plain_http_loopback`).
    pub base_url: String,
    /// Accept `http://` to a loopback address (fake servers). Off by default.
    pub allow_plain_http_loopback: bool,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Cap on a response body, error bodies included.
    pub max_body_bytes: usize,
    /// Retry settings.
    pub retry: RetryPolicy,
    /// Quotas enforced per API key (empty: no limiter).
    pub quotas: Vec<Quota>,
    /// How long a call may wait for the limiter by default.
    pub max_rate_wait: Duration,
    /// A limiter to use instead of the process-wide one for the key (a shared backend).
    pub limiter: Option<RateLimiter>,
    /// The share of every window that background calls leave to the others (none by default;
    /// see [`Priority`](crate::limit::Priority)).
    pub reserved_share: ReservedShare,
    /// Pool and connect settings.
    pub transport: TransportConfig,
    /// An existing pool to share instead of building one.
    pub shared_transport: Option<Transport>,
    /// A Redis limiter every replica shares, built for the key and [`CoreConfig::quotas`]
    /// when the client is built ([`CoreConfig::with_shared_limiter`]).
    #[cfg(feature = "redis")]
    pub(crate) shared_limiter: Option<crate::limit::RedisConfig>,
}

impl CoreConfig {
    /// Defaults for a provider whose production base URL is `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        CoreConfig {
            base_url: base_url.into(),
            allow_plain_http_loopback: false,
            timeouts: Timeouts::default(),
            max_body_bytes: DEFAULT_MAX_BODY,
            retry: RetryPolicy::default(),
            quotas: Vec::new(),
            max_rate_wait: DEFAULT_MAX_WAIT,
            limiter: None,
            reserved_share: ReservedShare::NONE,
            transport: TransportConfig::default(),
            shared_transport: None,
            #[cfg(feature = "redis")]
            shared_limiter: None,
        }
    }

    /// Another base URL (a fake server, a staging host).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Accepts `http://` to a loopback address (for tg-mock). Never needed in production.
    pub fn with_plain_http_loopback(mut self, allow: bool) -> Self {
        self.allow_plain_http_loopback = allow;
        self
    }

    /// Points the client at a server on this machine (a tg-mock fake in tests): `url` as the
    /// base URL, plain `http://` allowed because the host is a loopback address. A non-loopback
    /// `http://` URL is still refused when the client is built.
    pub fn with_loopback_url(self, url: impl Into<String>) -> Self {
        self.with_base_url(url).with_plain_http_loopback(true)
    }

    /// Per-attempt and overall timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Retry settings.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The quotas enforced per key (empty: no limiter).
    pub fn with_quotas(mut self, quotas: Vec<Quota>) -> Self {
        self.quotas = quotas;
        self
    }

    /// How long a call may wait for the limiter by default.
    pub fn with_max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.max_rate_wait = max_wait;
        self
    }

    /// A limiter to use instead of the process-wide one (for example a shared backend).
    pub fn with_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The share of every window that background calls leave to the others.
    pub fn with_reserved_share(mut self, share: ReservedShare) -> Self {
        self.reserved_share = share;
        self
    }

    /// Shares [`CoreConfig::quotas`] with every replica through Redis: when the client is built,
    /// a [`crate::limit::redis_limiter`] for its key and quotas replaces the process-wide limiter
    /// (Redis key names hold a keyed hash of the key, never the key). Building fails with a
    /// configuration error when there are no quotas. [`CoreConfig::with_limiter`] wins over it.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn with_shared_limiter(mut self, config: crate::limit::RedisConfig) -> Self {
        self.shared_limiter = Some(config);
        self
    }

    /// Shares an existing connection pool.
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.shared_transport = Some(transport);
        self
    }

    /// Pool and connect settings.
    pub fn with_transport_config(mut self, config: TransportConfig) -> Self {
        self.transport = config;
        self
    }

    /// Cap on a response body.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}
