//! Masking the API key in every form a server can echo it: raw, percent-encoded (`%3A`, either
//! case), JSON-escaped (`\u0053`, even a single character), case-changed, base64 (standard or
//! URL-safe, padded or not, the key at any byte alignment), and any mix of these.
//!
//! The one place of the workspace that looks for the key in text. [`KeyScrubber::scrub`] runs on
//! every response body before a decoder sees it, and [`KeyScrubber::scrub_error`] runs on every
//! error a decoder returns, so text that a decoder un-escaped (or built) is checked again after
//! decoding.
//!
//! How a match is found: the text is read as a sequence of *units* (`units`), each one the
//! decoded byte of a span of the original text: a JSON escape (`\u0053`, `\/`, `\n`, a
//! surrogate pair) is first decoded to its UTF-8 bytes, then a `%XX` triple over those bytes is
//! decoded to one byte. Each form of the key (`needle`: the key, ASCII lower-cased, and its
//! base64 runs, see `base64`) is compared with the units decoded forward from every position a
//! match can start at (no decoded copy of the body is built); every match covers whole spans of
//! the original text, which are replaced by [`MASK`]. The mask is plain ASCII, so a JSON document
//! stays a JSON document.
//!
//! Text without escapes (most bodies) takes a shorter way: each needle's rarest byte is searched
//! for first (`memchr`); a body holding none of them holds no needle. Without line breaks either,
//! the needles are compared byte for byte where that byte occurs.

mod base64;
mod needle;
mod units;

use std::borrow::Cow;

use bytes::Bytes;

use crate::secret::{MASK, Secret};
use needle::{Form, Needle};

/// Finds the API key in text, to replace it with the mask. Never formatted: it holds the key.
pub struct KeyScrubber {
    /// The forms of the key looked for: the key itself, then its base64 runs. None (an empty
    /// key): nothing is scrubbed.
    needles: Box<[Needle]>,
    /// The bytes that can start a look: each needle's anchor as the text may hold it, `\`
    /// and `%`. A short text holding none of them is passed over in one loop.
    starts: [bool; 256],
}

/// Texts up to this long are checked with [`KeyScrubber::starts`] in one loop; longer ones with
/// `memchr`, which is faster once its setup is paid.
const SHORT_TEXT: usize = 64;

impl std::fmt::Debug for KeyScrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyScrubber")
    }
}

impl KeyScrubber {
    /// A scrubber for `key` (of any length: short keys are scrubbed too).
    pub fn new(key: &Secret) -> Self {
        let key = key.expose();
        let raw = Needle::new(key.to_ascii_lowercase().into_bytes().into(), Form::Raw);
        let runs = base64::runs(key)
            .into_iter()
            .filter_map(|run| Needle::new(run, Form::Base64));
        let needles: Box<[Needle]> = raw.into_iter().chain(runs).collect();
        let mut starts = [false; 256];
        for byte in needles
            .iter()
            .flat_map(Needle::anchor_sources)
            .chain([b'\\', b'%'])
        {
            starts[usize::from(byte)] = true;
        }
        KeyScrubber { needles, starts }
    }

    /// `body` with every echo of the key replaced by the mask; `body` itself (no copy) when it
    /// holds none.
    pub fn scrub(&self, body: Bytes) -> Bytes {
        match self.spans(&body) {
            None => body,
            Some(spans) => Bytes::from(replace(&body, &spans)),
        }
    }

    /// `text` with every echo of the key replaced by the mask.
    pub fn scrub_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.spans(text.as_bytes()) {
            None => Cow::Borrowed(text),
            // Spans cover whole escapes or whole characters; lossy only as a safeguard.
            Some(spans) => {
                Cow::Owned(String::from_utf8_lossy(&replace(text.as_bytes(), &spans)).into_owned())
            }
        }
    }

    /// Whether `text` holds the key in any form.
    pub fn finds(&self, text: &[u8]) -> bool {
        self.spans(text).is_some()
    }

    /// The merged spans of the original text that hold the key, or `None` when there are none.
    fn spans(&self, text: &[u8]) -> Option<Vec<(usize, usize)>> {
        if self.needles.is_empty() || text.is_empty() {
            return None;
        }
        if text.len() <= SHORT_TEXT && !text.iter().any(|&b| self.starts[usize::from(b)]) {
            return None;
        }
        // Without escapes, every byte of the text is a unit: a needle whose rarest byte is
        // not in the text is not there.
        let escaped = memchr::memchr2(b'\\', b'%', text).is_some();
        if !escaped && !self.needles.iter().any(|needle| needle.anchored(text)) {
            return None;
        }
        let plain = !escaped && memchr::memchr2(b'\r', b'\n', text).is_none();
        let canonical: Option<Vec<u8>> =
            plain.then(|| text.iter().map(|&b| base64::canon(b)).collect());
        let mut found = Vec::new();
        for needle in &self.needles {
            needle.find(text, canonical.as_deref(), &mut found);
        }
        found.sort_unstable();
        merge(found.into_iter())
    }

    /// `err` with every echo of the key in its text (Display, Debug, source chain) masked.
    ///
    /// An error that holds no echo is returned unchanged. Otherwise its own strings are
    /// scrubbed, and a source error (a provider's typed answer) is replaced by a plain error
    /// holding its scrubbed Display and Debug text: a typed detail that echoed the key is no
    /// longer reachable with `api_detail`.
    pub fn scrub_error(&self, err: crate::error::Error) -> crate::error::Error {
        if self.needles.is_empty() {
            return err;
        }
        if !self.finds(format!("{err:?}").as_bytes()) && !self.finds(chain(&err).as_bytes()) {
            return err;
        }
        err.map_text(
            |text| self.scrub_str(&text).into_owned(),
            |source| {
                let display = self.scrub_str(&chain(source.as_ref())).into_owned();
                let debug = self.scrub_str(&format!("{source:?}")).into_owned();
                Box::new(Scrubbed { display, debug })
            },
        )
    }
}

/// A source error whose text echoed the key: its Display (with its own sources) and Debug text,
/// scrubbed.
struct Scrubbed {
    display: String,
    debug: String,
}

impl std::fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl std::fmt::Debug for Scrubbed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.debug)
    }
}

impl std::error::Error for Scrubbed {}

/// The Display of `err` followed by every source's, joined by `: `.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        out.push_str(": ");
        out.push_str(&e.to_string());
        next = e.source();
    }
    out
}

/// Sorted, merged spans; `None` when there are none.
fn merge(spans: impl Iterator<Item = (usize, usize)>) -> Option<Vec<(usize, usize)>> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `text` with each span replaced by the mask.
fn replace(text: &[u8], spans: &[(usize, usize)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut copied = 0;
    for &(start, end) in spans {
        out.extend_from_slice(&text[copied..start]);
        out.extend_from_slice(MASK.as_bytes());
        copied = end;
    }
    out.extend_from_slice(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub(key: &str, body: &str) -> String {
        let out = KeyScrubber::new(&Secret::new(key)).scrub(Bytes::from(body.to_owned()));
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn every_raw_occurrence_of_the_key_is_masked() {
        assert_eq!(
            scrub(
                "s3cr3tkey",
                "GET /v1/s3cr3tkey/plans not found; s3cr3tkeys3cr3tkey!"
            ),
            format!("GET /v1/{MASK}/plans not found; {MASK}!")
        );
        assert_eq!(scrub("s3cr3tkey", "s3cr3tkey"), MASK);
        assert_eq!(scrub("s3cr3tkey", "s3cr3tke"), "s3cr3tke");
    }

    #[test]
    fn short_texts_are_looked_at_in_every_form() {
        let key = "Sk:Live_42";
        let scrubber = KeyScrubber::new(&Secret::new(key));
        // Each at most SHORT_TEXT bytes: the one-loop look must not pass any of them over.
        for echo in [
            "Sk:Live_42",
            "sK:LIVE_42",
            "Sk%3ALive_42",
            "\\u0053k:Live_42",
            "U2s6TGl2ZV80Mg",
            "xU2s6TGl2ZV80Mg==",
        ] {
            let text = format!("{{\"e\":\"{echo}\"}}");
            assert!(text.len() <= SHORT_TEXT);
            assert!(scrubber.finds(text.as_bytes()), "{text}");
        }
        assert!(!scrubber.finds(b"{\"status\":\"OK\",\"mode\":\"production\"}"));
    }

    #[test]
    fn a_body_without_the_key_is_returned_as_is() {
        for text in [&b"{\"ok\":true}"[..], b"100% \\u0041 done"] {
            let body = Bytes::copy_from_slice(text);
            let out = KeyScrubber::new(&Secret::new("s3cr3tkey")).scrub(body.clone());
            assert_eq!(
                out.as_ptr(),
                body.as_ptr(),
                "no copy when there is nothing to mask"
            );
        }
    }

    #[test]
    fn json_escaped_percent_encoded_and_case_changed_echoes_are_masked() {
        let key = "Sk:Live_42";
        let forms = [
            "Sk:Live_42",
            "sk:live_42",
            "SK:LIVE_42",
            "Sk%3ALive_42",
            "Sk%3aLive_42",
            "\\u0053k:Live_42",
            "\\u0053\\u006b\\u003a\\u004c\\u0069\\u0076\\u0065\\u005f\\u0034\\u0032",
            "Sk\\u00253ALive_42",
            "%53%6b%3a%4c%69%76%65%5f%34%32",
            "Sk:Live\\u005F42",
        ];
        for form in forms {
            let body = format!("{{\"description\":\"no route /v1/{form}/x\"}}");
            let out = scrub(key, &body);
            assert_eq!(
                out,
                format!("{{\"description\":\"no route /v1/{MASK}/x\"}}"),
                "{form}"
            );
            let decoded: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert!(!decoded.to_string().to_lowercase().contains("sk:live"));
        }
    }

    #[test]
    fn plain_text_is_compared_byte_for_byte() {
        // `+` and `/` are not `-` and `_` outside base64; overlapping echoes are masked whole.
        assert_eq!(scrub("k-y_1", "k+y/1 K-Y_1"), format!("k+y/1 {MASK}"));
        assert_eq!(scrub("abab", "xababab"), format!("x{MASK}"));
    }

    #[test]
    fn stray_percent_signs_do_not_hide_an_echo() {
        assert_eq!(scrub("abc", "%zabc"), format!("%z{MASK}"));
        assert_eq!(scrub("abc", "%%61bc"), format!("%{MASK}"));
        assert_eq!(scrub("abc", "ab%"), "ab%");
    }

    #[test]
    fn short_keys_are_masked_too() {
        assert_eq!(
            scrub("ab1", "x ab1 AB1 \\u0061b1"),
            format!("x {MASK} {MASK} {MASK}")
        );
    }

    #[test]
    fn base64_echoes_are_masked_at_every_alignment_in_every_alphabet() {
        use ::base64::Engine;
        use ::base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        // `~>?` and `?~` make `+` and `/` (URL-safe `-`, `_`) in the encoding.
        let key = "Sk-Live.Key_9~>?";
        for prefix in ["GET /v1/", "GET /v1/x", "GET /v1/xy", ""] {
            let path = format!("{prefix}{key}/myBotWasStopped?~");
            for encoded in [STANDARD.encode(&path), URL_SAFE_NO_PAD.encode(&path)] {
                for echo in [
                    encoded.clone(),
                    encoded.to_lowercase(),
                    encoded.replace('/', "\\/"),
                    encoded.replace('+', "%2B").replace('/', "%2f"),
                    format!("{}\r\n{}", &encoded[..9], &encoded[9..]),
                ] {
                    let out = scrub(key, &format!("{{\"description\":\"no route {echo}\"}}"));
                    assert!(out.contains(MASK), "{prefix:?} {echo}: {out}");
                    let rest: String = out
                        .split(MASK)
                        .flat_map(|piece| piece.chars())
                        .filter(|c| c.is_ascii_alphanumeric() || "+/-_".contains(*c))
                        .collect();
                    for run in base64::runs(key) {
                        let run = String::from_utf8(run.to_vec()).unwrap();
                        let canon: String =
                            rest.bytes().map(|b| char::from(base64::canon(b))).collect();
                        assert!(!canon.contains(&run), "{echo}: {out}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_body_without_a_base64_echo_is_kept() {
        use ::base64::Engine;
        let body = ::base64::engine::general_purpose::STANDARD.encode("/v1/other-key/m");
        assert_eq!(scrub("Sk-Live.Key_9", &body), body);
        // A key of two bytes has no run long enough to search for.
        assert!(base64::runs("ab").is_empty());
        assert_eq!(base64::runs("abc").len(), 3);
    }

    #[test]
    fn surrogate_pairs_and_broken_escapes_do_not_confuse_the_scanner() {
        assert_eq!(
            scrub("k\u{1F600}y", "a k\\ud83d\\ude00y b"),
            format!("a {MASK} b")
        );
        assert_eq!(scrub("s3cr3t", "\\u12 %zz \\"), "\\u12 %zz \\");
    }
}
