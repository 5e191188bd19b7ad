//! (e) The soak.

use super::*;

/// Events in the soak, and one in `INVALID_EVERY` made invalid on purpose (50).
const SOAK_EVENTS: i64 = 100_000;
const INVALID_EVERY: i64 = 2_000;

#[tokio::test(start_paused = true)]
async fn soak_every_valid_event_arrives_through_faults_and_only_invalid_ones_are_dead() {
    let wall = std::time::Instant::now();
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    s.server.set_chaos(Some(Chaos {
        probability: 0.2,
        faults: vec![
            (3, Fault::ResetBeforeHeaders),
            (3, Fault::ResetAfterHeaders),
            (1, Fault::Stall),
            (2, Fault::TruncatedBody),
            (
                3,
                Fault::RespondUnprocessed(reply(503, "Service Unavailable")),
            ),
            (
                3,
                Fault::RespondUnprocessed(
                    reply(429, messages::TOO_MANY_REQUESTS).with_header("retry-after", "1"),
                ),
            ),
        ],
        seed: 20_250_401,
    }));
    let (sink, mut dead) = DeadLetterSink::channel();
    let tracker = client
        .tracker(
            TrackerConfig::default()
                // Shorter than the core's 30 s attempt timeout: the tracker ends a stall.
                .with_attempt_timeout(Some(Duration::from_secs(10)))
                .with_dead_letters(sink),
        )
        .unwrap();
    let mut invalid = HashSet::new();
    for n in 0..SOAK_EVENTS {
        let mut event = app_init(&client, n);
        if n % INVALID_EVERY == INVALID_EVERY / 2 {
            event = event.with_custom(INVALID_MARKER, true);
            invalid.insert(n);
        }
        // A caller told the queue stayed full (`max_wait`) tries again.
        while let Err(e) = tracker.track(&event).await {
            assert!(matches!(e, TrackError::Full { .. }), "{e}");
        }
    }
    let flushed = tracker.flush().await.unwrap_err();
    let report = flushed.report().unwrap();
    assert_eq!(report.dead_lettered, 50, "{flushed}");
    assert!(
        report.undelivered.is_empty() && report.panics == 0,
        "{flushed}"
    );
    tracker.shutdown(Duration::from_secs(600)).await.unwrap();
    assert_eq!(invalid.len(), 50);

    let mut seen = vec![0u32; SOAK_EVENTS as usize];
    for event in s.fake.accepted_events() {
        let n = event["custom_data"]["seq"].as_i64().unwrap();
        seen[n as usize] += 1;
    }
    let missing: Vec<i64> = (0..SOAK_EVENTS)
        .filter(|n| !invalid.contains(n) && seen[*n as usize] == 0)
        .collect();
    assert!(missing.is_empty(), "lost events: {missing:?}");
    assert!(invalid.iter().all(|n| seen[*n as usize] == 0));

    let mut letters = Vec::new();
    while let Ok(letter) = dead.try_recv() {
        assert_eq!(letter.message, messages::VALIDATION_MISMATCH);
        let json: Value = serde_json::from_str(letter.event.json()).unwrap();
        letters.push(json["custom_data"]["seq"].as_i64().unwrap());
    }
    letters.sort_unstable();
    let mut want: Vec<i64> = invalid.into_iter().collect();
    want.sort_unstable();
    assert_eq!(
        letters, want,
        "the dead letters are exactly the invalid events"
    );

    let stats = tracker.stats();
    assert_eq!(stats.queued, SOAK_EVENTS as u64);
    assert_eq!(stats.sent + stats.dead_lettered, SOAK_EVENTS as u64);
    assert_eq!(stats.dropped + stats.undelivered, 0);
    let mut faults = std::collections::BTreeMap::<&str, usize>::new();
    for d in s.dispositions() {
        if let Disposition::Faulted { fault, .. } = d {
            *faults.entry(fault).or_default() += 1;
        }
    }
    for name in [
        "reset_before_headers",
        "reset_after_headers",
        "stall",
        "truncated_body",
        "respond_unprocessed",
    ] {
        assert!(
            faults.get(name).is_some_and(|n| *n > 10),
            "{name}: {faults:?}"
        );
    }
    let faulted: usize = faults.values().sum();
    let duplicates = seen.iter().map(|c| c.saturating_sub(1)).sum::<u32>();
    println!(
        "soak: {SOAK_EVENTS} events, {} requests, {} retried, {faulted} faults {faults:?}, {duplicates} duplicates, 50 dead letters, wall {:?}",
        stats.requests,
        stats.retried,
        wall.elapsed()
    );
}
