//! Payloads forwarded to TGTrack exactly as received.
//!
//! TGTrack rejects a Telegram update that was parsed and re-serialized (renamed fields, rounded
//! big integers, reordered keys), so these types hold the caller's bytes unchanged. They check
//! that the bytes are one well-formed JSON value without building a value tree and without
//! re-serializing anything.
//!
//! - [`RawUpdate`]: a Telegram update (a JSON object), for `on_telegram_webhook` and
//!   `sambot_on_tg_webhook`.
//! - [`RawJson`]: any JSON value, for the builder webhooks (`my_bothelp_was_started`,
//!   `win_win_was_started`, `on_toolsy_event`, `on_send_pulse_event`), whose payloads the
//!   document does not describe.
//! - [`sambot_body`]: `{"webhook": <update>}` built by concatenating bytes.

use std::fmt;

use bytes::Bytes;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use tg_common::Error;

use crate::update_filter::{TrackedKind, is_tracked_update};

/// One well-formed JSON value, held as the caller's bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct RawJson(Bytes);

impl RawJson {
    /// Checks that `bytes` are UTF-8 holding exactly one JSON value (surrounding whitespace
    /// allowed) and keeps them unchanged.
    pub fn new(bytes: impl Into<Bytes>) -> Result<Self, Error> {
        let bytes = bytes.into();
        let text = utf8(&bytes)?;
        serde_json::from_str::<IgnoredAny>(text)
            .map_err(|e| Error::invalid_input("body", format!("not well-formed JSON: {e}")))?;
        Ok(RawJson(bytes))
    }

    /// The bytes, exactly as given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, exactly as given (a cheap clone).
    pub fn bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The JSON text, exactly as given.
    pub fn as_str(&self) -> &str {
        // Checked to be UTF-8 on construction; the fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A Telegram update (one JSON object), held as the caller's bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct RawUpdate(Bytes);

impl RawUpdate {
    /// Checks that `bytes` are UTF-8 holding exactly one JSON object (surrounding whitespace
    /// allowed) and keeps them unchanged.
    pub fn new(bytes: impl Into<Bytes>) -> Result<Self, Error> {
        let bytes = bytes.into();
        let text = utf8(&bytes)?;
        serde_json::from_str::<AnyObject>(text).map_err(|e| {
            Error::invalid_input("update", format!("not a well-formed JSON object: {e}"))
        })?;
        Ok(RawUpdate(bytes))
    }

    /// The bytes, exactly as given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, exactly as given (a cheap clone).
    pub fn bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The JSON text, exactly as given.
    pub fn as_str(&self) -> &str {
        // Checked to be UTF-8 on construction; the fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Whether TGTrack needs this update, and why; see [`is_tracked_update`].
    pub fn tracked_kind(&self) -> Option<TrackedKind> {
        is_tracked_update(&self.0)
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|e| Error::invalid_input("body", format!("not UTF-8: {e}")))
}

macro_rules! raw_conversions {
    ($ty:ident) => {
        impl TryFrom<Bytes> for $ty {
            type Error = Error;
            fn try_from(value: Bytes) -> Result<Self, Error> {
                $ty::new(value)
            }
        }

        impl TryFrom<Vec<u8>> for $ty {
            type Error = Error;
            fn try_from(value: Vec<u8>) -> Result<Self, Error> {
                $ty::new(value)
            }
        }

        impl TryFrom<&[u8]> for $ty {
            type Error = Error;
            fn try_from(value: &[u8]) -> Result<Self, Error> {
                $ty::new(Bytes::copy_from_slice(value))
            }
        }

        impl TryFrom<String> for $ty {
            type Error = Error;
            fn try_from(value: String) -> Result<Self, Error> {
                $ty::new(value)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = Error;
            fn try_from(value: &str) -> Result<Self, Error> {
                $ty::new(Bytes::copy_from_slice(value.as_bytes()))
            }
        }

        impl TryFrom<&RawValue> for $ty {
            type Error = Error;
            fn try_from(value: &RawValue) -> Result<Self, Error> {
                $ty::new(Bytes::copy_from_slice(value.get().as_bytes()))
            }
        }

        impl TryFrom<Box<RawValue>> for $ty {
            type Error = Error;
            fn try_from(value: Box<RawValue>) -> Result<Self, Error> {
                let text: Box<str> = value.into();
                $ty::new(String::from(text))
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({} bytes)", stringify!($ty), self.0.len())
            }
        }

        impl AsRef<[u8]> for $ty {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }
    };
}

raw_conversions!(RawJson);
raw_conversions!(RawUpdate);

impl From<RawUpdate> for RawJson {
    fn from(update: RawUpdate) -> Self {
        RawJson(update.0)
    }
}

/// How `sambot_on_tg_webhook` carries the update in its `webhook` field.
///
/// The document's table types `webhook` as Json while its example shows a string placeholder;
/// the object form is the default reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SambotEncoding {
    /// `{"webhook": {...}}`: the update's bytes embedded verbatim.
    #[default]
    Object,
    /// `{"webhook": "{...}"}`: the update's text as a JSON string (escaped, content unchanged).
    String,
}

/// The `sambot_on_tg_webhook` body for this update, built by byte concatenation so the update
/// inside stays byte-for-byte as given.
pub fn sambot_body(update: &RawUpdate, encoding: SambotEncoding) -> Bytes {
    let inner = update.as_str();
    let mut body = Vec::with_capacity(inner.len() + 16);
    body.extend_from_slice(b"{\"webhook\":");
    match encoding {
        SambotEncoding::Object => body.extend_from_slice(inner.as_bytes()),
        SambotEncoding::String => push_json_string(&mut body, inner),
    }
    body.push(b'}');
    Bytes::from(body)
}

/// Appends `text` as a JSON string literal (escaping `"`, `\` and control characters only).
fn push_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if u32::from(c) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes())
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Accepts any JSON object and nothing else, skipping its contents.
struct AnyObject;

impl<'de> Deserialize<'de> for AnyObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AnyObjectVisitor)
    }
}

struct AnyObjectVisitor;

impl<'de> Visitor<'de> for AnyObjectVisitor {
    type Value = AnyObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyObject, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(AnyObject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_common::ErrorKind;

    /// Key order, whitespace, escapes, non-ASCII text and integers beyond 2^53 and u64.
    const ODD: &str = "{ \"update_id\" : 900719925474099312,\n\t\"message\":{\"text\":\"/start caf\\u00e9 \\ud83d\\ude00 \u{e9}\",\"chat\":{\"type\":\"private\",\"id\":123},\"message_id\":1,\"big\":123456789012345678901234567890,\"f\":1.50e+3 } }\r\n";

    #[test]
    fn update_bytes_are_kept_exactly() {
        let u = RawUpdate::try_from(ODD).unwrap();
        assert_eq!(u.as_bytes(), ODD.as_bytes());
        let u = RawUpdate::try_from(ODD.as_bytes().to_vec()).unwrap();
        assert_eq!(u.as_bytes(), ODD.as_bytes());
        let raw: Box<RawValue> = serde_json::from_str(ODD).unwrap();
        let from_raw = RawUpdate::try_from(&*raw).unwrap();
        assert_eq!(from_raw.as_str(), raw.get());
        let from_box = RawUpdate::try_from(raw.clone()).unwrap();
        assert_eq!(from_box.as_str(), raw.get());
    }

    #[test]
    fn malformed_or_non_object_updates_are_rejected_locally() {
        for bad in [
            "",
            "   ",
            "{",
            "{\"a\":1,}",
            "{\"a\":1} {\"b\":2}",
            "[1,2]",
            "\"text\"",
            "null",
            "42",
            "\u{feff}{}",
        ] {
            let e = RawUpdate::try_from(bad).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::InvalidInput { .. }),
                "{bad:?}: {e:?}"
            );
        }
        let e = RawUpdate::try_from(vec![b'{', 0xff, b'}']).unwrap_err();
        assert!(e.to_string().contains("UTF-8"), "{e}");
    }

    #[test]
    fn raw_json_accepts_any_single_value() {
        for ok in ["[{\"event\":\"run_flow\"}]", "{}", " 1 ", "\"s\"", "null"] {
            assert_eq!(RawJson::try_from(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "[1,", "1 2", "{'a':1}"] {
            assert!(RawJson::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sambot_object_body_embeds_the_update_verbatim() {
        let u = RawUpdate::try_from(ODD).unwrap();
        let body = sambot_body(&u, SambotEncoding::Object);
        let expected = format!("{{\"webhook\":{ODD}}}");
        assert_eq!(&body[..], expected.as_bytes());
        #[derive(serde::Deserialize)]
        struct W<'a> {
            #[serde(borrow)]
            webhook: &'a RawValue,
        }
        let w: W<'_> = serde_json::from_slice(&body).unwrap();
        assert_eq!(w.webhook.get(), ODD.trim());
    }

    #[test]
    fn sambot_string_body_carries_the_same_text() {
        let u = RawUpdate::try_from(ODD).unwrap();
        let body = sambot_body(&u, SambotEncoding::String);
        #[derive(serde::Deserialize)]
        struct W {
            webhook: String,
        }
        let w: W = serde_json::from_slice(&body).unwrap();
        assert_eq!(w.webhook, ODD);
    }

    #[test]
    fn debug_does_not_dump_the_payload() {
        let u = RawUpdate::try_from("{\"secret\":1}").unwrap();
        assert_eq!(format!("{u:?}"), "RawUpdate(12 bytes)");
    }
}
