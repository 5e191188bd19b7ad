//! [`ReceiverLayer`] and the service it makes of a handler: verify, claim the nonce, run the
//! handler, commit on 2xx, release otherwise (see the [module documentation](super)).

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_util::FutureExt;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tg_common::BoxError;
use tower_layer::Layer;
use tower_service::Service;

use super::VerifiedWebhook;
use crate::webhook::{NONCE_HEADER, WebhookError, WebhookVerifier};

/// The largest delivery body read by default (events are a few kilobytes).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

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

impl<S> Layer<S> for ReceiverLayer {
    type Service = ReceiverService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReceiverService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service a [`ReceiverLayer`] makes of a webhook handler.
#[derive(Debug, Clone)]
pub struct ReceiverService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// An answer of the layer's own, with the reason as its body.
fn answer<B: From<Bytes>>(status: StatusCode, reason: String) -> Response<B> {
    let mut response = Response::new(B::from(Bytes::from(reason)));
    *response.status_mut() = status;
    response
}

/// The answer to a delivery refused with `error` (its status, and `Retry-After` for a 503).
fn refusal<B: From<Bytes>>(error: &WebhookError) -> Response<B> {
    let mut response = answer(error.status(), error.to_string());
    if let Some(after) = error.retry_after() {
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            HeaderValue::from(after.as_secs()),
        );
    }
    response
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ReceiverService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Body + From<Bytes> + Send + 'static,
    ReqBody::Data: Buf + Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: From<Bytes> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        // The clone is the one `poll_ready` did not prepare; the prepared one is called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let body = match Limited::new(body, shared.max_body).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<LengthLimitError>() => {
                    return Ok(answer(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "webhook body over the limit".to_owned(),
                    ));
                }
                Err(_) => {
                    return Ok(answer(
                        StatusCode::BAD_REQUEST,
                        "webhook body unreadable".to_owned(),
                    ));
                }
            };
            let verifier = &shared.verifier;
            let timestamp = match verifier.verify_headers(&parts.headers, &body) {
                Ok(timestamp) => timestamp,
                Err(e) => return Ok(refusal(&e)),
            };
            // `verify_headers` read exactly one ASCII nonce.
            let nonce = parts
                .headers
                .get(NONCE_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let claim = match verifier.claim(&nonce, timestamp).await {
                Ok(claim) => claim,
                Err(e) => return Ok(refusal(&e)),
            };
            parts
                .extensions
                .insert(VerifiedWebhook::new(timestamp, &nonce, body.clone()));
            let request = Request::from_parts(parts, ReqBody::from(body));
            // If this future is dropped (the connection went away), `claim` is dropped with it
            // and releases the nonce.
            let outcome = AssertUnwindSafe(async move { inner.call(request).await })
                .catch_unwind()
                .await;
            match outcome {
                Ok(Ok(response)) if response.status().is_success() => {
                    if let Err(e) = claim.commit().await {
                        // Handled but not recorded: a duplicate would be handled again (at
                        // least once); the handler's answer stands.
                        tracing::warn!(error = %e, "webhook handled but its nonce not committed");
                    }
                    Ok(response)
                }
                Ok(result) => {
                    release(claim).await;
                    result
                }
                Err(_panic) => {
                    release(claim).await;
                    Ok(answer(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the webhook handler panicked".to_owned(),
                    ))
                }
            }
        })
    }
}

/// Releases `claim`; a failure leaves the hold to its lease.
async fn release(claim: crate::nonce::DeliveryClaim) {
    if let Err(e) = claim.release().await {
        tracing::warn!(error = %e, "webhook nonce not released; its lease will end it");
    }
}
