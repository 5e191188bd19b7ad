//! The webhook's secret token (`setWebhook`'s `secret_token`, sent back by Telegram in
//! `X-Telegram-Bot-Api-Secret-Token`): its format, and the constant-time check of a request.

use http::HeaderMap;
use subtle::ConstantTimeEq;
use tg_common::KeyFormat;
use tg_common::inbound::one_header;
use tg_common::{Error, Secret};

/// The header Telegram sends the secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// `setWebhook` accepts 1 to 256 characters of `A-Z a-z 0-9 _ -`.
const SECRET_FORMAT: KeyFormat = KeyFormat {
    what: "webhook secret token",
    max_len: 256,
    punctuation: b"_-",
};

/// Checks a secret token's format; the error never names it.
pub(crate) fn check_format(secret: &Secret) -> Result<(), Error> {
    SECRET_FORMAT.check(secret)
}

/// Whether `headers` carry exactly one secret-token header equal to `secret`. The comparison
/// takes the same time wherever the first differing byte is (a different length is refused
/// without comparing).
pub(crate) fn matches(headers: &HeaderMap, secret: &Secret) -> bool {
    one_header(headers, SECRET_HEADER)
        .is_ok_and(|value| bool::from(value.as_bytes().ct_eq(secret.expose().as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(SECRET_HEADER, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_one_exactly_equal_header_matches() {
        let s = Secret::new("s3cret_token-1");
        assert!(matches(&headers(&["s3cret_token-1"]), &s));
        for bad in [
            &[][..],
            &["s3cret_token-2"],
            &["s3cret_token-"],
            &["s3cret_token-11"],
            &["S3CRET_TOKEN-1"],
            &["s3cret_token-1", "s3cret_token-1"],
        ] {
            assert!(!matches(&headers(bad), &s), "{bad:?}");
        }
    }

    #[test]
    fn the_format_is_the_one_set_webhook_accepts() {
        assert!(check_format(&Secret::new("a-Z_9")).is_ok());
        for bad in ["", "has space", "dot.", &"x".repeat(257)] {
            let err = check_format(&Secret::new(bad)).unwrap_err();
            assert!(!err.to_string().contains("has space"));
        }
    }
}
