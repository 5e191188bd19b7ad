//! Reading the app name and domain out of a TGA token, for use as configuration defaults.
//!
//! Tokens seen in public code have the shape `base64(JSON) + "!" + signature`, the JSON holding
//! `app_name`, `app_url` and `app_domain`. This is an inference, not a documented format: when a
//! token cannot be read, [`TokenInfo::read`] returns `None` and the caller must give the app
//! name and Origin. The signature is never read or kept.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use tg_common::Secret;

/// The longest token this reader looks into.
const MAX_TOKEN_LEN: usize = 16 * 1024;

const TOLERANT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, TOLERANT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, TOLERANT);

/// What a token says about the app it was created for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The app name events must carry.
    pub app_name: String,
    /// The Mini App's URL, when the token holds one.
    pub app_url: Option<String>,
    /// The domain the service checks the Origin against, when the token holds one.
    pub app_domain: Option<String>,
}

#[derive(Deserialize)]
struct Payload {
    app_name: String,
    #[serde(default)]
    app_url: Option<String>,
    #[serde(default)]
    app_domain: Option<String>,
}

impl TokenInfo {
    /// Reads a token of the shape `base64(JSON) + "!" + signature`; `None` when it has another
    /// shape. Accepts standard and URL-safe base64, with or without padding. Never panics.
    pub fn read(token: &Secret) -> Option<TokenInfo> {
        let token = token.expose().trim();
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let (payload, signature) = token.split_once('!')?;
        if payload.is_empty() || signature.is_empty() {
            return None;
        }
        let bytes = STANDARD
            .decode(payload)
            .or_else(|_| URL_SAFE.decode(payload))
            .ok()?;
        let payload: Payload = serde_json::from_slice(&bytes).ok()?;
        let app_name = payload.app_name.trim().to_owned();
        if app_name.is_empty() {
            return None;
        }
        Some(TokenInfo {
            app_name,
            app_url: non_blank(payload.app_url),
            app_domain: non_blank(payload.app_domain),
        })
    }

    /// The Origin to present: the scheme and host of `app_url` when it has both, otherwise
    /// `https://` and `app_domain`; `None` when the token holds neither.
    pub fn origin(&self) -> Option<String> {
        if let Some(url) = &self.app_url {
            if let Some(origin) = origin_of_url(url) {
                return Some(origin);
            }
        }
        let domain = self.app_domain.as_deref()?;
        match origin_of_url(domain) {
            Some(origin) => Some(origin),
            None => Some(format!("https://{}", domain.trim_end_matches('/'))),
        }
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `scheme://host[:port]` of an absolute URL; `None` when `url` has no scheme or host.
fn origin_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() {
        return None;
    }
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host))
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose;
    use proptest::prelude::*;

    use super::*;

    fn token(engine: &impl Engine, json: &str) -> Secret {
        Secret::new(format!("{}!c2lnbmF0dXJl", engine.encode(json)))
    }

    const JSON: &str = r#"{"app_name":"my_app","app_url":"https://t.me/my_bot/app","app_domain":"my-app.example.com"}"#;

    #[test]
    fn reads_every_base64_flavour() {
        let want = TokenInfo {
            app_name: "my_app".into(),
            app_url: Some("https://t.me/my_bot/app".into()),
            app_domain: Some("my-app.example.com".into()),
        };
        for engine in [
            general_purpose::STANDARD,
            general_purpose::STANDARD_NO_PAD,
            general_purpose::URL_SAFE,
            general_purpose::URL_SAFE_NO_PAD,
        ] {
            // `?>` in the JSON makes the standard and URL-safe encodings differ.
            let json = JSON.replace("my_app\"", "my_app\",\"x\":\"??>>\"");
            assert_eq!(TokenInfo::read(&token(&engine, &json)), Some(want.clone()));
        }
    }

    #[test]
    fn reads_a_token_issued_by_the_fake() {
        let fake = tg_mock::tga::TgaFake::new();
        let issued = Secret::new(fake.issue_token("docs", "docs.example.org"));
        let info = TokenInfo::read(&issued).unwrap();
        assert_eq!(info.app_name, "docs");
        assert_eq!(info.app_domain.as_deref(), Some("docs.example.org"));
        assert_eq!(info.origin().as_deref(), Some("https://docs.example.org"));
    }

    #[test]
    fn other_shapes_are_none() {
        let e = general_purpose::STANDARD;
        for bad in [
            Secret::new(""),
            Secret::new("plain-token"),
            Secret::new(format!("{}!", e.encode(JSON))),
            Secret::new(format!("!{}", e.encode(JSON))),
            Secret::new("%%%%!sig"),
            token(&e, "not json"),
            token(&e, r#"{"app_url":"https://x"}"#),
            token(&e, r#"{"app_name":"  "}"#),
            token(&e, r#"[1,2]"#),
        ] {
            assert_eq!(TokenInfo::read(&bad), None);
        }
    }

    #[test]
    fn app_name_alone_is_enough() {
        let info =
            TokenInfo::read(&token(&general_purpose::STANDARD, r#"{"app_name":"a"}"#)).unwrap();
        assert_eq!(info.app_url, None);
        assert_eq!(info.origin(), None);
    }

    #[test]
    fn origin_prefers_the_app_url_then_the_domain() {
        let mut info = TokenInfo {
            app_name: "a".into(),
            app_url: Some("https://Shop.Example.com:8443/path?q=1".into()),
            app_domain: Some("other.example.com".into()),
        };
        assert_eq!(
            info.origin().as_deref(),
            Some("https://Shop.Example.com:8443")
        );
        info.app_url = Some("shop.example.com/app".into());
        assert_eq!(info.origin().as_deref(), Some("https://other.example.com"));
        info.app_domain = Some("http://localhost:3000/".into());
        assert_eq!(info.origin().as_deref(), Some("http://localhost:3000"));
    }

    #[test]
    fn debug_of_the_info_does_not_hold_the_token() {
        let t = token(&general_purpose::STANDARD, JSON);
        let info = TokenInfo::read(&t).unwrap();
        let debug = format!("{info:?}");
        assert!(!debug.contains("c2lnbmF0dXJl"));
        assert!(!debug.contains(&t.expose()[..20]));
    }

    proptest! {
        #[test]
        fn never_panics_on_garbage(s in ".{0,200}") {
            let _ = TokenInfo::read(&Secret::new(s.clone()));
            let _ = TokenInfo::read(&Secret::new(format!("{s}!{s}")));
        }
    }
}
