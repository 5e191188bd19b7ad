//! TGmembership webhooks: the signature header parser, the verifier and the event envelope.
//! The input is `header \n nonce \n body`. Never a panic; a parsed header holds a 64-byte
//! digest; a verified delivery is within the tolerance; whatever `sign` writes verifies.

#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use tg_common::Secret;
use tgmembership_client::WebhookVerifier;
use tgmembership_client::{SignatureHeader, WebhookEvent, sign};

/// A secret long enough for the verifier (the document's `abcd123` is too short).
const SECRET: &str = "whsec-0123456789abcdef";
/// The clock the verifier is checked against.
const NOW: i64 = 1_684_096_282;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let header = parts.next().unwrap_or_default();
    let nonce = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let Ok(verifier) = WebhookVerifier::new(SECRET) else {
        return;
    };
    if let (Ok(header), Ok(nonce)) = (std::str::from_utf8(header), std::str::from_utf8(nonce)) {
        if let Ok(parsed) = SignatureHeader::parse(header) {
            assert_eq!(parsed.signature.len(), 64);
            assert_eq!(
                parsed.timestamp_text.parse::<i64>().ok(),
                Some(parsed.timestamp)
            );
        }
        match verifier.verify_at(header, nonce, body, NOW) {
            Ok(ts) => assert!((ts - NOW).abs() <= 300, "accepted timestamp {ts}"),
            Err(e) => {
                let _ = e.to_string();
            }
        }
        if !nonce.is_empty() {
            let signed = sign(&Secret::new(SECRET), nonce, NOW, body);
            assert_eq!(verifier.verify_at(&signed, nonce, body, NOW), Ok(NOW));
        }
    }
    if let Ok(event) = WebhookEvent::parse(body) {
        let _ = event.data_as::<serde_json::Value>();
    }
});
