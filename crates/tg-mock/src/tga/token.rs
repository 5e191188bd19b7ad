//! Tokens of the fake: `base64(JSON with app_name, app_url, app_domain) + "!" + signature`,
//! the signature being the hex HMAC-SHA256 of the base64 part under a key only the fake knows.
//! The JSON also holds a random `token_id`, so two tokens for one app differ.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a token names: the app and the domain the service checks the Origin against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenApp {
    /// The app name events must carry.
    pub app_name: String,
    /// The domain the Origin must match.
    pub app_domain: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// Absent, or not of the shape `base64 + "!" + signature`.
    Malformed,
    /// Well formed, but not issued by this fake.
    Invalid,
}

/// Issues and checks tokens with one signing key.
pub(crate) struct Signer {
    key: [u8; 64],
}

impl Signer {
    /// A signer with a fresh random key.
    pub(crate) fn random() -> Self {
        Signer {
            key: rand::random(),
        }
    }

    fn mac(&self, payload: &str) -> HmacSha256 {
        let mut mac = <HmacSha256 as KeyInit>::new(&self.key.into());
        mac.update(payload.as_bytes());
        mac
    }

    /// A token for this app.
    pub(crate) fn issue(&self, app_name: &str, app_domain: &str) -> String {
        let json = serde_json::json!({
            "app_name": app_name,
            "app_url": format!("https://{app_domain}"),
            "app_domain": app_domain,
            "token_id": rand::random::<u64>(),
        });
        let payload = STANDARD.encode(json.to_string());
        let signature = hex::encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}!{signature}")
    }

    /// Checks the shape and the signature (the caller then looks the token up).
    pub(crate) fn check(&self, token: Option<&str>) -> Result<(), TokenProblem> {
        let token = token.map(str::trim).ok_or(TokenProblem::Malformed)?;
        let (payload, signature) = token.split_once('!').ok_or(TokenProblem::Malformed)?;
        let base64_chars =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_');
        if payload.is_empty() || signature.is_empty() || !payload.bytes().all(base64_chars) {
            return Err(TokenProblem::Malformed);
        }
        let signature = hex::decode(signature).map_err(|_| TokenProblem::Invalid)?;
        self.mac(payload)
            .verify_slice(&signature)
            .map_err(|_| TokenProblem::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_standard_base64_of_the_app_json() {
        let token = Signer::random().issue("app", "app.example.com");
        let (payload, _) = token.split_once('!').unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(payload).unwrap()).unwrap();
        assert_eq!(json["app_name"], "app");
        assert_eq!(json["app_domain"], "app.example.com");
        assert_eq!(json["app_url"], "https://app.example.com");
    }

    #[test]
    fn issued_tokens_check_and_forgeries_do_not() {
        let signer = Signer::random();
        let token = signer.issue("app", "app.example.com");
        assert_eq!(signer.check(Some(&token)), Ok(()));
        let (payload, _) = token.split_once('!').unwrap();
        assert_eq!(
            signer.check(Some(&format!("{payload}!{}", "00".repeat(32)))),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            Signer::random().check(Some(&token)),
            Err(TokenProblem::Invalid)
        );
        for bad in [None, Some(""), Some("abc"), Some("!sig"), Some("a b!c")] {
            assert_eq!(signer.check(bad), Err(TokenProblem::Malformed), "{bad:?}");
        }
    }
}
