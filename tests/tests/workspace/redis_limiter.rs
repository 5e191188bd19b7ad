//! The Redis limiter backend against a real redis-server (started by `cargo xtask test`, which
//! passes its URL in `TG_REDIS_URL`). Each test is `#[ignore]`d as needing redis-server: `cargo
//! xtask test` runs them once its server is up, fails under CI without one, and elsewhere
//! counts them as skipped.
//! These tests run in real time (Redis's clock cannot be paused), on short windows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use integration_tests::support::{OwnRedis, redis_url};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tg_common::limit::{FailMode, RedisBackend, RedisConfig, RedisFailure, redis_limiter};
use tg_common::{ErrorKind, Quota, RateLimiter, Secret};
use tg_mock::{FixedReply, FixedWindows, MockServer, Reply};

fn unique(name: &str) -> Secret {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    Secret::new(format!("{name}-{n}"))
}

fn config(url: &str) -> RedisConfig {
    RedisConfig::new(url, Secret::new("test-naming-key"))
}

/// Two replicas of one key, eight callers hammering for a second, against a quota whose window is
/// longer than the run: exactly the quota is admitted in all, never one more (counted by the
/// callers and by Redis itself). Independent of how loaded this machine is; timing under a
/// window is checked server-side by the four-process test below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn replicas_share_one_exact_quota() {
    let url = redis_url();
    let key = unique("shared");
    let quota = Quota::new(20, Duration::from_secs(30));
    let backend = RedisBackend::new(config(&url), &key, &[quota]).unwrap();
    let zset = backend.key_names()[0].clone();
    let a = RateLimiter::with_backend(Arc::new(backend));
    let b = redis_limiter(config(&url), &key, &[quota]).unwrap();
    let admitted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_millis(1000);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let lim = if i % 2 == 0 { a.clone() } else { b.clone() };
        let admitted = Arc::clone(&admitted);
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                if lim.acquire_within(Duration::ZERO).await.is_ok() {
                    admitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(admitted.load(std::sync::atomic::Ordering::Relaxed), 20);
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stored: usize = redis::cmd("ZCARD")
        .arg(&zset)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 20, "Redis holds exactly the admitted reservations");
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_refusal_names_the_quota_and_a_restart_keeps_the_days_count() {
    let url = redis_url();
    let key = unique("restart");
    let quotas = [Quota::per_second(100), Quota::per_day(3)];
    {
        let first = redis_limiter(config(&url), &key, &quotas).unwrap();
        for _ in 0..3 {
            first.acquire_within(Duration::ZERO).await.unwrap();
        }
    }
    // A new process (a new backend) with the same key sees the day's count.
    let second = redis_limiter(config(&url), &key, &quotas).unwrap();
    let err = second
        .acquire_within(Duration::from_secs(5))
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::RateLimited { retry_after, .. } => {
            let ra = retry_after.unwrap();
            assert!(ra > Duration::from_secs(86_000), "{ra:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("3/day"), "{err}");
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn keys_expire_when_the_longest_window_has_passed() {
    let url = redis_url();
    let key = unique("ttl");
    let quotas = [
        Quota::new(2, Duration::from_secs(1)),
        Quota::new(10, Duration::from_secs(3)),
    ];
    let backend = RedisBackend::new(config(&url), &key, &quotas).unwrap();
    let names = backend.key_names();
    let lim = RateLimiter::with_backend(Arc::new(backend));
    lim.acquire_within(Duration::ZERO).await.unwrap();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for name in &names[..2] {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(name)
            .query_async(&mut conn)
            .await
            .unwrap();
        // The longest window (3 s), plus the widest adaptive margin it may need to remember
        // admissions for (1 s), plus 1 s of slack.
        assert!(ttl > 3_000 && ttl <= 5_000, "{name}: pttl {ttl}");
        assert!(!name.contains(key.expose()));
    }
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_dropped_waiter_returns_its_slot() {
    let url = redis_url();
    let key = unique("cancel");
    let q = [Quota::new(1, Duration::from_millis(300))];
    let lim = redis_limiter(config(&url), &key, &q).unwrap();
    lim.acquire_within(Duration::ZERO).await.unwrap();
    let waiting = tokio::time::timeout(
        Duration::from_millis(50),
        lim.acquire_within(Duration::from_secs(1)),
    )
    .await;
    assert!(waiting.is_err(), "should have been waiting");
    tokio::time::sleep(Duration::from_millis(50)).await; // the cancel is sent in the background
    // The abandoned slot (300 ms) is free again: from here the next caller waits ~200 ms, not
    // ~500 ms for the slot after it; the bound leaves room for scheduling delay under load.
    let started = Instant::now();
    lim.acquire_within(Duration::from_secs(1)).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
}

/// Redis stalls (SIGSTOP) longer than the call timeout: the calls fail, and the scripts they
/// sent, run by Redis once it resumes, charge nothing: the quota is intact afterwards.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_stall_does_not_charge_the_calls_that_gave_up() {
    let server = OwnRedis::start();
    let key = unique("stall");
    let quota = [Quota::new(5, Duration::from_secs(60))];
    let mut cfg = config(&server.url);
    cfg.timeout = Duration::from_millis(300);
    let backend = RedisBackend::new(cfg.clone(), &key, &quota).unwrap();
    let zset = backend.key_names()[0].clone();
    let lim = RateLimiter::with_backend(Arc::new(backend));
    lim.acquire_within(Duration::ZERO).await.unwrap();

    server.signal("-STOP");
    let stalled =
        futures_util::future::join_all((0..3).map(|_| lim.acquire_within(Duration::ZERO))).await;
    for r in &stalled {
        let err = r.as_ref().unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::LimiterUnavailable { .. }),
            "{err:?}"
        );
    }
    // Stalled a little longer than the calls waited, then resumed: Redis runs the scripts they
    // left in its socket before it answers a new connection.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.signal("-CONT");
    let client = redis::Client::open(server.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stored: usize = redis::cmd("ZCARD")
        .arg(&zset)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 1, "calls that gave up were charged");
    // A fresh replica (no circuit breaker open) still has the four remaining slots.
    let fresh = RateLimiter::with_backend(Arc::new(RedisBackend::new(cfg, &key, &quota).unwrap()));
    for i in 0..4 {
        fresh
            .acquire_within(Duration::ZERO)
            .await
            .unwrap_or_else(|e| panic!("slot {i}: {e}"));
    }
    assert!(fresh.acquire_within(Duration::ZERO).await.is_err());
}

/// A 429 seen by one replica holds back a caller of another replica that was already granted a
/// slot inside the pause: it is moved behind the pause when its wait is over.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_pause_holds_back_callers_already_granted_a_slot_on_every_replica() {
    let url = redis_url();
    let key = unique("pause-granted");
    let q = [Quota::new(1, Duration::from_millis(400))];
    let a = redis_limiter(config(&url), &key, &q).unwrap();
    let b = redis_limiter(config(&url), &key, &q).unwrap();
    let started = Instant::now();
    a.acquire_within(Duration::ZERO).await.unwrap();
    // Granted the slot at about 400 ms.
    let waiter = tokio::spawn({
        let a = a.clone();
        async move {
            a.acquire_within(Duration::from_secs(5)).await.unwrap();
            started.elapsed()
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The other replica's call got a 429: pause the key for 1 s (until about 1.1 s).
    b.pause(Duration::from_secs(1)).await;
    let admitted = waiter.await.unwrap();
    assert!(
        admitted >= Duration::from_millis(1050),
        "admitted inside the pause, at {admitted:?}"
    );
}

#[tokio::test]
async fn unreachable_redis_fails_closed_or_open_as_configured() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("redis://127.0.0.1:{port}");
    let key = unique("down");
    let q = [Quota::per_day(2)];

    let closed = redis_limiter(config(&url), &key, &q).unwrap();
    let err = closed.acquire_within(Duration::ZERO).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LimiterUnavailable { .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!format!("{err:?}{err}").contains(key.expose()));

    let mut open_cfg = config(&url);
    open_cfg.fail_mode = FailMode::Open;
    let open = redis_limiter(open_cfg, &key, &q).unwrap();
    let started = Instant::now();
    open.acquire_within(Duration::ZERO).await.unwrap();
    open.acquire_within(Duration::ZERO).await.unwrap();
    let err = open.acquire_within(Duration::ZERO).await.unwrap_err();
    assert!(
        err.is_rate_limited(),
        "the fallback still enforces the quota: {err:?}"
    );
    // After the first failure the dead store is not tried again for a while.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// What `err` prints: Display, Debug and `{:#?}` of it and of each source below it.
fn chain(err: &tg_common::Error) -> String {
    tg_mock::leak::error_texts(err).join(" | ")
}

/// The `RedisFailure` an unavailable limiter gives as its source.
fn failure(err: &tg_common::Error) -> RedisFailure {
    match err.kind() {
        ErrorKind::LimiterUnavailable {
            source: Some(source),
        } => source
            .downcast_ref::<RedisFailure>()
            .unwrap_or_else(|| panic!("not a RedisFailure: {}", chain(err)))
            .clone(),
        other => panic!("{other:?}"),
    }
}

/// Nothing listens on the port: the refused connection is the error's source, and the calls
/// made during the cooldown that follows name it too.
#[tokio::test]
async fn a_refused_connection_is_the_cause_of_an_unavailable_limiter() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let lim = redis_limiter(
        config(&format!("redis://127.0.0.1:{port}")),
        &unique("refused"),
        &[Quota::per_day(2)],
    )
    .unwrap();
    let err = lim.acquire_within(Duration::ZERO).await.unwrap_err();
    let source = std::error::Error::source(&err).expect("the cause is kept");
    assert!(
        source.downcast_ref::<redis::RedisError>().is_some(),
        "{source:?}"
    );
    let text = chain(&err);
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(err.to_string().contains(&source.to_string()), "{err}");

    let again = lim.acquire_within(Duration::ZERO).await.unwrap_err();
    match failure(&again) {
        RedisFailure::CoolingDown { cause, .. } => {
            assert!(cause.to_lowercase().contains("refused"), "{cause}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        again.to_string().to_lowercase().contains("refused"),
        "{again}"
    );
}

/// Redis stalled (SIGSTOP): a call on an open connection, and one that connects anew, fail
/// within the timeout with the timeout as their cause; resumed (SIGCONT), Redis serves again.
#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_stalled_redis_is_a_timeout_cause() {
    let server = OwnRedis::start();
    let key = unique("stalled-cause");
    let quota = [Quota::new(100, Duration::from_secs(60))];
    let mut cfg = config(&server.url);
    cfg.timeout = Duration::from_millis(300);
    let open = redis_limiter(cfg.clone(), &key, &quota).unwrap();
    open.acquire_within(Duration::ZERO).await.unwrap();

    server.signal("-STOP");
    let fresh = redis_limiter(cfg.clone(), &key, &quota).unwrap();
    for lim in [&open, &fresh] {
        let started = Instant::now();
        let err = lim.acquire_within(Duration::ZERO).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            failure(&err),
            RedisFailure::TimedOut {
                after: Duration::from_millis(300)
            },
            "{}",
            chain(&err)
        );
        assert!(
            err.to_string().contains("did not answer within 300ms"),
            "{err}"
        );
    }
    server.signal("-CONT");
    let resumed = redis_limiter(cfg, &key, &quota).unwrap();
    resumed.acquire_within(Duration::ZERO).await.unwrap();
}

/// Redis unreachable and fail-open among four replicas: each replica admits its share of the
/// quota (a quarter), not the whole quota, so the four stay inside it together.
#[tokio::test]
async fn fail_open_admits_this_replicas_share_not_the_whole_quota() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("redis://127.0.0.1:{port}");
    let key = unique("share");
    let q = [Quota::per_day(20)];
    let replica = redis_limiter(config(&url).fail_open(4), &key, &q).unwrap();
    let mut admitted = 0;
    while replica.acquire_within(Duration::ZERO).await.is_ok() {
        admitted += 1;
        assert!(admitted <= 20, "the fallback exceeded the quota");
    }
    assert_eq!(
        admitted, 5,
        "one replica of four admits a quarter of the quota"
    );
}

/// Four separate processes, one key, tg-mock's strict fixed windows: no 429 and at least 95% of
/// the binding quota used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn four_processes_share_the_quota_without_a_429() {
    let url = redis_url();
    let server = MockServer::start(Arc::new(FixedReply(Reply::json(
        200,
        &serde_json::json!({}),
    ))))
    .await
    .unwrap();
    let (count, window_ms, margin_ms, seconds) = (20u32, 2000u64, 30u64, 8u64);
    server.set_rate_limit(Some(FixedWindows::new(
        &[(count, Duration::from_millis(window_ms))],
        tokio::time::Instant::now(),
        Duration::from_millis(737),
    )));
    let key = unique("multi-process");
    let started = Instant::now();
    let mut children = Vec::new();
    for _ in 0..4 {
        children.push(
            tokio::process::Command::new(env!("CARGO_BIN_EXE_limiter_worker"))
                .args([
                    url.clone(),
                    key.expose().to_owned(),
                    server.base_url(),
                    seconds.to_string(),
                    count.to_string(),
                    window_ms.to_string(),
                    margin_ms.to_string(),
                ])
                .output(),
        );
    }
    let mut ok = 0u64;
    for child in children {
        let out = child.await.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let n: u64 = text
            .split_whitespace()
            .find_map(|p| p.strip_prefix("ok="))
            .and_then(|n| n.parse().ok())
            .unwrap();
        ok += n;
    }
    let elapsed = started.elapsed();
    assert_eq!(
        server.rate_limited_count(),
        0,
        "the strict fake answered 429"
    );
    let binding = f64::from(count) * (seconds * 1000) as f64 / window_ms as f64;
    let used = ok as f64 / binding;
    eprintln!(
        "4 processes: {ok} requests in {elapsed:?}, {:.1}% of the binding quota",
        used * 100.0
    );
    assert!(
        used >= 0.95,
        "used {:.1}% of the binding quota",
        used * 100.0
    );
}

/// Two replicas sharing one quota in Redis, 40 callers of every priority and share arriving
/// over two seconds, some giving up while they wait and many displaced by later callers of a
/// higher priority (placed again lazily, when they confirm): no window holds more than the
/// quota (checked on Redis's own record of the admissions, on its clock), every caller is
/// admitted or refused with `RateLimited`, and nothing is left displaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn callers_of_every_priority_on_two_replicas_never_exceed_the_quota() {
    use rand::{Rng, SeedableRng};
    use tg_common::limit::{Priority, ReservedShare};
    let url = redis_url();
    let key = unique("priorities");
    // Five a half-second; the day's count is far off but keeps every admission in Redis.
    let quotas = [
        Quota::new(5, Duration::from_millis(500)),
        Quota::per_day(1000),
    ];
    let backend = RedisBackend::new(config(&url), &key, &quotas).unwrap();
    let names = backend.key_names();
    let replicas = [
        RateLimiter::with_backend(Arc::new(backend)),
        redis_limiter(config(&url), &key, &quotas).unwrap(),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(23);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let limiter = replicas[i % 2]
            .clone()
            .with_reserved_share(ReservedShare::percent(rng.random_range(0..=60)).unwrap());
        let priority = Priority::from_rank(rng.random_range(0..4));
        let delay = Duration::from_millis(rng.random_range(0..2000));
        let wait = Duration::from_millis(rng.random_range(300..8000));
        let give_up = rng
            .random_bool(0.2)
            .then(|| Duration::from_millis(rng.random_range(100..1500)));
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let acquire = limiter.acquire_for(priority, wait);
            match give_up {
                Some(after) => tokio::time::timeout(after, acquire).await.ok(),
                None => Some(acquire.await),
            }
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Some(Ok(())) => admitted += 1,
            Some(Err(e)) => assert!(e.is_rate_limited(), "{e:?}"),
            None => {}
        }
    }
    // The callers that gave up return their slots from spawned tasks.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let day: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(&names[1])
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(day.len(), admitted, "Redis holds exactly the admissions");
    let times: Vec<f64> = day.iter().map(|(_, t)| *t).collect();
    for w in times.windows(6) {
        assert!(
            w[5] - w[0] >= 500_000.0,
            "six admissions within a window: {w:?}"
        );
    }
    let displaced: usize = redis::cmd("ZCARD")
        .arg(&names[4])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(displaced, 0, "nothing left displaced");
    assert!(admitted >= 20, "{admitted} admitted");
}
