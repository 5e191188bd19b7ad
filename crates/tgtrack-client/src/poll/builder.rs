//! Configuring a [`Poller`]: the bot token, the long-poll settings, backoff, and where tracked
//! updates are forwarded.

use std::time::Duration;

use tg_common::{Core, CoreConfig, Error, RetryPolicy, Secret};

use super::get_updates::TelegramBot;
use super::poller::{Poller, Settings};
use super::token;
use crate::forward_queue::ForwardQueue;

/// Telegram's production Bot API.
pub const TELEGRAM_BASE_URL: &str = "https://api.telegram.org";

/// The provider name in errors and tracing.
pub const TELEGRAM: &str = "telegram";

/// The default long-poll wait.
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(30);

/// How much longer than the long-poll wait one request may take before it counts as timed out.
pub const POLL_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);

/// The default [`PollerBuilder::empty_answer_pause`]: after an answer with no updates, the next
/// call starts at least 1 s after the previous one started (at most one empty call a second).
pub const DEFAULT_EMPTY_ANSWER_PAUSE: Duration = Duration::from_secs(1);

/// The longest [`PollerBuilder::empty_answer_pause`] accepted: a minute.
pub const MAX_EMPTY_ANSWER_PAUSE: Duration = Duration::from_secs(60);

/// The backoff between failed polls: 0.5 s doubling up to 30 s, jittered; a Retry-After is
/// always honoured in full. `max_attempts` is unused (the poller never gives up on its own
/// except for a rejected token).
pub fn default_poll_backoff() -> RetryPolicy {
    RetryPolicy {
        max_attempts: u32::MAX,
        base_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(30),
        max_retry_after: Duration::from_secs(3600),
        jitter: true,
    }
}

/// Builds a [`Poller`]; start with [`Poller::builder`]. Debug masks the token.
#[derive(Debug)]
#[must_use]
pub struct PollerBuilder {
    token: Secret,
    core: CoreConfig,
    timeout: Duration,
    limit: u8,
    allowed_updates: Option<Vec<String>>,
    offset: Option<i64>,
    backoff: RetryPolicy,
    empty_answer_pause: Duration,
    forward: Option<ForwardQueue>,
}

impl PollerBuilder {
    pub(super) fn new(token: Secret) -> Self {
        PollerBuilder {
            token,
            core: CoreConfig::new(TELEGRAM_BASE_URL),
            timeout: DEFAULT_POLL_TIMEOUT,
            limit: 100,
            allowed_updates: None,
            offset: None,
            backoff: default_poll_backoff(),
            empty_answer_pause: DEFAULT_EMPTY_ANSWER_PAUSE,
            forward: None,
        }
    }

    /// Changes the transport settings (base URL, pool); `.core(|c|
    /// c.with_loopback_url(server.base_url()))` points the poller at
    /// tg-mock. The request timeout is raised to the long-poll wait plus
    /// [`POLL_TIMEOUT_MARGIN`] when shorter, and retries are the poller's own backoff.
    pub fn core(mut self, configure: impl FnOnce(CoreConfig) -> CoreConfig) -> Self {
        self.core = configure(self.core);
        self
    }

    /// The long-poll wait (`timeout`, whole seconds; default 30 s; zero: short polling, paced
    /// by [`empty_answer_pause`](Self::empty_answer_pause)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// At most this many updates per call (`limit`, 1 to 100; default 100).
    pub fn limit(mut self, limit: u8) -> Self {
        self.limit = limit;
        self
    }

    /// The update kinds Telegram sends (`allowed_updates`); unset (the default), Telegram keeps
    /// the bot's previous setting. TGTrack needs `message` and `my_chat_member`.
    pub fn allowed_updates<I, S>(mut self, kinds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_updates = Some(kinds.into_iter().map(Into::into).collect());
        self
    }

    /// Starts from this offset (one saved from [`Poller::offset`]) instead of Telegram's
    /// earliest unconfirmed update.
    pub fn offset(mut self, offset: i64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The backoff between failed polls (default [`default_poll_backoff`]).
    pub fn backoff(mut self, policy: RetryPolicy) -> Self {
        self.backoff = policy;
        self
    }

    /// The pause after an answer with no updates: the next call starts no sooner than `pause`
    /// after the empty one started (default [`DEFAULT_EMPTY_ANSWER_PAUSE`], 1 s).
    ///
    /// A long poll that waited its `timeout` out is polled again at once; short polling
    /// (`timeout` zero), or a proxy that answers `[]` without waiting, makes at most one empty
    /// call per `pause` instead of thousands a second. An answer with updates, and a stop, are
    /// never delayed; the pause is never longer than `pause`. `Duration::ZERO` turns it off;
    /// more than [`MAX_EMPTY_ANSWER_PAUSE`] is refused by [`build`](Self::build).
    pub fn empty_answer_pause(mut self, pause: Duration) -> Self {
        self.empty_answer_pause = pause;
        self
    }

    /// Forwards the updates TGTrack needs through this queue as they are handed on.
    pub fn forward_to(mut self, queue: ForwardQueue) -> Self {
        self.forward = Some(queue);
        self
    }

    /// Builds the poller.
    ///
    /// Fails with [`tg_common::ErrorKind::Config`] when the token is not shaped
    /// `<bot id>:<secret>`, the base URL is not https (or plain http to loopback with the
    /// opt-in), and with [`tg_common::ErrorKind::InvalidInput`] for a `limit` outside 1–100,
    /// an `allowed_updates` entry that is not a name of `a-z` and `_`, or an
    /// `empty_answer_pause` over [`MAX_EMPTY_ANSWER_PAUSE`].
    pub fn build(self) -> Result<Poller, Error> {
        let op = |e: Error| e.with_context(TELEGRAM, "getUpdates");
        token::check(&self.token).map_err(op)?;
        if !(1..=100).contains(&self.limit) {
            return Err(op(Error::invalid_input("limit", "must be 1 to 100")));
        }
        if self.empty_answer_pause > MAX_EMPTY_ANSWER_PAUSE {
            return Err(op(Error::invalid_input(
                "empty_answer_pause",
                "must be at most 60 s",
            )));
        }
        if let Some(kinds) = &self.allowed_updates {
            for (i, kind) in kinds.iter().enumerate() {
                let named =
                    !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                if !named {
                    return Err(op(Error::invalid_input(
                        format!("allowed_updates[{i}]"),
                        "an update kind is a name of a-z and _ (`message`, `my_chat_member`)",
                    )));
                }
            }
        }
        let mut core = self.core.with_retry(RetryPolicy::none());
        let needed = self.timeout.saturating_add(POLL_TIMEOUT_MARGIN);
        core.timeouts.attempt = core.timeouts.attempt.max(needed);
        core.timeouts.overall = core.timeouts.overall.max(core.timeouts.attempt);
        let core = Core::new(TELEGRAM, &self.token, core)?;
        Ok(Poller::new(
            TelegramBot::new(core, token::prefix(&self.token)),
            Settings {
                timeout_secs: self.timeout.as_secs(),
                limit: self.limit,
                allowed_explicit: self.allowed_updates.is_some(),
                allowed_updates: self.allowed_updates,
                backoff: self.backoff,
                empty_answer_pause: self.empty_answer_pause,
            },
            self.offset,
            self.forward,
        ))
    }
}
