//! Receiving webhooks in axum (feature `axum`): the [`VerifiedWebhook`] extractor verifies a
//! delivery (headers, signature, timestamp, replay) before the handler runs and hands it the
//! typed event.
//!
//! ```
//! use axum::Router;
//! use axum::routing::post;
//! use tgmembership_client::receiver::VerifiedWebhook;
//! use tgmembership_client::{TypedEvent, WebhookVerifier};
//!
//! async fn on_delivery(hook: VerifiedWebhook) -> &'static str {
//!     if let TypedEvent::OrderCompleted(order) = &hook.typed {
//!         println!("order {} paid", order.order_key);
//!     }
//!     "ok"
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
//! // `secret`: what `POST webhook` returned for this URL. The router's state must give a
//! // `WebhookVerifier` (`FromRef`); here it is the state.
//! let app = Router::new()
//!     .route("/tgmembership/webhook", post(on_delivery))
//!     .with_state(WebhookVerifier::new(secret)?);
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
//! A refused delivery never reaches the handler; the extractor answers it:
//!
//! | why | answer |
//! | --- | --- |
//! | missing, repeated or malformed signature or nonce header; a body that is not an event | 400 |
//! | signature mismatch; timestamp outside the tolerance | 401 |
//! | a nonce already accepted (a replay, or the service retrying a delivery it got no answer to) | 200, the event is not handled twice |
//! | the nonce store failed | 503, so that the service retries |
//! | the body could not be read or is over axum's body limit | axum's own answer (400, 413) |
//!
//! The answer's body is the reason ([`WebhookError`]'s `Display`), which never holds the secret.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::events::TypedEvent;
use crate::webhook::{WebhookError, WebhookEvent, WebhookVerifier};

/// A delivery that passed verification, with its event typed.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedWebhook {
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
    /// The envelope as received: `event`, `debug_id`, raw `data`.
    pub event: WebhookEvent,
    /// The event with its data typed.
    pub typed: TypedEvent,
}

/// Why [`VerifiedWebhook`] refused a request; it answers with the status in the module table.
#[derive(Debug)]
pub enum WebhookRejection {
    /// The delivery failed verification or does not parse.
    Refused(WebhookError),
    /// The body could not be read (axum's own rejection).
    Body(axum::extract::rejection::BytesRejection),
}

impl WebhookRejection {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookRejection::Refused(e) => match e {
                WebhookError::MalformedHeader(_) | WebhookError::InvalidPayload { .. } => {
                    StatusCode::BAD_REQUEST
                }
                WebhookError::SignatureMismatch
                | WebhookError::Stale { .. }
                | WebhookError::FromFuture { .. } => StatusCode::UNAUTHORIZED,
                WebhookError::Replay => StatusCode::OK,
                WebhookError::NonceStore(_) => StatusCode::SERVICE_UNAVAILABLE,
            },
            WebhookRejection::Body(b) => b.status(),
        }
    }
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookRejection::Refused(e) => e.fmt(f),
            WebhookRejection::Body(b) => write!(f, "webhook body unreadable: {}", b.body_text()),
        }
    }
}

impl std::error::Error for WebhookRejection {}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

impl<S> FromRequest<S> for VerifiedWebhook
where
    WebhookVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = WebhookVerifier::from_ref(state);
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(WebhookRejection::Body)?;
        let timestamp = verifier
            .verify_headers(&headers, &body)
            .map_err(WebhookRejection::Refused)?;
        let event = WebhookEvent::parse(&body).map_err(WebhookRejection::Refused)?;
        let typed = event.typed().map_err(WebhookRejection::Refused)?;
        Ok(VerifiedWebhook {
            timestamp,
            event,
            typed,
        })
    }
}
