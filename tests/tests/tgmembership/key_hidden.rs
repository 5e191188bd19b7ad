//! (g) The key never shows.

use super::*;

#[tokio::test]
async fn the_key_never_appears_in_debug_or_display() {
    let s = Setup::new("redact").await;
    let key = s.key.clone();
    let builder = s.builder_for(BOT, &key);
    assert!(!format!("{builder:?}").contains(&key));
    let c = builder.build().unwrap();
    assert!(!format!("{c:?} {c:#?}").contains(&key));
    let pending = c.orders().create(19, PaymentGateway::Stripe).email("a@b.c");
    assert!(!format!("{pending:?}").contains(&key));
    assert!(!format!("{:?}", c.members().list().page_size(5)).contains(&key));
    assert!(!format!("{:?}", c.plans()).contains(&key));

    let mut errors = Vec::new();
    // Local validation.
    errors.push(c.members().list().limit(0).send().await.unwrap_err());
    // The service's 404.
    errors.push(c.orders().get("missing").send().await.unwrap_err());
    // A 401 for a wrong key (which must not show either).
    let wrong = s.builder_for(BOT, "tgm-wrong-key-9e8d").build().unwrap();
    let e = wrong.coupons().list().send().await.unwrap_err();
    assert_key_free(&e, "tgm-wrong-key-9e8d");
    errors.push(e);
    // An error page that echoes the request URL, key included: scrubbed before anyone reads it.
    s.server
        .push_fault(FaultRule::always(Fault::RespondUnprocessed(Reply::new(
            500,
            format!("<h1>Internal error</h1> GET /v1/bot{BOT}/{key}/coupons"),
        ))));
    let e = c.coupons().list().send().await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Http { status: 500, .. }),
        "{e:?}"
    );
    errors.push(e);
    s.server.clear_faults();
    // A success that does not decode.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::json(
            200,
            &json!({"ok": true, "code": 200, "result": [{"plan_id": "x", "note": key}]}),
        )),
    ));
    let e = c.plans().list().send().await.unwrap_err();
    match e.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "result[0].plan_id"),
        other => panic!("{other:?}"),
    }
    errors.push(e);
    // A connection reset.
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    errors.push(
        c.bots()
            .register("5551234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
            .send()
            .await
            .unwrap_err(),
    );
    // A client pointed at a closed port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let nowhere = Client::builder(BOT, key.as_str())
        .core(|c| c.with_loopback_url(closed))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(nowhere.users().count().send().await.unwrap_err());
    // A configuration error.
    errors.push(Client::builder(0, key.as_str()).build().unwrap_err());

    assert_eq!(errors.len(), 8);
    for e in &errors {
        assert_key_free(e, &key);
    }
}
