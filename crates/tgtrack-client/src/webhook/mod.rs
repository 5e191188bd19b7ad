//! A tower [`Layer`](tower_layer::Layer) for a bot's Telegram webhook endpoint that forwards
//! the updates TGTrack needs, byte for byte, without slowing the bot down (feature `tower`;
//! `axum` is the same feature under the name axum users look for).
//!
//! For every request, in this order:
//! 1. the `X-Telegram-Bot-Api-Secret-Token` header is checked in constant time against the
//!    secret given to `setWebhook`; a missing, repeated or wrong one is answered 401 at once:
//!    the body is not read, nothing is forwarded, the inner service is not called;
//! 2. the body is read whole (at most [`DEFAULT_MAX_BODY`] bytes by default; larger is 413,
//!    a broken body 400, both without calling the inner service);
//! 3. the inner service (an axum handler, teloxide's webhook router) gets the request with the
//!    same bytes;
//! 4. when it answers 2xx, the update is handed to the [`ForwardQueue`](crate::ForwardQueue),
//!    which never waits:
//!    TGTrack gets it in the background, within the quota (queued while the limiter is busy).
//!    A non-2xx answer makes Telegram deliver the update again, so it is not forwarded then
//!    (it will be with the delivery the bot accepts), and TGTrack does not count it twice.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tg_common::Error> {
//! use tgtrack_client::webhook::TelegramWebhookLayer;
//! use tgtrack_client::{Client, ForwardQueue};
//!
//! let client = Client::builder("YOUR_API_KEY").build()?;
//! let layer = TelegramWebhookLayer::new("the-secret-token-given-to-setWebhook", ForwardQueue::start(client)?)?;
//! // axum: Router::new().route("/telegram", post(handler)).layer(layer)
//! # let _ = layer;
//! # Ok(())
//! # }
//! ```

mod secret;
mod service;

pub use secret::SECRET_HEADER;
pub use service::{DEFAULT_MAX_BODY, TelegramWebhookLayer, TelegramWebhookService};
