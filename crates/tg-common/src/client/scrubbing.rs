//! The scrubbing hook of every call: the key is taken out of each response body before the
//! provider's decoder sees it, and out of each error the decoder returns (it may have
//! un-escaped or built text that holds the key). [`KeyScrubber`] does the finding.

use bytes::Bytes;

use super::RawResponse;
use crate::error::Error;
use crate::scrub::KeyScrubber;

/// The answer as the decoder receives it: its body with every echo of the key masked.
#[inline]
pub(super) fn answer(
    scrubber: &KeyScrubber,
    parts: http::response::Parts,
    body: Bytes,
) -> RawResponse {
    RawResponse {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: scrubber.scrub(body),
    }
}

/// Runs `decode` on a scrubbed answer; the error it returns is scrubbed again. Returns the
/// status beside the decoded value.
#[inline]
pub(super) fn decode<T, D>(
    scrubber: &KeyScrubber,
    response: RawResponse,
    decode: &D,
) -> Result<(u16, T), Error>
where
    D: Fn(RawResponse) -> Result<T, Error>,
{
    let status = response.status;
    decode(response)
        .map(|v| (status, v))
        .map_err(|e| scrubber.scrub_error(e))
}
