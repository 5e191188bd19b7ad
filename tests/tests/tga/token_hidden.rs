//! (g) The token is never printed.

use super::*;

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
