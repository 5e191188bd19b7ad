//! The layer around a bot's webhook handler and the checks it runs (a
//! [`Guard`](tg_common::inbound::Guard)); see the module documentation of [`crate::webhook`]
//! for what a request goes through.

use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use tg_common::inbound::{DEFAULT_MAX_BODY, Guard, GuardedService, Rejection};
use tg_common::{Error, Secret};
use tower_layer::Layer;

use super::secret;
use crate::forward_queue::ForwardQueue;

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

/// The service a [`TelegramWebhookLayer`] makes of a webhook handler.
pub type TelegramWebhookService<S> = GuardedService<S, TelegramWebhookLayer>;

impl<S> Layer<S> for TelegramWebhookLayer {
    type Service = TelegramWebhookService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardedService::new(inner, self.clone())
    }
}

impl Guard for TelegramWebhookLayer {
    /// The update's bytes, forwarded when the handler accepts it.
    type Admission = Bytes;

    fn max_body(&self) -> usize {
        self.shared.max_body
    }

    /// A request without the right secret reaches nothing: 401, the body unread.
    fn check_headers(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        if secret::matches(headers, &self.shared.secret) {
            Ok(())
        } else {
            Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                "missing, repeated or wrong secret token",
            ))
        }
    }

    async fn admit(&self, _parts: &mut Parts, body: &Bytes) -> Result<Bytes, Rejection> {
        Ok(body.clone())
    }

    /// A non-2xx answer makes Telegram deliver the update again: it is forwarded with the
    /// delivery the bot accepts, so TGTrack does not count it twice.
    async fn settle(&self, update: Bytes, handled: bool) {
        if handled {
            // Stored before Telegram gets its answer; never waits for TGTrack (a refusal goes
            // to the queue's failure callback or is kept, and is counted).
            self.shared.queue.submit(update).await;
        }
    }
}
