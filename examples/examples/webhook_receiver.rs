//! A TGmembership webhook receiver on axum: it verifies the signature of every delivery with
//! `WebhookVerifier`, handles `order_completed`, and refuses what it cannot trust (400 for a
//! malformed delivery, 401 for a bad signature or a replay).
//!
//! ```sh
//! cargo run -p examples --example webhook_receiver
//! ```
//!
//! The example starts the fake TGmembership of `tg-mock` in-process, registers a webhook through
//! the client (which returns the signing secret), creates an order, has the fake complete it,
//! and delivers the signed `order_completed` to the receiver. It then serves until Ctrl-C.
//! With `TG_EXAMPLE_CI=1` it also sends a tampered delivery, checks that it is refused, and exits.

use std::error::Error;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::routing::post;
use rust_decimal::Decimal;
use serde::Deserialize;
use tg_mock::MockServer;
use tg_mock::tgmembership::{NONCE_HEADER, SIGNATURE_HEADER, TgmembershipFake};
use tgmembership_client::{
    Client, PaymentGateway, WebhookError, WebhookEvent, WebhookEventKind, WebhookVerifier,
};

const BOT_ID: i64 = 1_347_378_140;
const API_KEY: &str = "example-tgmembership-key";
/// A user the fake knows (from the document's examples).
const MEMBER: i64 = 1_111_111_111;
/// The fake's "EUR Demo Plan".
const PLAN: i64 = 20;

/// What the receiver needs: the verifier (holding the webhook secret) and the names of the two
/// headers. TGmembership does not document the header names, so they are configuration
/// (`TGM_SIGNATURE_HEADER`, `TGM_NONCE_HEADER`); the defaults are the ones `tg-mock` sends.
struct Receiver {
    verifier: WebhookVerifier,
    signature_header: HeaderName,
    nonce_header: HeaderName,
}

/// A header name from the environment variable `var`, else `default` (tg-mock's name).
fn header_name(var: &str, default: &'static str) -> Result<HeaderName, Box<dyn Error>> {
    match std::env::var(var) {
        Ok(name) => Ok(HeaderName::try_from(name)?),
        Err(_) => Ok(HeaderName::from_static(default)),
    }
}

/// The part of an `order_completed` payload this receiver uses.
#[derive(Debug, Deserialize)]
struct OrderCompleted {
    order_key: String,
    member_id: i64,
    plan_id: i64,
    plan_name: String,
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: String,
}

/// `POST /tgmembership/webhook`: verify first (over the raw body), then parse and act.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(nonce)) = (
        header(&receiver.signature_header),
        header(&receiver.nonce_header),
    ) else {
        println!("receiver: refused a delivery without signature headers (400)");
        return StatusCode::BAD_REQUEST;
    };
    let event = match receiver.verifier.verify_event(signature, nonce, &body) {
        Ok(event) => event,
        Err(e) => {
            let status = match e {
                WebhookError::MalformedHeader(_) | WebhookError::InvalidPayload { .. } => {
                    StatusCode::BAD_REQUEST
                }
                WebhookError::Replay => StatusCode::OK,
                WebhookError::NonceStore(_) => StatusCode::SERVICE_UNAVAILABLE,
                WebhookError::SignatureMismatch
                | WebhookError::Stale { .. }
                | WebhookError::FromFuture { .. } => StatusCode::UNAUTHORIZED,
            };
            println!("receiver: refused a delivery ({status}): {e}");
            return status;
        }
    };
    handle(&event);
    // Answer 2xx for every verified event, even one this receiver ignores.
    StatusCode::OK
}

/// Acts on a verified event.
fn handle(event: &WebhookEvent) {
    match event.event {
        WebhookEventKind::OrderCompleted => match event.data_as::<OrderCompleted>() {
            Ok(order) => println!(
                "receiver: order {} paid ({} {}): grant member {} access to plan {} ({})",
                order.order_key,
                order.amount,
                order.currency,
                order.member_id,
                order.plan_id,
                order.plan_name,
            ),
            Err(e) => println!("receiver: order_completed with unexpected data: {e}"),
        },
        WebhookEventKind::MembershipTerminated => {
            println!("receiver: membership ended: revoke access ({})", event.data);
        }
        ref other => println!("receiver: ignored event {other:?}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    // The fake TGmembership and a client pointed at it.
    let fake = Arc::new(TgmembershipFake::new(BOT_ID, API_KEY));
    let server = MockServer::start(Arc::clone(&fake)).await?;
    let client = Client::builder(BOT_ID, API_KEY)
        .core(|c| {
            c.with_base_url(server.base_url())
                .with_plain_http_loopback(true)
        })
        .build()?;

    // Register the public https URL TGmembership will post to; the answer holds the secret.
    // (Behind a TLS-terminating proxy, that URL reaches the plain listener started below.)
    let webhook = client
        .webhooks()
        .set("https://bot.example.com/tgmembership/webhook")
        .send()
        .await?;
    println!("registered {} (secret {})", webhook.url, webhook.secret);

    let receiver = Arc::new(Receiver {
        verifier: WebhookVerifier::new(webhook.secret)?,
        signature_header: header_name("TGM_SIGNATURE_HEADER", "x-tgm-signature")?,
        nonce_header: header_name("TGM_NONCE_HEADER", "x-tgm-nonce")?,
    });
    let app = Router::new()
        .route("/tgmembership/webhook", post(receive))
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

    // A member buys a plan; the fake marks the order paid and signs `order_completed`.
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
    let deliveries = fake
        .complete_order(&order.order_key)
        .ok_or("the fake does not know the order")?;
    let delivery = deliveries.first().ok_or("the fake signed no delivery")?;
    println!(
        "fake signed the delivery ({SIGNATURE_HEADER}, {NONCE_HEADER}); posting it to the receiver"
    );
    let answer =
        tg_mock::deliver::post(&local_url, &delivery.header_map(), delivery.body.clone()).await?;
    println!("genuine delivery answered {}", answer.status);

    if ci {
        if answer.status != 200 {
            return Err(format!("the genuine delivery got {}", answer.status).into());
        }
        // The same headers over a changed body: the signature no longer matches.
        let tampered = String::from_utf8_lossy(&delivery.body).replace("COMPLETED", "REFUNDED");
        let answer =
            tg_mock::deliver::post(&local_url, &delivery.header_map(), tampered.into()).await?;
        println!("tampered delivery answered {}", answer.status);
        if answer.status != 401 {
            return Err(format!("the tampered delivery got {}", answer.status).into());
        }
        let answer =
            tg_mock::deliver::post(&local_url, &HeaderMap::new(), delivery.body.clone()).await?;
        println!("unsigned delivery answered {}", answer.status);
        if answer.status != 400 {
            return Err(format!("the unsigned delivery got {}", answer.status).into());
        }
        return Ok(());
    }

    println!("serving until Ctrl-C");
    serving.await??;
    Ok(())
}
