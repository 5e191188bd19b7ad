//! (c) Error envelopes.

use super::*;

#[tokio::test(start_paused = true)]
async fn an_unknown_key_is_401_invalid_token_and_not_retried() {
    let s = setup("it-track-known-key", FakeMode::Production).await;
    let stranger = client_for(&s.server, "it-track-unknown-key");
    let e = stranger.add_event(5, "sale").send().await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::InvalidToken);
    assert_eq!(d.description, "Invalid token");
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    assert!(!e.is_retryable());
    assert_eq!(e.context().unwrap().operation, "add_event");
    // Not retried, even for the idempotent method.
    let e = stranger.get_user_info(5).send().await.unwrap_err();
    assert_eq!(api(&e).code, ErrorCode::InvalidToken);
    assert_eq!(s.server.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_expired_key_is_402_token_expired() {
    let key = "it-track-expired-key";
    let s = setup(key, FakeMode::Sandbox).await;
    s.fake.expire_key(key);
    let e = s
        .client
        .send_reach_goal(5, "lead")
        .send()
        .await
        .unwrap_err();
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::TokenExpired);
    assert_eq!(d.mode, Some(Mode::Sandbox));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_user_is_the_fakes_405_and_not_retried() {
    let key = "it-track-nouser-key";
    let s = setup(key, FakeMode::Production).await;
    let e = s.client.get_user_info(31_337).send().await.unwrap_err();
    assert_eq!(e.status(), Some(405));
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::ResourceNotFound);
    assert!(d.details.as_deref().unwrap().contains("31337"), "{d}");
    assert_eq!(d.mode, Some(Mode::Production));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.last_events(key)[0].status_code, 405);
}

#[tokio::test(start_paused = true)]
async fn bodies_the_fake_rejects_are_422_naming_the_field() {
    let key = "it-track-422-key";
    let s = setup(key, FakeMode::Production).await;
    // An update re-serialized by a framework that renamed `from` (the aiogram story).
    let renamed = private_message(1, 9, "/start", NOW).replace("\"from\":", "\"from_user\":");
    let e = s
        .client
        .on_telegram_webhook(update(&renamed))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::UnprocessableEntity);
    assert!(d.details.as_deref().unwrap().contains("from_user"), "{d}");
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    // A JSON object that is not a Telegram update.
    let e = s
        .client
        .on_telegram_webhook(update(r#"{"message":{"text":"/start"}}"#))
        .send()
        .await
        .unwrap_err();
    assert!(
        api(&e).details.as_deref().unwrap().contains("update_id"),
        "{e}"
    );

    // The client's validation keeps bad typed bodies from being sent, so script the 422.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(
            422,
            Some("amount: must be a JSON number"),
            Some(FakeMode::Production),
        )),
    ));
    let e = s
        .client
        .add_event(9, "sale")
        .amount(Decimal::from(10))
        .retry_unsafe()
        .send()
        .await
        .unwrap_err();
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::UnprocessableEntity);
    assert_eq!(d.details.as_deref(), Some("amount: must be a JSON number"));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 3, "a 422 is never retried");
}

#[tokio::test(start_paused = true)]
async fn invalid_typed_input_is_refused_before_sending() {
    let s = setup("it-track-invalid-key", FakeMode::Production).await;
    let c = &s.client;
    let errors = [
        c.add_event(0, "sale").send().await.unwrap_err(),
        c.add_event(5, " ").send().await.unwrap_err(),
        c.add_event(5, "sale")
            .result(EventResult::Unknown("refunded".into()))
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale")
            .date(1_622_520_000_000)
            .send()
            .await
            .unwrap_err(),
        c.send_reach_goal(5, "").send().await.unwrap_err(),
        c.user_did_start_bot(5, "").send().await.unwrap_err(),
        c.my_bot_was_started("has\nnewline")
            .send()
            .await
            .unwrap_err(),
        c.my_bot_was_stopped(-1).send().await.unwrap_err(),
        c.add_event(5, "sale")
            .amount(Decimal::MAX)
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale")
            .amount(Decimal::from_str("0.1234567890123456789012345678").unwrap())
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "x".repeat(1 << 20))
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale\u{0}").send().await.unwrap_err(),
        c.add_event(5, "sale")
            .conversion_target("lead\r\n")
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale")
            .labels([Label::new("manager", "x".repeat(257))])
            .send()
            .await
            .unwrap_err(),
        c.send_reach_goal(5, "goal\u{1b}[31m")
            .send()
            .await
            .unwrap_err(),
        c.user_did_start_bot(5, "n".repeat(65))
            .send()
            .await
            .unwrap_err(),
        c.user_did_start_bot(5, "Ann")
            .username("u".repeat(33))
            .send()
            .await
            .unwrap_err(),
        c.get_user_info(0).send().await.unwrap_err(),
    ];
    for e in &errors {
        assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e:?}");
        assert!(e.to_string().contains("nothing was sent"), "{e}");
    }
    assert_eq!(s.server.request_count(), 0);
}
