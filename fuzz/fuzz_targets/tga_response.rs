//! TGA's answer mapping (`tga_client::map_response`) under the statuses an answer may carry:
//! never a panic, a success exactly for a 2xx status, every error printable.

#![no_main]
#![forbid(unsafe_code)]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tga_client::map_response;
use tga_client::outcome::Sent;

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
            let result = map_response(status, data, Some(Duration::from_secs(2)), s);
            assert_eq!(result.is_ok(), (200..300).contains(&status));
            if let Err(e) = result {
                let _ = (e.to_string(), format!("{e:?}"), e.retry_safety());
            }
        }
    }
});
