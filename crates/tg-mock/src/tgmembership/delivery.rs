//! Signed webhook deliveries, built the way the service builds them.
//!
//! The body is `{"event", "debug_id", "data"}`; the signature is HMAC-SHA512 keyed by the
//! webhook secret over `nonce + "." + timestamp + "." + body`, upper-case hex, sent as
//! `t=<timestamp>,v1=<HEX>`; the nonce travels in its own header. The real header names are not
//! documented: [`SIGNATURE_HEADER`] and [`NONCE_HEADER`] are this fake's own choice.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha512;

/// The header carrying `t=<timestamp>,v1=<HEX>` (the fake's choice; the real name is unknown).
pub const SIGNATURE_HEADER: &str = "X-TGM-Signature";

/// The header carrying the nonce (the fake's choice; the real name is unknown).
pub const NONCE_HEADER: &str = "X-TGM-Nonce";

/// One webhook delivery, ready to POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// Where it goes.
    pub url: String,
    /// The JSON body, exactly as signed.
    pub body: Bytes,
    /// The [`SIGNATURE_HEADER`] value: `t=<timestamp>,v1=<HEX>`.
    pub signature: String,
    /// The [`NONCE_HEADER`] value.
    pub nonce: String,
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
}

impl SignedWebhook {
    /// The headers to send with the body.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("content-type", "application/json".to_owned()),
            (SIGNATURE_HEADER, self.signature.clone()),
            (NONCE_HEADER, self.nonce.clone()),
        ]
    }

    /// The same headers as a [`http::HeaderMap`], for [`crate::deliver::post`].
    pub fn header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in self.headers() {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                map.insert(n, v);
            }
        }
        map
    }

    /// The body parsed back into JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The signature header value for `body`: `t=<timestamp>,v1=<upper-case hex HMAC-SHA512>`.
pub fn sign_webhook(secret: &str, nonce: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = match <Hmac<Sha512> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(format!("{nonce}.{timestamp}.").as_bytes());
            mac.update(body);
            hex::encode_upper(mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length; an empty digest would never verify.
        Err(_) => String::new(),
    };
    format!("t={timestamp},v1={digest}")
}

/// A delivery of `event` with `data` to `url`, signed with `secret`.
pub fn build_webhook(
    url: &str,
    secret: &str,
    event: &str,
    data: Value,
    nonce: &str,
    timestamp: i64,
) -> SignedWebhook {
    let debug_id = format!("{:016x}", rand::random::<u64>());
    let body = json!({ "event": event, "debug_id": debug_id, "data": data }).to_string();
    SignedWebhook {
        url: url.to_owned(),
        signature: sign_webhook(secret, nonce, timestamp, body.as_bytes()),
        body: Bytes::from(body),
        nonce: nonce.to_owned(),
        timestamp,
    }
}

/// A nonce like the service's (`53ed4554ef588`: 13 lower-case hex digits).
pub fn new_nonce() -> String {
    format!("{:013x}", rand::random::<u64>() & 0x000f_ffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_an_independent_implementation() {
        // Python: hmac.new(b"abcd123", b"53ed4554ef588.1684096282." + body, hashlib.sha512)
        //         .hexdigest().upper()
        let body =
            br#"{"event":"order_completed","debug_id":"dbg-1","data":{"order_key":"ABCD123"}}"#;
        assert_eq!(
            sign_webhook("abcd123", "53ed4554ef588", 1684096282, body),
            "t=1684096282,v1=FD33C51F53F2076419500FD191466B47C326DA35C94AB1D4C8AA4FBC3DC86D17\
             68B6A396809F3262D4B767F124E093237D7513FECFB406ADDD1EA20A96FA7130"
        );
    }

    #[test]
    fn nonces_are_13_hex_digits() {
        let n = new_nonce();
        assert_eq!(n.len(), 13);
        assert!(n.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn builds_the_envelope() {
        let w = build_webhook(
            "https://h/",
            "s",
            "order_completed",
            json!({"a": 1}),
            "n",
            5,
        );
        let v = w.json().unwrap();
        assert_eq!(v["event"], "order_completed");
        assert_eq!(v["data"]["a"], 1);
        assert!(v["debug_id"].is_string());
        assert_eq!(w.signature, sign_webhook("s", "n", 5, &w.body));
        assert_eq!(w.headers()[1].0, SIGNATURE_HEADER);
        let map = w.header_map();
        assert_eq!(map.get("x-tgm-signature").unwrap(), w.signature.as_str());
        assert_eq!(map.get("x-tgm-nonce").unwrap(), "n");
    }
}
