//! tga-client against the fake TGA with the traffic of the official browser SDK: its events of
//! every kind (fixtures/tga/sdk-events.json) round-trip unchanged, a 2xx that is not the
//! service's success answer is not a delivery, `GET /events/threshold` caps events per launch,
//! and batches stay within a byte budget.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use integration_tests::support::TgaSetup as Setup;

use std::time::Duration;

use serde_json::{Value, json};
use tg_common::RetrySafety;
use tg_mock::{Fault, FaultRule, Reply};
use tga_client::{Client, EncodedEvent, Event, TgaApiError, TrackerConfig};
use uuid::Uuid;

const APP: &str = "docs";
const DOMAIN: &str = "docs.example.org";

/// The SDK-shaped events, one of every name.
const SDK_EVENTS: &str = include_str!("../../../fixtures/tga/sdk-events.json");

fn sdk_events() -> Vec<Value> {
    serde_json::from_str(SDK_EVENTS).unwrap()
}

// Item 1: unknown fields survive.

#[tokio::test(start_paused = true)]
async fn sdk_events_of_every_kind_reach_the_service_unchanged() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let events: Vec<Event> = serde_json::from_str(SDK_EVENTS).unwrap();
    client.send_events(&events).await.unwrap();
    assert_eq!(s.fake.accepted_events(), sdk_events());
    let invoice = &s.fake.accepted_events()[21];
    assert_eq!(invoice["event_name"], "register-invoice");
    assert_eq!(invoice["prices"][0]["amount"], 250);
    assert_eq!(invoice["title"], "Premium pack");
}

#[tokio::test(start_paused = true)]
async fn events_received_as_json_are_sent_byte_for_byte() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.builder().gzip(false).build().unwrap();
    // The body as a frontend posted it: the SDK's own array, whitespace and all.
    let encoded = EncodedEvent::from_json_array(SDK_EVENTS).unwrap();
    assert_eq!(encoded.len(), 22);
    client.send_encoded(&encoded).await.unwrap();
    let body = &s.server.requests()[0].body;
    let want = tga_client::encode_batch(&encoded);
    assert_eq!(body.as_ref(), want.as_slice());
    for (sent, original) in encoded.iter().zip(sdk_events()) {
        assert_eq!(
            serde_json::from_str::<Value>(sent.json()).unwrap(),
            original
        );
    }
    assert_eq!(s.fake.accepted_events(), sdk_events());
}

#[tokio::test(start_paused = true)]
async fn a_tracker_delivers_sdk_events_unchanged() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let tracker = client
        .tracker(tga_client::TrackerConfig::default())
        .unwrap();
    for json in sdk_events() {
        tracker
            .track(&Event::from_json(&json.to_string()).unwrap())
            .await
            .unwrap();
    }
    tracker.flush().await.unwrap();
    // Two batches (20 + 2) may arrive in either order.
    let mut stored = s.fake.accepted_events();
    stored.sort_by_key(|e| e["client_timestamp"].as_str().unwrap().to_owned());
    assert_eq!(stored, sdk_events());
}

// Item 2: a 2xx that is not the service's success answer.

/// Answers that a proxy or captive portal gives in place of the service, or a 2xx saying the
/// service failed.
fn impostor_answers() -> [Reply; 3] {
    [
        Reply::new(200, "<html><body>Sign in to the Wi-Fi</body></html>"),
        Reply::new(200, ""),
        Reply::json(200, &json!({"message": "Failed to record"})),
    ]
}

#[tokio::test(start_paused = true)]
async fn send_reports_a_2xx_without_the_success_answer() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let event = [client.event(1, "app-init", Uuid::new_v4())];
    let [html, empty, failed] = impostor_answers();
    for reply in [html, empty] {
        s.server
            .push_fault(FaultRule::next(1, Fault::RespondUnprocessed(reply)));
        let err = client.send_events(&event).await.unwrap_err();
        let detail = err.api_detail::<TgaApiError>().unwrap();
        assert!(
            matches!(detail, TgaApiError::UnconfirmedSuccess { status: 200, .. }),
            "{detail:?}"
        );
        assert_eq!(err.retry_safety(), RetrySafety::IfIdempotent);
    }
    // `Failed to record` in a 200 is what it says, and is retried by the client.
    s.server
        .push_fault(FaultRule::next(1, Fault::RespondUnprocessed(failed)));
    client.send_events(&event).await.unwrap();
    assert_eq!(s.server.request_count(), 4);
    assert_eq!(s.fake.accepted_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_tracker_retries_a_batch_answered_2xx_without_success_until_it_is_recorded() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    let session = Uuid::new_v4();
    let [html, empty, failed] = impostor_answers();
    s.server
        .push_fault(FaultRule::next(2, Fault::RespondUnprocessed(html)));
    s.server
        .push_fault(FaultRule::next(2, Fault::RespondUnprocessed(empty)));
    s.server
        .push_fault(FaultRule::always(Fault::RespondUnprocessed(failed)));
    for n in 0..10 {
        let event = client.event(n + 1, "app-init", session).with_custom("n", n);
        tracker.track(&event).await.unwrap();
    }
    // Every answer is a 200 and none is the success answer: nothing counts as sent.
    for _ in 0..200 {
        if s.server.request_count() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(s.server.request_count() >= 6);
    let stats = tracker.stats();
    assert_eq!(stats.sent, 0, "{stats:?}");
    assert_eq!(stats.dead_lettered, 0, "{stats:?}");
    assert!(stats.retried >= 6, "{stats:?}");
    assert_eq!(s.fake.accepted_count(), 0);
    let error = tracker.last_error().unwrap();
    assert!(
        error
            .api_detail::<TgaApiError>()
            .is_some_and(TgaApiError::is_retryable),
        "{error}"
    );
    // The fault clears: the batch is delivered once.
    s.server.clear_faults();
    tracker.flush().await.unwrap();
    let stats = tracker.stats();
    assert_eq!((stats.sent, stats.dead_lettered), (10, 0), "{stats:?}");
    assert_eq!(s.fake.accepted_count(), 10);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

// Item 8: size limits and the byte budget.

fn invalid_field(err: &tg_common::Error) -> String {
    match err.kind() {
        tg_common::ErrorKind::InvalidInput { field, .. } => field.to_string(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_over_long_field_is_refused_before_any_request() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let session = Uuid::new_v4();
    let ok = client.event(1, "app-init", session);
    let megabyte = "x".repeat(1 << 20);
    let cases = [
        (
            ok.clone().with_start_param("a".repeat(513)),
            "events[1].start_param",
        ),
        (
            ok.clone().with_custom("blob", megabyte.as_str()),
            "events[1].custom_data",
        ),
        (
            ok.clone().with_extra("blob", megabyte.as_str()),
            "events[1].extra.blob",
        ),
        (
            ok.clone().with_error_message(megabyte.as_str()),
            "events[1].error_message",
        ),
    ];
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    for (bad, field) in cases {
        let err = client
            .send_events(&[ok.clone(), bad.clone()])
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&err), field);
        match tracker.track(&bad).await.unwrap_err() {
            tga_client::TrackError::Invalid(e) => {
                assert_eq!(format!("events[1].{}", invalid_field(&e)), field)
            }
            other => panic!("{other:?}"),
        }
    }
    let posted = format!(
        r#"{{"event_name":"app-init","session_id":"{session}","user_id":1,"app_name":"docs","note":"{megabyte}"}}"#
    );
    assert!(EncodedEvent::from_json(&posted).is_err());
    tracker.flush().await.unwrap();
    assert_eq!(s.server.request_count(), 0);
    assert_eq!(s.fake.accepted_count(), 0);
    assert_eq!(tracker.stats().queued, 0);
}

/// 5,000 events of about 207 bytes: over a megabyte of JSON.
fn five_thousand(client: &Client) -> Vec<Event> {
    let session = Uuid::new_v4();
    (0..5_000)
        .map(|n| {
            client
                .event(n + 1, "custom-event", session)
                .with_platform("tdesktop")
                .with_custom("step", n)
                .with_custom("label", "checkout-step-with-a-longer-name")
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn one_send_too_large_for_a_request_is_refused_unsent() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let events = five_thousand(&client);
    let err = client.send_events(&events).await.unwrap_err();
    assert_eq!(invalid_field(&err), "events");
    assert!(err.to_string().contains("Tracker"), "{err}");
    assert_eq!(s.server.request_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn five_thousand_events_go_out_as_several_requests_within_the_budget() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.builder().gzip(false).build().unwrap();
    let events = five_thousand(&client);
    let total: usize = events.iter().map(|e| e.encode().unwrap().len() + 1).sum();
    assert!(total > 1_000_000, "{total}");
    // The count alone would send them in one request.
    let config = TrackerConfig::default()
        .with_max_batch(10_000)
        .with_linger(Duration::from_secs(60));
    let tracker = client.tracker(config).unwrap();
    for event in &events {
        tracker.track(event).await.unwrap();
    }
    tracker.flush().await.unwrap();
    let budget = tga_client::limits::DEFAULT_MAX_REQUEST_BYTES;
    let sizes: Vec<usize> = s.server.requests().iter().map(|r| r.body.len()).collect();
    assert!(sizes.len() > total / budget, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= budget), "{sizes:?}");
    // Full batches use most of the budget.
    assert!(sizes.iter().filter(|&&n| n > budget * 9 / 10).count() >= sizes.len() - 1);
    assert_eq!(s.fake.accepted_count(), 5_000);
    assert_eq!(tracker.stats().sent, 5_000);
    println!(
        "5,000 events, {total} bytes of JSON: {} requests, largest {} bytes",
        sizes.len(),
        sizes.iter().max().unwrap()
    );
}

// Item 3: `GET /events/threshold`.

#[tokio::test(start_paused = true)]
async fn thresholds_are_fetched_as_the_sdk_fetches_them() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    // Nothing configured on the fake: no caps.
    assert!(client.event_thresholds().await.unwrap().is_empty());
    s.fake.set_thresholds(json!({"app-hide": 3}));
    s.fake
        .set_app_thresholds(APP, json!({"app-hide": 2, "custom-event": 0}));
    let caps = client.event_thresholds().await.unwrap();
    assert_eq!(
        caps,
        tga_client::EventThresholds::new()
            .with("app-hide", 2)
            .with("custom-event", 0)
    );
    let request = s.server.requests().pop().unwrap();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/events/threshold")
    );
    assert_eq!(request.header("origin"), Some("https://docs.example.org"));
    assert_eq!(
        request.header("tga-auth-token"),
        None,
        "the SDK sends no token"
    );
    // A malformed answer is an error naming the entry.
    s.fake
        .set_app_thresholds(APP, json!({"app-hide": 2, "custom-event": -1}));
    let err = client.event_thresholds().await.unwrap_err();
    match err.kind() {
        tg_common::ErrorKind::Decode { path, .. } => assert_eq!(path, "custom-event"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_tracker_honours_the_caps_per_session_and_reports_what_is_over() {
    let s = Setup::new(APP, DOMAIN).await;
    s.fake
        .set_app_thresholds(APP, json!({"app-hide": 2, "custom-event": 0}));
    let client = s.client();
    let caps = client.event_thresholds().await.unwrap();
    let tracker = client
        .tracker(TrackerConfig::default().with_thresholds(caps))
        .unwrap();
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let mut refused = Vec::new();
    let plan = [
        ("app-hide", first, 5),
        ("app-hide", second, 1),
        ("custom-event", first, 3),
        ("app-init", first, 4),
    ];
    for (name, session, times) in plan {
        for _ in 0..times {
            match tracker.track(&client.event(7, name, session)).await {
                Ok(()) => {}
                Err(tga_client::TrackError::OverThreshold {
                    event_name,
                    session_id,
                    cap,
                }) => refused.push((event_name.to_string(), session_id, cap)),
                Err(other) => panic!("{other}"),
            }
        }
    }
    tracker.flush().await.unwrap();
    let stats = tracker.stats();
    assert_eq!((stats.queued, stats.sent, stats.over_threshold), (7, 7, 6));
    assert_eq!(s.fake.accepted_count(), 7);
    let mut want = vec![("app-hide".to_owned(), first, 2); 3];
    want.extend(vec![("custom-event".to_owned(), first, 0); 3]);
    assert_eq!(refused, want);
    let per = |name: &str, session: Uuid| {
        s.fake
            .accepted_events()
            .iter()
            .filter(|e| e["event_name"] == name && e["session_id"] == session.to_string())
            .count()
    };
    assert_eq!(per("app-hide", first), 2);
    assert_eq!(per("app-hide", second), 1);
    assert_eq!(per("custom-event", first), 0);
    assert_eq!(per("app-init", first), 4);
}
