//! `POST webhook` and `DELETE webhook`: register and remove the URL that receives events.
//!
//! `POST webhook` answers with `result` as an array (`[{"url", "secret"}]`); [`Webhook`] decodes
//! from that array (its first element) or from a bare object. Receiving and verifying the
//! events is in [`crate::webhook`].

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use tg_common::Secret;

/// `POST webhook`: not idempotent (each call may issue a new secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetWebhook {
    pub(crate) url: String,
}

impl SetWebhook {
    /// Registers `url` (https, answering 200 to POST).
    pub fn new(url: impl Into<String>) -> Self {
        SetWebhook { url: url.into() }
    }
}

/// `DELETE webhook`: idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteWebhook {
    pub(crate) url: String,
}

impl DeleteWebhook {
    /// Removes `url`.
    pub fn new(url: impl Into<String>) -> Self {
        DeleteWebhook { url: url.into() }
    }
}

/// The answer to `DELETE webhook`: success, whatever `result` holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookDeleted;

impl<'de> Deserialize<'de> for WebhookDeleted {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(WebhookDeleted)
    }
}

/// A registered webhook and the secret that signs its events. Debug masks the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// The URL.
    pub url: String,
    /// The signing secret (HMAC-SHA512 key).
    #[serde(with = "super::secret_string")]
    pub secret: Secret,
}

#[derive(Deserialize)]
struct WebhookObject {
    url: String,
    #[serde(with = "super::secret_string")]
    secret: Secret,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(WebhookObject),
    Many(Vec<WebhookObject>),
}

impl<'de> Deserialize<'de> for Webhook {
    /// An object, or an array whose first element is taken (the document shows exactly one).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = match OneOrMany::deserialize(d)? {
            OneOrMany::One(w) => w,
            OneOrMany::Many(list) => list.into_iter().next().ok_or_else(|| {
                serde::de::Error::custom("expected one webhook, got an empty array")
            })?,
        };
        Ok(Webhook {
            url: w.url,
            secret: w.secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;

    #[test]
    fn urls_must_be_https() {
        let r = SetWebhook::new("https://example.com/").render().unwrap();
        assert_eq!(
            r.body_json().unwrap(),
            json!({"url": "https://example.com/"})
        );
        assert_eq!(r.0.method, http::Method::POST);
        assert!(SetWebhook::new("http://example.com/").render().is_err());
        let r = DeleteWebhook::new("https://example.com/").render().unwrap();
        assert_eq!(r.0.method, http::Method::DELETE);
        assert_eq!(r.path(), "webhook");
        assert!(DeleteWebhook::new("example.com").render().is_err());
    }

    #[test]
    fn webhook_decodes_from_array_or_object_and_masks_secret() {
        let a: Webhook =
            serde_json::from_str(r#"[{"url":"https://example.com/","secret":"abcd123"}]"#).unwrap();
        let o: Webhook =
            serde_json::from_str(r#"{"url":"https://example.com/","secret":"abcd123"}"#).unwrap();
        assert_eq!(a, o);
        assert_eq!(a.secret.expose(), "abcd123");
        assert!(!format!("{a:?}").contains("abcd123"));
        assert!(serde_json::from_str::<Webhook>("[]").is_err());
    }

    #[test]
    fn delete_needs_no_result() {
        use tg_common::{Operation, RawResponse};
        let client = client();
        let delete = DeleteWebhook::new("https://example.com/");
        for (status, body) in [(200, &br#"{"ok":true,"code":204}"#[..]), (204, b"")] {
            let response = RawResponse {
                status,
                headers: http::HeaderMap::new(),
                body: bytes::Bytes::from_static(body),
            };
            assert_eq!(delete.decode(&client, response).unwrap(), WebhookDeleted);
        }
    }
}
