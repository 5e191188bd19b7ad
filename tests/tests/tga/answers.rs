//! (b) Every documented answer.

use super::*;

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
