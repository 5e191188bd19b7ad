//! `getUpdates` as a [`tg_common::Operation`] of the bot's Telegram client: the poller sends it
//! through `tg-common`'s request builder like every TGTrack call.

use std::sync::Arc;

use bytes::Bytes;
use tg_common::operation::PathTable;
use tg_common::{Core, Error, Idempotency, Operation, OperationPath, ProviderClient, RawResponse};

use super::answer::{self, PolledUpdate};
use super::builder::TELEGRAM;

/// The bot's Telegram client: the core (the token a secret path segment) and its one path,
/// `/bot{TOKEN}/getUpdates`.
#[derive(Clone)]
pub(crate) struct TelegramBot {
    inner: Arc<(Core, PathTable)>,
}

impl TelegramBot {
    pub(crate) fn new(core: Core, paths: PathTable) -> Self {
        TelegramBot {
            inner: Arc::new((core, paths)),
        }
    }
}

impl ProviderClient for TelegramBot {
    const PROVIDER: &'static str = TELEGRAM;

    fn core(&self) -> &Core {
        &self.inner.0
    }

    fn paths(&self) -> &PathTable {
        &self.inner.1
    }
}

/// The entries of the bot's path table: 0 `getUpdates`.
pub(crate) const PATHS: [&str; 1] = ["getUpdates"];

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

    fn name(&self) -> &'static str {
        "getUpdates"
    }

    fn method(&self) -> http::Method {
        http::Method::POST
    }

    /// Reading updates changes nothing but the confirmed offset, which the same call repeats.
    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }

    fn path(&self) -> OperationPath {
        OperationPath::Fixed(0)
    }

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
