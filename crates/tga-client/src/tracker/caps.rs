//! The caps of `GET /events/threshold`, applied per `session_id`: a session (the SDK's app
//! launch) sends at most `cap` events of a capped name; the rest are refused at `track`,
//! counted in `over_threshold` and handed back to the caller as
//! [`TrackError::OverThreshold`].
//!
//! The counts of at most [`MAX_CAPPED_SESSIONS`] sessions are kept; when a new session would
//! exceed that, the session seen first is forgotten (a forgotten session that comes back starts
//! from zero again: it may send more than its cap, never less).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use uuid::Uuid;

use super::error::TrackError;
use super::stats::Counters;
use crate::event::Event;
use crate::thresholds::EventThresholds;

/// The most sessions whose counts a tracker keeps.
pub const MAX_CAPPED_SESSIONS: usize = 100_000;

/// The caps and what each session has used of them.
#[derive(Debug)]
pub(crate) struct SessionCaps {
    thresholds: EventThresholds,
    max_sessions: usize,
    used: Mutex<Used>,
}

#[derive(Debug, Default)]
struct Used {
    /// Per session, per capped name, the events taken.
    counts: HashMap<Uuid, HashMap<String, u64>>,
    /// Sessions in the order first seen, to forget the oldest.
    order: VecDeque<Uuid>,
}

impl SessionCaps {
    pub(crate) fn new(thresholds: EventThresholds) -> Self {
        SessionCaps::with_max_sessions(thresholds, MAX_CAPPED_SESSIONS)
    }

    fn with_max_sessions(thresholds: EventThresholds, max_sessions: usize) -> Self {
        SessionCaps {
            thresholds,
            max_sessions: max_sessions.max(1),
            used: Mutex::new(Used::default()),
        }
    }

    /// Takes one event of `event`'s name for its session, or refuses it (counted) when the
    /// session has used the cap.
    pub(crate) fn admit(&self, event: &Event, counters: &Counters) -> Result<(), TrackError> {
        let Some(cap) = self.thresholds.cap(&event.event_name) else {
            return Ok(());
        };
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let Used { counts, order } = &mut *used;
        if !counts.contains_key(&event.session_id) {
            while counts.len() >= self.max_sessions {
                let Some(oldest) = order.pop_front() else {
                    break;
                };
                counts.remove(&oldest);
            }
            order.push_back(event.session_id);
        }
        let count = counts
            .entry(event.session_id)
            .or_default()
            .entry(event.event_name.as_str().to_owned())
            .or_default();
        if *count >= cap {
            Counters::add(&counters.over_threshold, 1);
            return Err(TrackError::OverThreshold {
                event_name: event.event_name.clone(),
                session_id: event.session_id,
                cap,
            });
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventName;

    fn event(name: &str, session: u128) -> Event {
        Event::new(1, name, Uuid::from_u128(session), "app")
    }

    #[test]
    fn each_session_gets_its_own_caps() {
        let caps = SessionCaps::new(
            EventThresholds::new()
                .with(EventName::AppHide, 2)
                .with(EventName::CustomEvent, 0),
        );
        let counters = Counters::default();
        for session in [1, 2] {
            caps.admit(&event("app-hide", session), &counters).unwrap();
            caps.admit(&event("app-hide", session), &counters).unwrap();
            let err = caps
                .admit(&event("app-hide", session), &counters)
                .unwrap_err();
            assert!(
                matches!(err, TrackError::OverThreshold { cap: 2, .. }),
                "{err}"
            );
            assert!(
                caps.admit(&event("custom-event", session), &counters)
                    .is_err()
            );
            for _ in 0..10 {
                caps.admit(&event("app-init", session), &counters).unwrap();
            }
        }
        assert_eq!(counters.snapshot(&Default::default()).over_threshold, 4);
    }

    #[test]
    fn the_oldest_session_is_forgotten_past_the_bound() {
        let caps = SessionCaps::with_max_sessions(EventThresholds::new().with("x", 1), 2);
        let counters = Counters::default();
        for session in [1, 2, 3] {
            caps.admit(&event("x", session), &counters).unwrap();
        }
        assert!(caps.admit(&event("x", 3), &counters).is_err());
        // Session 1 was forgotten: it starts again.
        caps.admit(&event("x", 1), &counters).unwrap();
        let used = caps.used.lock().unwrap();
        assert_eq!(used.counts.len(), 2);
    }
}
