//! The transport against tg-mock over loopback HTTP, in virtual time: timeouts, body caps,
//! resets, malformed bodies, retry safety, connection reuse, and redaction of the key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, Method};
use tg_common::transport::RequestPath;
use tg_common::{
    Call, CallOptions, Core, CoreConfig, Error, ErrorKind, Quota, RawResponse, RetryPolicy, Secret,
    Timeouts,
};
use tg_common::{TimeoutPhase, TransportKind};
use tg_mock::{Fault, FaultRule, FixedReply, MockServer, Reply};

const KEY: &str = "SECRET-KEY-123";

fn ok_service() -> Arc<FixedReply> {
    Arc::new(FixedReply(Reply::json(
        200,
        &serde_json::json!({"ok": true}),
    )))
}

fn config(server: &MockServer) -> CoreConfig {
    let mut c = CoreConfig::new(server.base_url());
    c.allow_plain_http_loopback = true;
    c.retry = RetryPolicy {
        jitter: false,
        ..RetryPolicy::default()
    };
    c.timeouts = Timeouts {
        attempt: Duration::from_secs(5),
        overall: Duration::from_secs(60),
    };
    c.max_body_bytes = 64 * 1024;
    c
}

fn core(server: &MockServer) -> Core {
    Core::new("test", &Secret::new(KEY), config(server)).unwrap()
}

fn call(method: Method) -> Call {
    let path = RequestPath::new()
        .segment("v1")
        .secret(&Secret::new(KEY))
        .segment("method");
    Call::new("method", method, path)
        .secret_header(HeaderName::from_static("x-token"), &Secret::new(KEY))
        .unwrap()
}

fn decode(r: RawResponse) -> Result<serde_json::Value, Error> {
    if !(200..300).contains(&r.status) {
        return Err(Error::http(r.status, &r.body, r.retry_after()));
    }
    tg_common::json::decode(r.status, &r.body)
}

fn assert_redacted(err: &Error) {
    for text in [format!("{err}"), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains("/v1/"), "URL path leaked: {text}");
    }
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert!(!format!("{s} {s:?}").contains(KEY));
        source = s.source();
    }
}

#[tokio::test(start_paused = true)]
async fn success_sends_the_key_in_the_path_and_header_only() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let v = core(&server)
        .execute(call(Method::GET), decode)
        .await
        .unwrap();
    assert_eq!(v, serde_json::json!({"ok": true}));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, format!("/v1/{KEY}/method"));
    assert_eq!(reqs[0].header("x-token"), Some(KEY));
    let host = format!("127.0.0.1:{}", server.addr().port());
    assert_eq!(reqs[0].header("host"), Some(host.as_str()));
    assert_eq!(
        reqs[0].headers.get_all("host").iter().count(),
        1,
        "one Host header"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stalled_server_hits_the_attempt_timeout_and_post_is_not_retried() {
    let server = MockServer::start(ok_service()).await.unwrap();
    server.push_fault(FaultRule::always(Fault::Stall));
    let started = tokio::time::Instant::now();
    let err = core(&server)
        .execute(call(Method::POST), decode)
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Timeout {
            phase: TimeoutPhase::Attempt,
            ..
        }
    ));
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(
        server.request_count(),
        1,
        "a POST that may have been processed is not retried"
    );
    assert_redacted(&err);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_get_is_retried_up_to_max_attempts() {
    let server = MockServer::start(ok_service()).await.unwrap();
    server.push_fault(FaultRule::next(2, Fault::Stall));
    let v = core(&server)
        .execute(call(Method::GET), decode)
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_overall_deadline_bounds_retries() {
    let server = MockServer::start(ok_service()).await.unwrap();
    server.push_fault(FaultRule::always(Fault::Stall));
    let mut c = config(&server);
    c.retry.max_attempts = 100;
    c.timeouts.overall = Duration::from_secs(12);
    let core = Core::new("test", &Secret::new(KEY), c).unwrap();
    let started = tokio::time::Instant::now();
    let err = core.execute(call(Method::GET), decode).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Timeout {
            phase: TimeoutPhase::Overall,
            ..
        }
    ));
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(12),
        "the attempt running at the deadline is cut exactly there"
    );
    assert!(server.request_count() >= 2, "earlier attempts were retried");
    assert!(!err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn an_oversized_body_is_refused_from_content_length_and_from_chunks() {
    let server = MockServer::start(ok_service()).await.unwrap();
    for declare_length in [true, false] {
        server.push_fault(FaultRule::next(
            1,
            Fault::Oversized {
                bytes: 10 * 1024 * 1024,
                declare_length,
            },
        ));
        let err = core(&server)
            .execute(call(Method::POST), decode)
            .await
            .unwrap_err();
        match err.kind() {
            ErrorKind::BodyTooLarge { limit, declared } => {
                assert_eq!(*limit, 64 * 1024);
                assert_eq!(declared.is_some(), declare_length);
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.is_retryable());
        assert_redacted(&err);
    }
}

#[tokio::test(start_paused = true)]
async fn resets_and_truncation_give_transport_errors() {
    for (fault, want) in [
        (Fault::ResetBeforeHeaders, TransportKind::Reset),
        (Fault::ResetAfterHeaders, TransportKind::Incomplete),
        (Fault::TruncatedBody, TransportKind::Incomplete),
    ] {
        let server = MockServer::start(ok_service()).await.unwrap();
        server.push_fault(FaultRule::always(fault.clone()));
        let err = core(&server)
            .execute(call(Method::POST), decode)
            .await
            .unwrap_err();
        match err.kind() {
            ErrorKind::Transport { kind, .. } => assert_eq!(*kind, want, "{fault:?}: {err}"),
            other => panic!("{fault:?}: {other:?}"),
        }
        assert_eq!(server.request_count(), 1, "{fault:?}: POST retried");
        assert_redacted(&err);
    }
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_a_reset_uses_a_new_connection() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let core = core(&server);
    core.execute(call(Method::GET), decode).await.unwrap();
    server.push_fault(FaultRule::next(1, Fault::ResetBeforeHeaders));
    core.execute(call(Method::GET), decode).await.unwrap();
    let conns: Vec<u64> = server.requests().iter().map(|r| r.connection).collect();
    assert_eq!(conns.len(), 3);
    assert_eq!(conns[0], conns[1], "the healthy connection is reused");
    assert_ne!(conns[1], conns[2], "the reset connection is not reused");
}

#[tokio::test(start_paused = true)]
async fn malformed_and_html_bodies_name_what_was_wrong() {
    let server = MockServer::start(ok_service()).await.unwrap();
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(200, "{\"ok\": tru")),
    ));
    let err = core(&server)
        .execute(call(Method::POST), decode)
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::Decode {
            status, excerpt, ..
        } => {
            assert_eq!(*status, 200);
            assert!(excerpt.contains("{\"ok\": tru"));
        }
        other => panic!("{other:?}"),
    }
    assert_redacted(&err);

    let html = "<html><body>502 Bad Gateway</body></html>";
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(502, html)),
    ));
    let err = core(&server)
        .execute(call(Method::POST), decode)
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Http { status: 502, .. }));
    assert!(err.to_string().contains("502 Bad Gateway"));
    assert_redacted(&err);
}

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_even_for_post_after_retry_after() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let reply = Reply::new(429, "slow down").with_header("retry-after", "2");
    server.push_fault(FaultRule::next(1, Fault::RespondUnprocessed(reply)));
    let started = tokio::time::Instant::now();
    core(&server)
        .execute(call(Method::POST), decode)
        .await
        .unwrap();
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_remote_429_pauses_the_limiter_for_other_callers() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let mut c = config(&server);
    c.quotas = vec![Quota::per_second(100)];
    c.retry = RetryPolicy::none();
    let core = Core::new("test", &Secret::new("pause-test-key"), c).unwrap();
    let reply = Reply::new(429, "slow down").with_header("retry-after", "3");
    server.push_fault(FaultRule::next(1, Fault::RespondUnprocessed(reply)));
    let err = core.execute(call(Method::POST), decode).await.unwrap_err();
    assert!(err.is_rate_limited());
    let started = tokio::time::Instant::now();
    core.execute(call(Method::POST), decode).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_5xx_is_retried_for_get_but_not_for_post() {
    let server = MockServer::start(ok_service()).await.unwrap();
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(503, "down")),
    ));
    core(&server)
        .execute(call(Method::GET), decode)
        .await
        .unwrap();
    assert_eq!(server.request_count(), 2);

    server.clear_requests();
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(503, "down")),
    ));
    let err = core(&server)
        .execute(call(Method::POST), decode)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.request_count(), 1);

    // The caller may opt in for one call.
    server.clear_requests();
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(503, "down")),
    ));
    let opted = call(Method::POST).with_options(CallOptions {
        retry_unsafe: true,
        max_rate_wait: None,
    });
    core(&server).execute(opted, decode).await.unwrap();
    assert_eq!(server.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_rate_wait_is_bounded_by_max_rate_wait_not_by_the_overall_deadline() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let mut c = config(&server);
    c.quotas = vec![Quota::new(1, Duration::from_secs(100))];
    c.timeouts.overall = Duration::from_secs(10);
    c.max_rate_wait = Duration::from_secs(200);
    let core = Core::new("test", &Secret::new("rate-wait-vs-overall"), c).unwrap();
    core.execute(call(Method::GET), decode).await.unwrap();
    let started = tokio::time::Instant::now();
    core.execute(call(Method::GET), decode).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(100));
}

#[tokio::test(start_paused = true)]
async fn an_empty_key_is_a_configuration_error() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let err = Core::new("test", &Secret::new(""), config(&server)).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
}

#[tokio::test(start_paused = true)]
async fn a_call_can_turn_retries_off() {
    let server = MockServer::start(ok_service()).await.unwrap();
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(429, "busy")),
    ));
    let err = core(&server)
        .execute(call(Method::GET).max_attempts(1), decode)
        .await
        .unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(server.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_a_connect_error_retried_even_for_post() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = CoreConfig::new(format!("http://127.0.0.1:{port}"));
    c.allow_plain_http_loopback = true;
    c.retry = RetryPolicy {
        jitter: false,
        ..RetryPolicy::default()
    };
    let core = Core::new("test", &Secret::new(KEY), c).unwrap();
    let err = core.execute(call(Method::POST), decode).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Connect,
            ..
        }
    ));
    assert!(err.is_retryable());
    assert_redacted(&err);
}

#[tokio::test(start_paused = true)]
async fn plain_http_needs_the_opt_in() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let mut c = config(&server);
    c.allow_plain_http_loopback = false;
    let err = Core::new("test", &Secret::new(KEY), c).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
    assert!(err.to_string().contains("https"));
}

#[tokio::test(start_paused = true)]
async fn idle_pooled_connections_are_closed_by_the_pool_timer() {
    let server = MockServer::start(ok_service()).await.unwrap();
    let mut c = config(&server);
    c.transport.pool_idle_timeout = Duration::from_secs(5);
    let core = Core::new("test", &Secret::new(KEY), c).unwrap();
    core.execute(call(Method::GET), decode).await.unwrap();
    assert_eq!(server.open_connections(), 1);
    tokio::time::sleep(Duration::from_secs(20)).await;
    // Give the server's connection task a turn to observe the close.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        server.open_connections(),
        0,
        "the idle connection was not closed"
    );
}

#[tokio::test(start_paused = true)]
async fn every_fault_error_is_redacted() {
    let faults = [
        Fault::Stall,
        Fault::ResetBeforeHeaders,
        Fault::ResetAfterHeaders,
        Fault::TruncatedBody,
        Fault::Oversized {
            bytes: 1 << 20,
            declare_length: false,
        },
        Fault::RespondUnprocessed(Reply::new(500, format!("echo {KEY}?no"))),
        Fault::RespondUnprocessed(Reply::new(200, "not json")),
    ];
    for fault in faults {
        let server = MockServer::start(ok_service()).await.unwrap();
        server.push_fault(FaultRule::always(fault));
        let err = core(&server)
            .execute(call(Method::GET), decode)
            .await
            .unwrap_err();
        // Even a server that echoes the key in its error page cannot make it reach the error.
        assert_redacted(&err);
    }
}
