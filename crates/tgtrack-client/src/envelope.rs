//! TGTrack's response envelope: `{"status": "OK", "mode": ..., "data": ...}` on success,
//! `{"status": "error", "error_code": ..., "error_description": ..., "error_details": ...}`
//! on failure.
//!
//! [`decode`] turns an HTTP status and body into an [`OkAnswer`] or a [`tg_common::Error`]:
//! - `"status": "OK"` with a 2xx status: an [`OkAnswer`]; `data` decoded as `T`.
//! - `"status": "error"`: an [`ErrorKind::Api`](tg_common::ErrorKind::Api) holding a
//!   [`TgtrackApiError`], with the code's retry safety (429 always, 500/503 if idempotent).
//!   Its status is the HTTP status, except that an error envelope in a 2xx answer reports its
//!   `error_code` (when it is an HTTP error status), so retry and rate-limit logic see a 429.
//! - A body that starts like a JSON object but is malformed: a `Decode` error naming what is
//!   wrong (this is what TGTrack's own error example, which lacks a comma, gives).
//! - Anything else (HTML from a proxy, an empty body, JSON without `status`): `Http` for a
//!   non-2xx status, `Decode` for a 2xx one.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tg_common::Error;

use crate::error::{ErrorCode, TgtrackApiError};
use crate::model::Mode;

/// A successful answer (`"status": "OK"`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OkAnswer<T> {
    /// `data`, when the answer carries one.
    pub data: Option<T>,
    /// `mode`: whether the key is a production or a sandbox key, when the answer says.
    pub mode: Option<Mode>,
}

impl<T> OkAnswer<T> {
    /// Whether the answering key is a sandbox key.
    pub fn is_sandbox(&self) -> bool {
        self.mode.as_ref().is_some_and(Mode::is_sandbox)
    }
}

/// Just the `status` field, to tell the two envelopes apart.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    status: Option<String>,
}

/// A success envelope, read in one pass.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct OkEnvelope<T> {
    status: IsOk,
    #[serde(default)]
    data: Option<T>,
    #[serde(default)]
    mode: Option<Mode>,
}

/// Whether `status` reads `OK` (in any case), decided without copying the string.
struct IsOk(bool);

impl<'de> Deserialize<'de> for IsOk {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StatusVisitor;
        impl serde::de::Visitor<'_> for StatusVisitor {
            type Value = IsOk;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a status string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IsOk, E> {
                Ok(IsOk(v.eq_ignore_ascii_case("ok")))
            }
        }
        d.deserialize_str(StatusVisitor)
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    mode: Option<Mode>,
    #[serde(default)]
    error_code: Option<CodeOnWire>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_details: Option<serde_json::Value>,
}

/// `error_code` as an integer, or a string holding one.
#[derive(Deserialize)]
#[serde(untagged)]
enum CodeOnWire {
    Number(i64),
    Text(String),
}

impl CodeOnWire {
    fn code(&self) -> Option<i64> {
        match self {
            CodeOnWire::Number(n) => Some(*n),
            CodeOnWire::Text(s) => s.trim().parse().ok(),
        }
    }
}

/// Decodes a TGTrack answer; see the [module docs](self) for the rules. `retry_after` is the
/// `Retry-After` the transport read from the headers, kept in any error.
pub fn decode<T: DeserializeOwned>(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<OkAnswer<T>, Error> {
    let is_success = (200..300).contains(&status);
    let not_an_envelope = |path: &str, message: &str| {
        if is_success {
            Error::decode(status, path, message, body)
        } else {
            Error::http(status, body, retry_after)
        }
    };
    // The common case in one pass: an OK answer whose `data` fits `T`. Anything else is decided
    // by the rules below, which read `status` first.
    if is_success {
        if let Ok(whole) = serde_json::from_slice::<OkEnvelope<T>>(body) {
            if whole.status.0 {
                return Ok(OkAnswer {
                    data: whole.data,
                    mode: whole.mode,
                });
            }
        }
    }
    let probe = match serde_json::from_slice::<Probe>(body) {
        Ok(probe) => probe,
        Err(_) if starts_like_object(body) => {
            // A broken TGTrack envelope: name what is wrong and where.
            return Err(match tg_common::json::decode::<Probe>(status, body) {
                Err(e) => e,
                Ok(_) => Error::decode(status, ".", "not a TGTrack envelope", body),
            });
        }
        Err(_) => return Err(not_an_envelope(".", "not a JSON object")),
    };
    let Some(envelope_status) = probe.status else {
        return Err(not_an_envelope("status", "missing field `status`"));
    };
    if envelope_status.eq_ignore_ascii_case("ok") {
        if !is_success {
            return Err(Error::http(status, body, retry_after));
        }
        let ok: OkEnvelope<T> = tg_common::json::decode(status, body)?;
        return Ok(OkAnswer {
            data: ok.data,
            mode: ok.mode,
        });
    }
    if envelope_status.eq_ignore_ascii_case("error") {
        let envelope: ErrorEnvelope = tg_common::json::decode(status, body)?;
        return Err(api_error(status, envelope, retry_after));
    }
    Err(not_an_envelope(
        "status",
        &format!("unexpected status `{envelope_status}` (expected \"OK\" or \"error\")"),
    ))
}

fn api_error(status: u16, envelope: ErrorEnvelope, retry_after: Option<Duration>) -> Error {
    let code = match envelope.error_code.as_ref().and_then(CodeOnWire::code) {
        Some(code) => ErrorCode::from_code(code),
        None => ErrorCode::from_code(i64::from(status)),
    };
    let reported = u16::try_from(code.code())
        .ok()
        .filter(|c| (400..600).contains(c));
    let effective_status = match reported {
        Some(c) if (200..300).contains(&status) => c,
        _ => status,
    };
    let safety = if effective_status == 429 {
        tg_common::RetrySafety::Always
    } else {
        code.retry_safety()
    };
    let details = match envelope.error_details {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    let description = envelope
        .error_description
        .unwrap_or_else(|| code.description().to_owned());
    let detail = TgtrackApiError {
        code,
        description,
        details,
        mode: envelope.mode,
    };
    Error::api(effective_status, safety, retry_after, detail)
}

fn starts_like_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_common::{ErrorKind, RetrySafety};

    fn api(e: &Error) -> &TgtrackApiError {
        e.api_detail::<TgtrackApiError>()
            .unwrap_or_else(|| panic!("not an API error: {e:?}"))
    }

    #[test]
    fn ok_without_data_reports_the_mode() {
        let r: OkAnswer<serde_json::Value> =
            decode(200, br#"{"status":"OK","mode":"sandbox"}"#, None).unwrap();
        assert_eq!(r.data, None);
        assert_eq!(r.mode, Some(Mode::Sandbox));
        assert!(r.is_sandbox());
        let r: OkAnswer<serde_json::Value> = decode(200, br#"{"status":"OK"}"#, None).unwrap();
        assert_eq!(r.mode, None);
        assert!(!r.is_sandbox());
    }

    #[test]
    fn status_is_read_in_any_case_and_with_escapes() {
        for body in [
            r#"{"status":"ok","data":5}"#,
            r#"{"data":5,"status":"Ok"}"#,
            r#"{"status":"\u004fK","data":5}"#,
        ] {
            let r: OkAnswer<i64> = decode(200, body.as_bytes(), None).unwrap();
            assert_eq!(r.data, Some(5), "{body}");
        }
        // An error envelope that also carries a `data` of the right type is still an error.
        let body = br#"{"status":"error","data":5,"error_code":403}"#;
        assert_eq!(
            decode::<i64>(200, body, None).unwrap_err().status(),
            Some(403)
        );
        // A `status` that is not a string is not an envelope.
        assert!(decode::<i64>(200, br#"{"status":1,"data":5}"#, None).is_err());
    }

    #[test]
    fn data_decode_errors_name_the_path_under_data() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct D {
            n: i64,
        }
        let e = decode::<D>(200, br#"{"status":"OK","data":{"n":"x"}}"#, None).unwrap_err();
        match e.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "data.n"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn error_envelope_becomes_a_typed_api_error() {
        let body = br#"{"status":"error","mode":"sandbox","error_code":401,"error_description":"Invalid token","error_details":"Token was invalidated"}"#;
        let e = decode::<serde_json::Value>(401, body, None).unwrap_err();
        assert_eq!(e.status(), Some(401));
        assert_eq!(e.retry_safety(), RetrySafety::Never);
        let d = api(&e);
        assert_eq!(d.code, ErrorCode::InvalidToken);
        assert_eq!(d.description, "Invalid token");
        assert_eq!(d.details.as_deref(), Some("Token was invalidated"));
        assert_eq!(d.mode, Some(Mode::Sandbox));
    }

    #[test]
    fn rate_limit_envelope_is_always_retryable_and_counts_as_rate_limited() {
        let body =
            br#"{"status":"error","error_code":429,"error_description":"Too many requests"}"#;
        let e = decode::<serde_json::Value>(429, body, Some(Duration::from_secs(1))).unwrap_err();
        assert_eq!(e.retry_safety(), RetrySafety::Always);
        assert!(e.is_rate_limited());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        // The same envelope in a 200 answer still reads as a 429.
        let e = decode::<serde_json::Value>(200, body, None).unwrap_err();
        assert_eq!(e.status(), Some(429));
        assert!(e.is_rate_limited());
        assert_eq!(e.retry_safety(), RetrySafety::Always);
    }

    #[test]
    fn server_errors_are_retryable_only_if_idempotent() {
        for code in [500, 503] {
            let body = format!(r#"{{"status":"error","error_code":{code}}}"#);
            let e = decode::<serde_json::Value>(code, body.as_bytes(), None).unwrap_err();
            assert_eq!(e.retry_safety(), RetrySafety::IfIdempotent);
            let d = api(&e);
            assert_eq!(d.description, d.code.description());
        }
    }

    #[test]
    fn error_code_as_string_and_missing_code_are_tolerated() {
        let e = decode::<serde_json::Value>(
            422,
            br#"{"status":"error","error_code":"422","error_details":{"field":"user_id"}}"#,
            None,
        )
        .unwrap_err();
        let d = api(&e);
        assert_eq!(d.code, ErrorCode::UnprocessableEntity);
        assert_eq!(d.details.as_deref(), Some(r#"{"field":"user_id"}"#));
        let e = decode::<serde_json::Value>(404, br#"{"status":"error"}"#, None).unwrap_err();
        assert_eq!(api(&e).code, ErrorCode::MethodNotFound);
    }

    #[test]
    fn non_envelopes_are_http_errors_or_decode_errors() {
        let html = b"<html><body>502 Bad Gateway</body></html>";
        let e = decode::<serde_json::Value>(502, html, None).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Http { status: 502, .. }),
            "{e:?}"
        );
        assert_eq!(e.retry_safety(), RetrySafety::IfIdempotent);
        let e = decode::<serde_json::Value>(503, b"", None).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Http { status: 503, .. }),
            "{e:?}"
        );
        let e =
            decode::<serde_json::Value>(502, br#"{"message":"bad gateway"}"#, None).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Http { status: 502, .. }),
            "{e:?}"
        );
        let e = decode::<serde_json::Value>(200, b"", None).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Decode { status: 200, .. }),
            "{e:?}"
        );
        let e = decode::<serde_json::Value>(200, html, None).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Decode { .. }), "{e:?}");
        let e = decode::<serde_json::Value>(200, br#"{"ok":true}"#, None).unwrap_err();
        match e.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "status"),
            other => panic!("unexpected {other:?}"),
        }
        let e = decode::<serde_json::Value>(200, br#"{"status":"pending"}"#, None).unwrap_err();
        assert!(e.to_string().contains("unexpected status `pending`"), "{e}");
    }

    #[test]
    fn ok_envelope_with_an_error_status_is_an_http_error() {
        let e = decode::<serde_json::Value>(500, br#"{"status":"OK"}"#, None).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Http { status: 500, .. }),
            "{e:?}"
        );
    }
}
