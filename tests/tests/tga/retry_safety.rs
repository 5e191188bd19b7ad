//! (d) Retry safety of `send`.

use super::*;

#[tokio::test(start_paused = true)]
async fn send_is_not_retried_after_a_5xx_or_a_reset_unless_asked() {
    let unavailable = Fault::RespondUnprocessed(reply(503, "Service Unavailable"));
    for (fault, is_expected) in [
        (
            unavailable,
            (|e: &Error| {
                matches!(
                    e.api_detail::<TgaApiError>(),
                    Some(TgaApiError::Server { status: 503, .. })
                )
            }) as fn(&Error) -> bool,
        ),
        (Fault::ResetBeforeHeaders, |e: &Error| {
            matches!(
                e.kind(),
                ErrorKind::Transport {
                    kind: TransportKind::Reset,
                    ..
                }
            )
        }),
        (Fault::ResetAfterHeaders, |e: &Error| {
            matches!(e.kind(), ErrorKind::Transport { .. })
        }),
    ] {
        let s = Setup::new(APP, DOMAIN).await;
        let client = s.client();
        let event = [app_init(&client, 0)];
        s.server.push_fault(FaultRule::next(1, fault.clone()));
        let err = client.send_events(&event).await.unwrap_err();
        assert!(is_expected(&err), "{fault:?}: {err}");
        assert_eq!(err.retry_safety(), RetrySafety::IfIdempotent, "{fault:?}");
        assert_eq!(s.server.request_count(), 1, "{fault:?}: retried");

        s.server.push_fault(FaultRule::next(1, fault.clone()));
        client.send_events(&event).retry_unsafe().await.unwrap();
        assert_eq!(s.server.request_count(), 3, "{fault:?}: not retried");
    }
}
