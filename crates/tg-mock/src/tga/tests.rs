//! Tests of the fake TGA through `FakeService::handle`.

use std::io::Write;

use serde_json::json;

use super::*;

const DOMAIN: &str = "docs.example.org";

fn event(app: &str) -> Value {
    json!({
        "event_name": "app-init",
        "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
        "user_id": 111111111,
        "app_name": app,
        "is_premium": true,
        "client_timestamp": "1743503599534"
    })
}

fn post(token: &str, body: &Value) -> Request {
    Request::new(Method::POST, "/events")
        .with_header("tga-auth-token", token)
        .with_header("origin", &format!("https://{DOMAIN}"))
        .with_header("content-type", "application/json")
        .with_body(body.to_string())
}

fn setup() -> (TgaFake, String) {
    let fake = TgaFake::new();
    let token = fake.issue_token("docs", DOMAIN);
    (fake, token)
}

fn assert_answer(reply: &Reply, status: u16, body: Value) {
    assert_eq!(reply.status.as_u16(), status);
    assert_eq!(reply.json_body(), Some(body));
}

#[test]
fn accepts_the_documented_example_with_202() {
    let (fake, token) = setup();
    let reply = fake.handle(&post(&token, &json!([event("docs")])));
    assert_answer(&reply, 202, json!({"message": "Success record."}));
    assert_eq!(fake.accepted_count(), 1);
    assert_eq!(fake.accepted_events(), vec![event("docs")]);
    let counts = fake.counts();
    assert_eq!((counts.accepted_requests, counts.accepted_events), (1, 1));
}

#[test]
fn accepts_a_single_object_and_gzip() {
    let (fake, token) = setup();
    assert_eq!(
        fake.handle(&post(&token, &event("docs"))).status.as_u16(),
        202
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(json!([event("docs"), event("docs")]).to_string().as_bytes())
        .unwrap();
    let request = post(&token, &json!(null))
        .with_header("content-encoding", "gzip")
        .with_body(gz.finish().unwrap());
    assert_eq!(fake.handle(&request).status.as_u16(), 202);
    assert_eq!(fake.accepted_count(), 3);
}

#[test]
fn bad_gzip_is_a_validation_failure() {
    let (fake, token) = setup();
    let request = post(&token, &json!([event("docs")])).with_header("content-encoding", "gzip");
    assert_answer(
        &fake.handle(&request),
        400,
        json!({"status": 400, "message": "VALIDATION_MISMATCH_REPORT"}),
    );
    assert_eq!(fake.accepted_count(), 0);
    assert!(fake.last_rejection().unwrap().contains("gzip"));
}

#[test]
fn one_invalid_event_rejects_the_whole_body() {
    let (fake, token) = setup();
    let mut bad = event("docs");
    bad["custom_data"] = json!({ INVALID_MARKER: true });
    let reply = fake.handle(&post(&token, &json!([event("docs"), bad])));
    assert_answer(
        &reply,
        400,
        json!({"status": 400, "message": "VALIDATION_MISMATCH_REPORT"}),
    );
    let mut wrong_type = event("docs");
    wrong_type["user_id"] = json!("111");
    let reply = fake.handle(&post(&token, &json!([wrong_type])));
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(fake.accepted_count(), 0);
    assert_eq!(fake.counts().validation_failures, 2);
}

#[test]
fn token_answers() {
    let (fake, token) = setup();
    let missing = Request::new(Method::POST, "/events")
        .with_header("origin", &format!("https://{DOMAIN}"))
        .with_body(json!([event("docs")]).to_string());
    let want_missing = json!({"message":
        "The token is not specified in the headers or is specified incorrectly."});
    assert_answer(&fake.handle(&missing), 400, want_missing.clone());
    assert_answer(
        &fake.handle(&post("garbage", &json!([event("docs")]))),
        400,
        want_missing,
    );
    let other = TgaFake::new().issue_token("docs", DOMAIN);
    assert_answer(
        &fake.handle(&post(&other, &json!([event("docs")]))),
        400,
        json!({"message": "Token is invalid."}),
    );
    let (payload, _) = token.split_once('!').unwrap();
    let forged = format!("{payload}!{}", "ab".repeat(32));
    assert_answer(
        &fake.handle(&post(&forged, &json!([event("docs")]))),
        400,
        json!({"message": "Token is invalid."}),
    );
}

#[test]
fn app_name_must_match_the_token() {
    let (fake, token) = setup();
    let reply = fake.handle(&post(&token, &json!([event("docs"), event("other")])));
    assert_answer(
        &reply,
        400,
        json!({"message": "Invalid app_name is specified."}),
    );
    assert_eq!(fake.accepted_count(), 0);
}

#[test]
fn origin_must_match_the_token_domain() {
    let (fake, token) = setup();
    let body = json!([event("docs")]).to_string();
    let base = || {
        Request::new(Method::POST, "/events")
            .with_header("tga-auth-token", &token)
            .with_body(body.clone())
    };
    let want = json!({"message": "The domain name does not match."});
    assert_answer(&fake.handle(&base()), 403, want.clone());
    assert_answer(
        &fake.handle(&base().with_header("origin", "https://evil.example.org")),
        403,
        want,
    );
    let ok = base().with_header("origin", "HTTPS://Docs.Example.org:443");
    assert_eq!(fake.handle(&ok).status.as_u16(), 202);
    fake.set_check_origin(false);
    assert_eq!(fake.handle(&base()).status.as_u16(), 202);
}

#[test]
fn scripted_failures_answer_failed_to_record() {
    let (fake, token) = setup();
    fake.fail_next(2);
    let request = post(&token, &json!([event("docs")]));
    for _ in 0..2 {
        assert_answer(
            &fake.handle(&request),
            400,
            json!({"message": "Failed to record"}),
        );
    }
    assert_eq!(fake.handle(&request).status.as_u16(), 202);
    assert_eq!(fake.accepted_count(), 1);
    assert_eq!(fake.counts().failed_to_record, 2);
}

#[test]
fn rate_limit_answers_429_under_load() {
    let (fake, token) = setup();
    let request = post(&token, &json!([event("docs")]));
    for _ in 0..5 {
        assert_eq!(fake.handle(&request).status.as_u16(), 202);
    }
    fake.set_rate_limit(Some(RateLimit {
        per_second: 1,
        burst: 2,
    }));
    assert_eq!(fake.handle(&request).status.as_u16(), 202);
    assert_eq!(fake.handle(&request).status.as_u16(), 202);
    assert_answer(
        &fake.handle(&request),
        429,
        json!({"message": "Too many requests. Try again later."}),
    );
    // Another token has its own budget.
    let second = fake.issue_token("docs", DOMAIN);
    assert_eq!(
        fake.handle(&post(&second, &json!([event("docs")])))
            .status
            .as_u16(),
        202
    );
    fake.set_rate_limit(None);
    assert_eq!(fake.handle(&request).status.as_u16(), 202);
    assert_eq!(fake.counts().rate_limited, 1);
}

#[test]
fn other_routes_are_404() {
    let (fake, _) = setup();
    assert_eq!(
        fake.handle(&Request::new(Method::GET, "/events"))
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        fake.handle(&Request::new(Method::POST, "/event"))
            .status
            .as_u16(),
        404
    );
}

#[test]
fn service_hooks_use_the_token_and_the_documented_429() {
    let (fake, token) = setup();
    let request = post(&token, &json!([]));
    assert_eq!(fake.rate_limit_key(&request), Some(token));
    assert_eq!(
        fake.rate_limit_key(&Request::new(Method::POST, "/events")),
        None
    );
    assert_answer(
        &fake.rate_limited(&request),
        429,
        json!({"message": "Too many requests. Try again later."}),
    );
    assert_eq!(fake.name(), "tga");
}

#[test]
fn clear_forgets_accepted_events() {
    let (fake, token) = setup();
    fake.handle(&post(&token, &json!([event("docs")])));
    fake.clear_accepted();
    assert_eq!(fake.accepted_count(), 0);
}

#[test]
fn thresholds_are_served_per_app_by_token_or_origin() {
    let (fake, token) = setup();
    let other = fake.issue_token("shop", "shop.example.com");
    let get = || Request::new(Method::GET, "/events/threshold");
    // Nothing configured: no caps.
    assert_answer(&fake.handle(&get()), 200, json!({}));
    fake.set_thresholds(json!({"app-hide": 3}));
    fake.set_app_thresholds("shop", json!({"custom-event": 0}));
    assert_answer(&fake.handle(&get()), 200, json!({"app-hide": 3}));
    // The SDK sends only the Origin.
    let shop_origin = get().with_header("origin", "https://shop.example.com");
    assert_answer(&fake.handle(&shop_origin), 200, json!({"custom-event": 0}));
    let docs_origin = get().with_header("origin", &format!("https://{DOMAIN}"));
    assert_answer(&fake.handle(&docs_origin), 200, json!({"app-hide": 3}));
    // A token names its app whatever the Origin.
    let by_token = docs_origin.clone().with_header("tga-auth-token", &other);
    assert_answer(&fake.handle(&by_token), 200, json!({"custom-event": 0}));
    let by_docs_token = shop_origin.with_header("tga-auth-token", &token);
    assert_answer(&fake.handle(&by_docs_token), 200, json!({"app-hide": 3}));
    let post = Request::new(Method::POST, "/events/threshold");
    assert_eq!(fake.handle(&post).status.as_u16(), 404);
}

#[test]
fn a_token_added_as_given_is_accepted_for_its_app_only() {
    let fake = TgaFake::new();
    fake.add_token("my-dev-token", "docs", DOMAIN);
    let reply = fake.handle(&post("my-dev-token", &json!([event("docs")])));
    assert_eq!(reply.status.as_u16(), 202);
    let foreign = fake.handle(&post("my-dev-token", &json!([event("other")])));
    assert_answer(
        &foreign,
        400,
        json!({"message": messages::APP_NAME_MISMATCH}),
    );
    let unknown = fake.handle(&post("other-dev-token", &json!([event("docs")])));
    assert_eq!(unknown.status.as_u16(), 400);
}
