//! `ClientBuilder::shared_limiter` of each client crate against a real redis-server (the URL
//! of `cargo xtask test` in `TG_REDIS_URL`) and the fakes over loopback: two clients built
//! from two builders, as two replicas would, share one quota and never exceed it together, and
//! the quota they used up is the one in Redis (a third replica's limiter finds nothing left).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use integration_tests::support::{TgaSetup, redis_url, unique};
use tg_common::RateLimitOrigin;
use tg_common::limit::redis_limiter;
use tg_common::{Error, ErrorKind, Quota, Secret};
use tg_mock::MockServer;

/// The quota every test shares: 4 calls a minute, so none comes back during a test.
fn quota() -> Quota {
    Quota::new(4, Duration::from_secs(60))
}

/// Settings every replica of one test shares: the run's Redis, a naming key of its own.
fn redis_config(naming: &str) -> tg_common::limit::RedisConfig {
    tg_common::limit::RedisConfig::new(redis_url(), Secret::new(naming))
}

/// Calls `a` and `b` in turn, 5 times each, never waiting for the limiter; returns how many
/// were admitted. Every refusal must be the local limiter's (nothing sent), never a 429.
async fn alternate<A, B, FA, FB>(a: A, b: B) -> usize
where
    A: Fn() -> FA,
    B: Fn() -> FB,
    FA: Future<Output = Result<(), Error>>,
    FB: Future<Output = Result<(), Error>>,
{
    let mut admitted = 0;
    for _ in 0..5 {
        for result in [a().await, b().await] {
            match result {
                Ok(()) => admitted += 1,
                Err(e) => assert!(
                    matches!(
                        e.kind(),
                        ErrorKind::RateLimited {
                            origin: RateLimitOrigin::Local { .. },
                            ..
                        }
                    ),
                    "{e:?}"
                ),
            }
        }
    }
    admitted
}

/// A third replica's limiter over the same Redis finds the quota used up.
async fn nothing_left_in_redis(naming: &str, key: &str) {
    let third = redis_limiter(redis_config(naming), &Secret::new(key), &[quota()]).unwrap();
    let err = third.acquire_within(Duration::ZERO).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn two_tgtrack_replicas_share_one_quota_through_redis() {
    use tg_mock::tgtrack::{Mode, TgtrackFake};
    use tgtrack_client::prelude::*;

    let fake = Arc::new(TgtrackFake::new());
    let key = unique("shared-tgtrack-");
    fake.add_key(&key, Mode::Sandbox);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let naming = unique("naming-");
    let replica = || {
        tgtrack_client::Client::builder(key.as_str())
            .core(|c| {
                c.with_loopback_url(server.base_url())
                    .with_quotas(vec![quota()])
                    .with_max_rate_wait(Duration::ZERO)
            })
            // Events may use the whole quota here: no share is kept for starts and stops.
            .reserved_share(0)
            .shared_limiter(redis_config(&naming))
            .build()
            .unwrap()
    };
    let (a, b) = (replica(), replica());
    let call = |c: &tgtrack_client::Client| {
        let c = c.clone();
        async move {
            c.add_event(7, "sale")
                .result(tgtrack_client::EventResult::Success)
                .send()
                .await
                .map(drop)
        }
    };
    assert_eq!(alternate(|| call(&a), || call(&b)).await, 4);
    assert_eq!(fake.accepted_events(&key).len(), 4);
    nothing_left_in_redis(&naming, &key).await;
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn two_tga_replicas_share_one_quota_through_redis() {
    use tga_client::{EventName, Uuid};

    let setup = TgaSetup::new("my_app", "my-app.example.com").await;
    let naming = unique("naming-");
    let replica = || {
        setup
            .builder()
            .core(|c| {
                c.with_quotas(vec![quota()])
                    .with_max_rate_wait(Duration::ZERO)
            })
            .shared_limiter(redis_config(&naming))
            .build()
            .unwrap()
    };
    let (a, b) = (replica(), replica());
    let call = |c: &tga_client::Client| {
        let c = c.clone();
        async move {
            let event = c.event(111_111_111, EventName::AppInit, Uuid::new_v4());
            c.send_events(&[event]).send().await.map(drop)
        }
    };
    assert_eq!(alternate(|| call(&a), || call(&b)).await, 4);
    assert_eq!(setup.fake.accepted_count(), 4);
    nothing_left_in_redis(&naming, &setup.token).await;
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn two_tgmembership_replicas_share_one_quota_through_redis() {
    use tg_mock::tgmembership::TgmembershipFake;

    let key = unique("shared-tgm-");
    let fake = Arc::new(TgmembershipFake::new(42, &key));
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let naming = unique("naming-");
    let replica = || {
        tgmembership_client::Client::builder(42, key.as_str())
            .core(|c| {
                c.with_loopback_url(server.base_url())
                    .with_quotas(vec![quota()])
                    .with_max_rate_wait(Duration::ZERO)
            })
            .shared_limiter(redis_config(&naming))
            .build()
            .unwrap()
    };
    let (a, b) = (replica(), replica());
    let call = |c: &tgmembership_client::Client| {
        let c = c.clone();
        async move { c.plans().list().send().await.map(drop) }
    };
    assert_eq!(alternate(|| call(&a), || call(&b)).await, 4);
    assert_eq!(server.request_count(), 4);
    nothing_left_in_redis(&naming, &key).await;
}

/// Without quotas there is nothing to share: building says so instead of sharing nothing.
#[test]
fn a_shared_limiter_without_quotas_is_a_configuration_error() {
    let err = tgmembership_client::Client::builder(42, "k")
        .shared_limiter(tgmembership_client::RedisConfig::new(
            "redis://127.0.0.1:1",
            Secret::new("n"),
        ))
        .build()
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    assert!(err.to_string().contains("quotas"), "{err}");
}

/// Redis unreachable and failing closed: the call is refused before anything is sent, with the
/// limiter named, so the limiter in use is the shared one.
#[tokio::test]
async fn an_unreachable_shared_limiter_refuses_before_sending() {
    use tg_mock::tgtrack::{Mode, TgtrackFake};

    let fake = Arc::new(TgtrackFake::new());
    let key = unique("down-tgtrack-");
    fake.add_key(&key, Mode::Sandbox);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = tgtrack_client::Client::builder(key.as_str())
        .core(|c| c.with_loopback_url(server.base_url()))
        .shared_limiter(tgtrack_client::RedisConfig::new(
            format!("redis://127.0.0.1:{port}"),
            Secret::new("n"),
        ))
        .build()
        .unwrap();
    let err = client.get_user_info(7).send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LimiterUnavailable { .. }),
        "{err:?}"
    );
    assert_eq!(server.request_count(), 0);
}
