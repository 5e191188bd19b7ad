//! The limiter end to end: a client core against tg-mock's strict fixed-window limiter, with
//! random network delay between send and arrival, through three simulated days of saturated
//! demand. Zero 429 answers, and the binding daily quota used to at least 99%.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use tg_common::limit::MarginPolicy;
use tg_common::transport::RequestPath;
use tg_common::{
    Call, Core, CoreConfig, Error, ErrorKind, Quota, RateLimiter, RawResponse, RetryPolicy, Secret,
};
use tg_mock::{FixedReply, FixedWindows, MockServer, Reply};

fn decode(r: RawResponse) -> Result<(), Error> {
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(Error::http(r.status, &r.body, r.retry_after()))
    }
}

async fn saturate(
    alignment: Duration,
    jitter: Duration,
    days: u64,
    key: &str,
) -> (usize, usize, Vec<u32>) {
    let server = MockServer::start(Arc::new(FixedReply(Reply::json(
        200,
        &serde_json::json!({"status": "OK"}),
    ))))
    .await
    .unwrap();
    let epoch = tokio::time::Instant::now();
    server.set_rate_limit(Some(FixedWindows::tgtrack(epoch, alignment)));
    server.set_arrival_jitter(Some((jitter, 7)));

    let mut config = CoreConfig::new(server.base_url());
    config.allow_plain_http_loopback = true;
    config.retry = RetryPolicy::none();
    config.quotas = vec![
        Quota::per_second(3).with_margin(Duration::from_millis(50)),
        Quota::per_hour(500).with_margin(Duration::from_secs(1)),
        Quota::per_day(5000).with_margin(Duration::from_secs(1)),
    ];
    let core = Core::new("test", &Secret::new(key), config).unwrap();
    let horizon = epoch + Duration::from_secs(86_400 * days);

    // Eight callers compete, like a bot whose post just went out.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let core = core.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0usize;
            while tokio::time::Instant::now() < horizon {
                let call = Call::new("add_event", Method::POST, RequestPath::new().segment("x"));
                match core.execute(call, decode).await {
                    Ok(()) => sent += 1,
                    Err(e) => match e.kind() {
                        ErrorKind::RateLimited { retry_after, .. } => {
                            let wait = retry_after.unwrap_or(Duration::from_secs(1));
                            let until = (tokio::time::Instant::now() + wait).min(horizon);
                            tokio::time::sleep_until(until).await;
                        }
                        _ => panic!("unexpected error: {e}"),
                    },
                }
            }
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    (
        sent,
        server.rate_limited_count(),
        server.worst_window_counts().unwrap(),
    )
}

#[tokio::test(start_paused = true)]
async fn three_simulated_days_at_several_alignments_never_see_a_429() {
    let alignments = [
        Duration::ZERO,
        Duration::from_millis(12_345_678),
        Duration::from_millis(86_399_999),
    ];
    for (i, alignment) in alignments.into_iter().enumerate() {
        let key = format!("strict-window-key-{i}");
        let (sent, limited, worst) = saturate(alignment, Duration::from_millis(40), 3, &key).await;
        assert_eq!(
            limited, 0,
            "alignment {alignment:?}: the server answered 429"
        );
        assert!(
            worst[0] <= 3 && worst[1] <= 500 && worst[2] <= 5000,
            "{worst:?}"
        );
        let used = sent as f64 / 15_000.0;
        assert!(used >= 0.99, "alignment {alignment:?}: used only {used}");
    }
}

#[tokio::test(start_paused = true)]
async fn without_a_margin_jitter_can_land_four_in_one_server_second() {
    // The same setup with no margin and more jitter than the per-second spacing tolerates:
    // shows what the margin is for (a control for the test above).
    let server = MockServer::start(Arc::new(FixedReply(Reply::json(
        200,
        &serde_json::json!({}),
    ))))
    .await
    .unwrap();
    let epoch = tokio::time::Instant::now();
    server.set_rate_limit(Some(FixedWindows::new(
        &[(3, Duration::from_secs(1))],
        epoch,
        // Server seconds start 100 ms into the client's: jitter of up to 200 ms splits each
        // burst of three across a boundary.
        Duration::from_millis(100),
    )));
    server.set_arrival_jitter(Some((Duration::from_millis(200), 11)));
    let mut config = CoreConfig::new(server.base_url());
    config.allow_plain_http_loopback = true;
    config.retry = RetryPolicy::none();
    config.quotas = vec![Quota::per_second(3)];
    let core = Core::new("test", &Secret::new("no-margin-key"), config).unwrap();
    let mut limited = false;
    for _ in 0..30 {
        let call = Call::new("x", Method::POST, RequestPath::new().segment("x"));
        let c = core.clone();
        // Fire without waiting for the answer so arrivals can reorder across the boundary.
        let h = tokio::spawn(async move { c.execute(call, decode).await });
        tokio::task::yield_now().await;
        drop(h);
    }
    tokio::time::sleep(Duration::from_secs(200)).await;
    if server.rate_limited_count() > 0 {
        limited = true;
    }
    assert!(
        limited,
        "expected the strict fake to refuse at least once without a margin"
    );
}

/// What a run against the strict fake with more jitter than the quota's margin saw.
struct JitterRun {
    /// When each 429 was answered, from the start.
    limited_at: Vec<Duration>,
    sent: usize,
    /// The extra margin at the end.
    extra: Duration,
}

/// Eight callers saturate 3/second (50 ms margin) for `minutes` of virtual time against strict
/// fixed seconds, with up to `jitter` of random delay before each request arrives.
async fn saturate_with_jitter(policy: MarginPolicy, jitter: Duration, minutes: u64) -> JitterRun {
    let server = MockServer::start(Arc::new(FixedReply(Reply::json(
        200,
        &serde_json::json!({}),
    ))))
    .await
    .unwrap();
    let epoch = tokio::time::Instant::now();
    server.set_rate_limit(Some(FixedWindows::new(
        &[(3, Duration::from_secs(1))],
        epoch,
        Duration::from_millis(321),
    )));
    server.set_arrival_jitter(Some((jitter, 42)));
    let limiter = RateLimiter::with_margin(
        &[Quota::per_second(3).with_margin(Duration::from_millis(50))],
        policy,
    );
    let config = CoreConfig::new(server.base_url())
        .with_plain_http_loopback(true)
        .with_retry(RetryPolicy::none())
        .with_limiter(limiter.clone());
    let core = Core::new("test", &Secret::new("jitter-key"), config).unwrap();
    let horizon = epoch + Duration::from_secs(60 * minutes);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let core = core.clone();
        tasks.push(tokio::spawn(async move {
            let (mut sent, mut limited_at) = (0usize, Vec::new());
            while tokio::time::Instant::now() < horizon {
                let call = Call::new("x", Method::POST, RequestPath::new().segment("x"));
                match core.execute(call, decode).await {
                    Ok(()) => sent += 1,
                    Err(e) if e.status() == Some(429) => limited_at.push(epoch.elapsed()),
                    Err(e) => match e.kind() {
                        ErrorKind::RateLimited { retry_after, .. } => {
                            let wait = retry_after.unwrap_or(Duration::from_secs(1));
                            let until = (tokio::time::Instant::now() + wait).min(horizon);
                            tokio::time::sleep_until(until).await;
                        }
                        _ => panic!("unexpected error: {e}"),
                    },
                }
            }
            (sent, limited_at)
        }));
    }
    let mut run = JitterRun {
        limited_at: Vec::new(),
        sent: 0,
        extra: Duration::ZERO,
    };
    for t in tasks {
        let (sent, limited_at) = t.await.unwrap();
        run.sent += sent;
        run.limited_at.extend(limited_at);
    }
    run.limited_at.sort_unstable();
    run.extra = limiter.extra_margin().unwrap();
    run
}

#[tokio::test(start_paused = true)]
async fn the_margin_widens_after_429s_until_jitter_fits_and_narrows_slowly() {
    let jitter = Duration::from_millis(300);
    let adaptive = saturate_with_jitter(MarginPolicy::DEFAULT, jitter, 40).await;
    let fixed = saturate_with_jitter(MarginPolicy::FIXED, jitter, 40).await;
    let minutes: Vec<u64> = adaptive
        .limited_at
        .iter()
        .map(|d| d.as_secs() / 60)
        .collect();
    eprintln!(
        "300 ms jitter, 40 min: adaptive {} sent, {} 429s at minutes {minutes:?}, extra at end \
         {:?}; fixed margin {} sent, {} 429s",
        adaptive.sent,
        adaptive.limited_at.len(),
        adaptive.extra,
        fixed.sent,
        fixed.limited_at.len(),
    );
    // The control: 300 ms of jitter against a 50 ms margin keeps drawing 429s.
    assert!(fixed.limited_at.len() >= 30, "{}", fixed.limited_at.len());
    // Adapted within the first minutes, then not one 429 for the last 30 minutes.
    assert!(
        adaptive.limited_at.len() * 10 <= fixed.limited_at.len(),
        "{minutes:?}"
    );
    assert!(
        adaptive
            .limited_at
            .iter()
            .all(|d| *d < Duration::from_secs(600)),
        "429s after adaptation, at minutes {minutes:?}"
    );
    // Bounded, and the quota still mostly used (3 per second for 40 minutes is 7,200).
    assert!(adaptive.extra > Duration::ZERO && adaptive.extra <= Duration::from_secs(1));
    assert!(adaptive.sent >= 5_400, "{}", adaptive.sent);
}
