//! Serde helpers for TGTrack's wire formats: user ids as strings, money as exact JSON numbers.

/// Telegram user ids: `i64` in Rust, a JSON string on the wire.
///
/// Encodes as a string (`"123456789"`); decodes a string of decimal digits or a JSON integer.
pub(crate) mod user_id {
    use std::fmt;

    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::Serializer;

    pub(crate) fn serialize<S: Serializer>(id: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(id)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_any(UserIdVisitor)
    }

    struct UserIdVisitor;

    impl Visitor<'_> for UserIdVisitor {
        type Value = i64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Telegram user id as a string of digits or an integer")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("user id {v} does not fit in i64")))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            v.trim()
                .parse::<i64>()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

/// `rust_decimal::Decimal` as a JSON number with its exact digits (`1500.00` stays `1500.00`);
/// use [`amount::option`] on an `Option<Decimal>` field.
///
/// Encodes through `serde_json`'s raw values, so no `f64` rounding happens and serde_json's
/// `arbitrary_precision` feature is not needed. Decodes a JSON number (its exact text, exponent
/// notation included) or a string holding one.
pub(crate) mod amount {
    use rust_decimal::Decimal;
    use serde::ser::{self, Serialize, Serializer};
    use serde_json::value::RawValue;

    pub(crate) fn serialize<S: Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(amount.to_string()).map_err(ser::Error::custom)?;
        raw.serialize(s)
    }

    /// Parses a JSON number's text (or a JSON string holding a number) into an exact decimal.
    pub(crate) fn parse(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        let number: std::borrow::Cow<'_, str> = if text.starts_with('"') {
            serde_json::from_str::<String>(text)
                .map_err(|e| format!("invalid amount string: {e}"))?
                .into()
        } else {
            text.into()
        };
        let number = number.trim();
        let parsed = if number.contains(['e', 'E']) {
            Decimal::from_scientific(number)
        } else {
            Decimal::from_str_exact(number)
        };
        parsed.map_err(|e| format!("invalid amount `{number}`: {e}"))
    }

    /// The same for `Option<Decimal>` (pair it with `skip_serializing_if` and `default`).
    pub(crate) mod option {
        use rust_decimal::Decimal;
        use serde::de::{Deserialize, Deserializer};
        use serde::ser::Serializer;
        use serde_json::value::RawValue;

        pub(crate) fn serialize<S: Serializer>(
            amount: &Option<Decimal>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match amount {
                Some(a) => super::serialize(a, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Decimal>, D::Error> {
            let raw = Option::<Box<RawValue>>::deserialize(d)?;
            match raw {
                None => Ok(None),
                Some(raw) if raw.get().trim() == "null" => Ok(None),
                Some(raw) => super::parse(raw.get())
                    .map(Some)
                    .map_err(serde::de::Error::custom),
            }
        }
    }
}

/// A string field that the server may send as `null`: `null` decodes as the empty string.
pub(crate) mod null_as_empty {
    use serde::de::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
    }
}

/// A unix-time field that the server may send as `null`: `null` decodes as `0` (the documented
/// "none" value).
pub(crate) mod null_as_zero {
    use serde::de::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        Ok(Option::<i64>::deserialize(d)?.unwrap_or_default())
    }
}
