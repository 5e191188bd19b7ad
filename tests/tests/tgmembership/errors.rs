//! (c) The documented errors, typed.

use super::*;

#[tokio::test]
async fn an_unknown_key_is_a_401_and_not_retried() {
    let s = Setup::new("badkey").await;
    let wrong = s.builder_for(BOT, "tgm-not-a-key-3d2a").build().unwrap();
    let err = wrong.plans().list().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let d = detail(&err);
    assert_eq!(d.code, 401);
    assert!(d.description.unwrap().contains("Unauthorized"));
    assert!(d.request_id.is_some());
    assert_eq!(err.retry_safety(), RetrySafety::Never);
    let ctx = err.context().unwrap();
    assert_eq!(
        (ctx.provider, ctx.operation.as_ref()),
        ("tgmembership", "GET plans")
    );
    assert_eq!(s.server.request_count(), 1);
    // The right key for another bot id is refused the same way.
    let other_bot = s.builder_for(BOT + 1, &s.key).build().unwrap();
    let err = other_bot.users().count().send().await.unwrap_err();
    assert_eq!(detail(&err).code, 401);
}

#[tokio::test]
async fn an_unknown_member_is_a_404() {
    let s = Setup::new("nomember").await;
    let c = s.client();
    let err = c
        .members()
        .list()
        .member_id(424242)
        .send()
        .await
        .unwrap_err();
    assert_eq!(detail(&err).code, 404);
    assert_eq!(
        detail(&err).description.as_deref(),
        Some("Member not found")
    );
    assert!(!err.is_retryable());
    let err = c.affiliates().create(424242).send().await.unwrap_err();
    assert_eq!(detail(&err).code, 404);
    assert_eq!(err.context().unwrap().operation, "POST affiliate");
    let err = c.orders().get("no-such-order").send().await.unwrap_err();
    assert_eq!(detail(&err).code, 404);
    assert_eq!(err.context().unwrap().operation, "GET orders/{order_key}");
    assert_eq!(s.server.request_count(), 3);
}

#[tokio::test]
async fn a_plan_price_the_services_double_cannot_hold_is_refused_locally() {
    let s = Setup::new("price").await;
    let c = s.client();
    for price in [Decimal::MAX, dec("0.1234567890123456789012345678")] {
        let err = c
            .plans()
            .create("Weekly", "1 week", price, Currency::Eur)
            .send()
            .await
            .unwrap_err();
        match err.kind() {
            ErrorKind::InvalidInput { field, .. } => assert_eq!(field, "plan_price"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(s.server.request_count(), 0);
    c.plans()
        .create("Weekly", "1 week", dec("99.99"), Currency::Eur)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_bad_affiliate_id_is_refused_locally_and_by_the_server() {
    let s = Setup::new("affiliate").await;
    let c = s.client();

    // Locally: nothing is sent.
    for bad in ["1abc", "ab", "abc-def", "abcdefghijklm"] {
        let err = c
            .affiliates()
            .create(1111111111)
            .affiliate_id(bad)
            .send()
            .await
            .unwrap_err();
        match err.kind() {
            ErrorKind::InvalidInput { field, .. } => assert_eq!(field, "affiliate_id"),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.retry_safety(), RetrySafety::Never);
    }
    assert_eq!(s.server.request_count(), 0);

    // By the server: an id already taken by another member.
    c.affiliates()
        .create(1111111111)
        .affiliate_id("abcd123")
        .send()
        .await
        .unwrap();
    let err = c
        .affiliates()
        .create(2222222222)
        .affiliate_id("abcd123")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(
        detail(&err)
            .description
            .unwrap()
            .starts_with("Invalid affiliate_id")
    );
    assert_eq!(err.retry_safety(), RetrySafety::Never);

    // By the server, scripted: the service's rules may be stricter than the document's.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_envelope(400, "Invalid affiliate_id")),
    ));
    let err = c
        .affiliates()
        .create(3333333333)
        .affiliate_id("zed42")
        .send()
        .await
        .unwrap_err();
    let d = detail(&err);
    assert_eq!(
        (d.code, d.description.as_deref()),
        (400, Some("Invalid affiliate_id"))
    );
    assert!(!err.is_retryable());
    assert_eq!(s.server.request_count(), 3);
    assert_eq!(
        s.fake.affiliates(),
        vec![("abcd123".to_owned(), 1111111111)]
    );
}

#[tokio::test]
async fn test_mode_refuses_orders_with_a_401() {
    let s = Setup::new("testmode").await;
    s.fake.set_test_mode(true);
    let err = s
        .client()
        .orders()
        .create(19, PaymentGateway::Stripe)
        .send()
        .await
        .unwrap_err();
    assert_eq!(detail(&err).code, 401);
    assert_eq!(s.server.request_count(), 1);
}
