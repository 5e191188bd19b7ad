//! (e) Retry safety. That a 429 is retried for every method is `shared_rules`.

use super::*;

#[tokio::test(start_paused = true)]
async fn add_event_is_not_retried_after_a_503() {
    let key = "it-track-503-key";
    let s = setup(key, FakeMode::Production).await;
    // The server processed the event, then answered 503: a repeat would count it twice.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::Respond(error_reply(503, None, None)),
    ));
    let e = s.client.add_event(5, "sale").send().await.unwrap_err();
    assert_eq!(api(&e).code, ErrorCode::ServiceUnavailable);
    assert_eq!(e.retry_safety(), RetrySafety::IfIdempotent);
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.accepted_events(key).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn add_event_is_not_retried_after_a_reset() {
    let key = "it-track-reset-key";
    let s = setup(key, FakeMode::Production).await;
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    let e = s.client.add_event(5, "sale").send().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Transport {
                kind: TransportKind::Incomplete | TransportKind::Reset,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.accepted_events(key).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn get_user_info_is_retried_after_a_reset_and_a_503() {
    let key = "it-track-idem-key";
    let s = setup(key, FakeMode::Production).await;
    s.client.user_did_start_bot(5, "Ann").send().await.unwrap();
    s.server.clear_requests();
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    let info = s.client.get_user_info(5).send().await.unwrap();
    assert_eq!(info.data.unwrap().first_name, "Ann");
    assert_eq!(s.server.request_count(), 2);
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(503, None, None)),
    ));
    s.client.get_user_info(5).send().await.unwrap();
    assert_eq!(s.server.request_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn retry_unsafe_opts_a_single_call_in() {
    let key = "it-track-optin-key";
    let s = setup(key, FakeMode::Production).await;
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(503, None, None)),
    ));
    s.client
        .add_event(5, "sale")
        .retry_unsafe()
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert_eq!(s.fake.accepted_events(key).len(), 1);
    // Forwarding builders take the same opt-in.
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetBeforeHeaders));
    s.client
        .on_telegram_webhook(update(&private_message(1, 5, "/start", NOW)))
        .retry_unsafe()
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 4);
}
