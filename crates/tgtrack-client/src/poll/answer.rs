//! Decoding a `getUpdates` answer without re-serializing anything: each update is a slice of
//! the response body (its exact bytes), found with serde_json's `RawValue`.
//!
//! Success is HTTP 2xx with `"ok": true` and a `result` array of objects, each with an integer
//! `update_id`; any other 2xx is a decode error. An error answer
//! (`{"ok":false,"error_code":N,"description":...,"parameters":{"retry_after":S}}`) becomes
//! an [`ErrorKind::Api`](tg_common::ErrorKind::Api) holding a [`TelegramApiError`].

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;
use tg_common::{Error, status_safety};

use crate::forward::RawUpdate;

/// One update as `getUpdates` returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolledUpdate {
    /// Its `update_id`.
    pub update_id: i64,
    /// Its bytes, exactly as in Telegram's answer.
    pub raw: RawUpdate,
}

/// An error answer of the Bot API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramApiError {
    /// `error_code` (the HTTP status when absent).
    pub code: i64,
    /// `description` (`Unauthorized`, `Conflict: ...`).
    pub description: String,
    /// `parameters.retry_after`, seconds to wait before the next call.
    pub retry_after: Option<u64>,
}

impl fmt::Display for TelegramApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "telegram error {}: {}", self.code, self.description)
    }
}

impl std::error::Error for TelegramApiError {}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    ok: Option<bool>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

#[derive(Deserialize)]
struct UpdateId {
    update_id: i64,
}

/// Decodes an answer of `getUpdates`.
pub(crate) fn decode(answer: &tg_common::RawResponse) -> Result<Vec<PolledUpdate>, Error> {
    let status = answer.status;
    let body = &answer.body;
    let success = (200..300).contains(&status);
    let envelope = std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str::<Envelope<'_>>(text).ok());
    let Some(envelope) = envelope else {
        if success {
            return Err(Error::decode(status, ".", "not a Bot API answer", body));
        }
        return Err(Error::http(status, body, answer.retry_after()));
    };
    if !success || envelope.ok != Some(true) {
        if success && envelope.ok.is_none() {
            return Err(Error::decode(status, "ok", "missing", body));
        }
        let retry_after = envelope.parameters.as_ref().and_then(|p| p.retry_after);
        let code = envelope.error_code.unwrap_or(i64::from(status));
        let http = u16::try_from(code)
            .ok()
            .filter(|_| !success)
            .unwrap_or(status);
        let api = TelegramApiError {
            code,
            description: envelope.description.unwrap_or_default(),
            retry_after,
        };
        let retry_after = retry_after
            .map(Duration::from_secs)
            .or_else(|| answer.retry_after());
        return Err(Error::api(http, status_safety(http), retry_after, api));
    }
    let Some(result) = envelope.result else {
        return Err(Error::decode(status, "result", "missing", body));
    };
    let items: Vec<&RawValue> = serde_json::from_str(result.get())
        .map_err(|e| Error::decode(status, "result", format!("not an array: {e}"), body))?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let id: UpdateId = serde_json::from_str(raw.get()).map_err(|e| {
                Error::decode(
                    status,
                    format!("result[{i}].update_id"),
                    e.to_string(),
                    body,
                )
            })?;
            // A slice of the body itself: the update's bytes, not a copy re-encoded.
            let bytes = slice_of(body, raw.get().as_bytes());
            let raw = RawUpdate::new(bytes)
                .map_err(|e| Error::decode(status, format!("result[{i}]"), e.to_string(), body))?;
            Ok(PolledUpdate {
                update_id: id.update_id,
                raw,
            })
        })
        .collect()
}

/// `part` as a slice of `body` when it lies inside it (it always does here), else a copy.
fn slice_of(body: &Bytes, part: &[u8]) -> Bytes {
    let start = (part.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    if start <= body.len() && part.len() <= body.len() - start {
        body.slice(start..start + part.len())
    } else {
        Bytes::copy_from_slice(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_common::ErrorKind;

    fn answer(status: u16, body: &str) -> tg_common::RawResponse {
        tg_common::RawResponse {
            status,
            headers: http::HeaderMap::new(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn updates_are_the_exact_bytes_of_the_answer() {
        let one = "{ \"update_id\":7,\n\"message\":{\"text\":\"caf\\u00e9\",\"n\":123456789012345678901234567890,\"f\":1.50e3}}";
        let body =
            format!("{{\"ok\":true,\"result\":[{one} , {{\"update_id\":8,\"poll\":{{}}}}]}}");
        let got = decode(&answer(200, &body)).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].update_id, 7);
        assert_eq!(got[0].raw.as_str(), one);
        assert_eq!(got[1].raw.as_str(), "{\"update_id\":8,\"poll\":{}}");
        assert!(
            decode(&answer(200, "{\"ok\":true,\"result\":[]}"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_2xx_that_is_not_success_is_an_error() {
        for body in [
            "<html>",
            "{\"result\":[]}",
            "{\"ok\":true}",
            "{\"ok\":true,\"result\":{}}",
            "{\"ok\":true,\"result\":[{\"message\":{}}]}",
            "{\"ok\":true,\"result\":[1]}",
        ] {
            let e = decode(&answer(200, body)).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Decode { .. }),
                "{body}: {e:?}"
            );
        }
        let e = decode(&answer(
            200,
            "{\"ok\":false,\"error_code\":400,\"description\":\"x\"}",
        ))
        .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Api(_)), "{e:?}");
    }

    #[test]
    fn error_answers_are_typed_with_retry_after() {
        let e = decode(&answer(
            429,
            "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 5\",\"parameters\":{\"retry_after\":5}}",
        ))
        .unwrap_err();
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
        let api = e.api_detail::<TelegramApiError>().unwrap();
        assert_eq!(api.code, 429);
        let e = decode(&answer(
            401,
            "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}",
        ))
        .unwrap_err();
        assert_eq!(
            e.api_detail::<TelegramApiError>().unwrap().description,
            "Unauthorized"
        );
        assert!(!e.is_retryable());
        let e = decode(&answer(502, "<html>bad gateway</html>")).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Http { status: 502, .. }));
    }
}
