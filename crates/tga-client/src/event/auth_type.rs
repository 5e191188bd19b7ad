//! `auth_type`: how a TON Connect wallet authorised the app.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `auth_type` of a TON Connect event.
///
/// The documents describe an enum `0 = ton_addr, 1 = ton_proof`; the official SDK sends the
/// strings. Both forms (and the digits as strings) decode; the string form is always sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `ton_addr` (`0`): the wallet shared its address only.
    TonAddr,
    /// `ton_proof` (`1`): the wallet signed a proof of ownership.
    TonProof,
}

impl AuthType {
    /// The string form sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::TonAddr => "ton_addr",
            AuthType::TonProof => "ton_proof",
        }
    }

    /// The documented number (`0` or `1`).
    pub fn code(self) -> u8 {
        match self {
            AuthType::TonAddr => 0,
            AuthType::TonProof => 1,
        }
    }

    fn from_text(text: &str) -> Option<Self> {
        match text {
            "ton_addr" | "0" => Some(AuthType::TonAddr),
            "ton_proof" | "1" => Some(AuthType::TonProof),
            _ => None,
        }
    }

    fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(AuthType::TonAddr),
            1 => Some(AuthType::TonProof),
            _ => None,
        }
    }
}

impl fmt::Display for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AuthType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

struct AuthTypeVisitor;

const EXPECTED: &str = "0, 1, \"ton_addr\" or \"ton_proof\"";

impl Visitor<'_> for AuthTypeVisitor {
    type Value = AuthType;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AuthType, E> {
        AuthType::from_code(v).ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AuthType, E> {
        u64::try_from(v)
            .ok()
            .and_then(AuthType::from_code)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AuthType, E> {
        AuthType::from_text(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

impl<'de> Deserialize<'de> for AuthType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AuthTypeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_documented_forms_and_sends_the_string() {
        for (wire, want) in [
            ("0", AuthType::TonAddr),
            ("1", AuthType::TonProof),
            (r#""ton_addr""#, AuthType::TonAddr),
            (r#""ton_proof""#, AuthType::TonProof),
            (r#""1""#, AuthType::TonProof),
        ] {
            let got: AuthType = serde_json::from_str(wire).unwrap();
            assert_eq!(got, want, "{wire}");
        }
        assert_eq!(
            serde_json::to_string(&AuthType::TonAddr).unwrap(),
            r#""ton_addr""#
        );
        assert_eq!(
            serde_json::to_string(&AuthType::TonProof).unwrap(),
            r#""ton_proof""#
        );
        assert_eq!(AuthType::TonProof.code(), 1);
    }

    #[test]
    fn rejects_other_values() {
        for wire in ["2", "-1", r#""ton""#, "true", "null", "0.5"] {
            assert!(serde_json::from_str::<AuthType>(wire).is_err(), "{wire}");
        }
    }
}
