//! `start_value`: the deep-link parameter a bot was started with, or the keyword `auto_detect`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tg_common::Error;

use crate::validate::{MAX_START_VALUE_LEN, bounded_text};

/// The keyword asking TGTrack to work out the start parameter itself.
pub const AUTO_DETECT: &str = "auto_detect";

/// The value of `start_value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum StartValue {
    /// The bot was started without a parameter: the empty string on the wire.
    #[default]
    Empty,
    /// The bot builder cannot read the parameter: `"auto_detect"` on the wire, and TGTrack tries
    /// to determine it.
    AutoDetect,
    /// The parameter as the bot builder reports it (`PJaf5568712cd`, `TГTrack-PJ123456`).
    Value(String),
}

impl StartValue {
    /// Maps a wire string: `""` to [`StartValue::Empty`], `"auto_detect"` to
    /// [`StartValue::AutoDetect`], anything else to [`StartValue::Value`] (not validated here).
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        match value.as_str() {
            "" => StartValue::Empty,
            AUTO_DETECT => StartValue::AutoDetect,
            _ => StartValue::Value(value),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            StartValue::Empty => "",
            StartValue::AutoDetect => AUTO_DETECT,
            StartValue::Value(v) => v,
        }
    }

    /// Accepts the empty value, the keyword and any text of at most
    /// [`MAX_START_VALUE_LEN`] characters without control characters, naming `field` in the
    /// error.
    ///
    /// Telegram's deep-link rule (64 characters of `A-Z a-z 0-9 _ -`) is not applied: the value
    /// comes from a bot builder, which may rewrite it (the document's example is
    /// `"TГTrack-PJ123456"`). Check a parameter read from a `/start` message with
    /// [`crate::start_param::start_param`].
    pub fn validate(&self, field: &'static str) -> Result<(), Error> {
        match self {
            StartValue::Empty | StartValue::AutoDetect => Ok(()),
            StartValue::Value(v) => bounded_text(field, v, MAX_START_VALUE_LEN),
        }
    }
}

impl From<&str> for StartValue {
    fn from(value: &str) -> Self {
        StartValue::new(value)
    }
}

impl From<String> for StartValue {
    fn from(value: String) -> Self {
        StartValue::new(value)
    }
}

impl From<Option<&str>> for StartValue {
    fn from(value: Option<&str>) -> Self {
        value.map(StartValue::new).unwrap_or_default()
    }
}

impl fmt::Display for StartValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StartValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StartValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(StartValue::new(String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        assert_eq!(serde_json::to_string(&StartValue::Empty).unwrap(), r#""""#);
        assert_eq!(
            serde_json::to_string(&StartValue::AutoDetect).unwrap(),
            r#""auto_detect""#
        );
        assert_eq!(
            serde_json::from_str::<StartValue>(r#""auto_detect""#).unwrap(),
            StartValue::AutoDetect
        );
        assert_eq!(
            serde_json::from_str::<StartValue>(r#""""#).unwrap(),
            StartValue::Empty
        );
        assert_eq!(
            serde_json::from_str::<StartValue>(r#""abc""#).unwrap(),
            StartValue::Value("abc".into())
        );
        assert_eq!(StartValue::from(None), StartValue::Empty);
    }

    #[test]
    fn validation_allows_builder_text_but_not_control_characters_or_huge_values() {
        assert!(StartValue::Empty.validate("start_value").is_ok());
        assert!(StartValue::AutoDetect.validate("start_value").is_ok());
        assert!(
            StartValue::Value("auto_detect".into())
                .validate("start_value")
                .is_ok()
        );
        assert!(
            StartValue::new("PJaf5568712cd")
                .validate("start_value")
                .is_ok()
        );
        assert!(
            StartValue::new("a".repeat(64))
                .validate("start_value")
                .is_ok()
        );
        assert!(
            StartValue::new("TГTrack-PJ123456")
                .validate("start_value")
                .is_ok()
        );
        assert!(
            StartValue::new("with space")
                .validate("start_value")
                .is_ok()
        );
        assert!(
            StartValue::new("a".repeat(MAX_START_VALUE_LEN))
                .validate("start_value")
                .is_ok()
        );
        assert!(
            StartValue::new("a".repeat(MAX_START_VALUE_LEN + 1))
                .validate("start_value")
                .is_err()
        );
        assert!(
            StartValue::new("line\nbreak")
                .validate("start_value")
                .is_err()
        );
        assert!(
            StartValue::Value(String::new())
                .validate("start_value")
                .is_ok()
        );
    }
}
