//! `client_timestamp`: milliseconds since the Unix epoch, sent as a decimal string.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// When the event happened on the client, in milliseconds since the Unix epoch.
///
/// Sent as a string (`"1743503599534"`), as the official SDK does; a JSON number or a string of
/// digits decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientTimestamp(u64);

impl ClientTimestamp {
    /// A timestamp of this many milliseconds since the epoch.
    pub const fn from_millis(millis: u64) -> Self {
        ClientTimestamp(millis)
    }

    /// The current time (a clock before the epoch reads as the epoch).
    pub fn now() -> Self {
        ClientTimestamp::from_system_time(SystemTime::now())
    }

    /// The given time (a time before the epoch reads as the epoch).
    pub fn from_system_time(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        ClientTimestamp(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The time this timestamp names.
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0)
    }
}

impl fmt::Display for ClientTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for ClientTimestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = ClientTimestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("milliseconds since the epoch, as a string of digits or a number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ClientTimestamp, E> {
        Ok(ClientTimestamp(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ClientTimestamp, E> {
        u64::try_from(v)
            .map(ClientTimestamp)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ClientTimestamp, E> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::invalid_value(de::Unexpected::Str(v), &self));
        }
        v.parse()
            .map(ClientTimestamp)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

impl<'de> Deserialize<'de> for ClientTimestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_as_a_string_and_read_from_string_or_number() {
        let t = ClientTimestamp::from_millis(1_743_503_599_534);
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""1743503599534""#);
        let a: ClientTimestamp = serde_json::from_str(r#""1743503599534""#).unwrap();
        let b: ClientTimestamp = serde_json::from_str("1743503599534").unwrap();
        assert_eq!(a, t);
        assert_eq!(b, t);
    }

    #[test]
    fn rejects_non_digits() {
        for wire in [r#""""#, r#""12a""#, r#""-5""#, "-5", "1.5", "true"] {
            assert!(
                serde_json::from_str::<ClientTimestamp>(wire).is_err(),
                "{wire}"
            );
        }
    }

    #[test]
    fn now_is_milliseconds_since_the_epoch() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let now = ClientTimestamp::now().as_millis();
        assert!(now >= before && now < before + 60_000);
        let t = ClientTimestamp::from_millis(1_000);
        assert_eq!(t.to_system_time(), UNIX_EPOCH + Duration::from_secs(1));
        assert_eq!(
            ClientTimestamp::from_system_time(UNIX_EPOCH - Duration::from_secs(5)).as_millis(),
            0
        );
    }
}
