//! tgmembership-client over loopback HTTP against the fake TGmembership: every endpoint, state
//! flowing from creates to lists and reports, pagination across page boundaries, the documented
//! errors, retry safety of the creates, signed webhooks end to end, exact money on the wire, and
//! the API key kept out of every Debug and Display.
//!
//! Retries use a zero backoff, so no test sleeps; the fake's clock is fixed at [`NOW`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tg_common::error::TransportKind;
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
        self.server
            .exchanges()
            .into_iter()
            .map(|e| e.disposition)
            .collect()
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
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let shown = format!("{s} {s:?}");
        assert!(!shown.contains(key), "the key leaked: {shown}");
        source = s.source();
    }
}

// (a) Every endpoint, and state flowing between them.

#[tokio::test]
async fn every_endpoint_runs_against_the_fake() {
    let s = Setup::new("every").await;
    let c = s.client();

    let affiliate = c
        .affiliates()
        .create(1111111111)
        .affiliate_id("abcd123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        affiliate.affiliate_link,
        "https://t.me/tgmembership_demobot?start=r_abcd123"
    );

    let bot = c
        .bots()
        .register("5551234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
        .send()
        .await
        .unwrap();
    assert_eq!(bot.bot_id, 5551234);

    let coupons = c.coupons().list().send().await.unwrap();
    assert_eq!(coupons.len(), 2);
    assert_eq!(coupons[1].percent, dec("11"));

    let members = c.members().list().send().await.unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[0].member_id, 1111111111);

    let token = c
        .members()
        .access_token(19)
        .member_id(1111111111)
        .send()
        .await
        .unwrap();
    assert!(token.link.ends_with(&token.access_token), "{token:?}");

    let orders = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .send()
        .await
        .unwrap();
    assert_eq!(orders.len(), 6);
    assert_eq!(orders[0].order_key, "66804997RC5418150");
    assert_eq!(orders[0].amount, Some(dec("1.344882")));

    let order = c.orders().get("ABCD123").send().await.unwrap();
    assert_eq!(order.payment_gateway.gateway(), &PaymentGateway::Stripe);
    assert_eq!(order.member_email.as_deref(), Some("john@doe.com"));

    let created = c
        .orders()
        .create(19, PaymentGateway::Stripe)
        .member_id(5555555555)
        .send()
        .await
        .unwrap();
    assert_eq!(created.amount, dec("99.99"));
    assert_eq!(created.currency, Currency::Usd);

    let periods = c
        .orders()
        .count()
        .interval_unit(IntervalUnit::Day)
        .interval_count(2)
        .send()
        .await
        .unwrap();
    assert_eq!(periods.len(), 2);

    let methods = c.payment_methods().list().send().await.unwrap();
    assert_eq!(methods.len(), 7);

    let by_method = c
        .payment_methods()
        .report()
        .currency(Currency::Usd)
        .send()
        .await
        .unwrap();
    assert_eq!(by_method.iter().map(|m| m.sales).sum::<i64>(), 2);

    let plans = c.plans().list().send().await.unwrap();
    assert_eq!(plans.len(), 2);

    let plan = c
        .plans()
        .create("Weekly", "1 week", dec("5.00"), Currency::Eur)
        .trial("3 days")
        .send()
        .await
        .unwrap();
    assert_eq!(plan.duration, "1 week");

    let by_plan = c.plans().report().send().await.unwrap();
    assert!(
        by_plan.is_empty(),
        "no sale in the last 6 months: {by_plan:?}"
    );

    let projects = c.projects().list().send().await.unwrap();
    assert_eq!(projects.len(), 3);

    let revenue = c.revenue(0, NOW).send().await.unwrap();
    assert_eq!(revenue.sales, 2);

    let users = c.users().count().send().await.unwrap();
    assert_eq!(users.users, 5);

    let hook = c
        .webhooks()
        .set("https://example.com/hook")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.url, "https://example.com/hook");
    c.webhooks()
        .delete("https://example.com/hook")
        .send()
        .await
        .unwrap();

    // The key `POST bot` issued works for the new bot.
    let new_bot = s
        .builder_for(bot.bot_id, bot.api_key.expose())
        .build()
        .unwrap();
    assert_eq!(new_bot.users().count().send().await.unwrap().users, 5);

    // One request per call, each answered with success, at the documented path.
    let requests = s.server.requests();
    assert_eq!(requests.len(), 20);
    let prefix = format!("/v1/bot{BOT}/{}/", s.key);
    let mut seen: Vec<String> = requests[..19]
        .iter()
        .map(|r| {
            let method = r.path.strip_prefix(&prefix).unwrap();
            let method = if method.starts_with("orders/") && method != "orders/count" {
                "orders/{order_key}"
            } else {
                method
            };
            format!("{} {method}", r.method)
        })
        .collect();
    seen.sort();
    let mut documented: Vec<String> = tgmembership_client::Endpoint::ALL
        .iter()
        .map(|e| e.operation().to_owned())
        .collect();
    documented.sort();
    assert_eq!(seen, documented);
    for d in s.dispositions() {
        assert!(
            matches!(d, Disposition::Answered(code) if (200..300).contains(&code)),
            "{d:?}"
        );
    }
}

#[tokio::test]
async fn state_flows_from_creates_to_lists_and_reports() {
    let s = Setup::new("flows").await;
    let c = s.client();

    let plan = c
        .plans()
        .create("Pro Plan", "1 month", dec("1.344882"), Currency::Eur)
        .send()
        .await
        .unwrap();
    let listed = c.plans().list().plan_id(plan.plan_id).send().await.unwrap();
    assert_eq!(listed, vec![plan.clone()]);
    assert!(c.plans().list().send().await.unwrap().contains(&plan));

    let created = c
        .orders()
        .create(plan.plan_id, PaymentGateway::PayPal)
        .member_id(5555555555)
        .send()
        .await
        .unwrap();
    assert_eq!(created.amount, dec("1.344882"));
    let fetched = c.orders().get(&created.order_key).send().await.unwrap();
    assert_eq!(fetched.order_status, OrderStatus::Pending);
    assert_eq!(fetched.plan_id, plan.plan_id);
    assert_eq!(fetched.member_id, 5555555555);
    let of_plan = c
        .orders()
        .list()
        .plan_id(plan.plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(of_plan.len(), 1);
    assert_eq!(of_plan[0].order_key, created.order_key);

    // Pending orders are not revenue.
    let window = c.revenue(NOW - 60, NOW + 60).currency(Currency::Eur);
    assert_eq!(window.clone().send().await.unwrap().sales, 0);

    s.fake.complete_order(&created.order_key).unwrap();

    let fetched = c.orders().get(&created.order_key).send().await.unwrap();
    assert_eq!(fetched.order_status, OrderStatus::Completed);
    let periods = c
        .orders()
        .count()
        .currency(Currency::Eur)
        .send()
        .await
        .unwrap();
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].sales, 1);
    assert_eq!(periods[0].revenue, dec("1.344882"));
    let by_plan = c
        .plans()
        .report()
        .currency(Currency::Eur)
        .send()
        .await
        .unwrap();
    assert_eq!(by_plan.len(), 1);
    assert_eq!(by_plan[0].plan_id, plan.plan_id);
    assert_eq!(by_plan[0].plan_name, "Pro Plan");
    assert_eq!(by_plan[0].sales, 1);
    assert_eq!(by_plan[0].revenue, dec("1.344882"));
    let revenue = window.send().await.unwrap();
    assert_eq!(revenue.sales, 1);
    assert_eq!(revenue.revenue, dec("1.344882"));
    assert_eq!(revenue.currency, Currency::Eur);
    let by_method = c
        .payment_methods()
        .report()
        .currency(Currency::Eur)
        .send()
        .await
        .unwrap();
    let paypal = by_method
        .iter()
        .find(|m| m.name == PaymentGateway::PayPal)
        .unwrap();
    assert_eq!(paypal.sales, 1);

    // The paid order started a membership.
    let memberships = c
        .members()
        .list()
        .member_id(5555555555)
        .send()
        .await
        .unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].plan_id, plan.plan_id);
    assert_eq!(memberships[0].membership.start, NOW);
}

// (b) Pagination.

#[tokio::test]
async fn members_stream_across_page_boundaries_until_a_short_page() {
    let s = Setup::new("pages").await;
    s.add_members(500, 7_000_000_000, 25);
    let c = s.client();
    let members: Vec<_> = c
        .members()
        .list()
        .plan_id(500)
        .page_size(10)
        .stream()
        .map(|m| m.unwrap().member_id)
        .collect()
        .await;
    assert_eq!(
        members,
        (0..25).map(|i| 7_000_000_000 + i).collect::<Vec<_>>()
    );
    let want: Vec<(String, String)> = [("0", "10"), ("10", "10"), ("20", "10")]
        .iter()
        .map(|(o, l)| ((*o).to_owned(), (*l).to_owned()))
        .collect();
    assert_eq!(s.pages(), want);
}

#[tokio::test]
async fn an_exact_multiple_ends_on_an_empty_page() {
    let s = Setup::new("exact").await;
    s.add_members(600, 8_000_000_000, 20);
    let c = s.client();
    let members: Vec<_> = c
        .members()
        .list()
        .plan_id(600)
        .page_size(10)
        .stream()
        .collect()
        .await;
    assert_eq!(members.len(), 20);
    assert!(members.iter().all(Result::is_ok));
    assert_eq!(s.server.request_count(), 3);
    assert_eq!(s.pages()[2], ("20".to_owned(), "10".to_owned()));
}

#[tokio::test]
async fn orders_plans_and_projects_stream_too() {
    let s = Setup::new("streams").await;
    let c = s.client();
    let orders: Vec<_> = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .page_size(4)
        .stream()
        .map(|o| o.unwrap().order_key)
        .collect()
        .await;
    let all = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .send()
        .await
        .unwrap();
    assert_eq!(
        orders,
        all.iter().map(|o| o.order_key.clone()).collect::<Vec<_>>()
    );
    assert_eq!(orders.len(), 6);

    let plans: Vec<_> = c.plans().list().page_size(1).stream().collect().await;
    assert_eq!(plans.len(), 2);
    let projects: Vec<_> = c.projects().list().page_size(2).stream().collect().await;
    assert_eq!(projects.len(), 3);
    // orders: 2 pages + the plain list; plans: 1 + 1 + empty; projects: 2 + 1.
    assert_eq!(s.server.request_count(), 3 + 3 + 2);
}

#[tokio::test]
async fn an_error_mid_walk_is_yielded_once_and_ends_the_stream() {
    let s = Setup::new("midway").await;
    s.add_members(700, 9_000_000_000, 25);
    let c = s.client();
    let mut stream = std::pin::pin!(c.members().list().plan_id(700).page_size(10).stream());
    for i in 0..10 {
        assert_eq!(
            stream.next().await.unwrap().unwrap().member_id,
            9_000_000_000 + i
        );
    }
    assert_eq!(
        s.server.request_count(),
        1,
        "the second page is fetched lazily"
    );
    // Every attempt at the second page fails (the default policy makes three).
    s.server.push_fault(
        FaultRule::next(
            3,
            Fault::RespondUnprocessed(error_envelope(503, "Service Unavailable")),
        )
        .matching(Matcher::path("/members")),
    );
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(detail(&err).code, 503);
    assert_eq!(err.context().unwrap().operation, "GET members");
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
    assert_eq!(
        s.server.request_count(),
        4,
        "one page, three attempts, no more"
    );
    assert_eq!(s.pages()[3], ("10".to_owned(), "10".to_owned()));
}

// (c) The documented errors, typed.

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

// (d) Retry safety: never a second invoice by retrying.

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

// (e) Webhooks end to end.

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
    // The same delivery again, inside the window: refused as a replay.
    assert_eq!(
        verifier.verify_at(&signature, &nonce, &body, NOW + 300),
        Err(WebhookError::Replay)
    );
    // Read from the received headers by their exported names, a fresh verifier accepts it once.
    let mut map = http::HeaderMap::new();
    map.insert(
        tgmembership_client::webhook::SIGNATURE_HEADER,
        http::HeaderValue::from_str(&signature).unwrap(),
    );
    map.insert(
        tgmembership_client::webhook::NONCE_HEADER,
        http::HeaderValue::from_str(&nonce).unwrap(),
    );
    let fresh = WebhookVerifier::new(hook.secret.clone()).unwrap();
    assert_eq!(fresh.verify_headers_at(&map, &body, NOW), Ok(NOW));
    assert_eq!(
        fresh.verify_headers_at(&map, &body, NOW),
        Err(WebhookError::Replay)
    );

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

// (f) Money on the wire.

#[tokio::test]
async fn money_survives_the_wire_byte_exact() {
    let s = Setup::new("money").await;
    let c = s.client();
    for price in ["1.344882", "5.10", "1000", "0.00000001"] {
        let plan = c
            .plans()
            .create("Exact Plan", "1 month", dec(price), Currency::Usd)
            .send()
            .await
            .unwrap();
        let sent: Value = serde_json::from_slice(&s.server.requests().pop().unwrap().body).unwrap();
        assert_eq!(sent["plan_price"], price, "sent as a string, digits kept");
        assert_eq!(plan.price.to_string(), price);
        let listed = c.plans().list().plan_id(plan.plan_id).send().await.unwrap();
        assert_eq!(listed[0].price.to_string(), price);
        assert_eq!(serde_json::to_value(&listed[0]).unwrap()["price"], price);
    }

    let amounts: Vec<String> = c
        .orders()
        .list()
        .currency(Currency::Usd)
        .send()
        .await
        .unwrap()
        .iter()
        .map(|o| o.amount.unwrap().to_string())
        .collect();
    assert!(amounts.contains(&"9.25856208".to_owned()), "{amounts:?}");
    assert!(amounts.contains(&"11.35291".to_owned()), "{amounts:?}");

    // The document's float-shaped revenue, exactly, as the document prints the answer.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(
            Reply::new(
                200,
                include_str!("../../../fixtures/tgmembership/get-revenue.response.json"),
            )
            .with_header("content-type", "application/json"),
        ),
    ));
    let revenue = c.revenue(1681159917, 1683751930).send().await.unwrap();
    assert_eq!(revenue.revenue.to_string(), "398.60636332000007");
    assert_eq!(revenue.revenue, dec("398.60636332000007"));
    assert_eq!(
        serde_json::to_value(&revenue).unwrap()["revenue"],
        "398.60636332000007"
    );

    // More precision than a Decimal holds is an error naming the field, never a rounding.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::json(
            200,
            &json!({"ok": true, "code": 200, "result": {
                "from": 1, "to": 2, "revenue": "0.12345678901234567890123456789",
                "currency": "EUR", "formatted": "0,12€", "sales": 1
            }}),
        )),
    ));
    let err = c.revenue(1, 2).send().await.unwrap_err();
    match err.kind() {
        ErrorKind::Decode { path, .. } => assert_eq!(path, "result.revenue"),
        other => panic!("{other:?}"),
    }
}

// (g) The key never shows.

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
