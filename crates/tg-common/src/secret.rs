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
}
