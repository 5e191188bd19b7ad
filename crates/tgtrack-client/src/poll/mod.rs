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
//! - [`builder`]: the settings (`timeout`, `limit`, `allowed_updates`, start offset, backoff).
//! - [`poller`]: the loop (fetch, hand on, confirm, back off, stop).
//! - `teloxide` (feature `teloxide`): a teloxide `UpdateListener` on the poller.
//! - [`answer`]: decoding `getUpdates` without re-serializing.
//! - `offset`: which offset confirms what was handed on.
//! - `token`: the token's shape and its secret path segment.

pub mod answer;
pub mod builder;
mod offset;
pub mod poller;
#[cfg(feature = "teloxide")]
pub mod teloxide;
mod token;

pub use answer::{PolledUpdate, TelegramApiError};
pub use builder::{PollerBuilder, TELEGRAM_BASE_URL, default_poll_backoff};
pub use poller::{Poller, StopHandle, TRACKED_UPDATE_KINDS};
