//! Masking the API key in every form a server can echo it: raw, percent-encoded (`%3A`, either
//! case), JSON-escaped (`\u0053`, even a single character), case-changed, and any mix of these.
//!
//! The one place of the workspace that looks for the key in text. [`KeyScrubber::scrub`] runs on
//! every response body before a decoder sees it, and [`KeyScrubber::scrub_error`] runs on every
//! error a decoder returns, so text that a decoder un-escaped (or built) is checked again after
//! decoding.
//!
//! How a match is found: the text is read as a sequence of *units*, each one the decoded byte of
//! a span of the original text. A JSON escape (`\u0053`, `\/`, `\n`, a surrogate pair) is first
//! decoded to its UTF-8 bytes, then a `%XX` triple over those bytes is decoded to one byte, and
//! ASCII letters are lower-cased. The lower-cased key is compared with the units decoded forward
//! from every position a match can start at (no decoded copy of the body is built); every match
//! covers whole spans of the original text, which are replaced by [`MASK`]. The mask is plain
//! ASCII, so a JSON document stays a JSON document.

use std::borrow::Cow;

use bytes::Bytes;

use crate::secret::{MASK, Secret};

/// Finds the API key in text, to replace it with the mask. Never formatted: it holds the key.
pub struct KeyScrubber {
    /// The key, ASCII lower-cased. Empty: nothing is scrubbed.
    needle: Box<[u8]>,
}

impl std::fmt::Debug for KeyScrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyScrubber")
    }
}

/// One decoded byte and the span `[start, end)` of the original text it came from.
#[derive(Clone, Copy)]
struct Unit {
    byte: u8,
    start: usize,
    end: usize,
}

impl KeyScrubber {
    /// A scrubber for `key` (of any length: short keys are scrubbed too).
    pub fn new(key: &Secret) -> Self {
        KeyScrubber {
            needle: key
                .expose()
                .as_bytes()
                .to_ascii_lowercase()
                .into_boxed_slice(),
        }
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
        let needle = &self.needle[..];
        if needle.is_empty() || text.is_empty() {
            return None;
        }
        if memchr::memchr2(b'\\', b'%', text).is_none() {
            // Fast path: no escape, so units are the bytes themselves.
            return merge(find_ascii_ci(text, needle).map(|at| (at, at + needle.len())));
        }
        // Escapes present: decode forward from every position a match can start at (a byte
        // equal to the key's first in either case, or the start of an escape), without
        // building a decoded copy of the body.
        let first = needle[0];
        let upper = first.to_ascii_uppercase();
        let starts = text
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == first || b == upper || b == b'\\' || b == b'%')
            .map(|(at, _)| at);
        merge(starts.filter_map(|at| {
            let mut units = Units::new(text, at);
            let mut end = at;
            for &want in needle {
                let unit = units.next()?;
                if unit.byte.to_ascii_lowercase() != want {
                    return None;
                }
                end = unit.end;
            }
            Some((at, end))
        }))
    }

    /// `err` with every echo of the key in its text (Display, Debug, source chain) masked.
    ///
    /// An error that holds no echo is returned unchanged. Otherwise its own strings are
    /// scrubbed, and a source error (a provider's typed answer) is replaced by a plain error
    /// holding its scrubbed Display and Debug text: a typed detail that echoed the key is no
    /// longer reachable with `api_detail`.
    pub fn scrub_error(&self, err: crate::error::Error) -> crate::error::Error {
        if self.needle.is_empty() {
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

/// Start offsets of `needle` (already lower-case) in `hay`, compared ASCII case-insensitively.
fn find_ascii_ci<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = needle[0];
    let upper = first.to_ascii_uppercase();
    memchr::memchr2_iter(first, upper, hay).filter(move |&at| {
        hay.get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
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

fn hex4(text: &[u8], at: usize) -> Option<u32> {
    let digits = text.get(at..at + 4)?;
    let s = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// The character of `text` at `i` with a JSON string escape decoded (anywhere in the text: a
/// decoder may un-escape any string): its UTF-8 bytes, their count, and where it ends. An
/// invalid escape stays as its bytes.
fn json_char(text: &[u8], i: usize) -> ([u8; 4], usize, usize) {
    let b = text[i];
    if b == b'\\' {
        let simple = match text.get(i + 1) {
            Some(b'"') => Some(b'"'),
            Some(b'\\') => Some(b'\\'),
            Some(b'/') => Some(b'/'),
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0c),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            _ => None,
        };
        if let Some(byte) = simple {
            return ([byte, 0, 0, 0], 1, i + 2);
        }
        if text.get(i + 1) == Some(&b'u') {
            if let Some(code) = hex4(text, i + 2) {
                let mut end = i + 6;
                let mut scalar = code;
                if (0xD800..0xDC00).contains(&code)
                    && text.get(end) == Some(&b'\\')
                    && text.get(end + 1) == Some(&b'u')
                {
                    if let Some(low) = hex4(text, end + 2).filter(|l| (0xDC00..0xE000).contains(l))
                    {
                        scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        end += 6;
                    }
                }
                let c = char::from_u32(scalar).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                let len = c.encode_utf8(&mut buf).len();
                return (buf, len, end);
            }
        }
    }
    ([b, 0, 0, 0], 1, i + 1)
}

/// The units of `text` from `at`: JSON escapes decoded, then `%XX` triples over those bytes.
struct Units<'a> {
    json: JsonUnits<'a>,
    /// JSON-layer units read ahead while looking for a `%XX` triple.
    ahead: [Option<Unit>; 2],
}

impl<'a> Units<'a> {
    fn new(text: &'a [u8], at: usize) -> Self {
        Units {
            json: JsonUnits {
                text,
                at,
                buf: [0; 4],
                len: 0,
                next: 0,
                start: at,
                end: at,
            },
            ahead: [None, None],
        }
    }

    fn pull(&mut self) -> Option<Unit> {
        match self.ahead[0].take() {
            Some(u) => {
                self.ahead[0] = self.ahead[1].take();
                Some(u)
            }
            None => self.json.next(),
        }
    }
}

impl Iterator for Units<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let u = self.pull()?;
        if u.byte != b'%' {
            return Some(u);
        }
        let h = self.pull();
        let l = self.pull();
        if let (Some(h), Some(l)) = (h, l) {
            if let (Some(hv), Some(lv)) = (hex_value(h.byte), hex_value(l.byte)) {
                return Some(Unit {
                    byte: hv << 4 | lv,
                    start: u.start,
                    end: l.end,
                });
            }
        }
        self.ahead = [h, l];
        if self.ahead[0].is_none() {
            self.ahead[0] = self.ahead[1].take();
        }
        Some(u)
    }
}

/// The JSON-layer units of `text` from `at` (see [`json_char`]), one at a time.
struct JsonUnits<'a> {
    text: &'a [u8],
    at: usize,
    buf: [u8; 4],
    len: usize,
    next: usize,
    start: usize,
    end: usize,
}

impl Iterator for JsonUnits<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        if self.next == self.len {
            if self.at >= self.text.len() {
                return None;
            }
            let (buf, len, end) = json_char(self.text, self.at);
            self.buf = buf;
            self.len = len;
            self.next = 0;
            self.start = self.at;
            self.end = end;
            self.at = end;
        }
        let byte = self.buf[self.next];
        self.next += 1;
        Some(Unit {
            byte,
            start: self.start,
            end: self.end,
        })
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
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
    fn surrogate_pairs_and_broken_escapes_do_not_confuse_the_scanner() {
        assert_eq!(
            scrub("k\u{1F600}y", "a k\\ud83d\\ude00y b"),
            format!("a {MASK} b")
        );
        assert_eq!(scrub("s3cr3t", "\\u12 %zz \\"), "\\u12 %zz \\");
    }
}
