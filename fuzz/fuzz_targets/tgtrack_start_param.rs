//! The `/start` command and deep-link parameter parser (`tgtrack_client::start_param`): never a
//! panic, a parsed parameter is trimmed and not empty, an extracted parameter is valid, and the
//! two validity checks agree.

#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use tgtrack_client::start_param::{
    is_valid_start_param, parse_start_command, start_param, validate_start_param,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let command = parse_start_command(text);
    if let Some(p) = command.and_then(|c| c.param) {
        assert!(!p.is_empty() && p.trim() == p, "untrimmed parameter {p:?}");
    }
    match start_param(text) {
        Ok(Some(p)) => {
            assert!(
                is_valid_start_param(p),
                "extracted an invalid parameter {p:?}"
            );
            assert_eq!(command.and_then(|c| c.param), Some(p));
        }
        Ok(None) => assert!(command.is_some_and(|c| c.param.is_none())),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    assert_eq!(
        is_valid_start_param(text),
        validate_start_param("start_param", text).is_ok(),
        "the checks disagree on {text:?}"
    );
});
