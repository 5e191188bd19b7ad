//! Which updates are confirmed: the offset sent with `getUpdates` is the last *handed-on*
//! `update_id` + 1, so an update fetched but not yet handed to the bot stays unconfirmed and
//! Telegram sends it again after a restart.

/// The poller's offsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Offsets {
    /// The offset to send next: the last handed-on `update_id` + 1 (or the configured start).
    next: Option<i64>,
    /// The offset the last `getUpdates` sent (what Telegram has confirmed).
    confirmed: Option<i64>,
}

impl Offsets {
    /// Offsets starting from `start` (none: Telegram's earliest unconfirmed update).
    pub(crate) fn new(start: Option<i64>) -> Self {
        Offsets {
            next: start,
            confirmed: None,
        }
    }

    /// The update with this id was handed on.
    pub(crate) fn handed(&mut self, update_id: i64) {
        let after = update_id.saturating_add(1);
        self.next = Some(self.next.map_or(after, |n| n.max(after)));
    }

    /// The offset for the next call.
    pub(crate) fn next(&self) -> Option<i64> {
        self.next
    }

    /// A call carrying `offset` reached Telegram.
    pub(crate) fn sent(&mut self, offset: Option<i64>) {
        if offset.is_some() {
            self.confirmed = offset;
        }
    }

    /// Whether updates were handed on since the last call confirmed them.
    pub(crate) fn unconfirmed(&self) -> bool {
        match (self.next, self.confirmed) {
            (Some(n), Some(c)) => n > c,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_follows_what_was_handed_on() {
        let mut o = Offsets::new(None);
        assert_eq!(o.next(), None);
        assert!(!o.unconfirmed());
        o.handed(10);
        o.handed(12);
        o.handed(11);
        assert_eq!(o.next(), Some(13));
        assert!(o.unconfirmed());
        o.sent(o.next());
        assert!(!o.unconfirmed());
        let mut started = Offsets::new(Some(100));
        started.handed(5);
        assert_eq!(started.next(), Some(100));
    }
}
