//! The pooled HTTP client: hyper-util's legacy pool over hyper-rustls, HTTP/1.1 and HTTP/2 by
//! ALPN, with the rustls crypto provider chosen explicitly (never the process-wide default).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::Error;

/// Which certificate roots TLS trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Roots {
    /// Mozilla's roots, compiled in (webpki-roots).
    #[default]
    Webpki,
    /// The operating system's store (feature `native-roots`).
    #[cfg(feature = "native-roots")]
    Native,
}

/// Settings of the connection pool and of connecting.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Limit on establishing one connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host (unbounded by default, as in hyper-util and reqwest:
    /// every connection a burst opened stays reusable until `pool_idle_timeout`).
    pub pool_max_idle_per_host: usize,
    /// TCP keep-alive probes interval; `None` disables them.
    pub tcp_keepalive: Option<Duration>,
    /// Offer HTTP/2 by ALPN (HTTP/1.1 is always offered).
    pub http2: bool,
    /// Certificate roots.
    pub roots: Roots,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: usize::MAX,
            tcp_keepalive: Some(Duration::from_secs(60)),
            http2: true,
            roots: Roots::Webpki,
        }
    }
}

pub(crate) type HyperClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A pooled HTTP client; clones share the pool.
#[derive(Clone)]
pub struct Transport {
    pub(crate) client: HyperClient,
    pub(crate) connect_timeout: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Builds the pool. Fails only if the TLS configuration cannot be built.
    pub fn new(config: &TransportConfig) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_keepalive(config.tcp_keepalive);

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match config.roots {
            Roots::Webpki => builder
                .with_provider_and_webpki_roots(provider)
                .map_err(|e| Error::config(format!("TLS setup failed: {e}")))?,
            #[cfg(feature = "native-roots")]
            Roots::Native => builder
                .with_provider_and_native_roots(provider)
                .map_err(|e| Error::config(format!("TLS native roots failed: {e}")))?,
        };
        let builder = builder.https_or_http();
        let connector = if config.http2 {
            builder.enable_http1().enable_http2().wrap_connector(http)
        } else {
            builder.enable_http1().wrap_connector(http)
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .build(connector);
        Ok(Transport {
            client,
            connect_timeout: config.connect_timeout,
        })
    }
}
