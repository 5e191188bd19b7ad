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
//!    same bytes (a panic in it is answered 500 and nothing is forwarded);
//! 4. when it answers 2xx, the update is stored in the [`ForwardQueue`](crate::ForwardQueue)'s
//!    spool before the answer goes back to Telegram (over a disk spool or a Redis stream, an
//!    update answered 200 survives a crash); TGTrack gets it in the background, within the
//!    quota (kept while the limiter is busy), and the answer never waits for TGTrack. An update
//!    the spool does not store goes to the queue's failure callback (or is kept) and is counted.
//!    A non-2xx answer makes Telegram deliver the update again, so it is not forwarded then
//!    (it will be with the delivery the bot accepts), and TGTrack does not count it twice.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # let tgtrack = Arc::new(tg_mock::tgtrack::TgtrackFake::new());
//! # tgtrack.add_key("TGTRACK_API_KEY", tg_mock::tgtrack::Mode::Production);
//! # let server = tg_mock::MockServer::start(Arc::clone(&tgtrack)).await?;
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{Layer, ServiceExt, service_fn};
//! use tgtrack_client::webhook::TelegramWebhookLayer;
//! use tgtrack_client::{Client, ForwardQueue};
//!
//! let client = Client::builder("TGTRACK_API_KEY")
//! #   .core(|c| c.with_loopback_url(server.base_url()))
//!     .build()?;
//! let queue = ForwardQueue::start(client)?;
//! let layer = TelegramWebhookLayer::new("secret-given-to-setWebhook", queue.clone())?;
//! // Any tower service: an axum `Router` (`router.layer(layer)`), teloxide's webhook router.
//! let bot = layer.layer(service_fn(|_update: Request<Full<Bytes>>| async {
//!     Ok::<_, std::convert::Infallible>(Response::new(Full::<Bytes>::default()))
//! }));
//!
//! let update = r#"{"update_id":7,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5,"type":"private"},"date":1700000000,"text":"/start ref-1"}}"#;
//! let delivery = |secret: &str| {
//!     Request::post("/telegram")
//!         .header("x-telegram-bot-api-secret-token", secret)
//!         .body(Full::new(Bytes::from(update)))
//! };
//! let spoofed = bot.clone().oneshot(delivery("guessed")?).await?;
//! assert_eq!(spoofed.status(), 401);
//! let real = bot.oneshot(delivery("secret-given-to-setWebhook")?).await?;
//! assert_eq!(real.status(), 200);
//! assert_eq!(queue.close(std::time::Duration::from_secs(10)).await.outbox.delivered, 1);
//! # assert_eq!(&tgtrack.forwarded("TGTRACK_API_KEY")[0].body[..], update.as_bytes());
//! # Ok(())
//! # }
//! ```

mod secret;
mod service;

pub use secret::SECRET_HEADER;
pub use service::{TelegramWebhookLayer, TelegramWebhookService};
pub use tg_common::inbound::DEFAULT_MAX_BODY;
