//! `getUpdates` as a [`tg_common::Operation`] of the bot's Telegram client: the poller sends it
//! through `tg-common`'s request builder like every TGTrack call.

use std::sync::Arc;

use bytes::Bytes;
use tg_common::transport::RequestPath;
use tg_common::{Core, Error, Idempotency, Operation, ProviderClient, RawResponse};

use super::answer::{self, PolledUpdate};
use super::builder::TELEGRAM;

/// The bot's Telegram client: the core and the prefix `/bot{TOKEN}` (the token a secret path
/// segment) of its one path, `/bot{TOKEN}/getUpdates`.
#[derive(Clone)]
pub(crate) struct TelegramBot {
    inner: Arc<(Core, RequestPath)>,
}

impl TelegramBot {
    pub(crate) fn new(core: Core, prefix: RequestPath) -> Self {
        TelegramBot {
            inner: Arc::new((core, prefix)),
        }
    }
}

impl ProviderClient for TelegramBot {
    const PROVIDER: &'static str = TELEGRAM;

    fn core(&self) -> &Core {
        &self.inner.0
    }

    fn prefix(&self) -> &RequestPath {
        &self.inner.1
    }
}

/// One long-poll call: `offset` confirms what was handed on, `timeout` is the long-poll wait.
#[derive(Debug, Clone)]
pub(crate) struct GetUpdates {
    pub(crate) offset: Option<i64>,
    pub(crate) limit: u8,
    pub(crate) timeout_secs: u64,
    pub(crate) allowed_updates: Option<Vec<String>>,
}

impl Operation for GetUpdates {
    type Client = TelegramBot;
    type Output = Vec<PolledUpdate>;

    const NAME: &'static str = "getUpdates";
    const METHOD: http::Method = http::Method::POST;
    const PATH: &'static str = "getUpdates";
    /// Reading updates changes nothing but the confirmed offset, which the same call repeats.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;

    fn json_body(&self, _: &TelegramBot) -> Result<Option<Bytes>, Error> {
        let mut body = serde_json::Map::new();
        if let Some(offset) = self.offset {
            body.insert("offset".into(), offset.into());
        }
        body.insert("limit".into(), self.limit.into());
        body.insert("timeout".into(), self.timeout_secs.into());
        if let Some(kinds) = &self.allowed_updates {
            body.insert("allowed_updates".into(), kinds.clone().into());
        }
        Ok(Some(Bytes::from(
            serde_json::Value::Object(body).to_string(),
        )))
    }

    fn decode(&self, _: &TelegramBot, response: RawResponse) -> Result<Vec<PolledUpdate>, Error> {
        answer::decode(&response)
    }
}
