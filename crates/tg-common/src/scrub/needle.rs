//! One form of the key the scrubber looks for, and where it occurs in a text: the key itself
//! (compared ASCII case-insensitively) or one of its base64 runs.

use memchr::arch::all::packedpair::Pair;

use super::base64;
use super::units::Units;

/// How a needle's bytes are compared with a text's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// The key: ASCII letters in either case.
    Raw,
    /// A base64 run of the key: either alphabet, either case, line breaks skipped.
    Base64,
}

impl Form {
    /// `b` as compared.
    fn canon(self, b: u8) -> u8 {
        match self {
            Form::Raw => b.to_ascii_lowercase(),
            Form::Base64 => base64::canon(b),
        }
    }

    /// Whether a unit holding `b` is passed over inside a match.
    fn skips(self, b: u8) -> bool {
        self == Form::Base64 && matches!(b, b'\r' | b'\n')
    }
}

/// One form of the key, its bytes already as compared ([`Form::canon`]); never empty.
pub(super) struct Needle {
    bytes: Box<[u8]>,
    form: Form,
    /// The bytes as [`base64::canon`] reads them.
    canonical: Box<[u8]>,
    /// The place in `canonical` of its rarest byte (by memchr's guess), searched for first.
    anchor: usize,
}

impl Needle {
    /// The needle for `bytes` (as compared), or `None` when empty.
    pub(super) fn new(bytes: Box<[u8]>, form: Form) -> Option<Self> {
        let canonical: Box<[u8]> = bytes.iter().map(|&b| base64::canon(b)).collect();
        let anchor = Pair::new(&canonical).map_or(0, |pair| pair.index1().into());
        (!bytes.is_empty()).then_some(Needle {
            bytes,
            form,
            canonical,
            anchor,
        })
    }

    /// Whether `text` holds the needle's rarest byte in any form it can be echoed in unescaped.
    pub(super) fn anchored(&self, text: &[u8]) -> bool {
        let [a, b] = self.anchor_sources();
        memchr::memchr2(a, b, text).is_some()
    }

    /// The two bytes the text may hold for this needle's rarest byte.
    pub(super) fn anchor_sources(&self) -> [u8; 2] {
        base64::sources(self.canonical[self.anchor])
    }

    /// Adds the spans of `text` that hold this needle to `out`. `canonical` is `text` with every
    /// byte as [`base64::canon`] reads it, given when `text` holds no escape and no line break
    /// (every unit is then one byte of the text).
    pub(super) fn find(
        &self,
        text: &[u8],
        canonical: Option<&[u8]>,
        out: &mut Vec<(usize, usize)>,
    ) {
        if let Some(canonical) = canonical {
            // Every match of the needle is one of `self.canonical` there; a raw one must also
            // match in the text itself (the text's `-` is not the key's `+`).
            let len = self.bytes.len();
            for hit in memchr::memchr_iter(self.canonical[self.anchor], canonical) {
                let Some(at) = hit.checked_sub(self.anchor) else {
                    continue;
                };
                let found = canonical.get(at..at + len) == Some(&self.canonical[..])
                    && (self.form == Form::Base64
                        || text[at..at + len].eq_ignore_ascii_case(&self.bytes));
                if found {
                    out.push((at, at + len));
                }
            }
            return;
        }
        let [a, b] = match self.form {
            Form::Raw => [self.bytes[0], self.bytes[0].to_ascii_uppercase()],
            Form::Base64 => base64::sources(self.bytes[0]),
        };
        // Escapes or line breaks present: decode forward from every position a match can start
        // at (its first byte in either form, or the start of an escape), without a decoded copy
        // of the text.
        out.extend(
            text.iter()
                .enumerate()
                .filter(|&(at, &c)| {
                    (c == a || c == b || c == b'\\' || c == b'%') && self.may_start(text, at)
                })
                .filter_map(|(at, _)| self.match_at(text, at)),
        );
    }

    /// A cheap look at the byte after `at` before decoding units: `false` only when a match
    /// starting at `at` is impossible (both bytes plain, and the second is not the needle's
    /// second byte). Most candidate positions of a body end here.
    fn may_start(&self, text: &[u8], at: usize) -> bool {
        let plain = |b: u8| b != b'\\' && b != b'%' && !self.form.skips(b);
        let (Some(&first), Some(&want)) = (text.get(at), self.bytes.get(1)) else {
            return true;
        };
        match text.get(at + 1) {
            Some(&next) if plain(first) && plain(next) => self.form.canon(next) == want,
            Some(_) => true,
            // The text ends after one byte: a plain one cannot be the whole needle.
            None => !plain(first),
        }
    }

    /// The span of the match starting at `at`, if one does.
    fn match_at(&self, text: &[u8], at: usize) -> Option<(usize, usize)> {
        let mut units = Units::new(text, at);
        let mut end = at;
        for (i, &want) in self.bytes.iter().enumerate() {
            let mut unit = units.next()?;
            while i > 0 && self.form.skips(unit.byte) {
                unit = units.next()?;
            }
            if self.form.canon(unit.byte) != want {
                return None;
            }
            end = unit.end;
        }
        Some((at, end))
    }
}
