//! [`RedisNonceStore`]: a [`NonceStore`] in Redis, shared by every replica pointed at it.
//! Async (the `redis` crate's `ConnectionManager`), every command bounded by a timeout, and no
//! lock held across an await.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

use super::{NonceState, NonceStore, NonceStoreError, NonceStoreErrorKind, StoreFuture};

/// The default bound on each Redis call of [`RedisNonceStore`] (connecting included).
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Claims a free nonce for a lease, or says why not, in one atomic step. `ARGV[3]` is when the
/// caller gives up, on Redis's clock (ms): a claim Redis runs later (after a stall) records
/// nothing. Returns `{1, 0}` claimed, `{2, 0}` done, `{3, pttl}` in progress, `{4, now}` too
/// late.
const CLAIM: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[3]) then
  return {4, now}
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, 0}
end
if redis.call('GET', KEYS[1]) == 'done' then
  return {2, 0}
end
return {3, redis.call('PTTL', KEYS[1])}
";

/// Deletes the key if the given token still holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// The value of a done nonce (a hold's value is `p:<token>`, never this).
const DONE: &str = "done";

/// A [`NonceStore`] in Redis: each nonce is the key `{prefix}{nonce}`. A claim sets it to
/// `p:<token>` with `SET NX PX <lease>`, so a hold left by a crashed replica ends with its lease;
/// a commit sets it to `done` until the delivery's timestamp leaves the window; a release
/// deletes it only if the same token still holds it.
///
/// Connects lazily, on the first call; every call (connecting included) is bounded by the
/// timeout ([`DEFAULT_REDIS_TIMEOUT`] unless [`with_timeout`](Self::with_timeout)); a failure is
/// a [`NonceStoreError`] keeping its cause, and the delivery is refused with 503 (fail closed).
/// A claim carries its deadline on Redis's clock (sampled with `TIME` on connecting): one that
/// a stalled Redis runs after the caller gave up records nothing, so the service's retry is
/// not refused until the lease ends.
#[derive(Clone)]
pub struct RedisNonceStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    conn: OnceCell<ConnectionManager>,
    claim: redis::Script,
    release: redis::Script,
    /// The origin of this process's clock as the offset counts it.
    base: Instant,
    /// Redis's clock minus this process's (ms), as last sampled (`TIME`).
    offset: AtomicI64,
}

impl fmt::Debug for RedisNonceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisNonceStore")
            .field("prefix", &self.inner.prefix)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisNonceStore {
    /// A store at `url` (`redis://host:port/db`) keeping nonces under `prefix`. Connects lazily.
    pub fn new(url: &str, prefix: impl Into<String>) -> Result<Self, NonceStoreError> {
        let client = redis::Client::open(url).map_err(|e| {
            NonceStoreError::new(
                NonceStoreErrorKind::Failed,
                "invalid Redis URL",
                Some(Arc::new(e)),
            )
        })?;
        Ok(RedisNonceStore {
            inner: Arc::new(Inner {
                client,
                prefix: prefix.into(),
                timeout: DEFAULT_REDIS_TIMEOUT,
                conn: OnceCell::new(),
                claim: redis::Script::new(CLAIM),
                release: redis::Script::new(RELEASE),
                base: Instant::now(),
                offset: AtomicI64::new(0),
            }),
        })
    }

    /// The same store with every Redis call bounded by `timeout` (before the first call).
    pub fn with_timeout(self, timeout: Duration) -> Self {
        let inner = &self.inner;
        RedisNonceStore {
            inner: Arc::new(Inner {
                client: inner.client.clone(),
                prefix: inner.prefix.clone(),
                timeout,
                conn: OnceCell::new(),
                claim: redis::Script::new(CLAIM),
                release: redis::Script::new(RELEASE),
                base: Instant::now(),
                offset: AtomicI64::new(0),
            }),
        }
    }
}

impl Inner {
    fn key(&self, nonce: &str) -> String {
        format!("{}{nonce}", self.prefix)
    }

    /// The shared connection (a clone of the manager: no lock is held while it is used).
    async fn connection(&self) -> Result<ConnectionManager, NonceStoreError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1);
        let connect = self.conn.get_or_try_init(|| async {
            let mut conn = self
                .client
                .get_connection_manager_with_config(config)
                .await
                .map_err(|e| failure("Redis connection failed", e))?;
            self.sample_clock(&mut conn).await?;
            Ok(conn)
        });
        match tokio::time::timeout(self.timeout, connect).await {
            Ok(conn) => conn.cloned(),
            Err(_) => Err(timed_out(self.timeout)),
        }
    }

    fn local_ms(&self) -> i64 {
        i64::try_from(self.base.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// Reads Redis's clock. The offset so sampled is never above the true one (the answer took
    /// time to arrive), so a deadline sent with it is never later than the caller's.
    async fn sample_clock(&self, conn: &mut ConnectionManager) -> Result<(), NonceStoreError> {
        let (secs, micros): (i64, i64) = redis::cmd("TIME")
            .query_async(conn)
            .await
            .map_err(|e| failure("Redis TIME failed", e))?;
        let redis_ms = secs.saturating_mul(1000).saturating_add(micros / 1000);
        self.offset
            .store(redis_ms.saturating_sub(self.local_ms()), Ordering::Relaxed);
        Ok(())
    }

    /// `deadline` on Redis's clock (ms).
    fn on_redis_clock(&self, deadline: Instant) -> i64 {
        let local = i64::try_from(deadline.saturating_duration_since(self.base).as_millis())
            .unwrap_or(i64::MAX);
        local.saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// `call` on the connection, the whole bounded by the timeout.
    async fn run<T, F>(
        &self,
        what: &'static str,
        call: impl FnOnce(ConnectionManager) -> F,
    ) -> Result<T, NonceStoreError>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let conn = self.connection().await?;
        match tokio::time::timeout_at(deadline, call(conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(failure(what, e)),
            Err(_) => Err(timed_out(self.timeout)),
        }
    }

    async fn release(&self, nonce: &str, token: &str) -> Result<(), NonceStoreError> {
        let key = self.key(nonce);
        let holder = hold_value(token);
        self.run("Redis release failed", |mut conn| async move {
            let _: i64 = self
                .release
                .key(key)
                .arg(holder)
                .invoke_async(&mut conn)
                .await?;
            Ok(())
        })
        .await
    }
}

fn hold_value(token: &str) -> String {
    format!("p:{token}")
}

fn window_ms(expires_at_unix: i64, now_unix: i64) -> i64 {
    expires_at_unix
        .saturating_sub(now_unix)
        .clamp(1, i64::MAX / 1000)
        .saturating_mul(1000)
}

fn failure(what: &'static str, e: redis::RedisError) -> NonceStoreError {
    let kind = if e.is_timeout() {
        NonceStoreErrorKind::Timeout
    } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
        NonceStoreErrorKind::Unavailable
    } else {
        NonceStoreErrorKind::Failed
    };
    NonceStoreError::new(kind, what, Some(Arc::new(e)))
}

fn timed_out(after: Duration) -> NonceStoreError {
    NonceStoreError::new(
        NonceStoreErrorKind::Timeout,
        format!("Redis did not answer within {} ms", after.as_millis()),
        None,
    )
}

impl NonceStore for RedisNonceStore {
    fn claim<'a>(
        &'a self,
        nonce: &'a str,
        token: &'a str,
        lease: Duration,
        _expires_at_unix: i64,
        _now_unix: i64,
    ) -> StoreFuture<'a, NonceState> {
        let inner = &self.inner;
        Box::pin(async move {
            let key = inner.key(nonce);
            let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
            // Connected first: the clock offset is sampled on connecting.
            inner.connection().await?;
            let give_up = inner.on_redis_clock(Instant::now() + inner.timeout);
            let answer: Result<(i64, i64), _> = inner
                .run("Redis claim failed", |mut conn| async move {
                    inner
                        .claim
                        .key(key)
                        .arg(hold_value(token))
                        .arg(lease_ms)
                        .arg(give_up)
                        .invoke_async(&mut conn)
                        .await
                })
                .await;
            let (code, pttl) = match answer {
                Ok(answer) => answer,
                Err(e) => return Err(e),
            };
            match code {
                1 => Ok(NonceState::Claimed),
                2 => Ok(NonceState::Done),
                3 => Ok(NonceState::InProgress {
                    retry_after: super::at_least_a_second(Duration::from_millis(
                        u64::try_from(pttl).unwrap_or(0),
                    )),
                }),
                // Ran after this call gave up: Redis stalled, or its clock moved. Sample the
                // clock again for the next claim.
                4 => {
                    inner
                        .offset
                        .store(pttl.saturating_sub(inner.local_ms()), Ordering::Relaxed);
                    Err(NonceStoreError::new(
                        NonceStoreErrorKind::Timeout,
                        "Redis ran the claim after its deadline; nothing was recorded",
                        None,
                    ))
                }
                _ => Err(NonceStoreError::new(
                    NonceStoreErrorKind::Failed,
                    format!("Redis claim answered {code}"),
                    None,
                )),
            }
        })
    }

    fn commit<'a>(
        &'a self,
        nonce: &'a str,
        expires_at_unix: i64,
        now_unix: i64,
    ) -> StoreFuture<'a, ()> {
        let inner = &self.inner;
        Box::pin(async move {
            let key = inner.key(nonce);
            let ttl = window_ms(expires_at_unix, now_unix);
            inner
                .run("Redis commit failed", |mut conn| async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(DONE)
                        .arg("PX")
                        .arg(ttl)
                        .query_async::<()>(&mut conn)
                        .await
                })
                .await
        })
    }

    fn release<'a>(&'a self, nonce: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.inner.release(nonce, token))
    }

    /// Spawns the release on the current tokio runtime; without one, the hold ends with its
    /// lease.
    fn release_detached(&self, nonce: &str, token: &str) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = Arc::clone(&self.inner);
        let (nonce, token) = (nonce.to_owned(), token.to_owned());
        runtime.spawn(async move {
            if let Err(e) = inner.release(&nonce, &token).await {
                tracing::warn!(error = %e, "webhook nonce not released; its lease will end it");
            }
        });
    }
}
