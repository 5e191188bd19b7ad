//! Secrets (API keys, tokens, webhook secrets) that never reach Debug, Display or a log line.

use std::fmt;
use std::sync::Arc;

/// The text every secret prints as, in Debug and Display alike.
pub const MASK: &str = "[redacted]";

/// An API key, token or webhook secret.
///
/// Debug and Display print [`MASK`]; the value is only reachable through
/// [`Secret::expose`], which the transport calls when it builds a request.
/// Cloning is cheap (the value is shared).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret's value. Call it only where the value is sent or used for a MAC.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an empty key is a configuration error).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// The characters and length a service issues its keys in, checked when a client is built.
///
/// The check's error names the problem (empty, too long, which kind of character) and never the
/// key or any of its characters.
#[derive(Debug, Clone, Copy)]
pub struct KeyFormat {
    /// What the secret is called in errors (`API key`, `TGA token`).
    pub what: &'static str,
    /// The longest accepted value, in bytes.
    pub max_len: usize,
    /// The ASCII punctuation accepted besides `A-Z a-z 0-9`.
    pub punctuation: &'static [u8],
}

impl KeyFormat {
    /// A key carried as one URL path segment: RFC 3986 unreserved characters
    /// (`A-Z a-z 0-9 - . _ ~`), at most 256 bytes.
    pub const PATH_SEGMENT: KeyFormat = KeyFormat {
        what: "API key",
        max_len: 256,
        punctuation: b"-._~",
    };

    /// A token carried as a header value in base64 or base64url pieces joined by `!` or `.`
    /// (`A-Z a-z 0-9 + / = - _ ! .`), at most 4096 bytes.
    pub const HEADER_TOKEN: KeyFormat = KeyFormat {
        what: "token",
        max_len: 4096,
        punctuation: b"+/=-_!.",
    };

    /// This format under another name in errors.
    pub const fn named(self, what: &'static str) -> KeyFormat {
        KeyFormat { what, ..self }
    }

    /// `key` without surrounding whitespace (a pasted key often ends in a newline), once
    /// [`KeyFormat::check`] accepts it.
    ///
    /// ```
    /// use tg_common::Secret;
    /// use tg_common::KeyFormat;
    ///
    /// let key = KeyFormat::PATH_SEGMENT.accept(Secret::new(" abc-123\n")).unwrap();
    /// assert_eq!(key.expose(), "abc-123");
    /// assert!(KeyFormat::PATH_SEGMENT.accept(Secret::new("a/b")).is_err());
    /// ```
    pub fn accept(&self, key: Secret) -> Result<Secret, crate::Error> {
        let exposed = key.expose();
        let key = if exposed.trim().len() == exposed.len() {
            key
        } else {
            Secret::new(exposed.trim())
        };
        self.check(&key)?;
        Ok(key)
    }

    /// Checks `key`; the error names what is wrong, never the key.
    pub fn check(&self, key: &Secret) -> Result<(), crate::Error> {
        let value = key.expose().as_bytes();
        let what = self.what;
        if value.is_empty() {
            return Err(crate::Error::config(format!("the {what} is empty")));
        }
        if value.len() > self.max_len {
            return Err(crate::Error::config(format!(
                "the {what} is {} bytes long; the service issues at most {}",
                value.len(),
                self.max_len
            )));
        }
        let bad = value
            .iter()
            .find(|b| !(b.is_ascii_alphanumeric() || self.punctuation.contains(b)));
        if let Some(&b) = bad {
            let kind = if !b.is_ascii() {
                "a non-ASCII character"
            } else if b.is_ascii_control() {
                "a control character"
            } else if b == b' ' {
                "a space"
            } else {
                "a punctuation character"
            };
            let allowed = String::from_utf8_lossy(self.punctuation);
            return Err(crate::Error::config(format!(
                "the {what} holds {kind} the service never issues (allowed: A-Z a-z 0-9 and `{allowed}`)"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_the_value() {
        let s = Secret::new("sk_live_123456");
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{s:?}"), format!("Secret({MASK})"));
        assert!(!format!("{:#?}", Some(s.clone())).contains("sk_live"));
        assert_eq!(s.expose(), "sk_live_123456");
    }

    #[test]
    fn key_formats_refuse_what_services_never_issue_without_naming_the_key() {
        let f = KeyFormat::PATH_SEGMENT;
        assert!(f.check(&Secret::new("demo-key_1.x~")).is_ok());
        let long = "k".repeat(1 << 20);
        for (bad, problem) in [
            ("", "empty"),
            ("ab/cdSECRET", "punctuation"),
            ("ab?cdSECRET", "punctuation"),
            ("ab#cdSECRET", "punctuation"),
            ("ab%2FSECRET", "punctuation"),
            ("ab:cdSECRET", "punctuation"),
            ("ab cdSECRET", "a space"),
            ("ab\ncdSECRET", "control"),
            ("ab\u{0}SECRET", "control"),
            ("abc\u{e9}SECRET", "non-ASCII"),
            (
                long.as_str(),
                "1048576 bytes long; the service issues at most 256",
            ),
        ] {
            let err = f.check(&Secret::new(bad)).unwrap_err();
            let text = format!("{err} {err:?} {err:#?}");
            assert!(text.contains(problem), "{text}");
            assert!(!text.contains("SECRET") && !text.contains("kkkk"), "{text}");
        }
        let t = KeyFormat::HEADER_TOKEN.named("TGA token");
        assert!(
            t.check(&Secret::new("eyJhcHBfbmFtZSI6ImEifQ==!c2ln-_/+."))
                .is_ok()
        );
        let err = t.check(&Secret::new("tok en")).unwrap_err().to_string();
        assert!(err.contains("TGA token") && err.contains("space"), "{err}");
    }
}
