//! TGTrack's response envelope (`tgtrack_client::envelope`) with a `UserInfo` or an untyped
//! `data`, under the statuses an answer may carry: never a panic, a success only with a 2xx
//! status, and every error printable.

#![no_main]
#![forbid(unsafe_code)]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tgtrack_client::UserInfo;
use tgtrack_client::envelope::decode;

const STATUSES: [u16; 9] = [200, 201, 400, 401, 404, 422, 429, 500, 503];

fuzz_target!(|data: &[u8]| {
    for status in STATUSES {
        match decode::<UserInfo>(status, data, None) {
            Ok(answer) => {
                assert!(
                    (200..300).contains(&status),
                    "a success with status {status}"
                );
                let _ = format!("{answer:?}");
            }
            Err(e) => {
                let _ = (e.to_string(), format!("{e:?}"), e.retry_safety());
            }
        }
        match decode::<serde_json::Value>(status, data, Some(Duration::from_secs(1))) {
            Ok(answer) => {
                assert!(
                    (200..300).contains(&status),
                    "a success with status {status}"
                );
                let _ = answer.is_sandbox();
            }
            Err(e) => {
                let _ = (e.to_string(), e.status(), e.is_rate_limited());
            }
        }
    }
});
