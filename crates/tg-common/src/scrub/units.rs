//! Reading text as the scrubber compares it: a sequence of *units*, each one decoded byte with
//! the span of the original text it came from. A JSON escape (`\u0053`, `\/`, `\n`, a
//! surrogate pair) is decoded to its UTF-8 bytes, then a `%XX` triple over those bytes to one
//! byte; everything else is its own byte.

/// One decoded byte and the span `[start, end)` of the original text it came from.
#[derive(Clone, Copy)]
pub(super) struct Unit {
    pub(super) byte: u8,
    pub(super) start: usize,
    pub(super) end: usize,
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
pub(super) struct Units<'a> {
    json: JsonUnits<'a>,
    /// JSON-layer units read ahead while looking for a `%XX` triple.
    ahead: [Option<Unit>; 2],
}

impl<'a> Units<'a> {
    pub(super) fn new(text: &'a [u8], at: usize) -> Self {
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
