//! A teloxide `UpdateListener` built on the [`Poller`]: a `Dispatcher` runs unchanged, its
//! handlers get teloxide's parsed `Update`s, while TGTrack gets each tracked update as the
//! bytes Telegram sent (parsing and serializing a teloxide `Update` again is not byte-exact).
//!
//! ```no_run
//! # async fn run() -> Result<(), tg_common::Error> {
//! use teloxide::prelude::*;
//! use tgtrack_client::{Client, ForwardQueue, Poller};
//!
//! let bot = Bot::new("123456:BOT_TOKEN");
//! let queue = ForwardQueue::start(Client::builder("TGTRACK_API_KEY").build()?)?;
//! let listener = Poller::builder("123456:BOT_TOKEN")
//!     .forward_to(queue.clone())
//!     .build()?
//!     .into_teloxide_listener();
//! let handler = Update::filter_message().endpoint(|_msg: Message| async { respond(()) });
//! Dispatcher::builder(bot, handler)
//!     .build()
//!     .dispatch_with_listener(listener, LoggingErrorHandler::new())
//!     .await;
//! queue.close(std::time::Duration::from_secs(10)).await;
//! # Ok(())
//! # }
//! ```
//!
//! The dispatcher's allowed-updates hint becomes `allowed_updates`, with `message` and
//! `my_chat_member` added so TGTrack still gets starts and blocks (unless
//! [`PollerBuilder::allowed_updates`](super::PollerBuilder::allowed_updates) was set). Stopping
//! the dispatcher stops the poller gracefully.

use futures_util::stream::BoxStream;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, Update};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tg_common::Error;

use super::answer::PolledUpdate;
use super::poller::{Poller, StopHandle};

/// A teloxide update listener reading through a [`Poller`]; make one with
/// [`Poller::into_teloxide_listener`].
pub struct TeloxideListener {
    poller: Poller,
    stop: StopHandle,
    token: StopToken,
    flag: StopFlag,
}

impl std::fmt::Debug for TeloxideListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeloxideListener")
            .field("poller", &self.poller)
            .finish_non_exhaustive()
    }
}

impl Poller {
    /// This poller as a teloxide `UpdateListener`, for `Dispatcher::dispatch_with_listener`.
    pub fn into_teloxide_listener(self) -> TeloxideListener {
        let (token, flag) = mk_stop_token();
        TeloxideListener {
            stop: self.stop_handle(),
            poller: self,
            token,
            flag,
        }
    }
}

/// teloxide's `Update` parsed from the update's bytes (the bytes themselves were forwarded).
fn parse(update: PolledUpdate) -> Result<Update, Error> {
    serde_json::from_slice(update.raw.as_bytes()).map_err(|e| {
        Error::decode(
            200,
            format!("update {}", update.update_id),
            format!("teloxide could not parse it: {e}"),
            update.raw.as_bytes(),
        )
    })
}

impl UpdateListener for TeloxideListener {
    type Err = Error;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        let kinds = hint.filter_map(|kind| {
            serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        });
        self.poller.hint_allowed_updates(kinds.collect::<Vec<_>>());
    }
}

impl<'a> AsUpdateStream<'a> for TeloxideListener {
    type StreamErr = Error;
    type Stream = BoxStream<'a, Result<Update, Error>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let state = (
            &mut self.poller,
            self.flag.clone(),
            self.stop.clone(),
            false,
        );
        Box::pin(futures_util::stream::unfold(
            state,
            |(poller, mut flag, stop, mut stopped)| async move {
                let item = if stopped || flag.is_stopped() {
                    None
                } else {
                    tokio::select! {
                        item = poller.next_update() => Some(item),
                        _ = &mut flag => None,
                    }
                };
                let item = match item {
                    Some(item) => item,
                    None => {
                        // teloxide asked to stop: the poller confirms what it handed on.
                        stopped = true;
                        stop.stop();
                        poller.next_update().await
                    }
                };
                let item = item?.and_then(parse);
                Some((item, (poller, flag, stop, stopped)))
            },
        ))
    }
}
