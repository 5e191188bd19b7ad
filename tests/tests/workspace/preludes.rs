//! The preludes follow one rule (traits only, never a type such as `Client`), so a program
//! that globs all of them compiles: every name below resolves without ambiguity, the setters
//! of each crate work, and `StreamExt::next` pages through a TGmembership list.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tg_common::prelude::*;
use tg_mock::MockServer;
use tg_mock::tgmembership::TgmembershipFake;
use tga_client::prelude::*;
use tgmembership_client::prelude::*;
use tgtrack_client::prelude::*;

#[tokio::test]
async fn all_four_preludes_globbed_together_compile_and_work() {
    // tgtrack's setters and tg-common's `Operation` (for `validate`).
    let event = tgtrack_client::AddEvent::new(7, "sale").amount(tgtrack_client::Decimal::ONE);
    assert!(event.validate().is_ok());

    // tgmembership's setters and `StreamExt` on a paginated list, against the fake.
    let fake = Arc::new(TgmembershipFake::new(42, "prelude-key"));
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = tgmembership_client::Client::builder(42, "prelude-key")
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()
        .unwrap();
    let mut plans = std::pin::pin!(client.plans().list().page_size(1).stream());
    let first = plans.next().await.expect("the fake has plans").unwrap();
    assert!(first.plan_id > 0);

    // The error extensions of every crate, on one error.
    let err = client.plans().list().limit(0).send().await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(err.tga_error().is_none());
    assert!(err.tgtrack_error().is_none());
    assert!(err.tgmembership_error().is_none());
}
