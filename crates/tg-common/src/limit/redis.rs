//! A Redis backend for the limiter, so that replicas behind one API key share one quota.
//!
//! One Lua script checks and charges every quota of a key atomically, with the same algorithm as
//! the in-process [`AdmissionLog`](super::AdmissionLog): per quota a sorted set of admission times
//! (microseconds on Redis's own clock, `TIME`, so every replica uses one clock). Times are
//! formatted explicitly in the script: Lua 5.1 would print a 16-digit number with `%.14g` and
//! lose precision. All keys of one API key share a hash tag (the script works on a cluster); key
//! names hold a keyed hash of the API key, never the key. Keys expire once their longest window
//! has passed, and survive process restarts, so a restart keeps the day's count. Every script
//! carries its caller's deadline on Redis's clock and records nothing past it, so a call that
//! timed out (Redis stalled) is never charged when Redis runs its script later.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hmac::{Hmac, Mac};
use redis::aio::ConnectionManager;
use sha2::Sha256;
use tokio::sync::Mutex;

use super::backend::{BackendFuture, LimiterBackend, LocalBackend, Refusal, Reservation, Standing};
use super::margin::AdaptiveMargin;
use super::redis_failure::RedisFailure;
use super::{Admission, MarginPolicy, Quota};
use crate::error::{Error, ErrorKind};
use crate::secret::Secret;

/// What the limiter does when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// Refuse the request with [`ErrorKind::LimiterUnavailable`]: never risk a quota.
    Closed,
    /// Fall back to an in-process limiter enforcing this replica's share of each quota
    /// (`count / RedisConfig::replicas`, rounded down), so the group stays inside the quota;
    /// one warning is logged.
    Open,
}

/// Settings of the Redis backend.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis://host:port/db`.
    pub url: String,
    /// The key of the keyed hash that names Redis keys: the same on every replica.
    pub naming_key: Secret,
    /// Key prefix before the hash tag.
    pub prefix: String,
    /// Behaviour when Redis is unreachable.
    pub fail_mode: FailMode,
    /// Limit on one Redis round trip (connecting included).
    pub timeout: Duration,
    /// How many replicas share the key at most (1 by default). With [`FailMode::Open`] each
    /// falls back to `count / replicas` of every quota, rounded down; a quota that leaves a
    /// share of zero is refused at construction.
    pub replicas: u32,
    /// How this replica widens the margins after a remote 429 ([`MarginPolicy::DEFAULT`]).
    pub margin: MarginPolicy,
}

impl RedisConfig {
    /// Settings for `url`, with key names hashed under `naming_key`; fail-closed, 1 s timeout.
    pub fn new(url: impl Into<String>, naming_key: Secret) -> Self {
        RedisConfig {
            url: url.into(),
            naming_key,
            prefix: "tglim".to_owned(),
            fail_mode: FailMode::Closed,
            timeout: Duration::from_secs(1),
            replicas: 1,
            margin: MarginPolicy::DEFAULT,
        }
    }

    /// The same settings, failing open to this replica's share of the quotas among `replicas`.
    pub fn fail_open(mut self, replicas: u32) -> Self {
        self.fail_mode = FailMode::Open;
        self.replicas = replicas;
        self
    }
}

/// This replica's share of `quotas` among `replicas`: `count / replicas`, rounded down, so the
/// replicas together never exceed a quota. An error names a quota whose share would be zero.
fn local_share(quotas: &[Quota], replicas: u32) -> Result<Vec<Quota>, Error> {
    if replicas == 0 {
        return Err(Error::config("RedisConfig::replicas must be at least 1"));
    }
    quotas
        .iter()
        .map(|q| {
            let count = q.count / replicas;
            if count == 0 && q.count > 0 {
                return Err(Error::config(format!(
                    "fail-open among {replicas} replicas leaves no share of the quota {q}: \
                     use FailMode::Closed or fewer replicas"
                )));
            }
            Ok(Quota { count, ..*q })
        })
        .collect()
}

/// Reserves (`r`) a slot, or confirms (`c`) one whose wait is over: a pause set since moves it
/// behind the pause (or refuses it past the caller's wait). The placement is the admission log's
/// algorithm on Redis's clock, priorities included: a member is `sequence × 512 + claim`, the
/// claim being `share × 4 + rank` ([`Priority::rank`](super::Priority::rank), the reserved share
/// in percent), so the script knows every waiter's priority and share. A reservation takes its
/// place before every waiting one of a lower rank: those are displaced (out of the quotas' sets,
/// into a set ordered by rank then sequence, their times kept in a hash) and placed again behind
/// it lazily, never earlier than they were: when one confirms (with every displaced one ranked
/// before it), or when a reservation that ranks after them is made. A waiter moved past its
/// wait is refused when it confirms.
///
/// KEYS: the quotas' sorted sets (1..n), the pause key (n+1), the sequence key (n+2), the
/// displaced set (n+3), the displaced times (n+4).
/// ARGV: mode, n, deadline (µs on Redis's clock, 0 for none: past it nothing is recorded), wait
/// (µs the caller accepts), id (confirm only), claim (reserve only), then per quota: count,
/// span, keep (µs).
/// Replies `{code, a, b, now}`: `{1, id, wait}` granted (or due when confirming),
/// `{0, quota index, after}` refused, `{2}` expired (the caller has given up), `{3, id, wait}`
/// moved.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[2])
local deadline = tonumber(ARGV[3])
if deadline > 0 and now > deadline then return {2, 0, 0, now} end
local wait = tonumber(ARGV[4])
local id = ARGV[5]
local claim = tonumber(ARGV[6])
local D, H = KEYS[n + 3], KEYS[n + 4]
local function fmt(x) return string.format('%.0f', x) end
local function q(i, k) return tonumber(ARGV[6 + 3 * (i - 1) + k]) end
local function limit(i, c)
  local count = q(i, 1)
  if c % 4 > 0 then return count end
  return count - math.floor((count * (math.floor(c / 4) % 128) + 99) / 100)
end
local function remove(m)
  for i = 1, n do redis.call('ZREM', KEYS[i], m) end
end
local seqs = 4398046511104
local function order(m)
  local v = tonumber(m)
  return (3 - v % 4) * seqs + math.floor(v / 512)
end
local paused = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
local longest = 0
for i = 1, n do
  local keep = q(i, 3)
  if keep > longest then longest = keep end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', fmt(now - keep))
end
local function slot(c)
  local at = math.max(now, paused)
  for i = 1, n do
    local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    if last[2] then at = math.max(at, tonumber(last[2])) end
  end
  local binding = 0
  for i = 1, n do
    local k = limit(i, c)
    if k <= 0 then return -1, i end
    if redis.call('ZCARD', KEYS[i]) >= k then
      local nth = redis.call('ZRANGE', KEYS[i], -k, -k, 'WITHSCORES')
      local earliest = tonumber(nth[2]) + q(i, 2)
      if earliest > at then
        at = earliest
        binding = i
      end
    end
  end
  return at, binding
end
local latest = now
local function put(m, at)
  local score = fmt(at)
  for i = 1, n do redis.call('ZADD', KEYS[i], score, m) end
  latest = math.max(latest, at)
end
local function place(members)
  for j = 1, #members do
    local m = members[j]
    local at = slot(tonumber(m) % 512)
    if at < 0 then at = slot(1) end
    at = math.max(at, tonumber(redis.call('HGET', H, m) or '0'))
    put(m, at)
    redis.call('ZREM', D, m)
    redis.call('HDEL', H, m)
  end
end
local function placed_through(o)
  place(redis.call('ZRANGEBYSCORE', D, '-inf', fmt(o)))
end
if ARGV[1] == 'c' then
  if n > 0 then
    if redis.call('HEXISTS', H, id) == 1 then placed_through(order(id)) end
    local score = redis.call('ZSCORE', KEYS[1], id)
    if not score then return {1, 0, 0, now} end
    score = tonumber(score)
    if score > now then
      if score - now > wait then
        remove(id)
        return {0, 0, score - now, now}
      end
      return {3, tonumber(id), score - now, now}
    end
  end
  if paused <= now then return {1, 0, 0, now} end
  remove(id)
  claim = tonumber(id) % 512
end
local displaced = 0
local rank = claim % 4
if ARGV[1] == 'r' and n > 0 and rank > 0 then
  local tie = nil
  local offset = 0
  while true do
    local ahead = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. fmt(now), 'WITHSCORES', 'LIMIT', offset, 64)
    if #ahead == 0 then break end
    local stop = false
    for j = 1, #ahead, 2 do
      local m, at = ahead[j], tonumber(ahead[j + 1])
      if tie and at < tie then
        stop = true
        break
      end
      if tonumber(m) % 4 < rank then
        remove(m)
        redis.call('ZADD', D, fmt(order(m)), m)
        redis.call('HSET', H, m, fmt(at))
        displaced = displaced + 1
      else
        tie = at
        offset = offset + 1
      end
    end
    if stop or #ahead < 128 then break end
  end
end
placed_through((4 - rank) * seqs - 1)
local at, binding = slot(claim)
if at < 0 or at - now > wait then
  if displaced > 0 then place(redis.call('ZRANGE', D, 0, displaced - 1)) end
  if at < 0 then return {0, binding, -1, now} end
  return {0, binding, at - now, now}
end
local code = 3
if ARGV[1] == 'r' then
  id = fmt(redis.call('INCR', KEYS[n + 2]) * 512 + claim)
  code = 1
end
put(id, at)
local ttl_ms = math.ceil((latest - now + longest) / 1000) + 1000
for i = 1, n + 4 do
  if i ~= n + 1 and redis.call('PTTL', KEYS[i]) < ttl_ms then
    redis.call('PEXPIRE', KEYS[i], ttl_ms)
  end
end
return {code, tonumber(id), at - now, now}
";

const PAUSE: &str = r"
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local untl = now + tonumber(ARGV[1])
local cur = redis.call('GET', KEYS[1])
if (not cur) or tonumber(cur) < untl then
  redis.call('SET', KEYS[1], string.format('%.0f', untl), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
end
return 1
";

/// The Redis backend; build a limiter with
/// `RateLimiter::with_backend(Arc::new(RedisBackend::new(config, &api_key, &quotas)))`.
pub struct RedisBackend {
    client: redis::Client,
    conn: Mutex<Option<ConnectionManager>>,
    quotas: Vec<Quota>,
    keys: Vec<String>,
    pause_key: String,
    seq_key: String,
    /// Members displaced by a reservation of a higher rank, by rank then sequence.
    displaced_key: String,
    /// The times displaced members had.
    displaced_at_key: String,
    script: redis::Script,
    pause: redis::Script,
    fail_mode: FailMode,
    timeout: Duration,
    fallback: LocalBackend,
    warned: AtomicBool,
    /// After a failure, Redis is not tried again before this instant (a circuit breaker, so a
    /// dead store costs callers nothing but the first timeout); beside it, that failure's text.
    down_until: std::sync::Mutex<Option<(tokio::time::Instant, Arc<str>)>>,
    /// Redis's clock minus this process's, in µs, as last sampled (see [`RedisBackend::offset`]).
    offset: std::sync::Mutex<Option<i64>>,
    /// The origin of this process's clock as the offset counts it.
    base: tokio::time::Instant,
    /// This replica's extra margin (nanoseconds since `base`), widened by its remote 429s.
    margin: std::sync::Mutex<AdaptiveMargin>,
}

/// How long Redis is left alone after a failure.
const COOLDOWN: Duration = Duration::from_secs(5);

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("quotas", &self.quotas)
            .field("fail_mode", &self.fail_mode)
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// A backend for `api_key` enforcing `quotas`. Connects lazily, on the first reservation.
    pub fn new(config: RedisConfig, api_key: &Secret, quotas: &[Quota]) -> Result<Self, Error> {
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| Error::config(format!("bad Redis URL: {e}")))?;
        let share = match config.fail_mode {
            FailMode::Open => local_share(quotas, config.replicas)?,
            FailMode::Closed => quotas.to_vec(),
        };
        let tag = key_tag(&config.naming_key, api_key)?;
        let base = format!("{}:{{{tag}}}", config.prefix);
        let keys = quotas
            .iter()
            .map(|q| format!("{base}:q:{}:{}", q.count, q.span().as_micros()))
            .collect();
        Ok(RedisBackend {
            client,
            conn: Mutex::new(None),
            quotas: quotas.to_vec(),
            keys,
            pause_key: format!("{base}:pause"),
            seq_key: format!("{base}:seq"),
            displaced_key: format!("{base}:displaced"),
            displaced_at_key: format!("{base}:displaced_at"),
            script: redis::Script::new(SCRIPT),
            pause: redis::Script::new(PAUSE),
            fail_mode: config.fail_mode,
            timeout: config.timeout,
            fallback: LocalBackend::with_margin(&share, config.margin),
            warned: AtomicBool::new(false),
            down_until: std::sync::Mutex::new(None),
            offset: std::sync::Mutex::new(None),
            base: tokio::time::Instant::now(),
            margin: std::sync::Mutex::new(AdaptiveMargin::new(config.margin)),
        })
    }

    /// The Redis key names this backend uses (for inspection; they hold no secret).
    pub fn key_names(&self) -> Vec<String> {
        let mut all = self.keys.clone();
        all.push(self.pause_key.clone());
        all.push(self.seq_key.clone());
        all.push(self.displaced_key.clone());
        all.push(self.displaced_at_key.clone());
        all
    }

    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        // One attempt per call: the manager's own retries wait a second or more before the
        // next attempt, so the call's timeout would fire first and hide the cause (a refused
        // connection); the cooldown after a failure paces the attempts instead.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(0);
        let mut c = self
            .client
            .get_connection_manager_with_config(config)
            .await?;
        // Sample Redis's clock before the first script, so that it carries a deadline.
        let (secs, us): (i64, i64) = redis::cmd("TIME").query_async(&mut c).await?;
        self.sample_offset(secs.saturating_mul(1_000_000).saturating_add(us));
        *guard = Some(c.clone());
        Ok(c)
    }

    async fn with_timeout<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, redis::RedisError>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.redis_error(e)),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// Redis did not answer within the round-trip limit.
    fn timed_out(&self) -> Error {
        unavailable(RedisFailure::TimedOut {
            after: self.timeout,
        })
    }

    /// An error of the `redis` crate as the cause; its own timeouts (the connection's limits
    /// are this backend's) are [`RedisFailure::TimedOut`] like the backend's.
    fn redis_error(&self, e: redis::RedisError) -> Error {
        if e.is_timeout() {
            self.timed_out()
        } else {
            unavailable(e)
        }
    }

    fn local_nanos(&self) -> u64 {
        super::log::nanos(tokio::time::Instant::now().saturating_duration_since(self.base))
    }

    fn local_micros(&self, t: tokio::time::Instant) -> i64 {
        i64::try_from(t.saturating_duration_since(self.base).as_micros()).unwrap_or(i64::MAX)
    }

    /// Records Redis's time `redis_now` (µs), read by an answer that arrived just now. The
    /// offset so sampled is never above the true one (the answer took time to arrive), so a
    /// deadline translated with it is never later than the caller's.
    fn sample_offset(&self, redis_now: i64) {
        let local = self.local_micros(tokio::time::Instant::now());
        *lock(&self.offset) = Some(redis_now.saturating_sub(local));
    }

    /// `at` on Redis's clock (µs), once the offset has been sampled; 0 (no deadline) before.
    fn on_redis_clock(&self, at: tokio::time::Instant) -> i64 {
        match *lock(&self.offset) {
            Some(offset) => self.local_micros(at).saturating_add(offset).max(1),
            None => 0,
        }
    }

    /// The error for a call made while Redis is left alone after a failure, or `None` once the
    /// cooldown is over.
    fn cooling_down(&self) -> Option<Error> {
        let guard = lock(&self.down_until);
        let (until, cause) = guard.as_ref()?;
        (tokio::time::Instant::now() < *until).then(|| {
            unavailable(RedisFailure::CoolingDown {
                cooldown: COOLDOWN,
                cause: Arc::clone(cause),
            })
        })
    }

    /// Leaves Redis alone for [`COOLDOWN`] after `err`, remembering its cause.
    fn mark_down(&self, err: &Error) {
        crate::telemetry::limiter_backend_failure("redis", err);
        let cause =
            std::error::Error::source(err).map_or_else(|| err.to_string(), |s| s.to_string());
        *lock(&self.down_until) = Some((tokio::time::Instant::now() + COOLDOWN, cause.into()));
    }

    async fn reserve_remote(
        &self,
        max_wait: Duration,
        admission: Admission,
    ) -> Result<Result<Reservation, Refusal>, Error> {
        if let Some(err) = self.cooling_down() {
            return Err(err);
        }
        let result = self.reserve_script(max_wait, admission).await;
        if let Err(err) = &result {
            self.mark_down(err);
        }
        result
    }

    /// Runs the script: `confirm` is `None` to reserve, or the reservation to confirm. The
    /// script records nothing once this call has given up (its deadline, on Redis's clock,
    /// has passed): a script that Redis runs late, after a stall, charges no quota.
    async fn run_script(
        &self,
        confirm: Option<u64>,
        wait: Duration,
        admission: Admission,
    ) -> Result<Answer, Error> {
        let mut conn = self.with_timeout(self.connection()).await?;
        let give_up = tokio::time::Instant::now() + self.timeout;
        let call = Invocation {
            confirm,
            wait,
            admission,
            give_up,
        };
        match self.invoke(&mut conn, &call).await? {
            // Expired although this call is still waiting: the offset was stale (Redis's
            // clock stepped, or another server answers). It is sampled again: try once more.
            Answer::Expired if tokio::time::Instant::now() < give_up => {
                match self.invoke(&mut conn, &call).await? {
                    Answer::Expired => Err(unavailable(RedisFailure::RanTooLate)),
                    a => Ok(a),
                }
            }
            Answer::Expired => Err(unavailable(RedisFailure::RanTooLate)),
            a => Ok(a),
        }
    }

    async fn invoke(
        &self,
        conn: &mut ConnectionManager,
        call: &Invocation,
    ) -> Result<Answer, Error> {
        let Invocation {
            confirm,
            wait,
            admission,
            give_up,
        } = *call;
        let mut inv = self.script.prepare_invoke();
        for k in &self.keys {
            inv.key(k);
        }
        inv.key(&self.pause_key)
            .key(&self.seq_key)
            .key(&self.displaced_key)
            .key(&self.displaced_at_key);
        let deadline = self.on_redis_clock(give_up);
        inv.arg(if confirm.is_some() { "c" } else { "r" })
            .arg(self.quotas.len())
            .arg(deadline)
            .arg(micros(wait))
            .arg(confirm.unwrap_or(0))
            .arg(claim(admission));
        let (extra, widest) = {
            let m = lock(&self.margin);
            (m.current(self.local_nanos()), m.max())
        };
        for q in &self.quotas {
            let span = q.span();
            inv.arg(q.count)
                .arg(micros(span + Duration::from_nanos(extra)))
                .arg(micros(span + Duration::from_nanos(widest)));
        }
        let left = give_up.saturating_duration_since(tokio::time::Instant::now());
        let reply: Vec<i64> = match tokio::time::timeout(left, inv.invoke_async(conn)).await {
            Ok(r) => r.map_err(|e| self.redis_error(e))?,
            Err(_) => return Err(self.timed_out()),
        };
        let [code, a, b, now] = reply[..] else {
            return Err(unavailable(RedisFailure::UnexpectedReply));
        };
        self.sample_offset(now);
        let after = Duration::from_micros(b.max(0) as u64);
        Ok(match code {
            1 if confirm.is_some() => Answer::Due,
            1 => Answer::Granted(Reservation {
                wait: after,
                id: a.max(0) as u64,
            }),
            3 => Answer::Moved(after),
            2 => Answer::Expired,
            0 => {
                let quota = usize::try_from(a)
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| self.quotas.get(i).copied());
                let retry_after = if b < 0 { Duration::MAX } else { after };
                Answer::Refused(Refusal { quota, retry_after })
            }
            _ => return Err(unavailable(RedisFailure::UnexpectedReply)),
        })
    }

    async fn reserve_script(
        &self,
        max_wait: Duration,
        admission: Admission,
    ) -> Result<Result<Reservation, Refusal>, Error> {
        match self.run_script(None, max_wait, admission).await? {
            Answer::Granted(r) => Ok(Ok(r)),
            Answer::Refused(r) => Ok(Err(r)),
            Answer::Due | Answer::Moved(_) => Err(unavailable(RedisFailure::UnexpectedReply)),
            Answer::Expired => Err(unavailable(RedisFailure::RanTooLate)),
        }
    }

    async fn confirm_remote(&self, id: u64, remaining: Duration) -> Result<Standing, Error> {
        if let Some(err) = self.cooling_down() {
            return Err(err);
        }
        let answer = self
            .run_script(Some(id), remaining, Admission::NORMAL)
            .await;
        if let Err(err) = &answer {
            self.mark_down(err);
        }
        Ok(match answer? {
            Answer::Due | Answer::Granted(_) | Answer::Expired => Standing::Due,
            Answer::Moved(wait) => Standing::Wait(wait),
            Answer::Refused(r) => Standing::Refused(Refusal { quota: None, ..r }),
        })
    }

    fn warn_once(&self, err: &Error) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = %err,
                "Redis rate-limiter store unreachable: falling back to this replica's share of the quotas in process (fail-open)"
            );
        }
    }
}

impl LimiterBackend for RedisBackend {
    fn reserve(
        &self,
        max_wait: Duration,
        admission: Admission,
    ) -> BackendFuture<'_, Result<Result<Reservation, Refusal>, Error>> {
        Box::pin(async move {
            match self.reserve_remote(max_wait, admission).await {
                Ok(r) => Ok(r),
                Err(e) => match self.fail_mode {
                    FailMode::Closed => Err(e),
                    FailMode::Open => {
                        self.warn_once(&e);
                        // Fallback ids are marked with the top bit so cancel can route them.
                        Ok(self
                            .fallback
                            .reserve_for(max_wait, admission)
                            .map(|r| Reservation {
                                id: r.id | FALLBACK_BIT,
                                ..r
                            }))
                    }
                },
            }
        })
    }

    fn cancel(&self, reservation: Reservation) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            if reservation.id & FALLBACK_BIT != 0 {
                self.fallback.cancel_now(Reservation {
                    id: reservation.id & !FALLBACK_BIT,
                    ..reservation
                });
                return;
            }
            if let Ok(mut conn) = self.with_timeout(self.connection()).await {
                let mut pipe = redis::pipe();
                for k in self.keys.iter().chain([&self.displaced_key]) {
                    pipe.zrem(k, reservation.id).ignore();
                }
                pipe.hdel(&self.displaced_at_key, reservation.id).ignore();
                let _ = self.with_timeout(pipe.query_async::<()>(&mut conn)).await;
            }
        })
    }

    fn confirm(
        &self,
        reservation: Reservation,
        remaining: Duration,
    ) -> BackendFuture<'_, Result<Standing, Error>> {
        Box::pin(async move {
            if reservation.id & FALLBACK_BIT != 0 {
                return Ok(self.fallback.standing_now(Reservation {
                    id: reservation.id & !FALLBACK_BIT,
                    ..reservation
                }));
            }
            self.confirm_remote(reservation.id, remaining).await
        })
    }

    fn pause(&self, pause: Duration) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            self.fallback.pause_now(pause);
            lock(&self.margin).widen(self.local_nanos());
            if let Ok(mut conn) = self.with_timeout(self.connection()).await {
                let mut inv = self.pause.prepare_invoke();
                inv.key(&self.pause_key).arg(micros(pause));
                let _ = self.with_timeout(inv.invoke_async::<i64>(&mut conn)).await;
            }
        })
    }

    fn quotas(&self) -> Vec<Quota> {
        self.quotas.clone()
    }
}

/// One run of the script: what to ask, and when this call gives up (on this process's clock).
#[derive(Clone, Copy)]
struct Invocation {
    /// `None` to reserve, or the reservation to confirm.
    confirm: Option<u64>,
    /// How long the caller accepts to wait.
    wait: Duration,
    /// The caller's priority and share (reserve only).
    admission: Admission,
    give_up: tokio::time::Instant,
}

/// A reservation's claim as the script reads it: `share × 4 + rank`.
fn claim(admission: Admission) -> u32 {
    u32::from(admission.share.as_percent()) * 4 + u32::from(admission.priority.rank())
}

/// What the script answered.
enum Answer {
    Granted(Reservation),
    Due,
    Moved(Duration),
    Refused(Refusal),
    /// The call's deadline had passed when the script ran: nothing recorded.
    Expired,
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Marks reservations made by the fail-open fallback.
const FALLBACK_BIT: u64 = 1 << 63;

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2)
}

/// [`ErrorKind::LimiterUnavailable`] with its cause: the `redis` crate's error (a refused
/// connection, a failed command) or a [`RedisFailure`].
fn unavailable(cause: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(ErrorKind::LimiterUnavailable {
        source: Some(Box::new(cause)),
    })
}

/// The hash tag naming one API key's Redis keys: HMAC-SHA256 of the key, 16 bytes in hex.
fn key_tag(naming_key: &Secret, api_key: &Secret) -> Result<String, Error> {
    let mut mac = Hmac::<Sha256>::new_from_slice(naming_key.expose().as_bytes())
        .map_err(|_| Error::config("the Redis naming key cannot key an HMAC"))?;
    mac.update(api_key.expose().as_bytes());
    let digest = mac.finalize().into_bytes();
    Ok(hex::encode(&digest[..16]))
}

/// A shared limiter backed by Redis (convenience for
/// `RateLimiter::with_backend(Arc::new(RedisBackend::new(...)))`).
pub fn redis_limiter(
    config: RedisConfig,
    api_key: &Secret,
    quotas: &[Quota],
) -> Result<super::RateLimiter, Error> {
    Ok(super::RateLimiter::with_backend(Arc::new(
        RedisBackend::new(config, api_key, quotas)?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fail_open_share_keeps_the_group_inside_each_quota() {
        let quotas = [
            Quota::per_second(10).with_margin(Duration::from_millis(50)),
            Quota::per_day(5000),
        ];
        let share = local_share(&quotas, 4).unwrap();
        assert_eq!(
            share,
            vec![
                Quota::per_second(2).with_margin(Duration::from_millis(50)),
                Quota::per_day(1250)
            ]
        );
        assert_eq!(local_share(&quotas, 1).unwrap(), quotas.to_vec());
        let err = local_share(&[Quota::per_second(3)], 4).unwrap_err();
        assert!(err.to_string().contains("3/second"), "{err}");
        assert!(local_share(&quotas, 0).is_err());
        let cfg = RedisConfig::new("redis://127.0.0.1:1", Secret::new("n")).fail_open(4);
        assert!(RedisBackend::new(cfg, &Secret::new("k"), &[Quota::per_second(3)]).is_err());
    }

    #[test]
    fn key_names_hold_a_keyed_hash_not_the_key() {
        let key = Secret::new("1234567890:API-KEY-SECRET");
        let b = RedisBackend::new(
            RedisConfig::new("redis://127.0.0.1:1", Secret::new("naming")),
            &key,
            &[Quota::per_second(3), Quota::per_day(5000)],
        )
        .unwrap();
        let names = b.key_names();
        assert_eq!(names.len(), 6);
        let tag = names[0]
            .split('{')
            .nth(1)
            .unwrap()
            .split('}')
            .next()
            .unwrap();
        assert_eq!(tag.len(), 32);
        for n in &names {
            assert!(!n.contains("API-KEY"), "{n}");
            assert!(
                n.contains(&format!("{{{tag}}}")),
                "all keys share the hash tag: {n}"
            );
        }
        let other = key_tag(&Secret::new("other naming"), &key).unwrap();
        assert_ne!(other, tag, "the hash is keyed");
    }
}
