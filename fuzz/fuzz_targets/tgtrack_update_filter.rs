//! The Telegram-update filter (`is_tracked_update`) and the raw update it guards: never a
//! panic; a raw update tracks the same way as its bytes; a found `/start` parameter is trimmed
//! and not empty; both `sambot_on_tg_webhook` bodies built around an accepted update are JSON.

#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use tgtrack_client::sambot_body;
use tgtrack_client::{RawUpdate, SambotEncoding, TrackedKind, is_tracked_update};

fuzz_target!(|data: &[u8]| {
    let kind = is_tracked_update(data);
    if let Some(TrackedKind::Start { param: Some(p) }) = &kind {
        assert!(!p.is_empty() && p.trim() == p, "untrimmed parameter {p:?}");
    }
    if let Ok(update) = RawUpdate::try_from(data) {
        assert_eq!(update.as_bytes(), data);
        assert_eq!(update.tracked_kind(), kind);
        for encoding in [SambotEncoding::Object, SambotEncoding::String] {
            let body = sambot_body(&update, encoding);
            assert!(
                serde_json::from_slice::<IgnoredAny>(&body).is_ok(),
                "the {encoding:?} sambot body is not JSON"
            );
        }
    }
});
