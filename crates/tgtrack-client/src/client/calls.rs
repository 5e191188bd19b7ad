//! What every method shares: the per-call options, the `Call` handed to the core, and the
//! decoder of TGTrack's envelope.

use bytes::Bytes;
use serde::de::DeserializeOwned;
pub(super) use tg_common::CallOptions;
use tg_common::transport::{RequestPath, Target};
use tg_common::{Call, Error, Idempotency, Secret};

use super::Client;
use crate::PROVIDER;
use crate::envelope::{self, OkAnswer};
use crate::method::ApiMethod;

/// Attaches the provider and method to an error raised before anything was sent.
pub(super) fn local(error: Error, method: ApiMethod) -> Error {
    error.with_context(PROVIDER, method.as_str())
}

impl Client {
    /// Sends `body` to `method` and decodes the envelope.
    pub(super) async fn execute<T: DeserializeOwned>(
        &self,
        method: ApiMethod,
        body: Bytes,
        options: CallOptions,
    ) -> Result<OkAnswer<T>, Error> {
        let position = ApiMethod::ALL.iter().position(|m| *m == method);
        let path: Target = match position.and_then(|i| self.inner.paths.get(i)) {
            Some(prepared) => prepared.clone().into(),
            None => method_path(&self.inner.key, method).into(),
        };
        let idempotency = if method.is_idempotent() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        let call = Call::new(method.as_str(), http::Method::POST, path)
            .json_body(body)
            .idempotency(idempotency)
            .with_options(options);
        self.inner
            .core
            .execute(call, move |answer| decode_answer(method, &answer))
            .await
    }
}

/// `/v1/{API_KEY}/{method}`.
pub(super) fn method_path(key: &Secret, method: ApiMethod) -> RequestPath {
    RequestPath::new()
        .segment("v1")
        .secret(key)
        .segment(method.as_str())
}

/// The envelope decoder with the `Retry-After` header; a `get_user_info` answer without `data`
/// is a decode error, so its [`OkAnswer::data`] is always set.
fn decode_answer<T: DeserializeOwned>(
    method: ApiMethod,
    answer: &tg_common::Response,
) -> Result<OkAnswer<T>, Error> {
    let decoded =
        envelope::decode_with_retry_after(answer.status, &answer.body, answer.retry_after())?;
    if method.answers_with_data() && decoded.data.is_none() {
        return Err(Error::decode(
            answer.status,
            "data",
            "the answer carries no `data`",
            &answer.body,
        ));
    }
    Ok(decoded)
}
