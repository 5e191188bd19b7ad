//! The HTTP client: one method per TGTrack method, each returning a
//! [`RequestBuilder`] of its [operation](crate::operation), sent over the shared transport of
//! `tg-common` (rate limiter, retries, timeouts, redaction).
//!
//! Every request is `POST {base}/v1/{API_KEY}/{METHOD}` with a JSON body; the key travels as a
//! secret path segment, so it never appears in an error, a log line or a Debug print.
//!
//! Only `get_user_info` is retried after an ambiguous failure (a timeout, a reset connection, a
//! 500 or 503): every other method records something, and a repeat may be counted twice. A
//! caller who knows better opts in per call with `.retry_unsafe()`. Answers the server refused
//! without processing (429, a connection never established) are retried for every method.

mod builder;

#[cfg(test)]
mod tests;

use tg_common::{ClientHandle, HandleClient};
use tg_common::{Error, Operation, RequestBuilder, Secret};

pub use builder::ClientBuilder;

use crate::PROVIDER;
use crate::envelope::OkAnswer;
use crate::forward::{RawJson, RawUpdate};
use crate::model::{
    AddEvent, GetUserInfo, MyBotWasStarted, MyBotWasStopped, SendReachGoal, StartValue,
    UserDidStartBot,
};
use crate::operation::{
    MyBothelpWasStarted, OnSendPulseEvent, OnTelegramWebhook, OnToolsyEvent, SambotForward,
    WinWinWasStarted,
};

/// A TGTrack client for one API key. Cheap to clone: clones share the connection pool, the
/// rate limiter and the retry budget.
///
/// Every method returns a [`RequestBuilder`]: the optional fields are the setters of its
/// request type ([`AddEventSetters`](crate::AddEventSetters), ...; `use
/// tgtrack_client::prelude::*;`), `.retry_unsafe()` and
/// `.max_rate_wait(..)` are per-call options, and `.send().await` (or `.await`) validates the
/// input and sends it.
///
/// Debug prints the core settings (base URL, quotas, timeouts), never the key.
#[derive(Clone, Debug)]
pub struct Client(ClientHandle);

impl HandleClient for Client {
    const PROVIDER: &'static str = PROVIDER;
    type Settings = ();

    fn handle(&self) -> &ClientHandle {
        &self.0
    }
}

impl Client {
    /// Starts configuring a client for this API key (the `API_KEY` segment of the URL TGTrack
    /// gives for a bot or a channel).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tgtrack::TgtrackFake::new());
    /// # fake.add_key("YOUR_API_KEY", tg_mock::tgtrack::Mode::Production);
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// use std::time::Duration;
    ///
    /// use tgtrack_client::Client;
    /// use tgtrack_client::prelude::*;
    ///
    /// let client = Client::builder("YOUR_API_KEY")
    ///     .max_rate_wait(Duration::from_secs(2))
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    ///     .build()?;
    /// client.user_did_start_bot(987_654_321, "John").start_value("ref-42").send().await?;
    /// # assert!(fake.user("YOUR_API_KEY", "987654321").is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(key.into())
    }

    /// `on_telegram_webhook`: forwards a Telegram update exactly as the bot received it (full
    /// integration). See [`Client::forward_if_tracked`] to forward only what TGTrack needs.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tgtrack::TgtrackFake::new());
    /// # fake.add_key("YOUR_API_KEY", tg_mock::tgtrack::Mode::Production);
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tgtrack_client::Client::builder("YOUR_API_KEY")
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// use tgtrack_client::RawUpdate;
    ///
    /// // The body of the webhook request Telegram sent, not parsed and serialized again.
    /// let body = bytes::Bytes::from_static(br#"{"update_id":5,"message":{"message_id":9,
    ///     "from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},
    ///     "chat":{"id":7123456789,"type":"private"},"date":1700000000,"text":"hi"}}"#);
    /// client.on_telegram_webhook(RawUpdate::new(body.clone())?).send().await?;
    /// # assert_eq!(fake.forwarded("YOUR_API_KEY")[0].body, body);
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_telegram_webhook(&self, update: RawUpdate) -> RequestBuilder<OnTelegramWebhook> {
        self.request(OnTelegramWebhook::new(update))
    }

    /// `my_bot_was_started` (limited integration): the bot was started with this `start`
    /// parameter; `""` for none, [`StartValue::AutoDetect`] (or `"auto_detect"`) when the bot
    /// builder cannot read it.
    pub fn my_bot_was_started(
        &self,
        start_value: impl Into<StartValue>,
    ) -> RequestBuilder<MyBotWasStarted> {
        self.request(MyBotWasStarted::new(start_value))
    }

    /// `my_bot_was_stopped`: this user blocked the bot (dated now by the server unless
    /// [`MyBotWasStoppedSetters::date`](crate::MyBotWasStoppedSetters::date) is set).
    pub fn my_bot_was_stopped(&self, user_id: i64) -> RequestBuilder<MyBotWasStopped> {
        self.request(MyBotWasStopped::new(user_id))
    }

    /// `my_bothelp_was_started`: forwards BotHelp's subscriber webhook as received.
    pub fn my_bothelp_was_started(&self, payload: RawJson) -> RequestBuilder<MyBothelpWasStarted> {
        self.request(MyBothelpWasStarted::new(payload))
    }

    /// `win_win_was_started`: forwards Win Win Bot's new-subscriber webhook as received.
    pub fn win_win_was_started(&self, payload: RawJson) -> RequestBuilder<WinWinWasStarted> {
        self.request(WinWinWasStarted::new(payload))
    }

    /// `sambot_on_tg_webhook`: forwards a Telegram update wrapped as `{"webhook": ...}`, the
    /// update's bytes kept exactly as given.
    pub fn sambot_on_tg_webhook(&self, update: RawUpdate) -> RequestBuilder<SambotForward> {
        self.request(SambotForward::new(update))
    }

    /// `on_toolsy_event`: forwards a toolsy payment event as received.
    pub fn on_toolsy_event(&self, payload: RawJson) -> RequestBuilder<OnToolsyEvent> {
        self.request(OnToolsyEvent::new(payload))
    }

    /// `on_send_pulse_event`: forwards a SendPulse bot event as received.
    pub fn on_send_pulse_event(&self, payload: RawJson) -> RequestBuilder<OnSendPulseEvent> {
        self.request(OnSendPulseEvent::new(payload))
    }

    /// `user_did_start_bot`: this user started the bot (for builders that give the user's data
    /// but not Telegram's update).
    pub fn user_did_start_bot(
        &self,
        user_id: i64,
        first_name: impl Into<String>,
    ) -> RequestBuilder<UserDidStartBot> {
        self.request(UserDidStartBot::new(user_id, first_name))
    }

    /// `send_reach_goal`: this user reached this goal; TGTrack forwards it to the ad system the
    /// user came from (within 21 days of the start).
    pub fn send_reach_goal(
        &self,
        user_id: i64,
        target: impl Into<String>,
    ) -> RequestBuilder<SendReachGoal> {
        self.request(SendReachGoal::new(user_id, target))
    }

    /// `add_event`: a funnel event of this type about this user; result, date, amount,
    /// conversion target and labels are optional setters.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tgtrack::TgtrackFake::new());
    /// # fake.add_key("YOUR_API_KEY", tg_mock::tgtrack::Mode::Production);
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tgtrack_client::Client::builder("YOUR_API_KEY")
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// use tgtrack_client::prelude::*;
    /// use tgtrack_client::{Decimal, EventResult};
    ///
    /// client
    ///     .add_event(987_654_321, "sale")
    ///     .result(EventResult::Success)
    ///     .amount(Decimal::new(150_000, 2)) // 1500.00, sent as written
    ///     .label("product", "course")
    ///     .send()
    ///     .await?;
    /// # assert_eq!(fake.accepted_events("YOUR_API_KEY").len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_event(
        &self,
        user_id: i64,
        event_type: impl Into<String>,
    ) -> RequestBuilder<AddEvent> {
        self.request(AddEvent::new(user_id, event_type))
    }

    /// `get_user_info`: what TGTrack knows about this user. The only idempotent method: retried
    /// after a timeout, a reset or a 5xx.
    ///
    /// An unknown user is an error ([`TgtrackErrorExt::tgtrack_code`](crate::TgtrackErrorExt::tgtrack_code) gives
    /// `ResourceNotFound`), so `data` is set whenever the call succeeds.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tgtrack::TgtrackFake::new());
    /// # fake.add_key("YOUR_API_KEY", tg_mock::tgtrack::Mode::Production);
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tgtrack_client::Client::builder("YOUR_API_KEY")
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// use tgtrack_client::prelude::*;
    /// use tgtrack_client::{ErrorCode, TgtrackErrorExt};
    ///
    /// client.user_did_start_bot(987_654_321, "John").start_value("ref-42").send().await?;
    /// let user = client.get_user_info(987_654_321).send().await?.data;
    /// assert_eq!(user.map(|u| u.invite_link).as_deref(), Some("ref-42"));
    ///
    /// let unknown = client.get_user_info(5).send().await.unwrap_err();
    /// assert_eq!(unknown.tgtrack_code(), Some(ErrorCode::ResourceNotFound));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_user_info(&self, user_id: i64) -> RequestBuilder<GetUserInfo> {
        self.request(GetUserInfo::new(user_id))
    }

    /// Sends a request built elsewhere (`AddEvent::new(..).amount(..)`, with the setters of
    /// the [`prelude`](crate::prelude)).
    pub fn request<O: Operation<Client = Client>>(&self, operation: O) -> RequestBuilder<O> {
        RequestBuilder::new(self.clone(), operation)
    }

    /// Forwards a raw Telegram update with `on_telegram_webhook` only when TGTrack needs it (a
    /// private `/start`, a block or an unblock; see [`crate::is_tracked_update`]), so the
    /// daily quota goes to what counts.
    ///
    /// `Ok(None)` when the update is not one TGTrack needs (nothing is sent); `Ok(Some(answer))`
    /// when it was forwarded. Bytes that are not a JSON object fail with
    /// [`tg_common::ErrorKind::InvalidInput`] and nothing is sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = std::sync::Arc::new(tg_mock::tgtrack::TgtrackFake::new());
    /// # fake.add_key("YOUR_API_KEY", tg_mock::tgtrack::Mode::Production);
    /// # let server = tg_mock::MockServer::start(fake.clone()).await?;
    /// # let client = tgtrack_client::Client::builder("YOUR_API_KEY")
    /// #   .core(|c| c.with_loopback_url(server.base_url()))
    /// #   .build()?;
    /// // The body of a Telegram update, as the bot received it.
    /// let start = br#"{"update_id":1,"message":{"message_id":2,
    ///     "from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},
    ///     "chat":{"id":7123456789,"type":"private"},"date":1700000000,"text":"/start ref-42"}}"#;
    /// assert!(client.forward_if_tracked(start).await?.is_some()); // sent byte for byte
    ///
    /// let chatter = br#"{"update_id":2,"message":{"message_id":3,
    ///     "from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},
    ///     "chat":{"id":7123456789,"type":"private"},"date":1700000001,"text":"hello"}}"#;
    /// assert!(client.forward_if_tracked(chatter).await?.is_none()); // nothing sent
    /// # assert_eq!(&fake.forwarded("YOUR_API_KEY")[0].body[..], &start[..]);
    /// # assert_eq!(fake.forwarded("YOUR_API_KEY").len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn forward_if_tracked(
        &self,
        raw: &[u8],
    ) -> Result<Option<OkAnswer<serde_json::Value>>, Error> {
        let update = RawUpdate::try_from(raw)
            .map_err(|e| e.with_context(PROVIDER, OnTelegramWebhook::NAME))?;
        if update.tracked_kind().is_none() {
            return Ok(None);
        }
        self.on_telegram_webhook(update).send().await.map(Some)
    }
}
