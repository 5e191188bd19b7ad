//! (e) Webhooks end to end.

use super::*;

#[tokio::test]
async fn signed_webhooks_are_delivered_and_verified_end_to_end() {
    let s = Setup::new("webhooks").await;
    let c = s.client();
    let receiver = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
        .await
        .unwrap();
    // The service requires https; the test receiver speaks plain http on the same port.
    let hook_url = format!("https://127.0.0.1:{}/tgm-hook", receiver.addr().port());
    let hook = c.webhooks().set(&hook_url).send().await.unwrap();
    assert_eq!(hook.url, hook_url);
    assert!(!format!("{hook:?}").contains(hook.secret.expose()));

    let order = c
        .orders()
        .create(20, PaymentGateway::Stripe)
        .member_id(5555555555)
        .send()
        .await
        .unwrap();
    let deliveries = s.fake.complete_order(&order.order_key).unwrap();
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert_eq!(delivery.url, hook_url);
    let plain = format!("{}/tgm-hook", receiver.base_url());
    let answer = tg_mock::deliver::post(&plain, &delivery.header_map(), delivery.body.clone())
        .await
        .unwrap();
    assert_eq!(answer.status, 200);

    // What the receiver's handler sees: the raw body and two header values.
    let received = receiver.requests().pop().unwrap();
    assert_eq!(received.path, "/tgm-hook");
    let body = received.body.clone();
    let signature = received.header(SIGNATURE_HEADER).unwrap().to_owned();
    let nonce = received.header(NONCE_HEADER).unwrap().to_owned();

    let verifier = WebhookVerifier::new(hook.secret.clone()).unwrap();
    let event = verifier
        .verify_event_at(&signature, &nonce, &body, NOW)
        .unwrap();
    assert_eq!(event.event, WebhookEventKind::OrderCompleted);
    assert_eq!(event.data["order_key"], order.order_key.as_str());
    assert_eq!(event.data["amount"], "1.23");
    // Verifying records nothing; a claimed and committed nonce is a replay inside the window.
    assert_eq!(
        verifier.verify_at(&signature, &nonce, &body, NOW + 300),
        Ok(NOW)
    );
    let claim = verifier.claim_at(&nonce, NOW, NOW).await.unwrap();
    claim.commit_at(NOW).await.unwrap();
    assert_eq!(
        verifier.claim_at(&nonce, NOW, NOW + 300).await.unwrap_err(),
        WebhookError::Replay
    );
    // Read from the received headers by their exported names, a fresh verifier accepts it.
    let mut map = http::HeaderMap::new();
    map.insert(
        tgmembership_client::SIGNATURE_HEADER,
        http::HeaderValue::from_str(&signature).unwrap(),
    );
    map.insert(
        tgmembership_client::NONCE_HEADER,
        http::HeaderValue::from_str(&nonce).unwrap(),
    );
    let fresh = WebhookVerifier::new(hook.secret.clone()).unwrap();
    assert_eq!(fresh.verify_headers_at(&map, &body, NOW), Ok(NOW));

    // Each way of failing has its own error.
    let mut tampered = body.to_vec();
    let at = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at] = b'9';
    let refusals = [
        verifier.verify_at(&signature, &nonce, &tampered, NOW),
        WebhookVerifier::new("not-the-secret-0123456789")
            .unwrap()
            .verify_at(&signature, &nonce, &body, NOW),
        verifier.verify_at(&signature, &nonce, &body, NOW + 301),
        verifier.verify_at("t=abc,v1=00", &nonce, &body, NOW),
    ];
    assert_eq!(refusals[0], Err(WebhookError::SignatureMismatch));
    assert_eq!(refusals[1], Err(WebhookError::SignatureMismatch));
    assert_eq!(
        refusals[2],
        Err(WebhookError::Stale {
            timestamp: NOW,
            now: NOW + 301
        })
    );
    assert!(matches!(refusals[3], Err(WebhookError::MalformedHeader(_))));
    let another_nonce = verifier.verify_at(&signature, "0000000000000", &body, NOW);
    assert_eq!(another_nonce, Err(WebhookError::SignatureMismatch));

    // A membership ending is signed the same way.
    let ended = s.fake.terminate_membership(5555555555, 20).unwrap();
    tg_mock::deliver::post(&plain, &ended[0].header_map(), ended[0].body.clone())
        .await
        .unwrap();
    let received = receiver.requests().pop().unwrap();
    let event = verifier
        .verify_event_at(
            received.header(SIGNATURE_HEADER).unwrap(),
            received.header(NONCE_HEADER).unwrap(),
            &received.body,
            NOW,
        )
        .unwrap();
    assert_eq!(event.event, WebhookEventKind::MembershipTerminated);
    assert_eq!(event.data["member_id"], 5555555555_i64);

    // After DELETE webhook, nothing is delivered.
    c.webhooks().delete(&hook_url).send().await.unwrap();
    let order = c
        .orders()
        .create(20, PaymentGateway::Stripe)
        .send()
        .await
        .unwrap();
    assert!(s.fake.complete_order(&order.order_key).unwrap().is_empty());
}
