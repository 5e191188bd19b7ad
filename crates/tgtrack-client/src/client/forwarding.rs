//! Request builders of the forwarding methods: the caller's bytes go out exactly as given
//! (already checked to be well-formed JSON when the [`RawUpdate`] or [`RawJson`] was made).

use std::time::Duration;

use tg_common::Error;

use super::Client;
use super::calls::CallOptions;
use crate::envelope::OkAnswer;
use crate::forward::{RawJson, RawUpdate, SambotEncoding, sambot_body};
use crate::method::ApiMethod;

/// A forwarded payload (`on_telegram_webhook` or a builder webhook), ready to send with
/// [`ForwardBuilder::send`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send().await`"]
pub struct ForwardBuilder {
    client: Client,
    method: ApiMethod,
    payload: RawJson,
    options: CallOptions,
}

impl ForwardBuilder {
    pub(super) fn new(client: Client, method: ApiMethod, payload: RawJson) -> Self {
        ForwardBuilder {
            client,
            method,
            payload,
            options: CallOptions::default(),
        }
    }

    /// The method the payload goes to.
    pub fn method(&self) -> ApiMethod {
        self.method
    }

    /// The body as it will be sent: the caller's bytes.
    pub fn payload(&self) -> &[u8] {
        self.payload.as_bytes()
    }

    /// Allows retrying this call after an ambiguous failure (a timeout, a reset connection, a
    /// 500 or 503): TGTrack may then count the start or stop twice.
    pub fn retry_unsafe(mut self) -> Self {
        self.options.retry_unsafe = true;
        self
    }

    /// This call's maximum wait for the rate limiter, instead of the client's.
    pub fn max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.options.max_rate_wait = Some(max_wait);
        self
    }

    /// Sends the payload byte for byte.
    pub async fn send(self) -> Result<OkAnswer<serde_json::Value>, Error> {
        self.client
            .execute(self.method, self.payload.bytes(), self.options)
            .await
    }
}

/// `sambot_on_tg_webhook`, ready to send with [`SambotBuilder::send`]: the update wrapped as
/// `{"webhook": ...}` by concatenating bytes, so the update inside stays as given.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send().await`"]
pub struct SambotBuilder {
    client: Client,
    update: RawUpdate,
    encoding: SambotEncoding,
    options: CallOptions,
}

impl SambotBuilder {
    pub(super) fn new(client: Client, update: RawUpdate) -> Self {
        SambotBuilder {
            client,
            update,
            encoding: SambotEncoding::default(),
            options: CallOptions::default(),
        }
    }

    /// How the update is carried in `webhook` (default: [`SambotEncoding::Object`], the
    /// update's bytes embedded verbatim).
    pub fn encoding(mut self, encoding: SambotEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The body as it will be sent.
    pub fn payload(&self) -> bytes::Bytes {
        sambot_body(&self.update, self.encoding)
    }

    /// Allows retrying this call after an ambiguous failure (a timeout, a reset connection, a
    /// 500 or 503): TGTrack may then count the start or stop twice.
    pub fn retry_unsafe(mut self) -> Self {
        self.options.retry_unsafe = true;
        self
    }

    /// This call's maximum wait for the rate limiter, instead of the client's.
    pub fn max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.options.max_rate_wait = Some(max_wait);
        self
    }

    /// Sends the wrapped update.
    pub async fn send(self) -> Result<OkAnswer<serde_json::Value>, Error> {
        let body = self.payload();
        self.client
            .execute(ApiMethod::SambotOnTgWebhook, body, self.options)
            .await
    }
}
