//! Tests of the client's configuration and of `send` over loopback against the fake.

use std::sync::Arc;

use tg_common::{ErrorKind, Operation, Secret};
use tg_mock::MockServer;
use tg_mock::tga::TgaFake;
use uuid::Uuid;

use super::*;
use crate::DEFAULT_BASE_URL;

fn loopback(server: &MockServer) -> impl FnOnce(tg_common::CoreConfig) -> tg_common::CoreConfig {
    let url = server.base_url();
    move |c| c.with_loopback_url(url)
}

#[test]
fn defaults_come_from_the_token_and_the_base_url_is_production() {
    let token = TgaFake::new().issue_token("docs", "docs.example.org");
    let client = Client::builder(token).build().unwrap();
    assert_eq!(client.app_name(), "docs");
    assert_eq!(client.origin(), "https://docs.example.org");
    assert!(client.gzip());
    let debug = format!("{client:?}");
    assert!(debug.contains(DEFAULT_BASE_URL), "{debug}");
}

#[test]
fn an_opaque_token_needs_app_name_and_origin() {
    for builder in [
        Client::builder("opaque"),
        Client::builder("opaque").app_name("a"),
        Client::builder("opaque").origin("https://a.example.com"),
    ] {
        let err = builder.build().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
    }
    let client = Client::builder("opaque")
        .app_name("a")
        .origin("https://a.example.com/")
        .gzip(false)
        .build()
        .unwrap();
    assert_eq!(client.origin(), "https://a.example.com");
    assert!(!client.gzip());
}

#[test]
fn bad_tokens_and_base_urls_are_configuration_errors() {
    for builder in [
        Client::builder(""),
        Client::builder("   "),
        Client::builder("tok\nen")
            .app_name("a")
            .origin("https://a.org"),
        Client::builder("token")
            .app_name("a")
            .origin("https://a.org")
            .core(|c| c.with_base_url("http://tganalytics.xyz")),
    ] {
        let err = builder.build().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
        assert!(!err.to_string().contains("tok\nen"));
    }
}

#[test]
fn debug_of_the_builder_and_the_client_masks_the_token() {
    let token = TgaFake::new().issue_token("docs", "docs.example.org");
    let signature = token.split('!').nth(1).unwrap().to_owned();
    let builder = Client::builder(token.clone());
    let client = Client::builder(Secret::new(token.clone())).build().unwrap();
    for text in [
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{:?}", HttpSender::new(client.clone())),
        format!("{:?}", client.send_events(&[])),
    ] {
        assert!(!text.contains(&token), "{text}");
        assert!(!text.contains(&signature), "{text}");
    }
}

#[test]
fn event_carries_the_clients_app_name() {
    let client = Client::builder("opaque")
        .app_name("shop")
        .origin("https://shop.example.com")
        .build()
        .unwrap();
    let event = client.event(7, "app-init", Uuid::nil());
    assert_eq!(event.app_name, "shop");
    assert_eq!(event.user_id, 7);
}

#[tokio::test(start_paused = true)]
async fn invalid_events_are_refused_before_sending_naming_the_index() {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("docs", "docs.example.org");
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = Client::builder(token)
        .core(loopback(&server))
        .build()
        .unwrap();
    let good = client.event(1, "app-init", Uuid::new_v4());
    let mut bad = good.clone();
    bad.user_id = 0;
    let err = client
        .send_events(&[good.clone(), good.clone(), good.clone(), bad])
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::InvalidInput { field, .. } => assert_eq!(field, "events[3].user_id"),
        other => panic!("{other:?}"),
    }
    let ctx = err.context().unwrap();
    assert_eq!(ctx.provider, "tga");
    let err = client.send_events(&[]).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "events"));
    assert_eq!(server.request_count(), 0);
    client.send_events(&[good]).await.unwrap();
    assert_eq!(fake.accepted_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn send_encoded_posts_the_encoded_json_unchanged() {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("docs", "docs.example.org");
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = Client::builder(token)
        .gzip(false)
        .core(loopback(&server))
        .build()
        .unwrap();
    let events: Vec<EncodedEvent> = (1..=3)
        .map(|n| client.event(n, "app-hide", Uuid::nil()).encode().unwrap())
        .collect();
    client.send_encoded(&events).await.unwrap();
    let body = &server.requests()[0].body;
    assert_eq!(
        body.as_ref(),
        crate::event::encode_batch(&events).as_slice()
    );
    assert_eq!(fake.accepted_count(), 3);
}

#[test]
fn the_request_budget_is_bounded_and_caps_a_trackers_batches() {
    use crate::event::limits::{DEFAULT_MAX_REQUEST_BYTES, MIN_REQUEST_BYTES};
    let builder = || {
        Client::builder("opaque")
            .app_name("a")
            .origin("https://a.example.com")
    };
    assert_eq!(
        builder().build().unwrap().max_request_bytes(),
        DEFAULT_MAX_REQUEST_BYTES
    );
    let err = builder().max_request_bytes(10).build().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
    let client = builder()
        .max_request_bytes(MIN_REQUEST_BYTES)
        .build()
        .unwrap();
    assert_eq!(client.max_request_bytes(), MIN_REQUEST_BYTES);
}

#[tokio::test(start_paused = true)]
async fn what_render_returns_is_what_the_fake_receives() {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("docs", "docs.example.org");
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = Client::builder(token.clone())
        .gzip(false)
        .core(loopback(&server))
        .build()
        .unwrap();
    let events = [client.event(1, "app-init", Uuid::nil())];
    let request = client.send_events(&events);
    let call = request.render().unwrap();
    assert_eq!(call.method, http::Method::POST);
    assert_eq!(call.target.masked_path(), "/events");
    assert_eq!(call.idempotency, tg_common::Idempotency::NotIdempotent);
    let sent_token = call.headers.get("tga-auth-token").unwrap();
    assert!(sent_token.is_sensitive());
    assert!(!format!("{call:?}").contains(&token));
    request.send().await.unwrap();
    let received = &server.requests()[0];
    assert_eq!(received.path, "/events");
    assert_eq!(received.body, call.body);
    assert_eq!(received.header("tga-auth-token"), Some(token.as_str()));
    assert_eq!(received.header("origin"), Some("https://docs.example.org"));

    let unsafe_call = client.send_events(&events).retry_unsafe().render().unwrap();
    assert_eq!(
        unsafe_call.idempotency,
        tg_common::Idempotency::Idempotent,
        "the caller opted in"
    );
    assert_eq!(
        client
            .send_encoded(&[])
            .render()
            .unwrap_err()
            .context()
            .unwrap()
            .operation,
        SendEvents::NAME
    );

    let thresholds = client.event_thresholds();
    let call = thresholds.render().unwrap();
    assert_eq!(
        (call.method.clone(), call.target.masked_path()),
        (http::Method::GET, "/events/threshold".to_owned())
    );
    assert!(
        call.headers.get("tga-auth-token").is_none(),
        "sent without the token"
    );
    assert_eq!(call.idempotency, tg_common::Idempotency::Idempotent);
    assert!(thresholds.send().await.unwrap().is_empty());
    assert_eq!(
        server.requests()[1].header("origin"),
        Some("https://docs.example.org")
    );
}

#[tokio::test(start_paused = true)]
async fn a_batch_over_the_request_budget_is_refused_unsent() {
    use crate::event::limits::MIN_REQUEST_BYTES;
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("docs", "docs.example.org");
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = Client::builder(token)
        .max_request_bytes(MIN_REQUEST_BYTES)
        .core(loopback(&server))
        .build()
        .unwrap();
    let big: Vec<EncodedEvent> = (1..=1000)
        .map(|n| client.event(n, "app-hide", Uuid::nil()).encode().unwrap())
        .collect();
    let err = client.send_encoded(&big).send().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "events"));
    let err = crate::tracker::BatchSender::send(&HttpSender::new(client.clone()), &big)
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(err.context().unwrap().operation, SendEvents::NAME);
    assert_eq!(server.request_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn the_gzip_level_is_the_one_configured() {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("docs", "docs.example.org");
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let default = Client::builder(token.clone()).build().unwrap();
    assert_eq!(default.gzip_level(), Some(GzipLevel::default()));
    let off = Client::builder(token.clone()).gzip(false).build().unwrap();
    assert_eq!(off.gzip_level(), None);
    let mut sizes = Vec::new();
    for level in [GzipLevel::FASTEST, GzipLevel::SMALLEST] {
        let client = Client::builder(token.clone())
            .gzip_level(level)
            .core(loopback(&server))
            .build()
            .unwrap();
        assert_eq!(client.gzip_level(), Some(level));
        let events: Vec<EncodedEvent> = (1..=200)
            .map(|n| {
                client
                    .event(n, "app-hide", Uuid::from_u128(u128::from(n as u64 % 7)))
                    .with_custom("n", n * 7919 % 1000)
                    .encode()
                    .unwrap()
            })
            .collect();
        client.send_encoded(&events).await.unwrap();
        let request = server.requests().pop().unwrap();
        assert_eq!(request.headers["content-encoding"], "gzip");
        assert_eq!(
            request.inflated.as_deref(),
            Some(crate::event::encode_batch(&events).as_slice())
        );
        sizes.push(request.body.len());
    }
    assert_eq!(fake.accepted_count(), 400);
    // Level 9 searches harder than level 1: the same body comes out smaller.
    assert!(sizes[1] < sizes[0], "{sizes:?}");
}
