//! The key as a base64 echo shows it: a server that echoes the request path (or any text
//! holding the key) base64-encoded, standard or URL-safe, padded or not.
//!
//! Where the key lies in the encoded data decides how its bits fall on the characters: at each
//! of the three byte alignments, the characters made of the key's bits alone form a run that
//! does not depend on the bytes around it. Those runs are searched for, in either alphabet and
//! any letter case (a case-changed echo still gives most bits away), across line breaks (MIME
//! wraps lines); the one or two characters at each end that mix the key with its neighbours
//! hold under one byte of it and are left.

use ::base64::Engine;
use ::base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::transport::encode_segment;

/// Runs shorter than this are not searched: they hold under two bytes of the key and would
/// match ordinary text everywhere (a key of one or two bytes has only such runs).
const MIN_RUN: usize = 3;

/// A base64 character as compared: ASCII lower-cased, the URL-safe `-` and `_` read as `+` and
/// `/`.
pub(super) fn canon(b: u8) -> u8 {
    match b {
        b'-' => b'+',
        b'_' => b'/',
        _ => b.to_ascii_lowercase(),
    }
}

/// The bytes of a text that [`canon`] reads as `c` (a letter, `+` or `/`; any other byte is
/// itself).
pub(super) fn sources(c: u8) -> [u8; 2] {
    match c {
        b'+' => [b'+', b'-'],
        b'/' => [b'/', b'_'],
        _ => [c, c.to_ascii_uppercase()],
    }
}

/// The canonical runs that stand for `key` in base64, at its three byte alignments, for the key
/// itself and, when it differs, for the key as a URL carries it (percent-encoded).
pub(super) fn runs(key: &str) -> Vec<Box<[u8]>> {
    let mut sent = String::new();
    encode_segment(key, &mut sent);
    let mut out: Vec<Box<[u8]>> = Vec::new();
    for form in [key, sent.as_str()] {
        for align in 0..3 {
            let mut data = vec![0u8; align];
            data.extend_from_slice(form.as_bytes());
            let encoded = STANDARD_NO_PAD.encode(&data);
            // Character i holds bits [6i, 6i + 6); the key's are [8 align, 8 len).
            let first = (8 * align).div_ceil(6);
            let end = 8 * data.len() / 6;
            let Some(run) = encoded.as_bytes().get(first..end) else {
                continue;
            };
            let run: Box<[u8]> = run.iter().map(|&b| canon(b)).collect();
            if run.len() >= MIN_RUN && !out.contains(&run) {
                out.push(run);
            }
        }
    }
    out
}
