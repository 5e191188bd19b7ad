//! The TGmembership demo: every endpoint of `tgmembership-client` against the fake
//! TGmembership, in-process, plus a paginated walk, a signed webhook delivered to a receiver and
//! verified, and a documented error.

use std::sync::Arc;

use rust_decimal::Decimal;
use tg_mock::tgmembership::{MemberRecord, NONCE_HEADER, SIGNATURE_HEADER, TgmembershipFake};
use tg_mock::{FixedReply, MockServer, Reply};
use tgmembership_client::money::Money;
use tgmembership_client::prelude::*;
use tgmembership_client::{
    Client, Coupon, Currency, IntervalUnit, Order, PaymentGateway, TypedEvent, WebhookEvent,
    WebhookVerifier,
};

use super::render::Col::{L, R};
use super::render::{Section, count, date, yes_no};
use crate::text;

const BOT: i64 = 1_347_378_140;
const KEY: &str = "demo-tgmembership-api-key";
/// The fake's clock (2025-10-09).
const NOW: i64 = 1_760_000_000;
const MEMBER: i64 = 5_555_555_555;

/// `amount` in `currency`'s precision.
fn money(amount: Decimal, currency: &Currency) -> String {
    Money::new(amount, currency.clone()).to_string()
}

/// An order's amount in its currency's precision, or what the answer gave instead.
fn order_amount(o: &Order) -> String {
    match (&o.amount, &o.currency) {
        (Some(a), Some(c)) => money(*a, c),
        _ => o
            .formatted
            .clone()
            .unwrap_or_else(|| "no amount".to_owned()),
    }
}

/// A coupon's discount: `10%` or an amount off.
fn discount(c: &Coupon) -> String {
    if c.percent.is_zero() {
        format!("{} off", c.amount)
    } else {
        format!("{}%", c.percent)
    }
}

/// A coupon's conditions, in words.
fn conditions(c: &Coupon) -> String {
    let mut parts = Vec::new();
    if let Some(gateways) = &c.payment_gateways {
        let names: Vec<String> = gateways.iter().map(ToString::to_string).collect();
        parts.push(format!("via {}", names.join("/")));
    }
    if let Some(r) = &c.revenue {
        parts.push(format!(
            "revenue {} {}",
            r.direction,
            money(r.amount, &r.currency)
        ));
    }
    for (on, what) in [
        (c.singleuse, "single use"),
        (c.invitee_only, "invitees only"),
        (c.newcomers, "newcomers only"),
        (c.auto_apply, "applied automatically"),
    ] {
        if on {
            parts.push(what.to_owned());
        }
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Ids joined by commas.
fn ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A verified webhook event in words: what happened and the order's essentials.
fn event_summary(e: &WebhookEvent) -> String {
    match e.typed() {
        Ok(TypedEvent::OrderCompleted(o)) => format!(
            "genuine: {} of order {}, {}, paid by {} (debug_id {})",
            e.event,
            o.order_key,
            o.money()
                .map_or_else(|| "no amount".to_owned(), |m| m.to_string()),
            o.member_name.as_deref().unwrap_or("an unnamed member"),
            e.debug_id
        ),
        Ok(_) => format!("genuine: {} (debug_id {})", e.event, e.debug_id),
        Err(why) => format!("genuine, but its data is not a {}: {why}", e.event),
    }
}

/// Starts the fake, builds a client against it and calls every endpoint once.
pub async fn run(s: &mut Section) -> Result<(), String> {
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
    let server = MockServer::start(Arc::clone(&fake)).await.map_err(text)?;
    let receiver = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
        .await
        .map_err(text)?;
    let client = Client::builder(BOT, KEY)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()
        .map_err(text)?;

    let r = client
        .affiliates()
        .create(1_111_111_111)
        .affiliate_id("demo42")
        .send()
        .await;
    s.call("POST affiliate (demo42 for 1111111111)", &r, |a| {
        format!("affiliate {}: {}", a.affiliate_id, a.affiliate_link)
    });
    let r = client
        .bots()
        .register("5551234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
        .send()
        .await;
    s.call("POST bot (a bot token)", &r, |b| {
        format!(
            "bot {} is @{}; its new API key prints as {}",
            b.bot_id, b.bot_username, b.api_key
        )
    });
    s.list(
        "GET coupons",
        &client.coupons().list().send().await,
        "coupon",
        &[
            (L("name"), |c| c.name.clone()),
            (R("discount"), discount),
            (L("plans"), |c| ids(&c.plans)),
            (R("used"), |c| c.used.to_string()),
            (L("enabled"), |c| yes_no(c.enabled)),
            (L("conditions"), conditions),
        ],
    );
    s.list(
        "GET members?limit=2",
        &client.members().list().limit(2).send().await,
        "member",
        &[
            (R("member"), |m| m.member_id.to_string()),
            (R("plan"), |m| m.plan_id.to_string()),
            (R("project"), |m| m.project_id.to_string()),
            (L("from"), |m| date(m.membership.start)),
            (L("until"), |m| date(m.membership.end)),
        ],
    );
    let r = client
        .members()
        .access_token(19)
        .member_id(1_111_111_111)
        .send()
        .await;
    s.call("POST members/accessToken (plan 19)", &r, |t| {
        format!("token {}: {}", t.access_token, t.link)
    });
    let r = client
        .orders()
        .list()
        .currency(Currency::Usd)
        .limit(2)
        .send()
        .await;
    s.list(
        "GET orders?currency=usd&limit=2",
        &r,
        "order",
        &[
            (L("order"), |o| o.order_key.clone()),
            (L("date"), |o| date(o.order_date)),
            (L("status"), |o| o.order_status.to_string().to_lowercase()),
            (L("member"), |o| {
                (o.member_name.clone()).unwrap_or_else(|| o.member_id.to_string())
            }),
            (L("plan"), |o| {
                (o.plan_name.clone()).unwrap_or_else(|| o.plan_id.to_string())
            }),
            (R("amount"), order_amount),
            (L("via"), |o| o.payment_gateway.to_string()),
        ],
    );
    s.call(
        "GET orders/ABCD123",
        &client.orders().get("ABCD123").send().await,
        |o| {
            format!(
                "{} order of {} for plan {}, {}, via {}",
                o.order_status.to_string().to_lowercase(),
                o.member_name.as_deref().unwrap_or("an unnamed member"),
                o.plan_id,
                order_amount(o),
                o.payment_gateway
            )
        },
    );
    s.list(
        "GET paymentMethods",
        &client.payment_methods().list().send().await,
        "payment method",
        &[
            (L("method"), |m| m.name.to_string()),
            (L("shown as"), |m| m.display_name.clone()),
            (L("recurring"), |m| yes_no(m.supports_recurring)),
            (L("needs email"), |m| yes_no(m.requires_email)),
            (R("tokens"), |m| {
                (m.tokens.as_ref()).map_or_else(String::new, |t| t.len().to_string())
            }),
        ],
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
    s.call(
        "POST plans (Demo Monthly, 1 month, 7-day trial)",
        &plan,
        |p| {
            format!(
                "plan {} \"{}\": {} per {}",
                p.plan_id,
                p.plan_name,
                money(p.price, &p.currency),
                p.duration
            )
        },
    );
    let plan = plan.map_err(text)?;
    s.list(
        "GET plans?limit=10",
        &client.plans().list().limit(10).send().await,
        "plan",
        &[
            (R("plan"), |p| p.plan_id.to_string()),
            (L("name"), |p| p.plan_name.clone()),
            (L("duration"), |p| p.duration.clone()),
            (R("price"), |p| money(p.price, &p.currency)),
            (L("enabled"), |p| yes_no(p.enabled)),
        ],
    );

    let hook_url = format!("https://127.0.0.1:{}/tgm-hook", receiver.addr().port());
    let hook = client.webhooks().set(&hook_url).send().await;
    s.call("POST webhook", &hook, |h| {
        format!(
            "deliveries go to {}; the signing secret prints as {}",
            h.url, h.secret
        )
    });
    let hook = hook.map_err(text)?;

    let order = client
        .orders()
        .create(plan.plan_id, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await;
    s.call(
        "POST orders (an invoice; never retried by itself)",
        &order,
        |o| {
            format!(
                "invoice {} for {}: pay at {}",
                o.order_key,
                money(o.amount, &o.currency),
                o.checkout_url
            )
        },
    );
    let order = order.map_err(text)?;

    // The payer pays: the fake completes the order and signs an `order_completed` delivery.
    let deliveries = fake
        .complete_order(&order.order_key)
        .ok_or("the fake does not know the order")?;
    let delivery = deliveries.first().ok_or("no webhook delivery")?;
    let plain = format!("{}/tgm-hook", receiver.base_url());
    let answer =
        tg_mock::deliver::post(&plain, &delivery.header_map(), delivery.body.clone()).await;
    s.call("the payer pays: order_completed delivered", &answer, |d| {
        format!(
            "the receiver answered {} {}",
            d.status,
            String::from_utf8_lossy(&d.body)
        )
    });
    let received = receiver
        .requests()
        .pop()
        .ok_or("the receiver got nothing")?;
    let verifier = WebhookVerifier::new(hook.secret.clone()).map_err(text)?;
    let verified: Result<WebhookEvent, _> = verifier.verify_event_at(
        received.header(SIGNATURE_HEADER).unwrap_or_default(),
        received.header(NONCE_HEADER).unwrap_or_default(),
        &received.body,
        NOW,
    );
    s.call(
        "verify the delivery in the receiver",
        &verified,
        event_summary,
    );
    let tampered = verifier.verify_at(
        received.header(SIGNATURE_HEADER).unwrap_or_default(),
        received.header(NONCE_HEADER).unwrap_or_default(),
        b"{\"event\":\"order_completed\",\"forged\":true}",
        NOW,
    );
    s.call("verify a forged body", &tampered, |t| {
        format!("accepted (signed at {})", date(*t))
    });

    let r = client
        .orders()
        .count()
        .interval_unit(IntervalUnit::Month)
        .currency(Currency::Eur)
        .send()
        .await;
    s.list(
        "GET orders/count?interval_unit=month&currency=eur",
        &r,
        "period",
        &[
            (L("period"), |p| p.period.clone()),
            (R("revenue"), |p| money(p.revenue, &p.currency)),
            (R("sales"), |p| p.sales.to_string()),
        ],
    );
    let plans_report = client.plans().report().currency(Currency::Eur).send().await;
    s.list(
        "GET plans/report?currency=eur (the last 6 months)",
        &plans_report,
        "plan",
        &[
            (R("plan"), |p| p.plan_id.to_string()),
            (L("name"), |p| p.plan_name.clone()),
            (R("revenue"), |p| money(p.revenue, &p.currency)),
            (R("sales"), |p| p.sales.to_string()),
        ],
    );
    let methods_report = client
        .payment_methods()
        .report()
        .currency(Currency::Eur)
        .send()
        .await;
    s.list(
        "GET paymentMethods/report?currency=eur (all time)",
        &methods_report,
        "payment method",
        &[
            (L("method"), |m| m.display_name.clone()),
            (R("revenue"), |m| money(m.revenue, &m.currency)),
            (R("sales"), |m| m.sales.to_string()),
        ],
    );
    if let (Ok(plans), Ok(methods)) = (&plans_report, &methods_report) {
        let recent: Decimal = plans.iter().map(|p| p.revenue).sum();
        let all: Decimal = methods.iter().map(|m| m.revenue).sum();
        s.note(format!(
            "The totals differ by design: plans/report covers the last 6 calendar months \
             ({}), paymentMethods/report every completed order ({}); the {} between them \
             is revenue from orders older than 6 months.",
            Money::new(recent, Currency::Eur),
            Money::new(all, Currency::Eur),
            Money::new(all - recent, Currency::Eur),
        ));
    }
    s.list(
        "GET projects",
        &client.projects().list().send().await,
        "project",
        &[
            (R("project"), |p| p.project_id.to_string()),
            (L("name"), |p| p.project_name.clone()),
            (R("sort order"), |p| {
                (p.options.sort_order).map_or_else(String::new, |n| n.to_string())
            }),
            (L("hidden"), |p| yes_no(p.options.is_hidden)),
        ],
    );
    s.call(
        "GET revenue (the last minute, EUR)",
        &client
            .revenue(NOW - 60, NOW + 60)
            .currency(Currency::Eur)
            .send()
            .await,
        |r| {
            format!(
                "{} from {} between {} and {}",
                money(r.revenue, &r.currency),
                count(usize::try_from(r.sales).unwrap_or(0), "sale"),
                date(r.from),
                date(r.to)
            )
        },
    );
    s.call(
        "GET users/count",
        &client.users().count().send().await,
        |u| {
            format!(
                "{} users: {} members, {} leads, {} churned",
                u.users, u.members, u.leads, u.churned
            )
        },
    );
    s.call(
        "DELETE webhook",
        &client.webhooks().delete(&hook_url).send().await,
        |_| "deleted: no more deliveries".to_owned(),
    );

    let walked = client
        .members()
        .list()
        .plan_id(20)
        .page_size(2)
        .fetch_all()
        .await
        .map(|members| members.iter().map(|m| m.member_id).collect::<Vec<_>>());
    s.call(
        "GET members?plan_id=20, pages of 2, walked to the end",
        &walked,
        |m| format!("{}: {}", count(m.len(), "member"), ids(m)),
    );

    let r = client.members().list().member_id(424_242).send().await;
    s.call("GET members?member_id=424242 (unknown: 404)", &r, |m| {
        count(m.len(), "member")
    });
    Ok(())
}
