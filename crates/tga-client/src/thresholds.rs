//! `GET /events/threshold`: per event name, the most events one app launch may send.
//!
//! The official SDK fetches this object once per launch (`{"app-hide": 3, ...}`, a JSON object
//! of event names to counts) and then, per name, sends at most that many events in the launch;
//! `0` means "do not send this event"; a name absent from the object has no cap. Without an
//! answer the SDK uses `{"app-hide": 3}` ([`EventThresholds::sdk_fallback`]).
//!
//! [`Client::event_thresholds`](crate::Client::event_thresholds) fetches it; a [`Tracker`]
//! configured with [`TrackerConfig::with_thresholds`] applies the caps per `session_id` (the
//! SDK's launch).
//!
//! [`Tracker`]: crate::Tracker
//! [`TrackerConfig::with_thresholds`]: crate::TrackerConfig::with_thresholds

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::EventName;

/// The caps of `GET /events/threshold`: event name → the most events one launch may send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventThresholds(BTreeMap<String, u64>);

impl EventThresholds {
    /// No caps.
    pub fn new() -> Self {
        EventThresholds::default()
    }

    /// What the SDK applies when the service does not answer: at most 3 `app-hide` per launch.
    pub fn sdk_fallback() -> Self {
        EventThresholds::new().with(EventName::AppHide, 3)
    }

    /// These caps with `name` capped at `max` events per launch (`0`: never sent).
    #[must_use]
    pub fn with(mut self, name: impl Into<EventName>, max: u64) -> Self {
        self.0.insert(name.into().as_str().to_owned(), max);
        self
    }

    /// The cap of `name`, or `None` when it has none.
    pub fn cap(&self, name: &EventName) -> Option<u64> {
        self.0.get(name.as_str()).copied()
    }

    /// Every capped name with its cap, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(name, cap)| (name.as_str(), *cap))
    }

    /// How many names are capped.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no name is capped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<EventName>> FromIterator<(N, u64)> for EventThresholds {
    fn from_iter<I: IntoIterator<Item = (N, u64)>>(iter: I) -> Self {
        iter.into_iter()
            .fold(EventThresholds::new(), |t, (name, cap)| t.with(name, cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_sdk_shape_and_looks_names_up() {
        let t: EventThresholds =
            serde_json::from_str(r#"{"app-hide": 3, "custom-event": 0, "quest": 10}"#).unwrap();
        assert_eq!(t.cap(&EventName::AppHide), Some(3));
        assert_eq!(t.cap(&EventName::CustomEvent), Some(0));
        assert_eq!(t.cap(&"quest".into()), Some(10));
        assert_eq!(t.cap(&EventName::AppInit), None);
        assert_eq!(t.len(), 3);
        assert_eq!(
            EventThresholds::sdk_fallback().cap(&EventName::AppHide),
            Some(3)
        );
        let back: EventThresholds =
            serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        let collected: EventThresholds = [("app-hide", 3)].into_iter().collect();
        assert_eq!(collected, EventThresholds::sdk_fallback());
    }

    #[test]
    fn refuses_what_is_not_a_count() {
        for body in [
            r#"{"a": -1}"#,
            r#"{"a": 1.5}"#,
            r#"{"a": "3"}"#,
            "[]",
            "null",
        ] {
            assert!(
                serde_json::from_str::<EventThresholds>(body).is_err(),
                "{body}"
            );
        }
    }
}
