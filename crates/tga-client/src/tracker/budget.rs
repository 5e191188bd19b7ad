//! The byte budget of the batch being filled: a batch is cut when the next event would make
//! its JSON array longer than `max_batch_bytes`, as well as when it holds `max_batch` events.

use tg_common::Error;

use crate::event::EncodedEvent;
use crate::event::limits::check_request_budget;

/// Bytes used by the batch being filled: each event's JSON and a separator (`[` for the first,
/// `,` for the others); the body is this plus the closing `]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    max_bytes: usize,
    used: usize,
}

impl Budget {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Budget { max_bytes, used: 0 }
    }

    /// Whether `event` fits in the batch after what it holds. An empty batch takes any event
    /// (one event always fits: [`MAX_EVENT_BYTES`](crate::limits::MAX_EVENT_BYTES) is
    /// below every accepted budget).
    pub(crate) fn fits(&self, event: &EncodedEvent) -> bool {
        self.used == 0 || self.used + event.len() + 2 <= self.max_bytes
    }

    /// Counts `event` as added.
    pub(crate) fn add(&mut self, event: &EncodedEvent) {
        self.used += event.len() + 1;
    }

    /// Starts a new batch.
    pub(crate) fn reset(&mut self) {
        self.used = 0;
    }
}

/// Checks `max_batch_bytes`.
pub(crate) fn validate(max_batch_bytes: usize) -> Result<(), Error> {
    check_request_budget("max_batch_bytes", max_batch_bytes)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::event::{Event, encode_batch};

    #[test]
    fn a_batch_that_fits_the_budget_is_at_most_the_budget_long() {
        let event = Event::new(1, "app-init", Uuid::nil(), "a")
            .encode()
            .unwrap();
        for max in [event.len() + 2, event.len() * 3 + 4, event.len() * 3 + 3] {
            let mut budget = Budget::new(max);
            let mut batch = Vec::new();
            while budget.fits(&event) {
                budget.add(&event);
                batch.push(event.clone());
            }
            assert!(encode_batch(&batch).len() <= max, "{max}");
            batch.push(event.clone());
            assert!(
                encode_batch(&batch).len() > max,
                "{max}: one more would fit"
            );
        }
    }

    #[test]
    fn the_budget_must_hold_one_largest_event() {
        use crate::limits::{MAX_REQUEST_BYTES_LIMIT, MIN_REQUEST_BYTES};
        use crate::tracker::TrackerConfig;
        for bad in [0, 1000, MIN_REQUEST_BYTES - 1, MAX_REQUEST_BYTES_LIMIT + 1] {
            let config = TrackerConfig::default().with_max_batch_bytes(bad);
            let err = config.validate().unwrap_err();
            assert!(err.to_string().contains("max_batch_bytes"), "{err}");
        }
        for good in [MIN_REQUEST_BYTES, MAX_REQUEST_BYTES_LIMIT] {
            TrackerConfig::default()
                .with_max_batch_bytes(good)
                .validate()
                .unwrap();
        }
    }
}
