//! Every documented answer of `POST /events`, as the document prints it (`fixtures/tga/`) and as
//! the fake produces it; the answers of `GET /events/threshold`.

use std::time::Duration;

use http::Method;
use serde_json::json;
use tg_common::ErrorKind;
use tg_mock::tga::TgaFake;
use tg_mock::{FakeService, Request};

use super::*;
use crate::event::EventName;

/// A documented answer: `fixtures/tga/<file>`, parsed.
macro_rules! documented {
    ($file:literal) => {
        serde_json::from_str::<serde_json::Value>(include_str!(concat!(
            "../../../../fixtures/tga/",
            $file
        )))
        .unwrap()
    };
}

fn detail(result: Result<(), Error>) -> (TgaApiError, RetrySafety, u16) {
    let err = result.unwrap_err();
    let ctx = err.context().unwrap();
    assert_eq!(
        (ctx.provider, ctx.operation.as_ref()),
        (PROVIDER, SendEvents::NAME)
    );
    let d = err.api_detail::<TgaApiError>().unwrap().clone();
    (d, err.retry_safety(), err.status().unwrap())
}

fn map(status: u16, body: serde_json::Value) -> Result<(), Error> {
    decode::<()>(status, body.to_string().as_bytes(), None, Sent::default())
}

#[test]
fn a_2xx_is_success_only_with_the_success_answer() {
    for status in [200, 201, 202, 204] {
        map(
            status,
            documented!("post-events.response.201-success-record.json"),
        )
        .unwrap();
    }
    map(202, json!({"message": " success record ", "status": 202})).unwrap();
    decode::<()>(204, b"", None, Sent::default()).unwrap();
    decode::<()>(204, b" \r\n", None, Sent::default()).unwrap();
}

#[test]
fn a_2xx_without_the_success_answer_is_a_retryable_error() {
    let cases: [(u16, &[u8]); 9] = [
        (200, br#"["Success record."]"#),
        (200, br#"{"message":["Success record."]}"#),
        (200, b"<html><body>Welcome to the hotel Wi-Fi</body></html>"),
        (200, b""),
        (202, b""),
        (201, b"{}"),
        (200, br#"{"message":"OK"}"#),
        (200, b"null"),
        (206, br#"{"message":"Success record."}x"#),
    ];
    for (status, body) in cases {
        let (d, safety, got) = detail(decode::<()>(status, body, None, Sent::default()));
        assert_eq!(got, status);
        assert_eq!(
            d,
            TgaApiError::UnconfirmedSuccess {
                status,
                body: tg_common::excerpt(body),
            }
        );
        assert!(d.is_retryable());
        assert_eq!(
            safety,
            RetrySafety::IfIdempotent,
            "it may have been recorded"
        );
        assert!(d.to_string().contains(&format!("HTTP {status}")), "{d}");
    }
    let (d, safety, status) = detail(map(200, json!({"message": "Failed to record"})));
    assert_eq!(
        (d, safety, status),
        (TgaApiError::FailedToRecord, RetrySafety::Always, 200)
    );
}

#[test]
fn documented_400_answers() {
    let cases = [
        (
            documented!("post-events.response.400-failed-to-record.json"),
            TgaApiError::FailedToRecord,
            RetrySafety::Always,
        ),
        (
            documented!("post-events.response.400-token-not-specified.json"),
            TgaApiError::TokenMissing,
            RetrySafety::Never,
        ),
        (
            documented!("post-events.response.400-token-invalid.json"),
            TgaApiError::TokenInvalid,
            RetrySafety::Never,
        ),
        (
            documented!("post-events.response.400-invalid-app-name.json"),
            TgaApiError::AppNameMismatch,
            RetrySafety::Never,
        ),
        (
            documented!("post-events.response.400-validation-mismatch.json"),
            TgaApiError::ValidationMismatch {
                message: "VALIDATION_MISMATCH_REPORT".into(),
                details: None,
            },
            RetrySafety::Never,
        ),
    ];
    for (body, want, safety) in cases {
        let (got, got_safety, status) = detail(map(400, body));
        assert_eq!(got, want);
        assert_eq!(got_safety, safety);
        assert_eq!(status, 400);
        assert_eq!(got.is_retryable(), safety != RetrySafety::Never);
    }
}

#[test]
fn validation_details_keep_the_rest_of_the_body() {
    let body =
        json!({"status": 400, "message": "VALIDATION_MISMATCH_REPORT", "errors": ["user_id"]});
    let (got, _, _) = detail(map(400, body));
    match got {
        TgaApiError::ValidationMismatch { message, details } => {
            assert_eq!(message, "VALIDATION_MISMATCH_REPORT");
            assert!(details.unwrap().contains("user_id"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn domain_mismatch_says_what_to_do() {
    let body = documented!("post-events.response.403-domain-mismatch.json");
    let sent = Sent {
        origin: Some("https://wrong.example.com"),
        token_domain: Some("app.example.com"),
    };
    let err = decode::<()>(403, body.to_string().as_bytes(), None, sent).unwrap_err();
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    let text = err.to_string();
    assert!(text.contains("https://wrong.example.com"), "{text}");
    assert!(
        text.contains("send the Origin https://app.example.com"),
        "{text}"
    );
    let (d, _, status) = detail(map(403, body));
    assert_eq!(status, 403);
    let text = d.to_string();
    assert!(text.contains("no Origin header was sent"), "{text}");
    assert!(text.contains("domain the token was created for"), "{text}");
}

#[test]
fn too_many_requests_is_always_retryable_and_keeps_retry_after() {
    let body = documented!("post-events.response.429-too-many-requests.json");
    let err = decode::<()>(
        429,
        body.to_string().as_bytes(),
        Some(Duration::from_secs(7)),
        Sent::default(),
    )
    .unwrap_err();
    assert_eq!(err.retry_safety(), RetrySafety::Always);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(err.is_rate_limited());
    assert_eq!(
        err.api_detail::<TgaApiError>(),
        Some(&TgaApiError::TooManyRequests)
    );
    // Any body, even none.
    assert!(
        decode::<()>(429, b"", None, Sent::default())
            .unwrap_err()
            .is_retryable()
    );
}

#[test]
fn server_errors_are_retryable() {
    for status in [500, 502, 503, 504, 520] {
        let (d, safety, _) = detail(decode::<()>(status, b"<html>", None, Sent::default()));
        assert_eq!(
            d,
            TgaApiError::Server {
                status,
                message: None
            }
        );
        assert_eq!(safety, RetrySafety::IfIdempotent);
    }
    for status in [501, 505, 511] {
        let e = decode::<()>(status, b"<html>", None, Sent::default()).unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.retry_safety(), RetrySafety::Never, "{status}");
    }
    let (d, _, _) = detail(map(500, json!({"message": "boom"})));
    assert_eq!(
        d,
        TgaApiError::Server {
            status: 500,
            message: Some("boom".into())
        }
    );
}

#[test]
fn unknown_answers_are_http_errors() {
    for (status, body) in [
        (400, json!({"message": "Something new"})),
        (404, json!({"message": "Cannot GET /x"})),
        (403, json!({"message": "Forbidden"})),
        (401, json!(null)),
    ] {
        let err = map(status, body).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Http { status: s, .. } if *s == status));
        assert!(err.api_detail::<TgaApiError>().is_none());
    }
}

#[test]
fn the_fake_answers_map_to_the_documented_outcomes() {
    let fake = TgaFake::new();
    let token = fake.issue_token("docs", "docs.example.org");
    let event = json!({
        "event_name": "app-init",
        "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
        "user_id": 111111111,
        "app_name": "docs"
    });
    let request = |token: &str, origin: &str, body: serde_json::Value| {
        Request::new(Method::POST, "/events")
            .with_header("tga-auth-token", token)
            .with_header("origin", origin)
            .with_body(body.to_string())
    };
    let good_origin = "https://docs.example.org";
    let send = |req: Request| {
        let reply = fake.handle(&req);
        decode::<()>(
            reply.status.as_u16(),
            &reply.body,
            None,
            Sent {
                origin: req.header("origin"),
                token_domain: Some("docs.example.org"),
            },
        )
    };
    send(request(&token, good_origin, json!([event]))).unwrap();
    let kind = |r: Result<(), Error>| detail(r).0;
    assert_eq!(
        kind(send(request("nope", good_origin, json!([event])))),
        TgaApiError::TokenMissing
    );
    let foreign = TgaFake::new().issue_token("docs", "docs.example.org");
    assert_eq!(
        kind(send(request(&foreign, good_origin, json!([event])))),
        TgaApiError::TokenInvalid
    );
    assert!(matches!(
        kind(send(request(&token, "https://x.org", json!([event])))),
        TgaApiError::DomainMismatch { origin: Some(o), .. } if o == "https://x.org"
    ));
    let mut other_app = event.clone();
    other_app["app_name"] = json!("other");
    assert_eq!(
        kind(send(request(&token, good_origin, json!([other_app])))),
        TgaApiError::AppNameMismatch
    );
    let mut bad = event.clone();
    bad["session_id"] = json!("x");
    assert!(matches!(
        kind(send(request(&token, good_origin, json!([bad])))),
        TgaApiError::ValidationMismatch { .. }
    ));
    fake.fail_next(1);
    assert_eq!(
        kind(send(request(&token, good_origin, json!([event])))),
        TgaApiError::FailedToRecord
    );
    fake.set_rate_limit(Some(tg_mock::tga::RateLimit {
        per_second: 1,
        burst: 1,
    }));
    send(request(&token, good_origin, json!([event]))).unwrap();
    assert_eq!(
        kind(send(request(&token, good_origin, json!([event])))),
        TgaApiError::TooManyRequests
    );
    assert_eq!(fake.accepted_count(), 2);
}

fn thresholds(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<EventThresholds, Error> {
    decode(status, body, retry_after, Sent::default())
}

#[test]
fn a_2xx_object_of_counts_is_the_caps() {
    let t = thresholds(200, br#"{"app-hide":3,"custom-event":0}"#, None).unwrap();
    assert_eq!(t.cap(&EventName::AppHide), Some(3));
    assert_eq!(t.cap(&EventName::CustomEvent), Some(0));
    assert!(thresholds(200, b"{}", None).unwrap().is_empty());
}

#[test]
fn a_bad_answer_names_what_was_wrong() {
    let err = thresholds(200, br#"{"app-hide":3,"app-init":-1}"#, None).unwrap_err();
    match err.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "app-init"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.context().unwrap().operation, GetEventThresholds::NAME);
    for body in [&b"<html>"[..], b"", b"[]"] {
        let err = thresholds(200, body, None).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err}");
    }
    let err = thresholds(503, b"", None).unwrap_err();
    assert!(err.is_retryable());
    assert!(matches!(
        err.api_detail::<TgaApiError>(),
        Some(TgaApiError::Server { status: 503, .. })
    ));
    let err = thresholds(404, b"{}", None).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Http { status: 404, .. }));
}
