//! The key's mode that every TGTrack answer reports: production or sandbox.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether the API key that answered is a production or a sandbox key (`"mode"` in every
/// envelope).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `"production"`: events reach the reports and the ad systems.
    Production,
    /// `"sandbox"`: a test key.
    Sandbox,
    /// A value this crate does not know, kept as sent.
    Unknown(String),
}

impl Mode {
    /// The wire value (`production`, `sandbox`, or the unknown value as sent).
    pub fn as_str(&self) -> &str {
        match self {
            Mode::Production => "production",
            Mode::Sandbox => "sandbox",
            Mode::Unknown(s) => s,
        }
    }

    /// The mode for a wire value; unknown values are kept in [`Mode::Unknown`].
    pub fn from_wire(value: &str) -> Self {
        match value {
            "production" => Mode::Production,
            "sandbox" => Mode::Sandbox,
            other => Mode::Unknown(other.to_owned()),
        }
    }

    /// Whether this is a sandbox key.
    pub fn is_sandbox(&self) -> bool {
        matches!(self, Mode::Sandbox)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Mode::from_wire(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_modes_round_trip() {
        for text in ["production", "sandbox", "staging"] {
            let json = format!("\"{text}\"");
            let mode: Mode = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&mode).unwrap(), json);
        }
        assert_eq!(Mode::from_wire("sandbox"), Mode::Sandbox);
        assert!(Mode::from_wire("sandbox").is_sandbox());
        assert_eq!(Mode::from_wire("beta"), Mode::Unknown("beta".into()));
    }
}
