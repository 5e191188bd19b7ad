//! The shared limiter demo: two TGTrack "replicas" (two clients, each with its own limiter
//! object, as two processes would have) send at once against the fake TGTrack enforcing its
//! documented 3 requests a second. With a limiter each, the service refuses the excess; with a
//! limiter shared through Redis, nothing is refused. Needs `redis-server` (started on a free
//! loopback port, as `cargo xtask test` does); without it the part says it is skipped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tg_common::limit::{RedisConfig, redis_limiter};
use tg_common::{RateLimiter, RetryPolicy, Secret};
use tg_mock::tgtrack::{Mode, TgtrackFake};
use tg_mock::{FixedWindows, MockServer};
use tgtrack_client::{Client, DEFAULT_QUOTAS};

use super::render::Section;
use crate::text;

const LOCAL_KEY: &str = "demo-tgtrack-replicas-own-limiters";
const SHARED_KEY: &str = "demo-tgtrack-replicas-shared-limiter";
/// Requests each replica sends at once.
const EACH: i64 = 3;

/// How a burst went: accepted, refused by the service (429), time taken.
#[derive(Debug)]
struct Burst {
    accepted: usize,
    refused: usize,
    took: Duration,
}

/// A replica: a client of `key` with its own `limiter` and no retries (a 429 shows as is).
fn replica(base: &str, key: &str, limiter: RateLimiter) -> Result<Client, String> {
    Client::builder(key)
        .core(|c| c.with_loopback_url(base).with_limiter(limiter))
        .retry_policy(RetryPolicy::none())
        .build()
        .map_err(text)
}

/// Both replicas send [`EACH`] events at once.
async fn burst(replicas: [&Client; 2]) -> Burst {
    let start = Instant::now();
    let mut sends = Vec::new();
    for (r, client) in replicas.into_iter().enumerate() {
        for n in 0..EACH {
            let user = 7_000_000_000 + 100 * i64::try_from(r).unwrap_or(0) + n;
            sends.push(async move { client.add_event(user, "lesson_done").send().await });
        }
    }
    let results = futures_util::future::join_all(sends).await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    Burst {
        accepted,
        refused: results.len() - accepted,
        took: start.elapsed(),
    }
}

fn said(b: &Burst) -> String {
    format!(
        "{} accepted, {} refused with 429, in {:.1} s",
        b.accepted,
        b.refused,
        b.took.as_secs_f64()
    )
}

/// Runs the shared-limiter demo.
pub async fn run(s: &mut Section) -> Result<(), String> {
    let redis = tokio::task::spawn_blocking(crate::redis::start)
        .await
        .map_err(text)??;
    let Some(redis) = redis else {
        s.note(
            "Skipped: redis-server is not installed. The shared limiter keeps its counts in \
             Redis; install redis-server to see two replicas share one quota.",
        );
        return Ok(());
    };

    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(LOCAL_KEY, Mode::Production);
    fake.add_key(SHARED_KEY, Mode::Production);
    let server = MockServer::start(Arc::clone(&fake)).await.map_err(text)?;
    server.set_rate_limit(Some(FixedWindows::tgtrack(
        tokio::time::Instant::now(),
        Duration::ZERO,
    )));
    let base = server.base_url();
    s.note(
        "The fake TGTrack enforces its documented limits per key: 3 requests a second \
         (and 500 an hour, 5,000 a day); beyond, 429.",
    );

    let own = |key: &str| replica(&base, key, RateLimiter::new(&DEFAULT_QUOTAS));
    let (a, b) = (own(LOCAL_KEY)?, own(LOCAL_KEY)?);
    let alone = burst([&a, &b]).await;
    s.call(
        &format!("2 replicas, a limiter each, {EACH} add_event each at once"),
        &Ok::<_, String>(alone),
        said,
    );

    let shared = |key: &str| {
        let config = RedisConfig::new(redis.url.clone(), Secret::new("demo naming key"));
        let limiter = redis_limiter(config, &Secret::new(key), &DEFAULT_QUOTAS).map_err(text)?;
        replica(&base, key, limiter)
    };
    let (a, b) = (shared(SHARED_KEY)?, shared(SHARED_KEY)?);
    let together = burst([&a, &b]).await;
    s.call(
        &format!("2 replicas sharing a Redis limiter, {EACH} add_event each at once"),
        &Ok::<_, String>(together),
        said,
    );
    s.note(format!(
        "The service saw {} events in all: a shared limiter spaces the replicas' requests \
         instead of letting the service refuse them.",
        fake.accepted_events(LOCAL_KEY).len() + fake.accepted_events(SHARED_KEY).len()
    ));
    Ok(())
}
