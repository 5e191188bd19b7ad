//! Receiving webhooks behind a tower layer (feature `tower`; the extractor needs `axum`), with
//! at-least-once delivery to the handler.
//!
//! [`ReceiverLayer`] wraps the handler. For each delivery it reads the body, verifies the
//! signature and timestamp, claims the nonce (*in progress*), runs the handler with the
//! delivery as a [`VerifiedWebhook`] (a request extension; in axum, the extractor of the same
//! name), and looks at the handler's answer: a 2xx commits the nonce (the same delivery again
//! is a replay, answered 200 without running the handler); anything else, a panic or a dropped
//! connection releases it, so that the service's retry reaches the handler again. An event is
//! therefore handled at least once: make the handler idempotent (key on `order_key`, say), and
//! answer non-2xx when it could not do its work (its database is down) so the service retries.
//!
//! ```
//! use axum::Router;
//! use axum::http::StatusCode;
//! use axum::routing::post;
//! use tgmembership_client::receiver::{ReceiverLayer, VerifiedWebhook};
//! use tgmembership_client::{TypedEvent, WebhookVerifier};
//!
//! async fn on_delivery(hook: VerifiedWebhook) -> StatusCode {
//!     match &hook.typed {
//!         Ok(TypedEvent::OrderCompleted(order)) => println!("order {} paid", order.order_key),
//!         Ok(_) => {}
//!         // Signed by the service but not in the shape this crate expects: the raw JSON is
//!         // still here, decide from it (answer non-2xx to have it delivered again).
//!         Err(why) => println!("{why}: {:?}", hook.data()),
//!     }
//!     StatusCode::OK // the event is handled: commit
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # let fake = Arc::new(tg_mock::tgmembership::TgmembershipFake::new(42, "test-key-1"));
//! # let server = tg_mock::MockServer::start(Arc::clone(&fake)).await?;
//! # let client = tgmembership_client::Client::builder(42, "test-key-1")
//! #     .core(|c| c.with_loopback_url(server.base_url()))
//! #     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let url = format!("http://{}/tgmembership/webhook", listener.local_addr()?);
//! # let secret = "0123456789abcdef0123456789abcdef";
//! # fake.add_webhook(&url, secret); // tg-mock delivers to plain http on loopback
//! // `secret`: what `POST webhook` returned for this URL.
//! let app = Router::new()
//!     .route("/tgmembership/webhook", post(on_delivery))
//!     .layer(ReceiverLayer::new(WebhookVerifier::new(secret)?));
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! # use tgmembership_client::prelude::*;
//! # let order = client.orders().create(20, tgmembership_client::PaymentGateway::Stripe).member_id(5_555_555_555).send().await?;
//! # let d = fake.complete_order(&order.order_key).unwrap_or_default().remove(0);
//! # let answer = tg_mock::deliver::post(&d.url, &d.header_map(), d.body.clone()).await?;
//! # assert_eq!(answer.status, 200);
//! # let replayed = tg_mock::deliver::post(&d.url, &d.header_map(), d.body.clone()).await?;
//! # assert_eq!(replayed.status, 200); // a replay is acknowledged, not handled again
//! # let forged = tg_mock::deliver::post(&d.url, &d.header_map(), "{}".into()).await?;
//! # assert_eq!(forged.status, 401);
//! # Ok(())
//! # }
//! ```
//!
//! What the layer answers itself, without running the handler ([`WebhookError::status`]):
//!
//! | why | answer |
//! | --- | --- |
//! | missing, repeated or malformed signature or nonce header | 400 |
//! | signature mismatch; timestamp outside the tolerance | 401 |
//! | the nonce was handled (committed) within the window: a replay | 200, not handled twice |
//! | a delivery with the nonce is being handled right now | 503 with `Retry-After` (the rest of its lease) |
//! | the nonce store failed or timed out | 503 with `Retry-After` |
//! | the body is over the limit; the body could not be read | 413; 400 |
//!
//! A body that is signed but is not the envelope, or whose data does not fit the typed event,
//! is never refused: it reaches the handler with the parse error beside the raw JSON. After the
//! handler, the layer answers what the handler answered, or 500 if it panicked. Refusal bodies
//! are the reason ([`WebhookError`]'s `Display`), which never holds the secret.

use bytes::Bytes;

use crate::events::TypedEvent;
use crate::webhook::{WebhookError, WebhookEvent};

#[cfg(feature = "axum")]
mod extract;
mod layer;

#[cfg(feature = "axum")]
pub use extract::MissingReceiverLayer;
pub use layer::{ReceiverLayer, ReceiverService};
pub use tg_common::inbound::DEFAULT_MAX_BODY;

/// A delivery that passed verification and whose nonce is held for this handler, as
/// [`ReceiverLayer`] hands it over (a request extension; in axum, an extractor).
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedWebhook {
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
    /// The delivery's nonce (the same on the service's retries of it).
    pub nonce: String,
    /// The body exactly as signed.
    pub body: Bytes,
    /// The envelope (`event`, `debug_id`, raw `data`), or why the body is not one.
    pub event: Result<WebhookEvent, WebhookError>,
    /// The event with its data typed, or why it could not be typed (the envelope's error, or
    /// the data's mismatch naming its path); the raw JSON stays in [`event`](Self::event).
    pub typed: Result<TypedEvent, WebhookError>,
}

impl VerifiedWebhook {
    /// Parses and types a verified delivery's body; never fails.
    pub fn new(timestamp: i64, nonce: &str, body: Bytes) -> Self {
        let event = WebhookEvent::parse(&body);
        let typed = event
            .as_ref()
            .map_err(Clone::clone)
            .and_then(WebhookEvent::typed);
        VerifiedWebhook {
            timestamp,
            nonce: nonce.to_owned(),
            body,
            event,
            typed,
        }
    }

    /// The event's raw `data`, when the body is an envelope.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.event.as_ref().ok().map(|e| &e.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_that_does_not_fit_keeps_the_raw_json_beside_the_error() {
        let body = Bytes::from_static(
            br#"{"event":"order_completed","debug_id":"d","data":{"orderKey":"K-1"}}"#,
        );
        let hook = VerifiedWebhook::new(1, "n", body);
        assert!(
            matches!(&hook.typed, Err(WebhookError::InvalidPayload { message, .. }) if message.contains("order_key"))
        );
        assert_eq!(hook.data().unwrap()["orderKey"], "K-1");

        let not_an_envelope = VerifiedWebhook::new(1, "n", Bytes::from_static(b"[1,2]"));
        assert!(not_an_envelope.event.is_err() && not_an_envelope.typed.is_err());
        assert_eq!(&not_an_envelope.body[..], b"[1,2]");
    }
}
