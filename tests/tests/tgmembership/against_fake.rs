//! Every request type against the fake TGmembership service (`tg_mock`), without HTTP: render
//! (what the client would send), hand the request to the fake, decode its reply. The fake reads the wire format from the
//! document on its own, so agreement here checks both readings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use tg_common::{Error, ErrorKind};
use tg_mock::FakeService;
use tg_mock::Request;
use tg_mock::tgmembership::{NONCE_HEADER, SIGNATURE_HEADER, TgmembershipFake};

use tg_common::MASK;
use tg_common::{Operation, RawResponse};
use tgmembership_client::Client;
use tgmembership_client::TgmembershipApiError;
use tgmembership_client::prelude::*;
use tgmembership_client::*;
use tgmembership_client::{WebhookEventKind, WebhookVerifier};

const BOT: i64 = 1347378140;
const KEY: &str = "k3y";
const NOW: i64 = 1721304000;

fn fake() -> TgmembershipFake {
    let f = TgmembershipFake::new(BOT, KEY);
    f.set_now(Some(NOW));
    f
}

/// A client for the fake's bot and key; it never sends (the tests hand its calls over).
fn client() -> Client {
    Client::builder(BOT, KEY).build().unwrap()
}

fn call<R>(fake: &TgmembershipFake, req: &R) -> Result<R::Output, Error>
where
    R: Operation<Client = Client> + Clone,
{
    let client = client();
    let sent = client.request(req.clone()).render()?;
    // The path as sent: the key is its one secret segment.
    let path = sent.target.masked_path().replace(MASK, KEY);
    let target = match &sent.query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut request = Request::new(sent.method.clone(), &target);
    if !sent.body.is_empty() {
        request = request
            .with_header("content-type", "application/json")
            .with_body(sent.body.clone());
    }
    let reply = fake.handle(&request);
    req.decode(
        &client,
        RawResponse {
            status: reply.status.as_u16(),
            headers: reply.headers,
            body: reply.body,
        },
    )
}

fn api_code(e: &Error) -> u16 {
    e.api_detail::<TgmembershipApiError>()
        .map(|d| d.code)
        .unwrap_or_else(|| panic!("not an API error: {e:?}"))
}

#[test]
fn read_endpoints() {
    let f = fake();
    assert_eq!(call(&f, &ListCoupons).unwrap().len(), 2);
    assert_eq!(call(&f, &ListMembers::new().limit(2)).unwrap().len(), 2);
    assert_eq!(call(&f, &ListPaymentMethods).unwrap().len(), 7);
    let plans = call(&f, &ListPlans::new()).unwrap();
    assert_eq!(plans[0].price, Decimal::new(123, 2));
    assert_eq!(
        call(&f, &ListProjects::new().project_id(9)).unwrap().len(),
        1
    );
    let orders = call(&f, &ListOrders::new().currency(Currency::Usd)).unwrap();
    assert_eq!(orders[0].amount, Some("1.344882".parse().unwrap()));
    assert_eq!(orders[0].payment_gateway.gateway(), &PaymentGateway::PayPal);
    let one = call(&f, &GetOrder::new("ABCD123")).unwrap();
    assert_eq!(one.payment_gateway.gateway(), &PaymentGateway::Stripe);
    let count = call(
        &f,
        &CountOrders::new()
            .interval_unit(IntervalUnit::Month)
            .interval_count(3)
            .currency(Currency::Usd),
    )
    .unwrap();
    assert_eq!(count.len(), 3);
    assert_eq!(count[0].sales, 2);
    assert!(!call(&f, &GetPlansReport::default()).unwrap().is_empty());
    let methods = call(
        &f,
        &GetPaymentMethodsReport(ReportQuery::new().currency(Currency::Eur)),
    )
    .unwrap();
    assert!(methods.iter().all(|m| m.currency == Currency::Eur));
    let revenue = call(&f, &GetRevenue::new(0, NOW)).unwrap();
    assert_eq!(revenue.sales, 2);
    let users = call(&f, &CountUsers).unwrap();
    assert_eq!(users.users, 5);
}

#[test]
fn write_endpoints_and_documented_errors() {
    let f = fake();
    let a = call(
        &f,
        &CreateAffiliate::new(1111111111).affiliate_id("abcd123"),
    )
    .unwrap();
    assert!(a.affiliate_link.ends_with("r_abcd123"));
    let e = call(&f, &CreateAffiliate::new(42).affiliate_id("abc")).unwrap_err();
    assert_eq!(api_code(&e), 404);
    assert!(!e.is_retryable());

    let bot = call(
        &f,
        &RegisterBot::new("555:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    )
    .unwrap();
    assert_eq!(bot.bot_id, 555);
    assert!(!bot.api_key.expose().is_empty());

    let token = call(&f, &CreateAccessToken::new(19).member_id(1111111111)).unwrap();
    assert!(token.link.contains(&token.access_token));

    let plan = call(
        &f,
        &CreatePlan::new("Weekly", "1 week", Decimal::new(500, 2), Currency::Eur).options(
            NewPlanOptions {
                singleuse: Some(SingleUse::OncePerUser),
                ..NewPlanOptions::default()
            },
        ),
    )
    .unwrap();
    assert_eq!(plan.price.to_string(), "5.00");
    assert_eq!(plan.options.singleuse, SingleUse::OncePerUser);
    let listed = call(&f, &ListPlans::new().plan_id(plan.plan_id)).unwrap();
    assert_eq!(listed, vec![plan]);

    let order = call(
        &f,
        &CreateOrder::new(19, PaymentGateway::CryptoNoKyc).token("BTC.LN"),
    )
    .unwrap();
    assert_eq!(order.currency, Currency::Usd);
    let fetched = call(&f, &GetOrder::new(order.order_key.clone())).unwrap();
    assert_eq!(fetched.order_status, OrderStatus::Pending);

    let e = call(&f, &GetOrder::new("missing")).unwrap_err();
    assert_eq!(api_code(&e), 404);
    assert_eq!(e.context(), None, "context is the transport's to attach");

    let wrong_key = TgmembershipFake::new(BOT, "other");
    let e = call(&wrong_key, &ListPlans::new()).unwrap_err();
    assert_eq!(api_code(&e), 401);

    // Validation stops a request before the fake sees it.
    let before = f.plans().len();
    let e = call(
        &f,
        &CreatePlan::new("ab", "1 week", Decimal::ONE, Currency::Eur),
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }));
    assert_eq!(f.plans().len(), before);
}

#[test]
fn webhooks_end_to_end() {
    let f = fake();
    let hook = call(&f, &SetWebhook::new("https://example.com/hook")).unwrap();
    assert_eq!(hook.url, "https://example.com/hook");
    let order = call(
        &f,
        &CreateOrder::new(20, PaymentGateway::Stripe).member_id(5555555555),
    )
    .unwrap();
    let deliveries = f.complete_order(&order.order_key).unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    let headers = d.header_map();
    let signature = headers.get(SIGNATURE_HEADER).unwrap().to_str().unwrap();
    let nonce = headers.get(NONCE_HEADER).unwrap().to_str().unwrap();

    let verifier = WebhookVerifier::new(hook.secret.clone()).unwrap();
    let event = verifier
        .verify_event_at(signature, nonce, &d.body, NOW)
        .unwrap();
    assert_eq!(event.event, WebhookEventKind::OrderCompleted);
    assert_eq!(event.data["order_key"], order.order_key.as_str());
    // The exported header names are the ones the fake sends.
    assert!(tgmembership_client::SIGNATURE_HEADER.eq_ignore_ascii_case(SIGNATURE_HEADER));
    assert!(tgmembership_client::NONCE_HEADER.eq_ignore_ascii_case(NONCE_HEADER));
    // Verifying records nothing (the nonce is claimed separately, see `WebhookVerifier::claim`).
    assert_eq!(verifier.verify_headers_at(&headers, &d.body, NOW), Ok(NOW));
    assert!(
        verifier
            .verify_at(signature, nonce, &d.body, NOW + 301)
            .is_err()
    );
    assert!(
        WebhookVerifier::new("wrong-secret-0123456789")
            .unwrap()
            .verify_at(signature, nonce, &d.body, NOW)
            .is_err()
    );

    let revenue = call(&f, &GetRevenue::new(NOW, NOW)).unwrap();
    assert_eq!(revenue.sales, 1);
    assert_eq!(revenue.revenue.to_string(), "1.23");

    call(&f, &DeleteWebhook::new("https://example.com/hook")).unwrap();
    f.set_empty_204(true);
    call(&f, &SetWebhook::new("https://example.com/again")).unwrap();
    call(&f, &DeleteWebhook::new("https://example.com/again")).unwrap();
    let e = call(&f, &DeleteWebhook::new("https://example.com/again")).unwrap_err();
    assert_eq!(api_code(&e), 404);
}

#[test]
fn paginating_members_against_the_fake() {
    use futures_util::StreamExt;

    let f = fake();
    for i in 0..5 {
        f.add_member(tg_mock::tgmembership::MemberRecord {
            member_id: 9000 + i,
            plan_id: 20,
            project_id: 1,
            start: NOW,
            end: NOW + 86_400,
        });
    }
    // 3 seeded + 5 added = 8 memberships: pages of 4, 4, then an empty last page.
    let request = ListMembers::new();
    let pages = std::cell::RefCell::new(Vec::new());
    let stream = tg_common::paginate(4, 0, |offset, limit| {
        pages.borrow_mut().push(offset);
        let page = tg_common::Paginated::at_page(&request, offset, limit);
        std::future::ready(call(&f, &page))
    });
    let members: Vec<Member> = block_on(stream.map(|r| r.unwrap()).collect());
    assert_eq!(members.len(), 8);
    assert_eq!(*pages.borrow(), vec![0, 4, 8]);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}
