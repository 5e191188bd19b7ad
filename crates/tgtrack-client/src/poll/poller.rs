//! The polling loop: fetch a batch with `getUpdates`, hand its updates on one at a time
//! (forwarding the tracked ones as each is handed on), confirm them with the next call's
//! `offset`, back off after failures, and stop gracefully.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use tg_common::{Error, ErrorKind, ProviderClient, RequestBuilder, RetryPolicy};
use tokio::sync::watch;

use super::answer::PolledUpdate;
use super::builder::PollerBuilder;
use super::get_updates::{GetUpdates, TelegramBot};
use super::offset::Offsets;
use crate::forward_queue::ForwardQueue;

/// How long the confirming call made at a graceful stop may take.
const FINAL_CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);

/// The long-poll settings a [`Poller`] sends.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) timeout_secs: u64,
    pub(super) limit: u8,
    pub(super) allowed_updates: Option<Vec<String>>,
    /// Whether `allowed_updates` was set on the builder (a hint then changes nothing).
    pub(super) allowed_explicit: bool,
    pub(super) backoff: RetryPolicy,
    /// The least time from the start of a call that got no updates to the start of the next.
    pub(super) empty_answer_pause: Duration,
}

/// The update kinds TGTrack needs: added to a framework's hint when forwarding.
pub const TRACKED_UPDATE_KINDS: [&str; 2] = ["message", "my_chat_member"];

/// Stops a [`Poller`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct StopHandle {
    tx: Arc<watch::Sender<bool>>,
}

impl StopHandle {
    /// Asks the poller to stop: an in-flight `getUpdates` is abandoned, updates fetched but not
    /// yet handed on are left unconfirmed (Telegram sends them again), the handed-on ones are
    /// confirmed with one last call, and the stream ends.
    pub fn stop(&self) {
        self.tx.send_replace(true);
    }

    /// Whether [`StopHandle::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.tx.borrow()
    }
}

/// A long-polling reader of a bot's updates that keeps each update's exact bytes.
///
/// Read it with [`Poller::next_update`] or as a stream ([`Poller::into_stream`]). An update
/// counts as handed on when `next_update` returns it; only then is it forwarded (when
/// [`PollerBuilder::forward_to`] is set) and confirmed to Telegram (by the next call's offset).
/// A failed call is yielded as `Err` and retried after a backoff; a rejected token (401, 404)
/// ends the stream after its error. An answer with no updates that came back sooner than
/// [`PollerBuilder::empty_answer_pause`] is followed by the rest of that pause.
///
/// Long polling that keeps each update's exact bytes: a [`Poller`] calls Telegram's
/// `getUpdates`, hands every update on to the bot as `(update_id, raw bytes)`, and forwards
/// the ones TGTrack needs byte for byte through a [`ForwardQueue`](crate::ForwardQueue).
///
/// Parsing an update and serializing it again is not byte-exact (keys reordered, `null`s
/// added, fields renamed), and TGTrack refuses such updates; here an update is a slice of
/// Telegram's answer, never re-encoded.
///
/// The bot token travels only as a secret path segment (`/bot{TOKEN}/getUpdates`): it never
/// appears in a Debug print, an error or a log line, and an answer echoing it is scrubbed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # let telegram = tg_mock::telegram::TelegramFake::new();
/// # telegram.add_bot("123456:BOT_TOKEN");
/// # let update = r#"{"update_id":7,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},"chat":{"id":5,"type":"private"},"date":1700000000,"text":"/start ref-1"}}"#;
/// # telegram.push_update("123456:BOT_TOKEN", update)?;
/// # let telegram_server = tg_mock::MockServer::start(Arc::new(telegram.clone())).await?;
/// # let tgtrack = Arc::new(tg_mock::tgtrack::TgtrackFake::new());
/// # tgtrack.add_key("TGTRACK_API_KEY", tg_mock::tgtrack::Mode::Production);
/// # let tgtrack_server = tg_mock::MockServer::start(Arc::clone(&tgtrack)).await?;
/// use std::time::Duration;
///
/// use tgtrack_client::{Client, ForwardQueue, Poller};
///
/// let client = Client::builder("TGTRACK_API_KEY")
/// #   .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
///     .build()?;
/// let queue = ForwardQueue::start(client)?;
/// let mut poller = Poller::builder("123456:BOT_TOKEN")
/// #   .core(|c| c.with_loopback_url(telegram_server.base_url()))
///     .forward_to(queue.clone())
///     .build()?;
/// let stop = poller.stop_handle();
/// while let Some(update) = poller.next_update().await {
///     let update = update?;
///     // The bot's own handling, from the exact bytes Telegram sent.
///     assert!(update.raw.as_str().contains("/start ref-1"));
///     stop.stop(); // (a real bot stops on a signal)
/// }
/// // Stopped: the handed-on update was confirmed, and TGTrack got its bytes.
/// let stats = queue.close(Duration::from_secs(10)).await;
/// assert_eq!(stats.outbox.delivered, 1);
/// # assert!(telegram.pending("123456:BOT_TOKEN").is_empty());
/// # assert_eq!(&tgtrack.forwarded("TGTRACK_API_KEY")[0].body[..], update.as_bytes());
/// # Ok(())
/// # }
/// ```
pub struct Poller {
    bot: TelegramBot,
    settings: Settings,
    offsets: Offsets,
    forward: Option<ForwardQueue>,
    buffer: VecDeque<PolledUpdate>,
    failures: u32,
    retry_after: Option<Duration>,
    /// When the next call may start, after an answer with no updates.
    paused_until: Option<tokio::time::Instant>,
    stop: StopHandle,
    stopped: watch::Receiver<bool>,
    done: bool,
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("core", self.bot.core())
            .field("offset", &self.offsets.next())
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

impl Poller {
    /// Starts configuring a poller for this bot token (`<bot id>:<secret>` from BotFather).
    pub fn builder(token: impl Into<tg_common::Secret>) -> PollerBuilder {
        PollerBuilder::new(token.into())
    }

    pub(super) fn new(
        bot: TelegramBot,
        settings: Settings,
        offset: Option<i64>,
        forward: Option<ForwardQueue>,
    ) -> Self {
        let (tx, stopped) = watch::channel(false);
        Poller {
            bot,
            settings,
            offsets: Offsets::new(offset),
            forward,
            buffer: VecDeque::new(),
            failures: 0,
            retry_after: None,
            paused_until: None,
            stop: StopHandle { tx: Arc::new(tx) },
            stopped,
            done: false,
        }
    }

    /// A handle that stops this poller from another task.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// The offset the next call sends: the last handed-on `update_id` + 1. Save it to resume
    /// with [`PollerBuilder::offset`].
    pub fn offset(&self) -> Option<i64> {
        self.offsets.next()
    }

    /// Takes a framework's list of the update kinds its handlers use (teloxide's
    /// `hint_allowed_updates`) as `allowed_updates` for the next calls, with
    /// [`TRACKED_UPDATE_KINDS`] added when forwarding. Ignored when
    /// [`PollerBuilder::allowed_updates`] was set.
    pub fn hint_allowed_updates(&mut self, kinds: impl IntoIterator<Item = String>) {
        if self.settings.allowed_explicit {
            return;
        }
        let mut kinds: Vec<String> = kinds.into_iter().collect();
        if self.forward.is_some() {
            for tracked in TRACKED_UPDATE_KINDS {
                if !kinds.iter().any(|k| k == tracked) {
                    kinds.push(tracked.to_owned());
                }
            }
        }
        self.settings.allowed_updates = Some(kinds);
    }

    /// The next update, waiting for Telegram as long as needed; `None` once stopped (or after
    /// a rejected token's error).
    pub async fn next_update(&mut self) -> Option<Result<PolledUpdate, Error>> {
        loop {
            if self.done {
                return None;
            }
            if self.stop.is_stopped() {
                self.finish().await;
                return None;
            }
            if let Some(update) = self.buffer.pop_front() {
                self.hand_on(&update).await;
                return Some(Ok(update));
            }
            if self.failures > 0 {
                let delay = self.backoff_delay();
                if self
                    .until_stopped(tokio::time::sleep(delay))
                    .await
                    .is_none()
                {
                    continue;
                }
            }
            if let Some(wake) = self.paused_until.take() {
                let paused = tokio::time::sleep_until(wake);
                if self.until_stopped(paused).await.is_none() {
                    continue;
                }
            }
            let offset = self.offsets.next();
            let call = self.call(offset, self.settings.limit, self.settings.timeout_secs);
            let started = tokio::time::Instant::now();
            let polled = self.until_stopped(call.send()).await;
            match polled {
                None => continue,
                Some(Ok(batch)) => {
                    self.offsets.sent(offset);
                    self.failures = 0;
                    self.retry_after = None;
                    if batch.is_empty() && !self.settings.empty_answer_pause.is_zero() {
                        self.paused_until = Some(started + self.settings.empty_answer_pause);
                    }
                    self.buffer.extend(batch);
                }
                Some(Err(e)) => {
                    self.failures = self.failures.saturating_add(1);
                    self.retry_after = e.retry_after();
                    if is_fatal(&e) {
                        self.done = true;
                    }
                    tracing::warn!(error = %e, failures = self.failures, "getUpdates failed");
                    return Some(Err(e));
                }
            }
        }
    }

    /// The updates as a stream; it ends when the poller stops.
    pub fn into_stream(self) -> impl Stream<Item = Result<PolledUpdate, Error>> + Send + 'static {
        futures_util::stream::unfold(self, |mut poller| async move {
            poller.next_update().await.map(|item| (item, poller))
        })
    }

    /// Stores `update` for TGTrack when it needs it, then records it as handed on (so the
    /// offset confirming it to Telegram is sent only once it is in the spool).
    async fn hand_on(&mut self, update: &PolledUpdate) {
        if let Some(queue) = &self.forward {
            // A refusal goes to the queue's failure callback (or is kept) and is counted; the
            // update itself still goes to the bot.
            queue.submit(update.raw.bytes()).await;
        }
        self.offsets.handed(update.update_id);
    }

    /// Runs `work` unless the poller is stopped first (`None`).
    async fn until_stopped<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let mut stopped = self.stopped.clone();
        tokio::select! {
            out = work => Some(out),
            _ = stopped.wait_for(|s| *s) => None,
        }
    }

    /// The wait before the next call after `failures` failed ones: the policy's backoff with
    /// jitter between half and all of it, or the Retry-After asked for when longer.
    fn backoff_delay(&self) -> Duration {
        let policy = &self.settings.backoff;
        let step = policy.backoff(self.failures);
        let step = if policy.jitter {
            step.mul_f64(0.5 + rand::random::<f64>() / 2.0)
        } else {
            step
        };
        step.max(self.retry_after.unwrap_or_default())
    }

    fn call(
        &self,
        offset: Option<i64>,
        limit: u8,
        timeout_secs: u64,
    ) -> RequestBuilder<GetUpdates> {
        let get_updates = GetUpdates {
            offset,
            limit,
            timeout_secs,
            allowed_updates: self.settings.allowed_updates.clone(),
        };
        RequestBuilder::new(self.bot.clone(), get_updates)
    }

    /// Confirms the handed-on updates with one short call (Telegram would otherwise send them
    /// again at the next start), then ends the poller.
    async fn finish(&mut self) {
        self.done = true;
        self.buffer.clear();
        if !self.offsets.unconfirmed() {
            return;
        }
        let offset = self.offsets.next();
        let call = self.call(offset, 1, 0);
        let confirm = call.send();
        match tokio::time::timeout(FINAL_CONFIRM_TIMEOUT, confirm).await {
            Ok(Ok(_)) => self.offsets.sent(offset),
            Ok(Err(e)) => tracing::warn!(
                error = %e,
                offset,
                "could not confirm the last updates; Telegram will send them again"
            ),
            Err(_) => tracing::warn!(
                offset,
                "confirming the last updates timed out; Telegram will send them again"
            ),
        }
    }
}

/// A rejected token (401, or 404 for one the server cannot route) or a local error: polling
/// again cannot help.
fn is_fatal(e: &Error) -> bool {
    matches!(e.status(), Some(401 | 404))
        || matches!(
            e.kind(),
            ErrorKind::Config { .. } | ErrorKind::InvalidInput { .. }
        )
}
