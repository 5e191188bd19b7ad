//! The response envelope `{ok, request_id, method, path, code, description, result}` and the
//! rules that turn an HTTP answer into a result or an error.
//!
//! The document is inconsistent, so decoding is tolerant: `ok` is missing from several examples
//! (success is decided from the HTTP status and `code`), `code` 204 arrives with or without a
//! body, and unknown fields are ignored. A response is a success when the HTTP status is 2xx,
//! `code` (when present) is 2xx and `ok` (when present) is `true`.

use std::fmt;
use std::time::Duration;

use serde::de::{self, DeserializeOwned, IgnoredAny, Visitor};
use serde::{Deserialize, Deserializer};
use tg_common::Error;

use crate::error::TgmembershipApiError;

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<T> {
    /// The HTTP status.
    pub http_status: u16,
    /// The envelope's `code`, or the HTTP status when the body has none.
    pub code: u16,
    /// `ok`, when present.
    pub ok: Option<bool>,
    /// `request_id`, when present.
    pub request_id: Option<String>,
    /// `method` as the service echoes it (`"GET"`).
    pub method: Option<String>,
    /// `path` as the service echoes it (`"/orders?currency=usd"`).
    pub path: Option<String>,
    /// `description`, when present.
    pub description: Option<String>,
    /// `result`; `None` when absent or `null` (a 204, an empty body).
    pub result: Option<T>,
}

impl<T> Envelope<T> {
    /// The result, or a decode error at `result` when the answer carried none.
    pub fn into_result(self) -> Result<T, Error> {
        self.result.ok_or_else(|| {
            Error::decode(
                self.http_status,
                "result",
                "the response has no `result`",
                b"",
            )
        })
    }
}

/// The envelope as sent. `R` is `Option<T>` to decode `result`, or `Option<IgnoredAny>` to
/// read only the other fields.
#[derive(Deserialize)]
#[serde(bound = "R: Deserialize<'de> + Default")]
struct Wire<R> {
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default, deserialize_with = "lenient_code")]
    code: Option<u16>,
    #[serde(default, deserialize_with = "lenient_text")]
    request_id: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    description: Option<String>,
    #[serde(default)]
    result: R,
}

/// The envelope fields other than `result`.
type Head = Wire<Option<IgnoredAny>>;

impl<R> Wire<R> {
    /// Whether `code` and `ok` (when present) report success.
    fn reports_success(&self) -> bool {
        self.code.is_none_or(|c| (200..300).contains(&c)) && self.ok.unwrap_or(true)
    }
}

impl<T> Wire<Option<T>> {
    fn into_envelope(self, http_status: u16) -> Envelope<T> {
        Envelope {
            http_status,
            code: self.code.unwrap_or(http_status),
            ok: self.ok,
            request_id: self.request_id,
            method: self.method,
            path: self.path,
            description: self.description,
            result: self.result,
        }
    }
}

/// Decodes an answer with this HTTP status and body, attaching `retry_after` (from the
/// Retry-After header, `None` when absent) to an error.
///
/// * Success: the typed envelope; a `result` that does not fit `T` is a decode error naming
///   its JSON path (`result[3].amount`).
/// * The service's error envelope: [`Error::api`] holding a [`TgmembershipApiError`], with
///   retry safety from the code (429 always, 5xx if idempotent, else never).
/// * A non-2xx answer that is not an envelope (an HTML page, a proxy's text): [`Error::http`].
pub fn decode<T: DeserializeOwned>(
    http_status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<Envelope<T>, Error> {
    let http_ok = (200..300).contains(&http_status);
    let blank = body.iter().all(u8::is_ascii_whitespace);

    if blank {
        return if http_ok {
            Ok(Envelope {
                http_status,
                code: http_status,
                ok: None,
                request_id: None,
                method: None,
                path: None,
                description: None,
                result: None,
            })
        } else {
            Err(Error::http(http_status, body, retry_after))
        };
    }

    // The common case in one pass: a success whose `result` fits `T`. Anything else is decided
    // by the rules below, which read the head first.
    if http_ok {
        if let Ok(whole) = serde_json::from_slice::<Wire<Option<T>>>(body) {
            if whole.reports_success() {
                return Ok(whole.into_envelope(http_status));
            }
        }
    }

    let head = match tg_common::json::decode::<Head>(http_status, body) {
        Ok(head) => head,
        Err(e) if http_ok => return Err(e),
        Err(_) => return Err(Error::http(http_status, body, retry_after)),
    };

    if !(http_ok && head.reports_success()) {
        if !http_ok && head.ok.is_none() && head.code.is_none() && head.description.is_none() {
            // JSON, but not this service's envelope (`{"message": "..."}` from a proxy).
            return Err(Error::http(http_status, body, retry_after));
        }
        let code = match head.code {
            Some(c) if !(200..300).contains(&c) && (100..600).contains(&c) => c,
            _ => http_status,
        };
        return Err(Error::api(
            code,
            tg_common::status_safety(code),
            retry_after,
            TgmembershipApiError {
                code,
                description: head.description,
                request_id: head.request_id,
            },
        ));
    }

    // The head is fine, so `result` did not fit `T`: this pass names where.
    tg_common::json::decode::<Wire<Option<T>>>(http_status, body)
        .map(|whole| whole.into_envelope(http_status))
}

/// `code` as a number or a numeric string.
fn lenient_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    struct CodeVisitor;
    impl<'de> Visitor<'de> for CodeVisitor {
        type Value = Option<u16>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a status code as a number or a numeric string")
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            u16::try_from(n)
                .map(Some)
                .map_err(|_| E::custom(format!("`code` {n} is not a status code")))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            u16::try_from(n)
                .map(Some)
                .map_err(|_| E::custom(format!("`code` {n} is not a status code")))
        }
        fn visit_str<E: de::Error>(self, t: &str) -> Result<Self::Value, E> {
            t.trim()
                .parse()
                .map(Some)
                .map_err(|_| E::custom(format!("`code` {t:?} is not a status code")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(CodeVisitor)
}

/// A string field that may also arrive as an integer (`request_id`).
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct TextVisitor;
    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an integer")
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n.to_string()))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            Ok(Some(n.to_string()))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(s.to_owned()))
        }
        fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
            Ok(Some(s))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(TextVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_common::{ErrorKind, RetrySafety};

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        n: i64,
    }

    /// An answer without a Retry-After.
    fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<Envelope<T>, Error> {
        super::decode(status, body, None)
    }

    fn api(e: &Error) -> &TgmembershipApiError {
        e.api_detail::<TgmembershipApiError>().unwrap()
    }

    #[test]
    fn success_without_ok_is_decided_from_code_and_status() {
        let body =
            br#"{"request_id":"1","method":"POST","path":"/bot","code":201,"result":{"n":5}}"#;
        let env = decode::<Item>(201, body).unwrap();
        assert_eq!(env.result, Some(Item { n: 5 }));
        assert_eq!(env.code, 201);
        assert_eq!(env.ok, None);
        assert_eq!(env.request_id.as_deref(), Some("1"));
        assert_eq!(env.path.as_deref(), Some("/bot"));
    }

    #[test]
    fn code_204_with_and_without_body() {
        let with = decode::<Item>(200, br#"{"ok":true,"code":204}"#).unwrap();
        assert_eq!(with.code, 204);
        assert_eq!(with.result, None);
        let empty = decode::<Item>(204, b"").unwrap();
        assert_eq!(empty.code, 204);
        assert_eq!(empty.result, None);
        assert!(empty.into_result().is_err());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let body = br#"{"ok":true,"code":200,"extra":[1,2],"result":{"n":1,"more":"x"}}"#;
        assert_eq!(
            decode::<Item>(200, body).unwrap().result,
            Some(Item { n: 1 })
        );
    }

    #[test]
    fn bad_result_names_the_path() {
        let body = br#"{"ok":true,"code":200,"result":[{"n":1},{"n":"two"}]}"#;
        let err = decode::<Vec<Item>>(200, body).unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "result[1].n"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_json_success_is_a_decode_error() {
        let err = decode::<Item>(200, b"<html>").unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }));
    }

    #[test]
    fn error_envelopes_become_typed_api_errors() {
        let body = br#"{"ok":false,"request_id":"77","code":404,"description":"Member not found"}"#;
        let err = decode::<Item>(404, body).unwrap_err();
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.retry_safety(), RetrySafety::Never);
        let detail = api(&err);
        assert_eq!(detail.code, 404);
        assert_eq!(detail.description.as_deref(), Some("Member not found"));
        assert_eq!(detail.request_id.as_deref(), Some("77"));
    }

    #[test]
    fn ok_false_or_error_code_under_http_200_is_an_error() {
        let err =
            decode::<Item>(200, br#"{"ok":false,"code":400,"description":"bad"}"#).unwrap_err();
        assert_eq!(api(&err).code, 400);
        let err = decode::<Item>(200, br#"{"code":401}"#).unwrap_err();
        assert_eq!(api(&err).code, 401);
        let err = decode::<Item>(200, br#"{"ok":false}"#).unwrap_err();
        assert_eq!(api(&err).code, 200);
    }

    #[test]
    fn retry_safety_follows_the_code() {
        let e429 = super::decode::<Item>(
            429,
            br#"{"ok":false,"code":429}"#,
            Some(Duration::from_secs(3)),
        )
        .unwrap_err();
        assert_eq!(e429.retry_safety(), RetrySafety::Always);
        assert_eq!(e429.retry_after(), Some(Duration::from_secs(3)));
        let e502 = decode::<Item>(502, br#"{"ok":false,"code":502}"#).unwrap_err();
        assert_eq!(e502.retry_safety(), RetrySafety::IfIdempotent);
        let e501 = decode::<Item>(501, br#"{"ok":false,"code":501}"#).unwrap_err();
        assert_eq!(e501.retry_safety(), RetrySafety::Never);
        let e400 = decode::<Item>(400, br#"{"ok":false,"code":400}"#).unwrap_err();
        assert_eq!(e400.retry_safety(), RetrySafety::Never);
    }

    #[test]
    fn non_envelope_error_bodies_are_http_errors() {
        let err = decode::<Item>(502, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Http { status: 502, .. }));
        let err = decode::<Item>(503, b"").unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Http { status: 503, .. }));
        let err = decode::<Item>(429, br#"{"message":"Too many requests"}"#).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Http { status: 429, .. }));
        assert_eq!(err.retry_safety(), RetrySafety::Always);
    }

    #[test]
    fn lenient_code_and_request_id() {
        let env =
            decode::<Item>(200, br#"{"code":"200","request_id":42,"result":{"n":1}}"#).unwrap();
        assert_eq!(env.code, 200);
        assert_eq!(env.request_id.as_deref(), Some("42"));
        let err = decode::<Item>(200, br#"{"code":"abc"}"#).unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "code"),
            other => panic!("{other:?}"),
        }
    }
}
