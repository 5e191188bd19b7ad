//! (h) Quota priority: starts and stops keep the reserved share of every window that `add_event`
//! and `send_reach_goal` may not use, go before waiting events, in one process and across
//! replicas sharing a Redis quota; a lookup is not queued behind events; an expired goal is
//! refused before sending.

use integration_tests::support::{redis_url, unique};
use tg_common::Quota;
use tg_common::Secret;
use tg_common::limit::{RedisConfig, redis_limiter};

use super::*;

/// A client of `key` on `server` with waits of up to `max_wait` for the limiter.
fn patient_client(server: &MockServer, key: &str, max_wait: Duration) -> Client {
    Client::builder(key)
        .max_rate_wait(max_wait)
        .core(|c| {
            c.with_loopback_url(server.base_url())
                .with_timeouts(Timeouts {
                    attempt: Duration::from_secs(30),
                    overall: Duration::from_secs(60),
                })
        })
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn with_the_hour_nearly_spent_by_events_starts_still_go_through() {
    let key = "it-track-priority-hour-key";
    let s = setup(key, FakeMode::Production).await;
    let client = patient_client(&s.server, key, Duration::from_secs(2 * 3600));
    // 500 events, willing to wait two hours: 400 (the hour less the 20% reserved) go within
    // the first hour, two a second; the other 100 wait for the hour to turn.
    let mut events = Vec::new();
    for i in 0..500i64 {
        events.push(tokio::spawn(client.add_event(1_000 + i, "lesson").send()));
    }
    tokio::time::sleep(Duration::from_secs(250)).await;
    assert_eq!(s.fake.accepted_events(key).len(), 400);
    // An impatient event is refused at once, naming the hour.
    let e = s.client.add_event(1, "impatient").send().await.unwrap_err();
    match e.kind() {
        ErrorKind::RateLimited {
            origin: RateLimitOrigin::Local { .. },
            retry_after,
        } => assert!(retry_after.unwrap() > Duration::from_secs(3000), "{e}"),
        other => panic!("unexpected {other:?}"),
    }
    // 100 starts arrive: all go through within the reserved share, at three a second, ahead of
    // the waiting events.
    let arrived = tokio::time::Instant::now();
    let mut starts = Vec::new();
    for i in 0..100i64 {
        let request = s
            .client
            .user_did_start_bot(50_000 + i, format!("User {i}"))
            .max_rate_wait(Duration::from_secs(60));
        starts.push(tokio::spawn(request.send()));
    }
    for t in starts {
        t.await.unwrap().unwrap();
    }
    assert!(
        arrived.elapsed() < Duration::from_secs(40),
        "{:?}",
        arrived.elapsed()
    );
    assert_eq!(s.fake.users(key).len(), 100);
    assert_eq!(s.fake.accepted_events(key).len(), 400);
    // The 101st start finds the hour full.
    let e = s
        .client
        .user_did_start_bot(9, "Late")
        .send()
        .await
        .unwrap_err();
    assert!(e.is_rate_limited(), "{e}");
    // The waiting events go when the hour turns: none was lost.
    for t in events {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.fake.accepted_events(key).len(), 500);
}

#[tokio::test(start_paused = true)]
async fn with_the_day_spent_2000_direct_starts_go_before_2000_waiting_events() {
    let key = "it-track-priority-day-key";
    let s = setup(key, FakeMode::Production).await;
    let client = patient_client(&s.server, key, Duration::from_secs(2 * 86_400));
    spend_the_day(&client).await;
    // 2,000 events wait for the day to turn, then 2,000 starts arrive, each a caller of its own.
    let events: Vec<_> = (0..2000i64)
        .map(|i| tokio::spawn(client.add_event(1_000 + i, "lesson").send()))
        .collect();
    tokio::task::yield_now().await;
    let starts: Vec<_> = (0..2000i64)
        .map(|i| {
            let request = client.user_did_start_bot(50_000 + i, format!("User {i}"));
            tokio::spawn(request.send())
        })
        .collect();
    for t in starts.into_iter().chain(events) {
        t.await.unwrap().unwrap();
    }
    // Every start before every event: each placed ahead of them, at O(log n).
    let order = call_order(&s.server);
    assert_eq!(order.len(), 4000);
    let first_event = order.find('E').unwrap();
    assert_eq!(first_event, 2000, "{order}");
}

#[tokio::test(start_paused = true)]
async fn a_lookup_is_not_queued_behind_waiting_events() {
    let key = "it-track-priority-lookup-key";
    let s = setup(key, FakeMode::Production).await;
    s.client
        .user_did_start_bot(7_000_001, "Вася")
        .send()
        .await
        .unwrap();
    let client = patient_client(&s.server, key, Duration::from_secs(60));
    // 30 events queue up 15 s of traffic (two a second).
    let mut events = Vec::new();
    for i in 0..30i64 {
        events.push(tokio::spawn(client.add_event(100 + i, "lesson").send()));
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let asked = tokio::time::Instant::now();
    let info = s
        .client
        .get_user_info(7_000_001)
        .send()
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(info.user_id, 7_000_001);
    assert!(
        asked.elapsed() <= Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    for t in events {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.fake.accepted_events(key).len(), 30);
}

#[tokio::test]
async fn an_expired_goal_is_refused_before_sending() {
    let key = "it-track-priority-goal-key";
    let s = setup(key, FakeMode::Production).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    let e = s
        .client
        .send_reach_goal(7_000_002, "userDidSharePhone")
        .started_at(now - 22 * day)
        .send()
        .await
        .unwrap_err();
    assert!(e.is_expired(), "{e}");
    match e.kind() {
        ErrorKind::Expired { field, age, limit } => {
            assert_eq!(field, "started_at");
            assert!(*age >= Duration::from_secs(22 * 86_400), "{age:?}");
            assert_eq!(*limit, tgtrack_client::GOAL_WINDOW);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!e.is_retryable());
    assert_eq!(s.server.request_count(), 0, "nothing was sent");
    // Within the window it is sent, and the start date is not.
    s.client
        .send_reach_goal(7_000_002, "userDidSharePhone")
        .started_at(now - 20 * day)
        .send()
        .await
        .unwrap();
    let sent = s.server.requests();
    assert_eq!(sent.len(), 1);
    assert!(!String::from_utf8_lossy(&sent[0].body).contains("started_at"));
}

/// Two replicas of one key sharing a Redis quota of 10 per 20 s (20% reserved: 8 for events).
fn replica(server: &MockServer, key: &str, url: &str, quota: Quota) -> Client {
    let limiter = redis_limiter(
        RedisConfig::new(url, Secret::new("it-priority-naming")),
        &Secret::new(key),
        &[quota],
    )
    .unwrap();
    Client::builder(key)
        .core(|c| {
            c.with_loopback_url(server.base_url())
                .with_quotas(vec![quota])
                .with_limiter(limiter)
        })
        .build()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn replicas_sharing_a_redis_quota_keep_the_reserved_share_for_starts() {
    let url = redis_url();
    let key = unique("it-track-priority-redis-");
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(&key, FakeMode::Production);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let quota = Quota::new(10, Duration::from_secs(20));
    let a = replica(&server, &key, &url, quota);
    let b = replica(&server, &key, &url, quota);
    // Events from both replicas use 8 of the 10: the 9th is refused, whichever sends it.
    for i in 0..8i64 {
        let client = if i % 2 == 0 { &a } else { &b };
        client.add_event(100 + i, "lesson").send().await.unwrap();
    }
    for client in [&a, &b] {
        let e = client
            .add_event(1, "over")
            .max_rate_wait(Duration::ZERO)
            .send()
            .await
            .unwrap_err();
        assert!(e.is_rate_limited(), "{e}");
    }
    // Starts from both replicas take the two reserved calls; the third finds the window full.
    a.user_did_start_bot(1_001, "A").send().await.unwrap();
    b.user_did_start_bot(1_002, "B").send().await.unwrap();
    let e = b
        .user_did_start_bot(1_003, "C")
        .max_rate_wait(Duration::ZERO)
        .send()
        .await
        .unwrap_err();
    assert!(e.is_rate_limited(), "{e}");
    assert_eq!(fake.accepted_events(&key).len(), 8);
    assert_eq!(fake.users(&key).len(), 2);
}

#[tokio::test]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn a_start_on_one_replica_goes_before_events_waiting_on_another() {
    let url = redis_url();
    let key = unique("it-track-priority-redis-order-");
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(&key, FakeMode::Production);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    // One call a second and nothing reserved: the order is all that is tested.
    let quota = Quota::new(1, Duration::from_secs(1));
    let limiter = |naming: &str| {
        redis_limiter(
            RedisConfig::new(url.as_str(), Secret::new(naming)),
            &Secret::new(key.as_str()),
            &[quota],
        )
        .unwrap()
    };
    let build = |limiter| {
        Client::builder(key.as_str())
            .reserved_share(0)
            .max_rate_wait(Duration::from_secs(10))
            .core(|c| {
                c.with_loopback_url(server.base_url())
                    .with_quotas(vec![quota])
                    .with_limiter(limiter)
            })
            .build()
            .unwrap()
    };
    let a = build(limiter("it-priority-order"));
    let b = build(limiter("it-priority-order"));
    // Replica A: four events, due at 0, 1, 2 and 3 s (in whatever order their tasks ran).
    let started = std::time::Instant::now();
    let mut events = Vec::new();
    for i in 0..4i64 {
        let request = a.add_event(200 + i, "lesson");
        events.push(tokio::spawn(async move {
            request.send().await.map(|_| started.elapsed())
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Replica B: a start goes at 1 s, before the events waiting for 1, 2 and 3 s.
    b.user_did_start_bot(3_001, "Start").send().await.unwrap();
    let start_took = started.elapsed();
    assert!(start_took < Duration::from_millis(1_700), "{start_took:?}");
    let mut sent_at = Vec::new();
    for t in events {
        sent_at.push(t.await.unwrap().unwrap());
    }
    // The three events still waiting moved back one second each, and all were sent.
    sent_at.sort_unstable();
    assert!(sent_at[1] > start_took, "{sent_at:?} {start_took:?}");
    assert!(sent_at[3] >= Duration::from_millis(3_500), "{sent_at:?}");
    assert_eq!(fake.accepted_events(&key).len(), 4);
}
