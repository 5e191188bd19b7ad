//! `POST webhook` and `DELETE webhook`: register and remove the URL that receives events.
//!
//! `POST webhook` answers with `result` as an array (`[{"url", "secret"}]`); [`Webhook`] decodes
//! from that array (its first element) or from a bare object. Receiving and verifying the
//! events is in [`crate::webhook`].

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use tg_common::{Error, Secret};

use crate::endpoint::Endpoint;
use crate::envelope::Envelope;
use crate::request::ApiRequest;
use crate::validate;

/// `POST webhook`: not idempotent (each call may issue a new secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetWebhook {
    url: String,
}

impl SetWebhook {
    /// Registers `url` (https, answering 200 to POST).
    pub fn new(url: impl Into<String>) -> Self {
        SetWebhook { url: url.into() }
    }
}

impl ApiRequest for SetWebhook {
    type Output = Webhook;

    fn endpoint(&self) -> Endpoint {
        Endpoint::SetWebhook
    }

    fn validate(&self) -> Result<(), Error> {
        validate::https_url("url", &self.url)
    }

    fn json_body(&self) -> Option<serde_json::Value> {
        Some(json!({ "url": self.url }))
    }
}

/// `DELETE webhook`: idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteWebhook {
    url: String,
}

impl DeleteWebhook {
    /// Removes `url`.
    pub fn new(url: impl Into<String>) -> Self {
        DeleteWebhook { url: url.into() }
    }
}

impl ApiRequest for DeleteWebhook {
    type Output = WebhookDeleted;

    fn endpoint(&self) -> Endpoint {
        Endpoint::DeleteWebhook
    }

    fn validate(&self) -> Result<(), Error> {
        validate::https_url("url", &self.url)
    }

    fn json_body(&self) -> Option<serde_json::Value> {
        Some(json!({ "url": self.url }))
    }

    /// Success needs no result (the answer is `{"ok": true, "code": 204}` or empty).
    fn output(_envelope: Envelope<WebhookDeleted>) -> Result<WebhookDeleted, Error> {
        Ok(WebhookDeleted)
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

    #[test]
    fn urls_must_be_https() {
        let r = SetWebhook::new("https://example.com/").render().unwrap();
        assert_eq!(
            r.body_json().unwrap(),
            json!({"url": "https://example.com/"})
        );
        assert_eq!(r.endpoint.method(), http::Method::POST);
        assert!(SetWebhook::new("http://example.com/").render().is_err());
        let r = DeleteWebhook::new("https://example.com/").render().unwrap();
        assert_eq!(r.endpoint.method(), http::Method::DELETE);
        assert_eq!(r.path, "webhook");
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
        let env =
            crate::envelope::decode::<WebhookDeleted>(200, br#"{"ok":true,"code":204}"#).unwrap();
        assert_eq!(DeleteWebhook::output(env).unwrap(), WebhookDeleted);
        let env = crate::envelope::decode::<WebhookDeleted>(204, b"").unwrap();
        assert_eq!(DeleteWebhook::output(env).unwrap(), WebhookDeleted);
    }
}
