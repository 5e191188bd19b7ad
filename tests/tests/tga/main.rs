//! tga-client over loopback HTTP against the fake TGA, in virtual time: the documents' examples,
//! every documented answer, token-derived defaults, retry safety of `send`, the tracker's
//! flush, redaction of the token, and a 100,000-event soak through random faults.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use integration_tests::support::TgaSetup as Setup;
use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use tg_common::error::TransportKind;
use tg_common::{Error, ErrorKind, RetrySafety};
use tg_mock::tga::{INVALID_MARKER, RateLimit, TgaFake, messages};
use tg_mock::{Chaos, Disposition, Fault, FaultRule, Reply};
use tga_client::{
    Client, DeadLetterSink, Event, EventName, TgaApiError, TrackError, TrackerConfig,
};
use uuid::Uuid;

const APP: &str = "docs";
const DOMAIN: &str = "docs.example.org";

/// The three request examples of the document (`fixtures/tga/`, byte for byte).
const EXAMPLES: [&str; 3] = [
    include_str!("../../../fixtures/tga/post-events.request.app-init.json"),
    include_str!("../../../fixtures/tga/post-events.request.connection-started.json"),
    include_str!("../../../fixtures/tga/post-events.request.connection-error.json"),
];

/// The document's request headers, `YOUR_TOKEN` standing for the token.
const HEADERS: &str = include_str!("../../../fixtures/tga/post-events.headers.json");

/// What this suite asks of its fake beyond the shared setup.
trait SetupExt {
    fn dispositions(&self) -> Vec<Disposition>;
    fn token_parts(&self) -> [String; 3];
}

impl SetupExt for Setup {
    /// What the server did with each request.
    fn dispositions(&self) -> Vec<Disposition> {
        self.server
            .exchanges()
            .into_iter()
            .map(|e| e.disposition)
            .collect()
    }

    /// The parts of the token that must never be printed.
    fn token_parts(&self) -> [String; 3] {
        let (payload, signature) = self.token.split_once('!').unwrap();
        [self.token.clone(), payload.to_owned(), signature.to_owned()]
    }
}

fn examples() -> Vec<(Value, Vec<Event>)> {
    EXAMPLES
        .iter()
        .map(|e| {
            (
                serde_json::from_str(e).unwrap(),
                serde_json::from_str(e).unwrap(),
            )
        })
        .collect()
}

fn app_init(client: &Client, n: i64) -> Event {
    client
        .event(n + 1, EventName::AppInit, Uuid::from_u128(n as u128 / 8))
        .with_custom("seq", n)
}

fn detail(err: &Error) -> TgaApiError {
    err.api_detail::<TgaApiError>()
        .unwrap_or_else(|| panic!("not a TGA answer: {err}"))
        .clone()
}

fn reply(status: u16, text: &str) -> Reply {
    Reply::json(status, &serde_json::json!({ "message": text }))
}

fn assert_token_free(text: &str, setup: &Setup) {
    for part in setup.token_parts() {
        assert!(!text.contains(&part), "the token leaked: {text}");
    }
}

fn assert_error_token_free(err: &Error, setup: &Setup) {
    assert_token_free(&format!("{err} {err:?} {err:#?}"), setup);
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_token_free(&format!("{s} {s:?}"), setup);
        source = s.source();
    }
}

// (a) The documents' examples.

#[tokio::test(start_paused = true)]
async fn the_documented_examples_are_accepted_and_stored_from_gzipped_bodies() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    for (json, events) in examples() {
        client.send_events(&events).await.unwrap();
        let request = s.server.requests().pop().unwrap();
        assert_eq!(request.header("content-encoding"), Some("gzip"));
        assert_eq!(&request.body[..2], &[0x1f, 0x8b], "a gzip stream");
        let decoded: Value = serde_json::from_slice(&request.decoded_body().unwrap()).unwrap();
        assert_eq!(decoded, json);
        let headers: serde_json::Map<String, Value> = serde_json::from_str(HEADERS).unwrap();
        for (name, value) in headers {
            let want = value.as_str().unwrap().replace("YOUR_TOKEN", &s.token);
            assert_eq!(
                request.header(&name.to_ascii_lowercase()),
                Some(want.as_str())
            );
        }
        assert_eq!(request.header("origin"), Some("https://docs.example.org"));
        assert_eq!(request.path, "/events");
    }
    let stored = s.fake.accepted_events();
    let want: Vec<Value> = examples()
        .into_iter()
        .map(|(json, _)| json[0].clone())
        .collect();
    assert_eq!(stored, want);
    assert_eq!(s.dispositions(), vec![Disposition::Answered(202); 3]);
}

#[tokio::test(start_paused = true)]
async fn with_gzip_off_bodies_arrive_plain() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.builder_for(&s.token).gzip(false).build().unwrap();
    let (json, events) = examples().remove(2);
    client.send_events(&events).await.unwrap();
    let request = &s.server.requests()[0];
    assert_eq!(request.header("content-encoding"), None);
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, json);
    assert_eq!(s.fake.accepted_events(), vec![json[0].clone()]);
}

// (b) Every documented answer.

#[tokio::test(start_paused = true)]
async fn a_201_with_the_success_answer_is_success() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let event = [app_init(&client, 0)];
    client.send_events(&event).await.unwrap();
    s.server.push_fault(FaultRule::next(
        1,
        Fault::Respond(reply(201, messages::SUCCESS)),
    ));
    client.send_events(&event).await.unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert_eq!(s.fake.accepted_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn failed_to_record_is_retried_because_nothing_was_recorded() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let event = [app_init(&client, 0)];
    s.fake.fail_next(1);
    client.send_events(&event).await.unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert_eq!(s.fake.accepted_count(), 1);

    s.fake.fail_next(100);
    let err = client.send_events(&event).await.unwrap_err();
    assert_eq!(detail(&err), TgaApiError::FailedToRecord);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.retry_safety(), RetrySafety::Always);
    assert_eq!(
        s.server.request_count(),
        2 + 3,
        "the default policy's 3 attempts"
    );
    assert_eq!(s.fake.accepted_count(), 1);
    assert_error_token_free(&err, &s);
}

#[tokio::test(start_paused = true)]
async fn a_malformed_token_is_token_missing() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s
        .builder_for("not-a-token")
        .app_name(APP)
        .origin("https://docs.example.org")
        .build()
        .unwrap();
    let err = client
        .send_events(&[app_init(&client, 0)])
        .await
        .unwrap_err();
    assert_eq!(detail(&err), TgaApiError::TokenMissing);
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 1);
    assert!(!format!("{err} {err:?}").contains("not-a-token"));
}

#[tokio::test(start_paused = true)]
async fn a_token_the_service_did_not_issue_is_invalid() {
    let s = Setup::new(APP, DOMAIN).await;
    let foreign = TgaFake::new().issue_token(APP, DOMAIN);
    let client = s.builder_for(&foreign).build().unwrap();
    let err = client
        .send_events(&[app_init(&client, 0)])
        .await
        .unwrap_err();
    assert_eq!(detail(&err), TgaApiError::TokenInvalid);
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 1);
    let (_, signature) = foreign.split_once('!').unwrap();
    assert!(!format!("{err} {err:?}").contains(signature));
}

#[tokio::test(start_paused = true)]
async fn an_event_for_another_app_is_app_name_mismatch() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let events = [
        app_init(&client, 0),
        Event::new(5, EventName::AppHide, Uuid::nil(), "another-app"),
    ];
    let err = client.send_events(&events).await.unwrap_err();
    assert_eq!(detail(&err), TgaApiError::AppNameMismatch);
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    assert!(detail(&err).is_about_events());
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.accepted_count(), 0, "one bad event refuses the body");
}

#[tokio::test(start_paused = true)]
async fn an_event_failing_the_schema_is_validation_mismatch() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let bad = app_init(&client, 1).with_custom(INVALID_MARKER, true);
    let err = client
        .send_events(&[app_init(&client, 0), bad])
        .await
        .unwrap_err();
    assert_eq!(
        detail(&err),
        TgaApiError::ValidationMismatch {
            message: messages::VALIDATION_MISMATCH.into(),
            details: None,
        }
    );
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.accepted_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_origin_is_a_403_that_says_what_to_send() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s
        .builder_for(&s.token)
        .origin("https://evil.example.com")
        .build()
        .unwrap();
    let err = client
        .send_events(&[app_init(&client, 0)])
        .await
        .unwrap_err();
    assert_eq!(
        detail(&err),
        TgaApiError::DomainMismatch {
            origin: Some("https://evil.example.com".into()),
            token_domain: Some(DOMAIN.into()),
        }
    );
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 1);
    let text = err.to_string();
    assert!(text.contains("domain name does not match"), "{text}");
    assert!(text.contains("https://evil.example.com"), "{text}");
    assert!(
        text.contains("send the Origin https://docs.example.org"),
        "{text}"
    );
    assert_error_token_free(&err, &s);
}

#[tokio::test(start_paused = true)]
async fn too_many_requests_is_retryable_and_retried() {
    let s = Setup::new(APP, DOMAIN).await;
    // One request a second, counted on the real clock: virtual time does not refill it.
    s.fake.set_rate_limit(Some(RateLimit {
        per_second: 1,
        burst: 1,
    }));
    let client = s.client();
    let event = [app_init(&client, 0)];
    client.send_events(&event).await.unwrap();
    let err = client.send_events(&event).await.unwrap_err();
    assert_eq!(detail(&err), TgaApiError::TooManyRequests);
    assert_eq!(err.status(), Some(429));
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_safety(), RetrySafety::Always);
    assert_eq!(
        s.server.request_count(),
        1 + 3,
        "a 429 was not processed: retried"
    );
    assert_eq!(s.fake.counts().rate_limited, 3);
    assert_error_token_free(&err, &s);
}

// (c) Defaults from the token.

#[tokio::test(start_paused = true)]
async fn a_client_built_from_the_token_alone_sends_its_app_name_and_origin() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = Client::builder(s.token.clone())
        .core(|c| c.with_loopback_url(s.server.base_url()))
        .build()
        .unwrap();
    let session = Uuid::new_v4();
    client
        .send_events(&[client.event(42, EventName::AppInit, session)])
        .await
        .unwrap();
    let request = &s.server.requests()[0];
    assert_eq!(request.header("origin"), Some("https://docs.example.org"));
    let stored = s.fake.accepted_events();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["app_name"], APP);
    assert_eq!(stored[0]["session_id"], session.to_string());
}

// (d) Retry safety of `send`.

#[tokio::test(start_paused = true)]
async fn send_is_not_retried_after_a_5xx_or_a_reset_unless_asked() {
    let unavailable = Fault::RespondUnprocessed(reply(503, "Service Unavailable"));
    for (fault, is_expected) in [
        (
            unavailable,
            (|e: &Error| {
                matches!(
                    e.api_detail::<TgaApiError>(),
                    Some(TgaApiError::Server { status: 503, .. })
                )
            }) as fn(&Error) -> bool,
        ),
        (Fault::ResetBeforeHeaders, |e: &Error| {
            matches!(
                e.kind(),
                ErrorKind::Transport {
                    kind: TransportKind::Reset,
                    ..
                }
            )
        }),
        (Fault::ResetAfterHeaders, |e: &Error| {
            matches!(e.kind(), ErrorKind::Transport { .. })
        }),
    ] {
        let s = Setup::new(APP, DOMAIN).await;
        let client = s.client();
        let event = [app_init(&client, 0)];
        s.server.push_fault(FaultRule::next(1, fault.clone()));
        let err = client.send_events(&event).await.unwrap_err();
        assert!(is_expected(&err), "{fault:?}: {err}");
        assert_eq!(err.retry_safety(), RetrySafety::IfIdempotent, "{fault:?}");
        assert_eq!(s.server.request_count(), 1, "{fault:?}: retried");

        s.server.push_fault(FaultRule::next(1, fault.clone()));
        client.send_events(&event).retry_unsafe().await.unwrap();
        assert_eq!(s.server.request_count(), 3, "{fault:?}: not retried");
    }
}

// The tracker over HTTP.

#[tokio::test(start_paused = true)]
async fn the_trackers_retries_are_the_only_retries() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    // A 429 is retried by tg-common for a plain `send`; under the tracker it is not.
    s.server.push_fault(FaultRule::next(
        2,
        Fault::RespondUnprocessed(
            reply(429, messages::TOO_MANY_REQUESTS).with_header("retry-after", "3"),
        ),
    ));
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    let start = tokio::time::Instant::now();
    for n in 0..5 {
        tracker.track(&app_init(&client, n)).await.unwrap();
    }
    tracker.flush().await.unwrap();
    let stats = tracker.stats();
    assert_eq!(s.server.request_count(), 3);
    assert_eq!((stats.requests, stats.retried, stats.sent), (3, 2, 5));
    // The flush sends at once; each retry waits for the Retry-After.
    assert!(
        start.elapsed() >= Duration::from_secs(3 + 3),
        "Retry-After honoured"
    );
    assert_eq!(s.fake.accepted_count(), 5);
    tracker.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_tracker_isolates_invalid_events_over_http() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    let (sink, mut dead) = DeadLetterSink::channel();
    let tracker = client
        .tracker(TrackerConfig::default().with_dead_letters(sink))
        .unwrap();
    for n in 0..20 {
        let mut event = app_init(&client, n);
        if n == 7 {
            event = event.with_custom(INVALID_MARKER, true);
        }
        tracker.track(&event).await.unwrap();
    }
    let flushed = tracker.flush().await.unwrap_err();
    let report = flushed.report().unwrap();
    assert_eq!(report.dead_lettered, 1, "{flushed}");
    assert!(report.config_error.is_none(), "{flushed}");
    let letter = dead.try_recv().unwrap();
    assert!(letter.event.json().contains("\"seq\":7"));
    assert_eq!(letter.message, messages::VALIDATION_MISMATCH);
    assert!(letter.is_about_this_event());
    assert!(dead.try_recv().is_err());
    assert_eq!(s.fake.accepted_count(), 19);
    assert_eq!(tracker.stats().dead_lettered, 1);
}

// (f) Flush.

#[tokio::test(start_paused = true)]
async fn flush_returns_only_once_everything_before_it_is_acknowledged() {
    let s = Setup::new(APP, DOMAIN).await;
    let client = s.client();
    // The first try is lost with the connection, the retry is answered after 5 s.
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetBeforeHeaders));
    s.server
        .push_fault(FaultRule::next(1, Fault::Delay(Duration::from_secs(5))));
    let tracker = client.tracker(TrackerConfig::default()).unwrap();
    for n in 0..10 {
        tracker.track(&app_init(&client, n)).await.unwrap();
    }
    let flushing = tokio::spawn({
        let tracker = tracker.clone();
        async move { tracker.flush().await }
    });
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!flushing.is_finished(), "flush returned before the answer");
    assert_eq!(tracker.stats().sent, 0);
    flushing.await.unwrap().unwrap();
    assert_eq!(s.fake.accepted_count(), 10);
    let stats = tracker.stats();
    assert_eq!((stats.sent, stats.pending()), (10, 0));
    assert_eq!(s.server.request_count(), 2);
}

// (g) The token is never printed.

#[tokio::test(start_paused = true)]
async fn no_error_and_no_debug_output_holds_the_token() {
    let s = Setup::new(APP, DOMAIN).await;
    let builder = s.builder_for(&s.token);
    assert_token_free(&format!("{builder:?}"), &s);
    let client = builder
        .core(|c| {
            c.with_timeouts(tg_common::Timeouts {
                attempt: Duration::from_secs(2),
                overall: Duration::from_secs(10),
            })
        })
        .build()
        .unwrap();
    assert_token_free(&format!("{client:?} {client:#?}"), &s);
    let event = app_init(&client, 0);
    let mut errors = Vec::new();
    for fault in [
        Fault::Stall,
        Fault::ResetBeforeHeaders,
        Fault::TruncatedBody,
        Fault::RespondUnprocessed(reply(500, "oops")),
        Fault::RespondUnprocessed(Reply::new(418, s.token.clone())),
    ] {
        s.server.push_fault(FaultRule::next(1, fault));
        errors.push(
            client
                .send_events(std::slice::from_ref(&event))
                .await
                .unwrap_err(),
        );
    }
    let wrong_origin = s
        .builder_for(&s.token)
        .origin("https://evil.example.com")
        .build()
        .unwrap();
    errors.push(
        wrong_origin
            .send_events(std::slice::from_ref(&event))
            .await
            .unwrap_err(),
    );
    let mut invalid = event.clone();
    invalid.user_id = -1;
    errors.push(client.send_events(&[invalid]).await.unwrap_err());
    errors.push(
        client
            .send_events(&[event.clone().with_custom(INVALID_MARKER, true)])
            .await
            .unwrap_err(),
    );
    s.fake.fail_next(10);
    errors.push(client.send_events(&[event]).await.unwrap_err());
    errors.push(
        Client::builder(s.token.clone())
            .origin("no-scheme")
            .build()
            .unwrap_err(),
    );
    assert_eq!(errors.len(), 10);
    for err in &errors {
        assert_error_token_free(err, &s);
    }
    assert!(matches!(errors[0].kind(), ErrorKind::Timeout { .. }));
}

// (e) The soak.

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
