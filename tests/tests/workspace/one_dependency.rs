//! Each client crate is the only dependency a user needs: this suite names `Error`,
//! `ErrorKind`, `Secret`, `Decimal`, `Uuid`, `RetryPolicy`, ... through the client crates'
//! re-exports only (no `tg_common`, `rust_decimal` or `uuid` import), reads the providers' own
//! errors with `TgtrackErrorExt::tgtrack_error()` (and its siblings) instead of a downcast, asks the error predicates, and
//! serializes `TrackerStats`; over loopback against tg-mock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tg_mock::MockServer;
use tga_client::TgaErrorExt;
use tgmembership_client::TgmembershipErrorExt;
use tgtrack_client::AddEventSetters;
use tgtrack_client::TgtrackErrorExt;

#[tokio::test(start_paused = true)]
async fn tga_through_its_own_reexports() {
    let fake = Arc::new(tg_mock::tga::TgaFake::new());
    let token: tga_client::Secret = fake.issue_token("app", "app.example.com").into();
    let server = MockServer::start(fake.clone()).await.unwrap();
    let url = server.base_url();
    let configure = |c: tga_client::CoreConfig| {
        c.with_loopback_url(url.clone())
            .with_retry(tga_client::RetryPolicy::none())
    };
    let client = tga_client::Client::builder(token)
        .core(configure)
        .build()
        .unwrap();
    let session: tga_client::Uuid = tga_client::Uuid::new_v4();
    let tracker = client
        .tracker(tga_client::TrackerConfig::default())
        .unwrap();
    tracker
        .track(&client.event(111_111_111, "app-init", session))
        .await
        .unwrap();
    tracker.flush().await.unwrap();
    let stats = serde_json::to_value(tracker.stats()).unwrap();
    assert_eq!(stats["queued"], 1);
    assert_eq!(stats["sent"], 1);
    assert_eq!(stats["dropped"], 0);
    tracker.shutdown(Duration::from_secs(5)).await.unwrap();

    // A token the service did not issue: TGA's own answer, without a downcast.
    let foreign = tg_mock::tga::TgaFake::new().issue_token("app", "app.example.com");
    let stranger = tga_client::Client::builder(foreign)
        .core(configure)
        .build()
        .unwrap();
    let err: tga_client::Error = stranger
        .send_events(&[stranger.event(1, "app-init", session)])
        .await
        .unwrap_err();
    assert_eq!(
        err.tga_error(),
        Some(&tga_client::TgaApiError::TokenInvalid)
    );
    assert!(
        err.is_bad_token() && !err.is_unauthorized(),
        "TGA says 400: {err}"
    );
    assert!(matches!(err.kind(), tga_client::ErrorKind::Api(_)));
    assert_eq!(err.retry_safety(), tga_client::RetrySafety::Never);

    let err = client
        .send_events(&[client.event(0, "app-init", session)])
        .await
        .unwrap_err();
    assert!(err.is_invalid_input() && err.tga_error().is_none() && !err.is_bad_token());
}

#[tokio::test(start_paused = true)]
async fn tgtrack_through_its_own_reexports() {
    let fake = Arc::new(tg_mock::tgtrack::TgtrackFake::new());
    fake.add_key("one-dep-track-key", tg_mock::tgtrack::Mode::Production);
    let server = MockServer::start(fake.clone()).await.unwrap();
    let client_for = |key: &str| {
        let key = tgtrack_client::Secret::new(key);
        tgtrack_client::Client::builder(key)
            .core(|c| c.with_loopback_url(server.base_url()))
            .retry_policy(tgtrack_client::RetryPolicy::none())
            .build()
            .unwrap()
    };
    let client = client_for("one-dep-track-key");
    let amount = tgtrack_client::Decimal::from_str("1500.00").unwrap();
    client
        .add_event(7_123_456_789, "sale")
        .amount(amount)
        .send()
        .await
        .unwrap();

    let err: tgtrack_client::Error = client_for("one-dep-unknown-key")
        .add_event(5, "sale")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized() && !err.is_not_found());
    assert_eq!(
        err.tgtrack_code(),
        Some(tgtrack_client::ErrorCode::InvalidToken)
    );
    assert_eq!(err.tgtrack_error().unwrap().description, "Invalid token");
    assert_eq!(err.as_api().map(|a| a.status), Some(401));

    // TGTrack's unknown user is its 405, not a 404.
    let err = client.get_user_info(31_337).send().await.unwrap_err();
    assert_eq!(
        err.tgtrack_code(),
        Some(tgtrack_client::ErrorCode::ResourceNotFound)
    );
    assert!(!err.is_not_found() && !err.is_unauthorized());
    assert!(matches!(
        client.add_event(0, "").send().await.unwrap_err().kind(),
        tgtrack_client::ErrorKind::InvalidInput { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn tgmembership_through_its_own_reexports() {
    const BOT: i64 = 1347378140;
    let fake = Arc::new(tg_mock::tgmembership::TgmembershipFake::new(
        BOT,
        "one-dep-tgm-key",
    ));
    let server = MockServer::start(fake.clone()).await.unwrap();
    let client_for = |bot: i64, key: &str| {
        tgmembership_client::Client::builder(bot, tgmembership_client::Secret::new(key))
            .core(|c| c.with_loopback_url(server.base_url()))
            .retry_policy(tgmembership_client::RetryPolicy::none())
            .build()
            .unwrap()
    };
    let client = client_for(BOT, "one-dep-tgm-key");
    let price = tgmembership_client::Decimal::new(500, 2);
    let plan = client
        .plans()
        .create(
            "Weekly",
            "1 week",
            price,
            tgmembership_client::Currency::Eur,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(plan.price, price);

    let err: tgmembership_client::Error = client
        .orders()
        .get("no-such-order")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found() && !err.is_unauthorized());
    assert_eq!(err.tgmembership_code(), Some(404));
    assert!(err.tgmembership_error().unwrap().request_id.is_some());

    let err = client_for(BOT, "one-dep-wrong-key")
        .plans()
        .list()
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    assert_eq!(err.tgmembership_code(), Some(401));
    let context: &tgmembership_client::Context = err.context().unwrap();
    assert_eq!(context.provider, "tgmembership");
}
