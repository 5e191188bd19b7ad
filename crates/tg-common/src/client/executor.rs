//! The executor: a [`Core`] waits for the limiter, sends each attempt over the pool under the
//! attempt and overall timeouts, hands the answer to the decoder and retries what is safe.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use http_body_util::Full;
use tracing::Instrument;

use super::scrubbing;
use super::uri_memo::UriMemo;
use super::{Call, CoreConfig, RawResponse, Timeouts};
use crate::error::{Error, ErrorKind, RateLimitOrigin, TimeoutPhase};
use crate::limit::{DEFAULT_REMOTE_PAUSE, RateLimiter};
use crate::retry::{Decision, Outcome, RetryBudget, RetryPolicy, decide};
use crate::scrub::KeyScrubber;
use crate::secret::Secret;
use crate::telemetry;
use crate::transport::{self, BaseUrl, Transport};

/// The shared core of a provider client; clones share the pool, limiter and retry budget.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    provider: &'static str,
    /// Scrubs the key from every response body (a server may echo the path in an error page).
    scrubber: KeyScrubber,
    base: BaseUrl,
    uris: UriMemo,
    /// The base URL's host, for the `server.address` of spans and metrics.
    server: Arc<str>,
    transport: Transport,
    limiter: Option<RateLimiter>,
    retry: RetryPolicy,
    budget: RetryBudget,
    timeouts: Timeouts,
    max_body: usize,
    max_rate_wait: Duration,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("provider", &self.inner.provider)
            .field("base_url", &self.inner.base)
            .field("limiter", &self.inner.limiter)
            .field("timeouts", &self.inner.timeouts)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Builds the core of `provider`'s client. `key` identifies the process-wide limiter shared
    /// by every client of that key (unless `config.limiter` is given).
    pub fn new(provider: &'static str, key: &Secret, config: CoreConfig) -> Result<Self, Error> {
        if key.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        let base = BaseUrl::parse(&config.base_url, config.allow_plain_http_loopback)?;
        if config.max_body_bytes == 0 {
            return Err(Error::config("max_body_bytes must be positive"));
        }
        telemetry::describe();
        let limiter = limiter(provider, key, &config)?.map(|l| {
            l.with_max_wait(config.max_rate_wait)
                .labelled(telemetry::limiter_label(provider, key))
                .with_reserved_share(config.reserved_share)
        });
        let transport = match config.shared_transport {
            Some(t) => t,
            None => Transport::new(&config.transport)?,
        };
        Ok(Core {
            inner: Arc::new(Inner {
                provider,
                scrubber: KeyScrubber::new(key),
                server: Arc::from(base.host()),
                base,
                uris: UriMemo::default(),
                transport,
                limiter,
                retry: config.retry,
                budget: RetryBudget::default(),
                timeouts: config.timeouts,
                max_body: config.max_body_bytes,
                max_rate_wait: config.max_rate_wait,
            }),
        })
    }

    /// The provider's name.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The limiter, when quotas are enforced.
    pub fn limiter(&self) -> Option<&RateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// The pool, to share with another client.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Runs `call`: waits for the limiter, sends, decodes with `decode`, retries what is safe.
    /// Every error carries the provider and the operation, never the URL.
    pub fn execute<T, D>(
        &self,
        mut call: Call,
        decode: D,
    ) -> impl Future<Output = Result<T, Error>> + use<'_, T, D>
    where
        D: Fn(RawResponse) -> Result<T, Error>,
    {
        // Everything that needs no waiting is settled here, before the future exists: the
        // future then holds the call once, and one level of futures fewer is built per call.
        let plan = self.plan(&mut call);
        async move {
            let result = match plan {
                Ok(ref plan) => {
                    // The first wait for the limiter is bounded by `max_wait` alone; the overall
                    // deadline starts once the call is admitted and covers attempts, backoff and
                    // later waits.
                    let admitted = match &self.inner.limiter {
                        Some(limiter) => limiter.acquire_for(call.priority, plan.max_wait).await,
                        None => Ok(()),
                    };
                    match admitted {
                        Ok(()) => self.attempts(&call, plan, &decode).await,
                        Err(e) => {
                            telemetry::rate_limited(self.inner.provider, &call.operation, &e);
                            Err(e)
                        }
                    }
                }
                Err(e) => Err(e),
            };
            result.map_err(|e| e.with_context(self.inner.provider, call.operation.clone()))
        }
    }

    /// Compresses the body when asked, sets `Host`, builds the URI and the retry policy.
    fn plan(&self, call: &mut Call) -> Result<Plan, Error> {
        if let Some(level) = call.gzip {
            call.body = transport::gzip::compress(&call.body, level)?;
            call.headers.insert(
                http::header::CONTENT_ENCODING,
                HeaderValue::from_static("gzip"),
            );
        }
        // Set here once, so that the pool does not format it again for every HTTP/1 attempt.
        call.headers
            .entry(http::header::HOST)
            .or_insert_with(|| self.inner.base.host_header().clone());
        // The span's `url.full`, the key masked; built only when the span will be recorded.
        let url_full = tracing::enabled!(tracing::Level::INFO).then(|| {
            self.inner
                .scrubber
                .scrub_str(
                    &self
                        .inner
                        .base
                        .masked_url(&call.target.masked_path(), call.query.as_deref()),
                )
                .into_owned()
        });
        let uri = self.inner.uris.join(
            &self.inner.base,
            std::mem::take(&mut call.target),
            call.query.as_deref(),
        )?;
        let policy = match call.max_attempts {
            Some(n) => RetryPolicy {
                max_attempts: n,
                ..self.inner.retry.clone()
            },
            None => self.inner.retry.clone(),
        };
        Ok(Plan {
            uri,
            url_full,
            policy,
            max_wait: call.max_rate_wait.unwrap_or(self.inner.max_rate_wait),
        })
    }

    /// Sends `call` until it succeeds or the retry decision says stop.
    /// The first attempt starts now, and the overall deadline with it.
    async fn attempts<T, D>(&self, call: &Call, plan: &Plan, decode: &D) -> Result<T, Error>
    where
        D: Fn(RawResponse) -> Result<T, Error>,
    {
        // One timer per attempt: every wait below is bounded by this deadline explicitly.
        let mut started = tokio::time::Instant::now();
        let deadline = later(started, self.inner.timeouts.overall);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                started = tokio::time::Instant::now();
                if started >= deadline {
                    return Err(self.overall_timeout());
                }
                if let Some(limiter) = &self.inner.limiter {
                    let left = deadline.saturating_duration_since(started);
                    let admitted = limiter.acquire_for(call.priority, plan.max_wait.min(left));
                    match tokio::time::timeout_at(deadline, admitted).await {
                        Ok(r) => r?,
                        Err(_) => return Err(self.overall_timeout()),
                    }
                    started = tokio::time::Instant::now();
                }
            }
            let span = tracing::info_span!(
                "tg_request",
                "otel.name" = telemetry::method(&call.method),
                "otel.kind" = "client",
                provider = self.inner.provider,
                operation = %call.operation,
                attempt,
                "http.request.method" = telemetry::method(&call.method),
                "server.address" = &*self.inner.server,
                "url.full" = plan.url_full.as_deref(),
                "http.response.status_code" = tracing::field::Empty,
                "error.type" = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let result = self
                .attempt(call, plan.uri.clone(), started, deadline, decode)
                .instrument(span.clone())
                .await;
            let elapsed = started.elapsed();
            if !span.is_disabled() {
                span.record("latency_ms", elapsed.as_millis() as u64);
            }
            let (status, err) = match &result {
                Ok((status, _)) => (Some(*status), None),
                Err(e) => (e.status(), Some(e)),
            };
            if let Some(status) = status {
                span.record("http.response.status_code", status);
            }
            if let Some(e) = err {
                span.record("error.type", &*telemetry::error_type(e));
            }
            telemetry::request(&telemetry::Attempt {
                provider: self.inner.provider,
                operation: &call.operation,
                method: &call.method,
                server: &self.inner.server,
                status,
                error: err,
                duration: elapsed,
            });
            let err = match result {
                Ok((_, value)) => {
                    self.inner.budget.deposit();
                    return Ok(value);
                }
                Err(e) => e,
            };
            if is_remote_rate_limit(&err) {
                telemetry::rate_limited(self.inner.provider, &call.operation, &err);
                if let Some(limiter) = &self.inner.limiter {
                    let pause = limiter.pause(err.retry_after().unwrap_or(DEFAULT_REMOTE_PAUSE));
                    if tokio::time::timeout_at(deadline, pause).await.is_err() {
                        return Err(self.overall_timeout());
                    }
                }
            }
            let outcome = Outcome {
                safety: err.retry_safety(),
                retry_after: err.retry_after(),
            };
            let jitter = rand::random::<f64>();
            match decide(&plan.policy, call.idempotency, attempt, outcome, jitter) {
                Decision::Retry(delay) if self.inner.budget.try_withdraw() => {
                    telemetry::retry(self.inner.provider, &call.operation, &err);
                    tracing::debug!(
                        parent: &span,
                        delay_ms = delay.as_millis() as u64,
                        error = %err,
                        "retrying"
                    );
                    let wake = later(tokio::time::Instant::now(), delay);
                    if wake >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Err(self.overall_timeout());
                    }
                    tokio::time::sleep_until(wake).await;
                }
                _ => return Err(err),
            }
        }
    }

    /// The error of a call that ran out of its overall time.
    fn overall_timeout(&self) -> Error {
        Error::new(ErrorKind::Timeout {
            phase: TimeoutPhase::Overall,
            after: self.inner.timeouts.overall,
        })
    }

    /// One exchange that starts at `started`, bounded by the attempt timeout or by `deadline`,
    /// whichever comes first.
    async fn attempt<T, D>(
        &self,
        call: &Call,
        uri: http::Uri,
        started: tokio::time::Instant,
        deadline: tokio::time::Instant,
        decode: &D,
    ) -> Result<(u16, T), Error>
    where
        D: Fn(RawResponse) -> Result<T, Error>,
    {
        let mut request = http::Request::new(Full::new(call.body.clone()));
        *request.method_mut() = call.method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = call.headers.clone();
        let inner = &self.inner;
        let exchange =
            async {
                let response =
                    inner.transport.client.request(request).await.map_err(|e| {
                        transport::request_error(e, inner.transport.connect_timeout)
                    })?;
                let (parts, body) = response.into_parts();
                // hyper parsed Content-Length already: its size hint is exact when one was sent.
                let declared = http_body::Body::size_hint(&body).exact();
                let body = transport::read_capped(body, inner.max_body, declared).await?;
                Ok::<_, Error>(scrubbing::answer(&inner.scrubber, parts, body))
            };
        let after = inner.timeouts.attempt;
        let attempt_deadline = later(started, after);
        let cut_by_overall = deadline < attempt_deadline;
        let until = if cut_by_overall {
            deadline
        } else {
            attempt_deadline
        };
        // Boxed: the exchange holds hyper's and the body reader's state; on the heap it is not
        // copied through every future that awaits this one.
        let response = match tokio::time::timeout_at(until, Box::pin(exchange)).await {
            Ok(r) => r?,
            Err(_) if cut_by_overall => return Err(self.overall_timeout()),
            Err(_) => {
                return Err(Error::new(ErrorKind::Timeout {
                    phase: TimeoutPhase::Attempt,
                    after,
                }));
            }
        };
        scrubbing::decode(&inner.scrubber, response, decode)
    }
}

/// What [`Core::execute`] settles before waiting for anything.
struct Plan {
    uri: http::Uri,
    /// The URL with the key masked, when tracing records the request span.
    url_full: Option<String>,
    policy: RetryPolicy,
    /// The longest wait for the limiter.
    max_wait: Duration,
}

/// `at + after`, or about thirty years after `at` when the sum would overflow (a timeout of
/// `Duration::MAX` means "none").
fn later(at: tokio::time::Instant, after: Duration) -> tokio::time::Instant {
    at.checked_add(after)
        .or_else(|| at.checked_add(Duration::from_secs(30 * 365 * 86_400)))
        .unwrap_or(at)
}

fn is_remote_rate_limit(err: &Error) -> bool {
    match err.kind() {
        ErrorKind::RateLimited { origin, .. } => *origin == RateLimitOrigin::Remote,
        _ => err.status() == Some(429),
    }
}

/// The limiter of a core: the one given, else the Redis limiter shared by the replicas, else the
/// process-wide one for the key, or none without quotas.
fn limiter(
    provider: &'static str,
    key: &Secret,
    config: &CoreConfig,
) -> Result<Option<RateLimiter>, Error> {
    if let Some(l) = &config.limiter {
        return Ok(Some(l.clone()));
    }
    #[cfg(feature = "redis")]
    if let Some(redis) = &config.shared_limiter {
        if config.quotas.is_empty() {
            return Err(Error::config(
                "a shared limiter needs quotas: set them with `with_quotas`",
            ));
        }
        return crate::limit::redis_limiter(redis.clone(), key, &config.quotas).map(Some);
    }
    if config.quotas.is_empty() {
        return Ok(None);
    }
    Ok(Some(RateLimiter::shared_for_key(
        provider,
        key,
        &config.quotas,
    )))
}
