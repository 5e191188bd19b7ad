//! The first-party check: the `hash` field, an HMAC-SHA256 under a key derived from the bot
//! token.
//!
//! `secret_key = HMAC_SHA256(key = "WebAppData", message = bot_token)`, then
//! `hash = hex(HMAC_SHA256(key = secret_key, message = data_check_string))`, where the
//! data-check-string holds every field except `hash` (`signature` included).
//! Source: <https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app>.

use ring::hmac;
use tg_common::Secret;

use super::InitDataError;
use super::parse::{Fields, data_check_string, hex_digit};

/// The HMAC key derived from a bot token; the token itself is not kept.
#[derive(Clone)]
pub(crate) struct BotTokenKey(hmac::Key);

impl BotTokenKey {
    /// Derives the key `HMAC_SHA256(key = "WebAppData", message = token)`.
    pub(crate) fn derive(token: &Secret) -> Self {
        let web_app_data = hmac::Key::new(hmac::HMAC_SHA256, b"WebAppData");
        let secret_key = hmac::sign(&web_app_data, token.expose().as_bytes());
        BotTokenKey(hmac::Key::new(hmac::HMAC_SHA256, secret_key.as_ref()))
    }

    /// Checks the `hash` field against the other fields, in constant time.
    pub(crate) fn verify(&self, fields: &Fields) -> Result<(), InitDataError> {
        let hash = fields.get("hash").ok_or(InitDataError::MissingHash)?;
        let tag = decode_hex_32(hash).ok_or_else(|| {
            InitDataError::malformed("hash", "is not 64 hexadecimal digits (a SHA-256 HMAC)")
        })?;
        let message = data_check_string(fields, "", &["hash"]);
        hmac::verify(&self.0, message.as_bytes(), &tag).map_err(|_| InitDataError::BadHash)
    }
}

/// 64 hexadecimal digits as 32 bytes.
fn decode_hex_32(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
    }
    Some(out)
}
