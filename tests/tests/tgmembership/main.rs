//! tgmembership-client over loopback HTTP against the fake TGmembership: every endpoint, state
//! flowing from creates to lists and reports, pagination across page boundaries, the documented
//! errors, retry safety of the creates, signed webhooks end to end, exact money on the wire, and
//! the API key kept out of every Debug and Display; every request type against the fake without
//! HTTP (`against_fake`), the document's examples as test vectors (`doc_examples`), the receiver
//! in a real axum server (`receiver`), and tg-mock as a dev server (`dev_server`).
//!
//! [`Setup`] retries with a zero backoff, so its tests do not sleep; its fake's clock is fixed at
//! [`NOW`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod against_fake;
mod dev_server;
mod doc_examples;
mod endpoints;
mod errors;
mod key_hidden;
mod money;
mod pagination;
mod receiver;
mod retry_safety;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use integration_tests::support;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tg_common::TransportKind;
use tg_common::{Error, ErrorKind, RetryPolicy, RetrySafety};
use tg_mock::tgmembership::{MemberRecord, NONCE_HEADER, SIGNATURE_HEADER, TgmembershipFake};
use tg_mock::{Disposition, Fault, FaultRule, FixedReply, Matcher, MockServer, Reply};
use tgmembership_client::prelude::*;
use tgmembership_client::{
    Client, ClientBuilder, Currency, IntervalUnit, OrderStatus, PaymentGateway,
    TgmembershipApiError, WebhookError, WebhookEventKind, WebhookVerifier,
};

/// The bot of the document's examples.
const BOT: i64 = 1347378140;
/// The fake's clock: 2025-10-09, months after the seeded orders (July 2024).
const NOW: i64 = 1_760_000_000;

struct Setup {
    fake: Arc<TgmembershipFake>,
    server: MockServer,
    key: String,
}

impl Setup {
    /// A fake accepting a key unique to the test, served on loopback.
    async fn new(test: &str) -> Setup {
        let key = format!("tgm-{test}-7c1f9e");
        let fake = Arc::new(TgmembershipFake::new(BOT, &key));
        fake.set_now(Some(NOW));
        let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
        Setup { fake, server, key }
    }

    /// A builder for `(bot, key)` pointed at the fake, retrying without backoff.
    fn builder_for(&self, bot: i64, key: &str) -> ClientBuilder {
        let url = self.server.base_url();
        Client::builder(bot, key)
            .core(|c| c.with_loopback_url(url))
            .retry_policy(RetryPolicy {
                base_delay: Duration::ZERO,
                max_delay: Duration::ZERO,
                jitter: false,
                ..RetryPolicy::default()
            })
    }

    fn client(&self) -> Client {
        self.builder_for(BOT, &self.key).build().unwrap()
    }

    /// Adds `n` memberships of `plan_id`, member ids `base + i`.
    fn add_members(&self, plan_id: i64, base: i64, n: i64) {
        for i in 0..n {
            self.fake.add_member(MemberRecord {
                member_id: base + i,
                plan_id,
                project_id: 1,
                start: NOW - 100,
                end: NOW + 86_400,
            });
        }
    }

    /// `(offset, limit)` of every recorded request, as sent.
    fn pages(&self) -> Vec<(String, String)> {
        self.server
            .requests()
            .iter()
            .map(|r| {
                (
                    r.query_param("offset").unwrap_or_default(),
                    r.query_param("limit").unwrap_or_default(),
                )
            })
            .collect()
    }

    fn dispositions(&self) -> Vec<Disposition> {
        support::dispositions(&self.server)
    }
}

fn detail(err: &Error) -> TgmembershipApiError {
    err.api_detail::<TgmembershipApiError>()
        .unwrap_or_else(|| panic!("not a TGmembership answer: {err:?}"))
        .clone()
}

fn error_envelope(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        &json!({ "ok": false, "code": code, "description": description }),
    )
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Fails if `key` appears in the error's Display, Debug, or any source's.
fn assert_key_free(err: &Error, key: &str) {
    let shown = format!("{err} {err:?} {err:#?}");
    assert!(!shown.contains(key), "the key leaked: {shown}");
    for s in support::sources(err) {
        let shown = format!("{s} {s:?}");
        assert!(!shown.contains(key), "the key leaked: {shown}");
    }
}
