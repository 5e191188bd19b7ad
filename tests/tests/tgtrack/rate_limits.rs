//! (f) Rate limits in virtual time.

use super::*;

/// 200 users press Start at random moments within one minute (more than the 3-a-second quota
/// serves), against the strict fixed windows with up to 30 ms of arrival jitter. `schedule`
/// seeds the start times, the jitter and the alignment of the server's windows. Returns the
/// number of 429 answers.
async fn two_hundred_starts(schedule: u64) -> usize {
    let key = format!("it-track-burst-key-{schedule}");
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(&key, FakeMode::Production);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    server.set_rate_limit(Some(FixedWindows::tgtrack(
        tokio::time::Instant::now(),
        Duration::from_millis(437 + schedule * 131),
    )));
    server.set_arrival_jitter(Some((Duration::from_millis(30), 2024 + schedule)));
    // Waits of up to 120 s for the limiter; the overall deadline must cover them.
    let client = Client::builder(key.as_str())
        .max_rate_wait(Duration::from_secs(120))
        .core(|c| {
            c.with_loopback_url(server.base_url())
                .with_timeouts(Timeouts {
                    attempt: Duration::from_secs(30),
                    overall: Duration::from_secs(180),
                })
        })
        .build()
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7 + schedule);
    let mut tasks = Vec::new();
    for i in 0..200i64 {
        let offset = Duration::from_millis(rng.random_range(0..60_000));
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            client
                .user_did_start_bot(10_000 + i, format!("User {i}"))
                .send()
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(fake.users(&key).len(), 200, "schedule {schedule}");
    let worst = server.worst_window_counts().unwrap();
    assert!(worst[0] <= 3 && worst[1] <= 500, "{worst:?}");
    server.rate_limited_count()
}

#[tokio::test(start_paused = true)]
async fn two_hundred_starts_in_a_minute_meet_no_429() {
    // Schedules where the same burst without the 50 ms margin meets 429s.
    for schedule in [14, 19, 22, 34, 35] {
        assert_eq!(two_hundred_starts(schedule).await, 0, "schedule {schedule}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_queue_longer_than_the_default_wait_fails_locally_naming_the_quota() {
    let key = "it-track-queue-key";
    let s = setup(key, FakeMode::Production).await;
    // 60 callers willing to wait queue up about 20 s of traffic at 3 a second.
    let mut patient = Vec::new();
    for i in 0..60i64 {
        let request = s
            .client
            .add_event(100 + i, "lesson")
            .max_rate_wait(Duration::from_secs(60));
        patient.push(tokio::spawn(request.send()));
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    // A caller with the default 10 s wait is refused at once, nothing sent for it.
    let before = s.server.request_count();
    let e = s.client.add_event(1, "impatient").send().await.unwrap_err();
    match e.kind() {
        ErrorKind::RateLimited {
            origin: RateLimitOrigin::Local { quota },
            retry_after,
        } => {
            assert_eq!((quota.count, quota.window), (3, Duration::from_secs(1)));
            assert!(retry_after.unwrap() > Duration::from_secs(10), "{e}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.is_rate_limited());
    assert!(e.to_string().contains("3/second"), "{e}");
    assert!(s.server.request_count() <= before + 3);
    for t in patient {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.fake.accepted_events(key).len(), 60);
}
