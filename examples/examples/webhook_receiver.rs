//! A TGmembership webhook receiver on axum: `ReceiverLayer` verifies every delivery (signature,
//! timestamp) before the handler runs, holds its nonce while the handler runs, and hands the
//! handler a `VerifiedWebhook` with the typed event. What it cannot trust never reaches the
//! handler (400 malformed, 401 forged or stale). Delivery is at least once: the nonce is
//! committed only when the handler answers 2xx, so a handler that answers 500 (its database is
//! down) gets the service's retry; a replay of a handled delivery is answered 200 unhandled.
//!
//! ```sh
//! cargo run -p examples --example webhook_receiver
//! ```
//!
//! The example starts the fake TGmembership of `tg-mock` in-process, registers a webhook through
//! the client (which returns the signing secret), serves the receiver on 127.0.0.1, creates an
//! order and prints the `curl` that has the fake complete it and deliver the signed
//! `order_completed` to the receiver. It then serves until Ctrl-C. With `TG_EXAMPLE_CI=1` it
//! completes and refunds the order through the fake's admin endpoint itself, checks what the
//! handler got, has the handler fail one delivery and checks that its retry is handled, sends a
//! tampered, an unsigned and a replayed delivery, checks that none is handled, and exits.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tg_mock::MockServer;
use tg_mock::tgmembership::TgmembershipFake;
use tgmembership_client::prelude::*;
use tgmembership_client::receiver::{ReceiverLayer, VerifiedWebhook};
use tgmembership_client::{Client, PaymentGateway, TypedEvent, WebhookVerifier};
use tokio::sync::mpsc;

const BOT_ID: i64 = 1_347_378_140;
const API_KEY: &str = "example-tgmembership-key";
/// A user the fake knows (from the document's examples).
const MEMBER: i64 = 1_111_111_111;
/// The fake's "EUR Demo Plan".
const PLAN: i64 = 20;

/// What the handler needs: where to report what it handled (the CI run checks it) and a switch
/// standing for its database being down.
#[derive(Clone)]
struct Receiver {
    handled: mpsc::UnboundedSender<TypedEvent>,
    database_down: Arc<AtomicBool>,
}

/// `POST /tgmembership/webhook`: runs only for a verified delivery. It answers 2xx once the
/// event is handled (even one this receiver ignores): that commits the nonce. It answers 500
/// when it could not do its work: the nonce is released and the service's retry of the same
/// delivery reaches this handler again (so acting on an event must be idempotent).
async fn receive(State(receiver): State<Receiver>, hook: VerifiedWebhook) -> StatusCode {
    if receiver.database_down.swap(false, Ordering::SeqCst) {
        println!(
            "receiver: database down, delivery {} not handled: 500",
            hook.nonce
        );
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    match &hook.typed {
        Ok(event) => {
            handle(event);
            let _ = receiver.handled.send(event.clone());
        }
        // Signed by the service but not in the shape this crate expects: the raw JSON is here.
        Err(why) => println!("receiver: untyped delivery ({why}): {:?}", hook.data()),
    }
    StatusCode::OK
}

/// Acts on a verified event.
fn handle(event: &TypedEvent) {
    match event {
        TypedEvent::OrderCompleted(order) => {
            let paid = order
                .money()
                .map_or_else(|| "amount not given".to_owned(), |m| m.to_string());
            let member = order
                .member_id
                .map_or_else(|| "unknown".to_owned(), |id| id.to_string());
            let plan = order.plan_name.as_deref().unwrap_or("unnamed plan");
            println!(
                "receiver: order {} paid ({paid}): grant member {member} access to {plan}",
                order.order_key
            );
        }
        TypedEvent::MembershipTerminated(m) => println!(
            "receiver: membership of member {} in plan {} ended: revoke access",
            m.member_id, m.plan_id
        ),
        TypedEvent::MembershipRenewed(m) => println!(
            "receiver: membership of member {} in plan {} renewed",
            m.member_id, m.plan_id
        ),
        TypedEvent::MembershipCancelled(m) => println!(
            "receiver: member {} cancelled plan {}",
            m.member_id, m.plan_id
        ),
        TypedEvent::DonationCompleted(d) => println!(
            "receiver: donation received ({})",
            d.money()
                .map_or_else(|| "amount not given".to_owned(), |m| m.to_string())
        ),
        TypedEvent::Unknown { event, .. } => println!("receiver: ignored event {event}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    // The fake TGmembership and a client pointed at it.
    let fake = Arc::new(TgmembershipFake::new(BOT_ID, API_KEY));
    let server = MockServer::start(Arc::clone(&fake)).await?;
    let client = Client::builder(BOT_ID, API_KEY)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;

    // Register the public https URL TGmembership will post to; the answer holds the secret.
    // (Behind a TLS-terminating proxy, that URL reaches the plain listener started below.)
    let webhook = client
        .webhooks()
        .set("https://bot.example.com/tgmembership/webhook")
        .send()
        .await?;
    println!("registered {} (secret {})", webhook.url, webhook.secret);

    let (handled, mut handled_rx) = mpsc::unbounded_channel();
    let database_down = Arc::new(AtomicBool::new(false));
    let receiver = Receiver {
        handled,
        database_down: Arc::clone(&database_down),
    };
    // The layer verifies, holds the nonce while `receive` runs, and commits it on a 2xx.
    let app = Router::new()
        .route(
            "/tgmembership/webhook",
            post(receive).layer(ReceiverLayer::new(WebhookVerifier::new(webhook.secret)?)),
        )
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let local_url = format!("http://{}/tgmembership/webhook", listener.local_addr()?);
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    println!("receiver listening on {local_url}");

    // A member buys a plan.
    let order = client
        .orders()
        .create(PLAN, PaymentGateway::Stripe)
        .member_id(MEMBER)
        .send()
        .await?;
    println!(
        "created order {} for {} {}",
        order.order_key, order.amount, order.currency
    );
    // The fake's admin endpoints (under the bot's own path and key) complete or refund the
    // order and deliver the signed events to `receiver` (a loopback URL).
    let admin = |action: String| {
        format!(
            "{}/v1/bot{BOT_ID}/{API_KEY}/_admin/orders/{}/{action}?receiver={local_url}",
            server.base_url(),
            order.order_key
        )
    };

    if !ci {
        println!("have the fake complete the order and deliver order_completed here:");
        println!("  curl -X POST '{}'", admin("complete".to_owned()));
        println!("serving until Ctrl-C");
        serving.await??;
        return Ok(());
    }

    // The payer pays: the fake completes the order and delivers `order_completed`.
    let answer = tg_mock::deliver::post(
        &admin("complete".to_owned()),
        &HeaderMap::new(),
        Default::default(),
    )
    .await?;
    println!(
        "the fake completed the order (admin answer {})",
        answer.status
    );
    match next_handled(&mut handled_rx).await? {
        TypedEvent::OrderCompleted(o) if o.order_key == order.order_key => {}
        _ => return Err("the handler did not get the order_completed".into()),
    }

    // A refund: the fake sends `order_refunded` (its own name: an unknown event here, kept
    // raw) and `membership_terminated`.
    let answer = tg_mock::deliver::post(
        &admin("refund".to_owned()),
        &HeaderMap::new(),
        Default::default(),
    )
    .await?;
    println!(
        "the fake refunded the order (admin answer {})",
        answer.status
    );
    // The two deliveries may reach the handler in either order.
    let (mut refunded, mut terminated) = (false, false);
    for _ in 0..2 {
        match next_handled(&mut handled_rx).await? {
            TypedEvent::Unknown { event, .. } if event == "order_refunded" => refunded = true,
            TypedEvent::MembershipTerminated(m) if m.member_id == MEMBER => terminated = true,
            _ => return Err("the handler got an event other than the refund's two".into()),
        }
    }
    if !refunded {
        return Err("the handler did not get the order_refunded".into());
    }
    if !terminated {
        return Err("the handler did not get the membership_terminated".into());
    }

    // At least once: the handler fails the first try, and the service's retry is handled.
    let renewal = fake
        .webhook_deliveries(
            "membership_renewed",
            serde_json::json!({ "member_id": MEMBER, "plan_id": PLAN, "renewal": 1 }),
        )
        .pop()
        .ok_or("the fake signed no delivery")?;
    database_down.store(true, Ordering::SeqCst);
    for (attempt, expected) in [("first try", 500), ("retry", 200)] {
        let answer =
            tg_mock::deliver::post(&local_url, &renewal.header_map(), renewal.body.clone()).await?;
        println!("renewal {attempt} answered {}", answer.status);
        if answer.status != expected {
            return Err(format!("the renewal's {attempt} got {}", answer.status).into());
        }
    }
    match next_handled(&mut handled_rx).await? {
        TypedEvent::MembershipRenewed(m) if m.plan_id == PLAN => {}
        _ => return Err("the retried membership_renewed was not handled".into()),
    }

    // Hand-made deliveries the layer refuses before the handler runs.
    let signed = fake
        .webhook_deliveries(
            "membership_renewed",
            serde_json::json!({ "member_id": MEMBER, "plan_id": PLAN }),
        )
        .pop()
        .ok_or("the fake signed no delivery")?;
    let tampered = String::from_utf8_lossy(&signed.body).replace(&PLAN.to_string(), "21");
    let cases = [
        ("tampered", signed.header_map(), tampered.into(), 401),
        ("unsigned", HeaderMap::new(), signed.body.clone(), 400),
        ("genuine", signed.header_map(), signed.body.clone(), 200),
        ("replayed", signed.header_map(), signed.body.clone(), 200),
    ];
    for (what, headers, body, expected) in cases {
        let answer = tg_mock::deliver::post(&local_url, &headers, body).await?;
        println!("{what} delivery answered {}", answer.status);
        if answer.status != expected {
            return Err(
                format!("the {what} delivery got {}, not {expected}", answer.status).into(),
            );
        }
    }
    // Of the four, only the genuine one was handled.
    match next_handled(&mut handled_rx).await? {
        TypedEvent::MembershipRenewed(m) if m.plan_id == PLAN => {}
        _ => return Err("the handler did not get the genuine membership_renewed".into()),
    }
    if handled_rx.try_recv().is_ok() {
        return Err("a refused delivery reached the handler".into());
    }
    println!("only verified deliveries reached the handler, each once");
    Ok(())
}

/// The next event the handler got, waiting at most 10 s.
async fn next_handled(
    handled: &mut mpsc::UnboundedReceiver<TypedEvent>,
) -> Result<TypedEvent, Box<dyn Error>> {
    match tokio::time::timeout(Duration::from_secs(10), handled.recv()).await {
        Ok(Some(event)) => Ok(event),
        _ => Err("no delivery reached the handler within 10 s".into()),
    }
}
