//! What an answer to `GET /events/threshold` means: the caps, or an error.

use std::time::Duration;

use tg_common::retry::{is_retryable_status, status_safety};
use tg_common::{Error, RetrySafety};

use super::{Envelope, TgaApiError};
use crate::PROVIDER;
use crate::thresholds::EventThresholds;

/// The operation name of `GET /events/threshold` in error contexts.
pub const THRESHOLD_OPERATION: &str = "GET /events/threshold";

/// Maps an answer of `GET /events/threshold`: a 2xx with a JSON object of event names to
/// non-negative integers is the caps; another 2xx body is [`tg_common::ErrorKind::Decode`]
/// naming the entry that is not a count. 429 is [`TgaApiError::TooManyRequests`], a 5xx
/// [`TgaApiError::Server`] (both retryable: the call is idempotent), anything else
/// [`Error::http`]. Errors carry the context `tga` / `GET /events/threshold`.
pub fn map_threshold_response(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<EventThresholds, Error> {
    let context = |e: Error| e.with_context(PROVIDER, THRESHOLD_OPERATION);
    if (200..300).contains(&status) {
        return tg_common::json::decode(status, body).map_err(context);
    }
    let api = |safety, detail| Err(context(Error::api(status, safety, retry_after, detail)));
    match status {
        429 => api(RetrySafety::Always, TgaApiError::TooManyRequests),
        500..=599 if is_retryable_status(status) => {
            let message = serde_json::from_slice::<Envelope>(body)
                .ok()
                .and_then(|e| e.message);
            api(
                status_safety(status),
                TgaApiError::Server { status, message },
            )
        }
        _ => Err(context(Error::http(status, body, retry_after))),
    }
}

#[cfg(test)]
mod tests {
    use tg_common::ErrorKind;

    use super::*;
    use crate::event::EventName;

    #[test]
    fn a_2xx_object_of_counts_is_the_caps() {
        let t = map_threshold_response(200, br#"{"app-hide":3,"custom-event":0}"#, None).unwrap();
        assert_eq!(t.cap(&EventName::AppHide), Some(3));
        assert_eq!(t.cap(&EventName::CustomEvent), Some(0));
        assert!(map_threshold_response(200, b"{}", None).unwrap().is_empty());
    }

    #[test]
    fn a_bad_answer_names_what_was_wrong() {
        let err =
            map_threshold_response(200, br#"{"app-hide":3,"app-init":-1}"#, None).unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "app-init"),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.context().unwrap().operation, THRESHOLD_OPERATION);
        for body in [&b"<html>"[..], b"", b"[]"] {
            let err = map_threshold_response(200, body, None).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err}");
        }
        let err = map_threshold_response(503, b"", None).unwrap_err();
        assert!(err.is_retryable());
        assert!(matches!(
            err.api_detail::<TgaApiError>(),
            Some(TgaApiError::Server { status: 503, .. })
        ));
        let err = map_threshold_response(404, b"{}", None).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Http { status: 404, .. }));
    }
}
