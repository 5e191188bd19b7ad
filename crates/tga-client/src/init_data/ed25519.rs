//! The third-party check: the `signature` field, Telegram's Ed25519 signature, verified with
//! Telegram's public key and the bot id, without the bot token.
//!
//! The signed message is `"<bot_id>:WebAppData\n"` followed by the data-check-string of every
//! field except `hash` and `signature`; the signature is base64url (unpadded).
//! Source: <https://core.telegram.org/bots/webapps#validating-data-for-third-party-use>, which
//! also publishes the two public keys below.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{ED25519, UnparsedPublicKey};

use super::InitDataError;
use super::parse::{Fields, data_check_string, hex_digit};

/// An Ed25519 public key initData signatures are checked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelegramPublicKey([u8; 32]);

impl TelegramPublicKey {
    /// Telegram's key for Mini Apps opened in production
    /// (`e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d`).
    pub const PRODUCTION: TelegramPublicKey = TelegramPublicKey(hex_32(
        "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d",
    ));

    /// Telegram's key for Mini Apps opened in the test environment
    /// (`40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec`).
    pub const TEST: TelegramPublicKey = TelegramPublicKey(hex_32(
        "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec",
    ));

    /// Another key, given as its 32 bytes (a key of your own in tests, or a rotated key).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        TelegramPublicKey(bytes)
    }

    /// The key's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Checks the `signature` field against the other fields for the bot `bot_id`.
    pub(crate) fn verify(&self, bot_id: u64, fields: &Fields) -> Result<(), InitDataError> {
        let signature = fields
            .get("signature")
            .ok_or(InitDataError::MissingSignature)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .ok()
            .filter(|bytes| bytes.len() == 64)
            .ok_or_else(|| InitDataError::malformed("signature", "is not 64 bytes in base64url"))?;
        let message = data_check_string(
            fields,
            &format!("{bot_id}:WebAppData\n"),
            &["hash", "signature"],
        );
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(message.as_bytes(), &signature)
            .map_err(|_| InitDataError::BadSignature)
    }
}

/// 64 hexadecimal digits as 32 bytes, at compile time.
const fn hex_32(text: &str) -> [u8; 32] {
    let digits = text.as_bytes();
    assert!(digits.len() == 64, "a key is 64 hexadecimal digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        let (Some(high), Some(low)) = (hex_digit(digits[2 * i]), hex_digit(digits[2 * i + 1]))
        else {
            panic!("a key is 64 hexadecimal digits");
        };
        out[i] = high << 4 | low;
        i += 1;
    }
    out
}
