//! (a) Every endpoint, and state flowing between them.

use super::*;

/// The facts of these operations of the crate: name (`GET plans`), method, path, idempotency.
macro_rules! operation_facts {
    ($($op:ident),* $(,)?) => {
        [$({
            use tg_common::Operation;
            use tgmembership_client::$op as Op;
            (Op::NAME, Op::METHOD, Op::PATH, Op::IDEMPOTENCY)
        }),*]
    };
}

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
    let facts = operation_facts!(
        CreateAffiliate,
        RegisterBot,
        ListCoupons,
        ListMembers,
        CreateAccessToken,
        GetOrder,
        ListOrders,
        CreateOrder,
        CountOrders,
        ListPaymentMethods,
        GetPaymentMethodsReport,
        ListPlans,
        CreatePlan,
        GetPlansReport,
        ListProjects,
        GetRevenue,
        CountUsers,
        DeleteWebhook,
        SetWebhook,
    );
    let mut documented: Vec<String> = facts.iter().map(|f| f.0.to_owned()).collect();
    documented.sort();
    assert_eq!(seen, documented);
    // Each name is its method and path; the GETs and DELETE are idempotent, the creates not;
    // only `orders/{order_key}` is a template.
    for (name, method, path, idempotency) in facts {
        assert_eq!(name, format!("{method} {path}"));
        let expected = if method == http::Method::POST {
            tg_common::Idempotency::NotIdempotent
        } else {
            tg_common::Idempotency::Idempotent
        };
        assert_eq!(idempotency, expected, "{name}");
        assert_eq!(
            path.contains('{'),
            name == "GET orders/{order_key}",
            "{name}"
        );
    }
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
