//! The layer and the service it wraps around a bot's webhook handler; see the module
//! documentation of [`crate::webhook`] for what a request goes through.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tg_common::{BoxError, Error, Secret};
use tower_layer::Layer;
use tower_service::Service;

use super::secret;
use crate::forward_queue::ForwardQueue;

/// The largest webhook body read by default (Telegram's updates are a few kilobytes).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

struct Shared {
    secret: Secret,
    queue: ForwardQueue,
    max_body: usize,
}

/// Wraps a webhook handler: checks Telegram's secret token first, then forwards the updates
/// TGTrack needs through a [`ForwardQueue`]. Debug masks the secret.
///
/// The [module documentation](crate::webhook) has an example with the right and a wrong
/// secret token, forwarding to tg-mock's fake TGTrack.
#[derive(Clone)]
pub struct TelegramWebhookLayer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TelegramWebhookLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramWebhookLayer")
            .field("secret", &self.shared.secret)
            .field("max_body", &self.shared.max_body)
            .finish_non_exhaustive()
    }
}

impl TelegramWebhookLayer {
    /// A layer checking `secret_token` (the `secret_token` given to `setWebhook`) and
    /// forwarding through `queue`.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] when the secret is not 1 to 256 characters
    /// of `A-Z a-z 0-9 _ -` (what `setWebhook` accepts); the error never names it.
    pub fn new(secret_token: impl Into<Secret>, queue: ForwardQueue) -> Result<Self, Error> {
        let secret = secret_token.into();
        secret::check_format(&secret)?;
        Ok(TelegramWebhookLayer {
            shared: Arc::new(Shared {
                secret,
                queue,
                max_body: DEFAULT_MAX_BODY,
            }),
        })
    }

    /// The largest body read (default [`DEFAULT_MAX_BODY`]); larger is answered 413.
    pub fn max_body(self, bytes: usize) -> Self {
        TelegramWebhookLayer {
            shared: Arc::new(Shared {
                secret: self.shared.secret.clone(),
                queue: self.shared.queue.clone(),
                max_body: bytes,
            }),
        }
    }

    /// The queue updates are forwarded through (for its stats, or to close it at shutdown).
    pub fn queue(&self) -> &ForwardQueue {
        &self.shared.queue
    }
}

impl<S> Layer<S> for TelegramWebhookLayer {
    type Service = TelegramWebhookService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TelegramWebhookService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service a [`TelegramWebhookLayer`] makes of a webhook handler.
#[derive(Clone)]
pub struct TelegramWebhookService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> std::fmt::Debug for TelegramWebhookService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramWebhookService")
            .field("secret", &self.shared.secret)
            .finish_non_exhaustive()
    }
}

fn status<B: Default>(code: StatusCode) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = code;
    response
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TelegramWebhookService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Body + From<Bytes> + Send + 'static,
    ReqBody::Data: Buf + Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        // Before anything else: a request without the right secret reaches nothing.
        if !secret::matches(request.headers(), &shared.secret) {
            return Box::pin(async { Ok(status(StatusCode::UNAUTHORIZED)) });
        }
        // The clone is the one `poll_ready` did not prepare; the prepared one is called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = match Limited::new(body, shared.max_body).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<LengthLimitError>() => {
                    return Ok(status(StatusCode::PAYLOAD_TOO_LARGE));
                }
                Err(_) => return Ok(status(StatusCode::BAD_REQUEST)),
            };
            let request = Request::from_parts(parts, ReqBody::from(bytes.clone()));
            let response = inner.call(request).await?;
            if response.status().is_success() {
                // Stored before Telegram gets its answer; never waits for TGTrack (a refusal
                // goes to the queue's failure callback or is kept, and is counted).
                shared.queue.submit(bytes).await;
            }
            Ok(response)
        })
    }
}
