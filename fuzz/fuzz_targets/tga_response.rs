//! TGA's answer decoding (`tga_client::envelope::decode`) under the statuses an answer may
//! carry: never a panic, a success of `POST /events` only for a 2xx status whose body is the
//! service's success answer, every error printable; the caps of `GET /events/threshold` never
//! panic either.

#![no_main]
#![forbid(unsafe_code)]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tga_client::EventThresholds;
use tga_client::envelope::{Sent, decode};

const STATUSES: [u16; 10] = [200, 201, 400, 401, 403, 404, 413, 429, 500, 502];

fuzz_target!(|data: &[u8]| {
    let sent = [
        Sent::default(),
        Sent {
            origin: Some("https://example.org"),
            token_domain: Some("example.org"),
        },
    ];
    for status in STATUSES {
        for s in sent {
            let result = decode::<()>(status, data, Some(Duration::from_secs(2)), s);
            let success_answer = serde_json::from_slice::<serde_json::Value>(data)
                .ok()
                .and_then(|v| v.get("message")?.as_str().map(str::to_owned))
                .is_some_and(|m| {
                    m.trim()
                        .trim_end_matches('.')
                        .eq_ignore_ascii_case("Success record")
                });
            if result.is_ok() {
                assert!((200..300).contains(&status) && success_answer);
            }
            if let Err(e) = result {
                let _ = (e.to_string(), format!("{e:?}"), e.retry_safety());
            }
            let caps = decode::<EventThresholds>(status, data, None, s);
            if caps.is_ok() {
                assert!((200..300).contains(&status));
            }
        }
    }
});
