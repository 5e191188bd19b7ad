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

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

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
    /// Only [`TransportConfig::custom_roots`].
    CustomOnly,
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
    /// Root certificates trusted besides [`TransportConfig::roots`] (a private CA: corporate TLS
    /// proxy, staging host, local test server), DER-encoded. Add them with
    /// [`TransportConfig::with_root_der`] or [`TransportConfig::with_root_pem`].
    pub custom_roots: Vec<CertificateDer<'static>>,
}

impl TransportConfig {
    /// Also trusts this DER-encoded root certificate.
    pub fn with_root_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.custom_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Also trusts every certificate of this PEM text (one or more `BEGIN CERTIFICATE`
    /// blocks). Fails when it holds none or a block is malformed.
    pub fn with_root_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let before = self.custom_roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert =
                cert.map_err(|e| Error::config(format!("malformed PEM root certificate: {e}")))?;
            self.custom_roots.push(cert);
        }
        if self.custom_roots.len() == before {
            return Err(Error::config("the PEM text holds no certificate"));
        }
        Ok(self)
    }

    /// Trusts only the custom roots, not the bundled webpki ones.
    pub fn with_only_custom_roots(mut self) -> Self {
        self.roots = Roots::CustomOnly;
        self
    }
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
            custom_roots: Vec::new(),
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
        let builder = match (config.roots, config.custom_roots.is_empty()) {
            (Roots::Webpki, true) => builder
                .with_provider_and_webpki_roots(provider)
                .map_err(|e| Error::config(format!("TLS setup failed: {e}")))?,
            #[cfg(feature = "native-roots")]
            (Roots::Native, true) => builder
                .with_provider_and_native_roots(provider)
                .map_err(|e| Error::config(format!("TLS native roots failed: {e}")))?,
            #[cfg(feature = "native-roots")]
            (Roots::Native, false) => {
                return Err(Error::config(
                    "custom root certificates go with the webpki roots or alone, not the native store",
                ));
            }
            (roots, _) => {
                let mut store = rustls::RootCertStore::empty();
                if roots == Roots::Webpki {
                    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                }
                for cert in &config.custom_roots {
                    store.add(cert.clone()).map_err(|e| {
                        Error::config(format!("a custom root certificate was refused: {e}"))
                    })?;
                }
                if store.is_empty() {
                    return Err(Error::config("no root certificate to trust"));
                }
                let tls = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| Error::config(format!("TLS setup failed: {e}")))?
                    .with_root_certificates(store)
                    .with_no_client_auth();
                builder.with_tls_config(tls)
            }
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
