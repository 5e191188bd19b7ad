//! Long polling of Telegram's `getUpdates`; documented on [`Poller`] (the module is private).
//!
//! - `builder`: the settings (`timeout`, `limit`, `allowed_updates`, start offset, backoff,
//!   the pause after an empty answer).
//! - `poller`: the loop (fetch, hand on, confirm, back off, pause after an empty answer, stop).
//! - `teloxide` (feature `teloxide`): a teloxide `UpdateListener` on the poller.
//! - `answer`: decoding `getUpdates` without re-serializing.
//! - `get_updates`: `getUpdates` as an operation of the bot's Telegram client, sent through
//!   `tg-common`'s request builder.
//! - `offset`: which offset confirms what was handed on.
//! - `token`: the token's shape and its secret path segment.

mod answer;
mod builder;
mod get_updates;
mod offset;
mod poller;
#[cfg(feature = "teloxide")]
mod teloxide;
mod token;

pub use answer::{PolledUpdate, TelegramApiError};
pub use builder::{
    DEFAULT_EMPTY_ANSWER_PAUSE, DEFAULT_POLL_TIMEOUT, MAX_EMPTY_ANSWER_PAUSE, POLL_TIMEOUT_MARGIN,
    PollerBuilder, TELEGRAM, TELEGRAM_BASE_URL, default_poll_backoff,
};
pub use poller::{Poller, StopHandle, TRACKED_UPDATE_KINDS};
#[cfg(feature = "teloxide")]
pub use teloxide::TeloxideListener;
