//! The handle a provider's `Client` is built around, and the builder setters every provider's
//! `ClientBuilder` has: what the three clients share is declared here once, and each crate
//! states only its own settings.
//!
//! A provider's client is a newtype of [`ClientHandle`] (the core, the path prefix of its
//! operations and the provider's own settings behind one `Arc`, so clones are cheap and share the pool, the limiter
//! and the retry budget); implementing [`HandleClient`] for it gives it [`ProviderClient`]. Its
//! builder calls [`core_setters!`](crate::core_setters) inside its `impl` for
//! `core`, `shared_limiter`, `retry_policy` and `max_rate_wait`.

use std::fmt;
use std::sync::Arc;

use super::Core;
use crate::operation::ProviderClient;
use crate::transport::RequestPath;

/// What a provider's client holds: the [`Core`], the [`RequestPath`] prefix of its operations
/// and the provider's own settings `S`, behind one `Arc`. Debug prints the core and the settings; neither prints a
/// key.
pub struct ClientHandle<S = ()> {
    inner: Arc<Held<S>>,
}

struct Held<S> {
    core: Core,
    prefix: RequestPath,
    settings: S,
}

impl<S> ClientHandle<S> {
    /// The handle of a client built on `core`, with the `prefix` of its operations' paths and
    /// its own `settings`.
    pub fn new(core: Core, prefix: RequestPath, settings: S) -> Self {
        ClientHandle {
            inner: Arc::new(Held {
                core,
                prefix,
                settings,
            }),
        }
    }

    /// The core: limiter, pool, retries, timeouts, redaction.
    pub fn core(&self) -> &Core {
        &self.inner.core
    }

    /// The path every operation's path follows (the key, for a key-in-path API).
    pub fn prefix(&self) -> &RequestPath {
        &self.inner.prefix
    }

    /// The provider's own settings.
    pub fn settings(&self) -> &S {
        &self.inner.settings
    }
}

impl<S> Clone for ClientHandle<S> {
    fn clone(&self) -> Self {
        ClientHandle {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for ClientHandle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandle")
            .field("core", &self.inner.core)
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// A provider's client that is a [`ClientHandle`]: implementing this implements
/// [`ProviderClient`].
pub trait HandleClient: Clone + Send + Sync + 'static {
    /// The provider's name in errors and tracing (`"tgtrack"`).
    const PROVIDER: &'static str;
    /// The provider's own settings held by the handle.
    type Settings: Send + Sync + 'static;

    /// The client's handle.
    fn handle(&self) -> &ClientHandle<Self::Settings>;
}

impl<C: HandleClient> ProviderClient for C {
    const PROVIDER: &'static str = C::PROVIDER;

    fn core(&self) -> &Core {
        self.handle().core()
    }

    fn prefix(&self) -> &RequestPath {
        self.handle().prefix()
    }
}

/// The setters every provider's `ClientBuilder` has, over its `core: CoreConfig` field:
/// `core`, `shared_limiter` (feature `redis` of the calling crate), `retry_policy` and
/// `max_rate_wait`. Called inside the builder's `impl` block: `tg_common::core_setters!();`.
#[macro_export]
macro_rules! core_setters {
    () => {
        /// Changes the shared settings: base URL, timeouts, retries, quotas, pool.
        ///
        /// `.core(|c| c.with_loopback_url(server.base_url()))` points the client at a fake
        /// server.
        pub fn core(
            mut self,
            configure: impl FnOnce($crate::CoreConfig) -> $crate::CoreConfig,
        ) -> Self {
            self.core = configure(self.core);
            self
        }

        /// Shares the client's quotas with every replica through Redis (feature `redis`): each
        /// replica builds its client with the same
        /// [`RedisConfig`](tg_common::limit::RedisConfig) (URL and naming key) and the same
        /// key, and together they stay inside the quotas. Redis key names hold a keyed hash of
        /// the key, never the key. Unreachable Redis fails the call with `LimiterUnavailable`
        /// (nothing sent) unless the config fails open
        /// ([`RedisConfig::fail_open`](tg_common::limit::RedisConfig::fail_open)). A client
        /// without quotas (the builder's documentation says whether the service has any) has
        /// none to share: set them with `.core(|c| c.with_quotas(..))`, or `build()` fails with
        /// a configuration error.
        #[cfg(feature = "redis")]
        #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
        pub fn shared_limiter(self, config: $crate::limit::RedisConfig) -> Self {
            self.core(|c| c.with_shared_limiter(config))
        }

        /// The retry policy (attempts, backoff, longest Retry-After honoured).
        pub fn retry_policy(self, policy: $crate::RetryPolicy) -> Self {
            self.core(|c| c.with_retry(policy))
        }

        /// How long a call may wait for the rate limiter by default (when quotas are set)
        /// before failing with a local `RateLimited` error; the overall timeout still bounds
        /// the whole call.
        pub fn max_rate_wait(self, max_wait: ::std::time::Duration) -> Self {
            self.core(|c| c.with_max_rate_wait(max_wait))
        }
    };
}
