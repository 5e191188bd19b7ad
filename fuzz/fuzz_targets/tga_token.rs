//! The TGA token reader (`TokenInfo::read`): never a panic; a token it reads names an app, and
//! its Origin can be asked for.

#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use tg_common::Secret;
use tga_client::TokenInfo;

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    if let Some(info) = TokenInfo::read(&Secret::new(token.as_ref())) {
        assert!(!info.app_name.is_empty() && info.app_name.trim() == info.app_name);
        if let Some(origin) = info.origin() {
            assert!(origin.contains("://"), "origin {origin:?}");
        }
    }
});
