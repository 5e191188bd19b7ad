//! `event_result` of `add_event`: where the lead stands against the funnel's goal.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The result of a funnel step (`event_result`). The server assumes
/// [`EventResult::InProgress`] when it is omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum EventResult {
    /// `in_progress`: the lead keeps moving through the funnel (the default).
    #[default]
    InProgress,
    /// `success`: the funnel's goal was reached (a sale, a sign-up, an application).
    Success,
    /// `failure`: the goal was not reached and the lead left the funnel.
    Failure,
    /// A value this crate does not know, kept as sent so it round-trips.
    Unknown(String),
}

impl EventResult {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            EventResult::InProgress => "in_progress",
            EventResult::Success => "success",
            EventResult::Failure => "failure",
            EventResult::Unknown(s) => s,
        }
    }

    /// The result for a wire value; unknown values are kept in [`EventResult::Unknown`].
    pub fn from_wire(value: &str) -> Self {
        match value {
            "in_progress" => EventResult::InProgress,
            "success" => EventResult::Success,
            "failure" => EventResult::Failure,
            other => EventResult::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for EventResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(EventResult::from_wire(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_in_progress() {
        assert_eq!(EventResult::default(), EventResult::InProgress);
    }

    #[test]
    fn every_value_round_trips_including_unknown() {
        for (text, want) in [
            ("in_progress", EventResult::InProgress),
            ("success", EventResult::Success),
            ("failure", EventResult::Failure),
            ("refunded", EventResult::Unknown("refunded".into())),
        ] {
            let json = format!("\"{text}\"");
            let got: EventResult = serde_json::from_str(&json).unwrap();
            assert_eq!(got, want);
            assert_eq!(serde_json::to_string(&got).unwrap(), json);
        }
    }
}
