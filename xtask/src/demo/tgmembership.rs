//! The TGmembership demo: every endpoint of `tgmembership-client` against the fake
//! TGmembership, in-process, plus a paginated walk, a signed webhook delivered to a receiver and
//! verified, and a documented error.

use std::sync::Arc;

use rust_decimal::Decimal;
use tg_mock::tgmembership::{MemberRecord, NONCE_HEADER, SIGNATURE_HEADER, TgmembershipFake};
use tg_mock::{FixedReply, MockServer, Reply};
use tgmembership_client::{
    Client, Currency, IntervalUnit, PaymentGateway, WebhookEvent, WebhookVerifier,
};

use super::show;

const BOT: i64 = 1_347_378_140;
const KEY: &str = "demo-tgmembership-api-key";
/// The fake's clock (2025-10-09).
const NOW: i64 = 1_760_000_000;
const MEMBER: i64 = 5_555_555_555;

/// Starts the fake, builds a client against it and calls every endpoint once.
pub async fn run() -> Result<(), String> {
    println!("-- tgmembership: every endpoint against the fake TGmembership --");
    let fake = Arc::new(TgmembershipFake::new(BOT, KEY));
    fake.set_now(Some(NOW));
    for i in 0..5 {
        fake.add_member(MemberRecord {
            member_id: 6_000_000_000 + i,
            plan_id: 20,
            project_id: 1,
            start: NOW - 86_400,
            end: NOW + 86_400,
        });
    }
    let server = MockServer::start(Arc::clone(&fake))
        .await
        .map_err(|e| e.to_string())?;
    let receiver = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
        .await
        .map_err(|e| e.to_string())?;
    let client = Client::builder(BOT, KEY)
        .core(|c| {
            c.with_base_url(server.base_url())
                .with_plain_http_loopback(true)
        })
        .build()
        .map_err(|e| e.to_string())?;

    let r = client
        .affiliates()
        .create(1_111_111_111)
        .affiliate_id("demo42")
        .send()
        .await;
    show("POST affiliate", &r);
    let r = client
        .bots()
        .register("5551234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
        .send()
        .await;
    show("POST bot (the new key prints masked)", &r);
    show("GET coupons", &client.coupons().list().send().await);
    show(
        "GET members?limit=2",
        &client.members().list().limit(2).send().await,
    );
    let r = client
        .members()
        .access_token(19)
        .member_id(1_111_111_111)
        .send()
        .await;
    show("POST members/accessToken", &r);
    let r = client
        .orders()
        .list()
        .currency(Currency::Usd)
        .limit(2)
        .send()
        .await;
    show("GET orders?currency=usd&limit=2", &r);
    show(
        "GET orders/ABCD123",
        &client.orders().get("ABCD123").send().await,
    );
    show(
        "GET paymentMethods",
        &client.payment_methods().list().send().await,
    );

    let plan = client
        .plans()
        .create(
            "Demo Monthly",
            "1 month",
            Decimal::new(1_344_882, 6),
            Currency::Eur,
        )
        .trial("7 days")
        .send()
        .await;
    show("POST plans (price 1.344882 EUR)", &plan);
    let plan = plan.map_err(|e| e.to_string())?;
    show(
        "GET plans?limit=10",
        &client.plans().list().limit(10).send().await,
    );

    let hook_url = format!("https://127.0.0.1:{}/tgm-hook", receiver.addr().port());
    let hook = client.webhooks().set(&hook_url).send().await;
    show("POST webhook (the secret prints masked)", &hook);
    let hook = hook.map_err(|e| e.to_string())?;

    let order = client
        .orders()
        .create(plan.plan_id, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await;
    show("POST orders (an invoice; never retried by itself)", &order);
    let order = order.map_err(|e| e.to_string())?;

    // The payer pays: the fake completes the order and signs an `order_completed` delivery.
    let deliveries = fake
        .complete_order(&order.order_key)
        .ok_or("the fake does not know the order")?;
    let delivery = deliveries.first().ok_or("no webhook delivery")?;
    let plain = format!("{}/tgm-hook", receiver.base_url());
    let answer =
        tg_mock::deliver::post(&plain, &delivery.header_map(), delivery.body.clone()).await;
    show("deliver order_completed to the receiver", &answer);
    let received = receiver
        .requests()
        .pop()
        .ok_or("the receiver got nothing")?;
    let verifier = WebhookVerifier::new(hook.secret.clone()).map_err(|e| e.to_string())?;
    let verified: Result<WebhookEvent, _> = verifier.verify_event_at(
        received.header(SIGNATURE_HEADER).unwrap_or_default(),
        received.header(NONCE_HEADER).unwrap_or_default(),
        &received.body,
        NOW,
    );
    show("verify the delivery in the receiver", &verified);
    let tampered = verifier.verify_at(
        received.header(SIGNATURE_HEADER).unwrap_or_default(),
        received.header(NONCE_HEADER).unwrap_or_default(),
        b"{\"event\":\"order_completed\",\"forged\":true}",
        NOW,
    );
    show("verify a forged body", &tampered);

    let r = client
        .orders()
        .count()
        .interval_unit(IntervalUnit::Month)
        .currency(Currency::Eur)
        .send()
        .await;
    show("GET orders/count?interval_unit=month&currency=eur", &r);
    show(
        "GET plans/report?currency=eur",
        &client.plans().report().currency(Currency::Eur).send().await,
    );
    show(
        "GET paymentMethods/report?currency=eur",
        &client
            .payment_methods()
            .report()
            .currency(Currency::Eur)
            .send()
            .await,
    );
    show("GET projects", &client.projects().list().send().await);
    show(
        "GET revenue (the last minute, EUR)",
        &client
            .revenue(NOW - 60, NOW + 60)
            .currency(Currency::Eur)
            .send()
            .await,
    );
    show("GET users/count", &client.users().count().send().await);
    show(
        "DELETE webhook",
        &client.webhooks().delete(&hook_url).send().await,
    );

    let walked = client
        .members()
        .list()
        .plan_id(20)
        .page_size(2)
        .fetch_all()
        .await
        .map(|members| members.iter().map(|m| m.member_id).collect::<Vec<_>>());
    show(
        "GET members?plan_id=20, pages of 2, walked to the end",
        &walked,
    );

    let r = client.members().list().member_id(424_242).send().await;
    show("GET members?member_id=424242 (unknown: 404)", &r);
    Ok(())
}
