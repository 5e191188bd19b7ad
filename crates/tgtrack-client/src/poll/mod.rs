//! Long polling that keeps each update's exact bytes: a [`Poller`] calls Telegram's
//! `getUpdates`, hands every update on to the bot as `(update_id, raw bytes)`, and forwards
//! the ones TGTrack needs byte for byte through a [`ForwardQueue`](crate::ForwardQueue).
//!
//! Parsing an update and serializing it again is not byte-exact (keys reordered, `null`s
//! added, fields renamed), and TGTrack refuses such updates; here an update is a slice of
//! Telegram's answer, never re-encoded.
//!
//! The bot token travels only as a secret path segment (`/bot{TOKEN}/getUpdates`): it never
//! appears in a Debug print, an error or a log line, and an answer echoing it is scrubbed.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # let telegram = tg_mock::telegram::TelegramFake::new();
//! # telegram.add_bot("123456:BOT_TOKEN");
//! # let update = r#"{"update_id":7,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5,"type":"private"},"date":1700000000,"text":"/start ref-1"}}"#;
//! # telegram.push_update("123456:BOT_TOKEN", update)?;
//! # let telegram_server = tg_mock::MockServer::start(Arc::new(telegram.clone())).await?;
//! # let tgtrack = Arc::new(tg_mock::tgtrack::TgtrackFake::new());
//! # tgtrack.add_key("TGTRACK_API_KEY", tg_mock::tgtrack::Mode::Production);
//! # let tgtrack_server = tg_mock::MockServer::start(Arc::clone(&tgtrack)).await?;
//! use std::time::Duration;
//!
//! use tgtrack_client::{Client, ForwardQueue, Poller};
//!
//! let client = Client::builder("TGTRACK_API_KEY")
//! #   .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
//!     .build()?;
//! let queue = ForwardQueue::start(client)?;
//! let mut poller = Poller::builder("123456:BOT_TOKEN")
//! #   .core(|c| c.with_loopback_url(telegram_server.base_url()))
//!     .forward_to(queue.clone())
//!     .build()?;
//! let stop = poller.stop_handle();
//! while let Some(update) = poller.next_update().await {
//!     let update = update?;
//!     // The bot's own handling, from the exact bytes Telegram sent.
//!     assert!(update.raw.as_str().contains("/start ref-1"));
//!     stop.stop(); // (a real bot stops on a signal)
//! }
//! // Stopped: the handed-on update was confirmed, and TGTrack got its bytes.
//! let stats = queue.close(Duration::from_secs(10)).await;
//! assert_eq!(stats.outbox.delivered, 1);
//! # assert!(telegram.pending("123456:BOT_TOKEN").is_empty());
//! # assert_eq!(&tgtrack.forwarded("TGTRACK_API_KEY")[0].body[..], update.as_bytes());
//! # Ok(())
//! # }
//! ```
//!
//! - [`builder`]: the settings (`timeout`, `limit`, `allowed_updates`, start offset, backoff,
//!   the pause after an empty answer).
//! - [`poller`]: the loop (fetch, hand on, confirm, back off, pause after an empty answer, stop).
//! - `teloxide` (feature `teloxide`): a teloxide `UpdateListener` on the poller.
//! - [`answer`]: decoding `getUpdates` without re-serializing.
//! - `get_updates`: `getUpdates` as an operation of the bot's Telegram client, sent through
//!   `tg-common`'s request builder.
//! - `offset`: which offset confirms what was handed on.
//! - `token`: the token's shape and its secret path segment.

pub mod answer;
pub mod builder;
mod get_updates;
mod offset;
pub mod poller;
#[cfg(feature = "teloxide")]
pub mod teloxide;
mod token;

pub use answer::{PolledUpdate, TelegramApiError};
pub use builder::{
    DEFAULT_EMPTY_ANSWER_PAUSE, MAX_EMPTY_ANSWER_PAUSE, PollerBuilder, TELEGRAM_BASE_URL,
    default_poll_backoff,
};
pub use poller::{Poller, StopHandle, TRACKED_UPDATE_KINDS};
