//! (d) Retry safety: never a second invoice by retrying.

use super::*;

#[tokio::test]
async fn a_create_is_not_retried_after_a_503_or_a_reset() {
    let s = Setup::new("noretry").await;
    let c = s.client();
    let before = s.fake.orders().len();

    // The order is created, then the answer is replaced by a 503.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::Respond(error_envelope(503, "Service Unavailable")),
    ));
    let err = c
        .orders()
        .create(19, PaymentGateway::Stripe)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.retry_safety(), RetrySafety::IfIdempotent);
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.orders().len(), before + 1, "one invoice, not two");

    // The order is created, then the connection drops before the body.
    s.server.clear_requests();
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    let err = c
        .orders()
        .create(19, PaymentGateway::Stripe)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport { kind, .. }
            if matches!(kind, TransportKind::Reset | TransportKind::Incomplete)),
        "{err:?}"
    );
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.orders().len(), before + 2);

    // The same holds for the other creates.
    s.server.clear_requests();
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_envelope(502, "Bad Gateway")),
    ));
    c.plans()
        .create("Weekly", "1 week", Decimal::ONE, Currency::Eur)
        .send()
        .await
        .unwrap_err();
    assert_eq!(s.server.request_count(), 1);
}

#[tokio::test]
async fn reads_and_the_webhook_delete_are_retried() {
    let s = Setup::new("retry").await;
    let c = s.client();

    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_envelope(503, "Service Unavailable")),
    ));
    assert_eq!(c.plans().list().send().await.unwrap().len(), 2);
    assert_eq!(s.server.request_count(), 2);

    s.server.clear_requests();
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetBeforeHeaders));
    c.orders().get("ABCD123").send().await.unwrap();
    assert_eq!(s.server.request_count(), 2);

    c.webhooks()
        .set("https://example.com/h")
        .send()
        .await
        .unwrap();
    s.server.clear_requests();
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(502, "<html>Bad Gateway</html>")),
    ));
    c.webhooks()
        .delete("https://example.com/h")
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert!(s.fake.webhooks().is_empty());
}

#[tokio::test]
async fn retry_unsafe_opts_a_create_in_and_a_429_is_retried_for_anything() {
    let s = Setup::new("unsafe").await;
    let c = s.client();
    let before = s.fake.orders().len();

    // Opting in after a processed 503 makes a second invoice: the risk the default avoids.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::Respond(error_envelope(503, "Service Unavailable")),
    ));
    let created = c
        .orders()
        .create(19, PaymentGateway::Stripe)
        .retry_unsafe()
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert_eq!(s.fake.orders().len(), before + 2);
    assert!(s.fake.order(&created.order_key).is_some());

    // A 429 is a refusal without processing: retried even for a create.
    s.server.clear_requests();
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(
            error_envelope(429, "Too Many Requests").with_header("retry-after", "0"),
        ),
    ));
    c.orders()
        .create(19, PaymentGateway::Stripe)
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert_eq!(s.fake.orders().len(), before + 3);
}
