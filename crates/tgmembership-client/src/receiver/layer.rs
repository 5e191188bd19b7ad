//! [`ReceiverLayer`] and the checks it runs around a handler (a
//! [`Guard`](tg_common::inbound::Guard)): verify, claim the nonce, run the handler, commit on
//! 2xx, release otherwise (see the [module documentation](super)).

use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use tg_common::inbound::{DEFAULT_MAX_BODY, Guard, GuardedService, Rejection};
use tower_layer::Layer;

use super::VerifiedWebhook;
use crate::nonce::DeliveryClaim;
use crate::webhook::{NONCE_HEADER, WebhookVerifier};

#[derive(Debug)]
struct Shared {
    verifier: WebhookVerifier,
    max_body: usize,
}

/// Wraps a webhook handler so that each event reaches it at least once and a handled one is
/// not handled again: the nonce is committed only after the handler answered 2xx. Debug masks
/// the secret.
#[derive(Debug, Clone)]
pub struct ReceiverLayer {
    shared: Arc<Shared>,
}

impl ReceiverLayer {
    /// A layer verifying deliveries with `verifier` and holding nonces in its store.
    pub fn new(verifier: WebhookVerifier) -> Self {
        ReceiverLayer {
            shared: Arc::new(Shared {
                verifier,
                max_body: DEFAULT_MAX_BODY,
            }),
        }
    }

    /// The largest body read (default [`DEFAULT_MAX_BODY`]); larger is answered 413.
    pub fn max_body(self, bytes: usize) -> Self {
        ReceiverLayer {
            shared: Arc::new(Shared {
                verifier: self.shared.verifier.clone(),
                max_body: bytes,
            }),
        }
    }
}

/// The service a [`ReceiverLayer`] makes of a webhook handler.
pub type ReceiverService<S> = GuardedService<S, ReceiverLayer>;

impl<S> Layer<S> for ReceiverLayer {
    type Service = ReceiverService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardedService::new(inner, self.clone())
    }
}

impl Guard for ReceiverLayer {
    /// The nonce held for this delivery; dropped (the connection went away), it releases it.
    type Admission = DeliveryClaim;

    fn max_body(&self) -> usize {
        self.shared.max_body
    }

    /// Verifies the signature and timestamp, claims the nonce and hands the handler the
    /// delivery as a [`VerifiedWebhook`] extension.
    async fn admit(&self, parts: &mut Parts, body: &Bytes) -> Result<DeliveryClaim, Rejection> {
        let verifier = &self.shared.verifier;
        let timestamp = verifier.verify_headers(&parts.headers, body)?;
        // `verify_headers` read exactly one ASCII nonce.
        let nonce = parts
            .headers
            .get(NONCE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let claim = verifier.claim(&nonce, timestamp).await?;
        parts
            .extensions
            .insert(VerifiedWebhook::new(timestamp, &nonce, body.clone()));
        Ok(claim)
    }

    /// Commits the nonce after a 2xx; releases it otherwise, so that the service's retry
    /// reaches the handler again.
    async fn settle(&self, claim: DeliveryClaim, handled: bool) {
        if handled {
            if let Err(e) = claim.commit().await {
                // Handled but not recorded: a duplicate would be handled again (at least
                // once); the handler's answer stands.
                tracing::warn!(error = %e, "webhook handled but its nonce not committed");
            }
        } else if let Err(e) = claim.release().await {
            tracing::warn!(error = %e, "webhook nonce not released; its lease will end it");
        }
    }
}
