//! The limiter end to end: a client core against tg-mock's strict fixed-window limiter, with
//! random network delay between send and arrival, through three simulated days of saturated
//! demand. Zero 429 answers, and the binding daily quota used to at least 99%.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use tg_common::transport::RequestPath;
use tg_common::{Call, Core, CoreConfig, Error, ErrorKind, Quota, Response, RetryPolicy, Secret};
use tg_mock::{FixedReply, FixedWindows, MockServer, Reply};

fn decode(r: Response) -> Result<(), Error> {
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
