//! Test support for "a secret is never shown": a tracing subscriber that keeps every span,
//! field and event as text, the forms in which a server can echo a secret, and a search for
//! those forms in whatever a client printed.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::service::percent_encode;

/// A subscriber that enables everything and writes each span (`span <name> <fields>`), recorded
/// value (`record <fields>`) and event (`event <target> <fields>`) on a line of one text.
///
/// ```
/// let capture = tg_mock::leak::TracingCapture::default();
/// tracing::subscriber::with_default(capture.clone(), || tracing::info!(attempt = 2, "retrying"));
/// assert!(capture.text().contains("attempt=2"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct TracingCapture(Arc<Mutex<String>>);

impl TracingCapture {
    /// Everything written so far.
    pub fn text(&self) -> String {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Writes ` name=value` for each field visited.
struct FieldWriter<'a>(&'a mut String);

impl Visit for FieldWriter<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for TracingCapture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut text = self.lock();
        let _ = write!(text, "\nspan {}", attrs.metadata().name());
        attrs.record(&mut FieldWriter(&mut text));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut text = self.lock();
        text.push_str("\nrecord");
        values.record(&mut FieldWriter(&mut text));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = self.lock();
        let _ = write!(text, "\nevent {}", event.metadata().target());
        event.record(&mut FieldWriter(&mut text));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// `secret` with every character written as a JSON `\u` escape, as a server's JSON encoder may
/// echo it.
pub fn json_escaped(secret: &str) -> String {
    escaped(secret, None)
}

/// `secret` with the character at `only` (or every character, when `None`) written as a JSON
/// `\u` escape.
fn escaped(secret: &str, only: Option<usize>) -> String {
    let mut out = String::new();
    for (i, c) in secret.chars().enumerate() {
        if only.is_none_or(|n| n == i) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A request path holding `secret` echoed base64-encoded, as a server may: the secret after 4,
/// 5 and 6 bytes of path (its three byte alignments), in standard and URL-safe base64, padded
/// and not.
pub fn base64_echoes(secret: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = Vec::new();
    for prefix in ["/v1/", "/v1/x", "/v1/xy"] {
        let path = format!("{prefix}{secret}/m?~>");
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            forms.push(engine.encode(&path));
        }
    }
    forms
}

/// The forms in which a server can echo `secret` inside a JSON string or a path: raw, lower-
/// and upper-cased, percent-encoded (every byte, or the reserved ones, in either case),
/// JSON-escaped whole or one character, percent-encoded with the `%` itself JSON-escaped, and
/// a path holding it base64-encoded ([`base64_echoes`]).
pub fn echo_forms(secret: &str) -> Vec<String> {
    let reserved = percent_encode(secret, false);
    let mut forms = vec![
        secret.to_owned(),
        secret.to_lowercase(),
        secret.to_uppercase(),
        percent_encode(secret, true),
        percent_encode(secret, true).to_lowercase(),
        reserved.clone(),
        reserved.to_lowercase(),
        escaped(secret, None),
        escaped(secret, Some(1)),
        reserved.replace('%', "\\u0025"),
    ];
    forms.extend(base64_echoes(secret));
    let mut seen = std::collections::HashSet::new();
    forms.retain(|f| seen.insert(f.clone()));
    forms
}

/// The form in which `text` shows `secret`, if it does: the secret itself, percent-encoded or
/// JSON-escaped, in any letter case, or base64-encoded ([`base64_shown`]). `None` means the
/// secret is not shown.
pub fn shown_as(secret: &str, text: &str) -> Option<String> {
    if let Some(decoded) = base64_shown(secret, text) {
        return Some(format!("base64 of {decoded:?}"));
    }
    let text = text.to_lowercase();
    [
        secret.to_owned(),
        percent_encode(secret, true),
        percent_encode(secret, false),
        escaped(secret, None),
    ]
    .into_iter()
    .map(|form| form.to_lowercase())
    .find(|form| text.contains(form.as_str()))
}

/// A run of base64 characters in `text` (either alphabet) that decodes, read from any of its
/// first four characters, to bytes holding four bytes of `secret` in a row (all of it when
/// shorter): the decoded bytes, lossily as text. What is left around a masked base64 echo holds
/// at most one byte of the secret at each end.
pub fn base64_shown(secret: &str, text: &str) -> Option<String> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let lenient = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone);
    let engine = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let secret = secret.as_bytes();
    let window = secret.len().min(4);
    if window == 0 {
        return None;
    }
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || "+/-_".contains(c);
    for run in text.split(|c: char| !is_b64(c)) {
        let run: String = run
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        for skip in 0..4.min(run.len()) {
            let mut chars = &run[skip..];
            if chars.len() % 4 == 1 {
                chars = &chars[..chars.len() - 1];
            }
            let Ok(decoded) = engine.decode(chars) else {
                continue;
            };
            if secret
                .windows(window)
                .any(|w| decoded.windows(window).any(|d| d == w))
            {
                return Some(String::from_utf8_lossy(&decoded).into_owned());
            }
        }
    }
    None
}

/// What an error can print: its Display, Debug and `{:#?}`, and the same for each source.
pub fn error_texts(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        texts.push(format!("{e}"));
        texts.push(format!("{e:?}"));
        texts.push(format!("{e:#?}"));
        next = e.source();
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_echo_form_is_found() {
        let secret = "Key:With/Odd~Chars";
        for form in echo_forms(secret) {
            let unescaped = form.replace("\\u0025", "%");
            let found = shown_as(secret, &format!("said {form} there"))
                .or_else(|| shown_as(secret, &unescaped));
            // One escaped character is only found once a decoder has un-escaped it.
            if form == escaped(secret, Some(1)) {
                continue;
            }
            assert!(found.is_some(), "{form}");
        }
        assert_eq!(shown_as(secret, "nothing here"), None);
    }

    #[test]
    fn the_capture_keeps_spans_and_events() {
        let capture = TracingCapture::default();
        tracing::subscriber::with_default(capture.clone(), || {
            let span = tracing::info_span!("tg_request", attempt = 1);
            let _entered = span.enter();
            tracing::debug!(status = 503, "retrying");
        });
        let text = capture.text();
        assert!(text.contains("span tg_request attempt=1"), "{text}");
        assert!(text.contains("status=503"), "{text}");
        assert!(text.contains("retrying"), "{text}");
    }
}
