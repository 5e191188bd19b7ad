//! The exact multi-window admission log: the pure state behind every limiter backend.
//!
//! Times are nanoseconds on one monotonic clock. For each quota the log keeps the admission
//! times that can still matter, in time order. A new admission at `t` is allowed when, for every
//! quota `(N, T)` with margin `m`, the N-th most recent admission is at or before `t - (T + m)`.
//! Then any interval of length `T + m`, at any alignment, holds at most N admissions; removing
//! an admission (a cancelled reservation) only widens the gaps, so the property survives
//! refunds. A background call ([`Priority`]) is held to a smaller N, its window's count less the
//! reserved share ([`Admission::limit`]).
//!
//! Admissions whose time has come are never cancelled: a window keeps them in a deque (O(1)
//! push and prune, the uncontended path). Admissions still ahead (waiters) sit in a map keyed by
//! placement order (`ord`, ascending with time), so a waiter is cancelled in O(log n); for every
//! limit reservations were made under (the count, and the background limit), a cursor on the
//! map's limit-th most recent entry moves in O(log n) by every push, removal and hand-over to
//! the deque.
//!
//! Every window also enforces the adaptive extra margin ([`AdaptiveMargin`]) on top of its
//! quota's, and remembers admissions long enough for the widest extra.
//!
//! A reservation whose time is still ahead is pending. Pending reservations are placed FIFO
//! within a priority, higher priorities first: a new reservation takes its place before every
//! pending one of a lower priority. Those are displaced: taken out of the windows and placed
//! again behind it, in order, lazily: when their waiter asks ([`AdmissionLog::slot`]; a move
//! is counted, so every waiter asks), or when a reservation that goes after them is made. So a
//! call of a higher priority costs O(log n) however many wait behind it, and each displaced
//! reservation is placed again at most once per move. A pause (a remote 429) displaces every
//! pending reservation the same way: none is admitted inside the pause. A reservation is never
//! placed again before its time so far (its waiter sleeps until then), and one that would then
//! wait past its caller's deadline is refused.

use std::cmp::Reverse;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::time::Duration;

use super::Quota;
use super::margin::{AdaptiveMargin, MarginPolicy};
use super::priority::{Admission, Priority};

/// Nanoseconds on the limiter's clock.
pub type Nanos = u64;

/// Converts a duration to nanoseconds, saturating.
pub fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A granted reservation: the admission time to wait for, and the sequence that identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The reserved admission time.
    pub at: Nanos,
    /// The reservation's sequence number (unique within the log, ascending with arrival).
    pub seq: u64,
}

/// A refused reservation: capacity does not return within the allowed wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    /// The quota that binds (`None` when the key is paused after a remote 429).
    pub quota: Option<Quota>,
    /// The earliest time a request could be admitted.
    pub available_at: Nanos,
}

/// Where a granted reservation stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Its time has come: send.
    Due,
    /// A pause or a call of a higher priority moved it: wait until this time.
    Wait(Nanos),
    /// A move put it past its caller's deadline: it is cancelled.
    Refused(Denial),
}

/// A reservation whose time had not come when last looked at.
#[derive(Debug, Clone, Copy)]
struct Pending {
    seq: u64,
    at: Nanos,
    /// The latest admission its caller accepts.
    deadline: Nanos,
    admission: Admission,
    /// A pause displaced it since it was last placed: a refusal names no quota.
    by_pause: bool,
}

/// The order of placement: higher priorities first, then arrival.
type Rank = (Reverse<Priority>, u64);

impl Pending {
    fn rank(&self) -> Rank {
        (Reverse(self.admission.priority), self.seq)
    }
}

/// Where a pending reservation is.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// In the windows, at this placement order.
    Placed(u64),
    /// Out of the windows, to be placed again (its priority completes its rank).
    Displaced(Priority),
}

/// The most limits a window keeps a cursor for; another one is found by walking.
const MAX_CURSORS: usize = 4;

/// The `k`-th most recent entry of a window's `ahead` (order, time), when it holds that many.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    k: usize,
    at: Option<(u64, Nanos)>,
}

/// The admissions of one quota that can still matter.
#[derive(Debug, Clone)]
struct Window {
    quota: Quota,
    span: Nanos,
    /// How long an admission is remembered: `span` plus the widest extra margin.
    keep: Nanos,
    /// Admissions whose time has come, ascending (all before those `ahead`).
    settled: VecDeque<Nanos>,
    /// Admissions still ahead, by placement order; times ascend with it.
    ahead: BTreeMap<u64, Nanos>,
    /// One per limit admissions were asked under (the count first).
    cursors: Vec<Cursor>,
}

impl Window {
    fn new(quota: Quota, extra: Nanos) -> Self {
        let span = nanos(quota.span());
        Window {
            quota,
            span,
            keep: span.saturating_add(extra),
            settled: VecDeque::new(),
            ahead: BTreeMap::new(),
            cursors: vec![Cursor {
                k: quota.count as usize,
                at: None,
            }],
        }
    }

    fn len(&self) -> usize {
        self.settled.len() + self.ahead.len()
    }

    /// The earliest time this window admits one more request while holding fewer than `limit`
    /// (at most `count`), with `extra` margin.
    fn earliest(&self, extra: Nanos, limit: usize) -> Nanos {
        if limit == 0 {
            return Nanos::MAX;
        }
        if self.len() < limit {
            return 0;
        }
        self.latest(limit)
            .saturating_add(self.span)
            .saturating_add(extra)
    }

    /// The `k`-th most recent admission (`1 <= k <= min(count, len)`).
    fn latest(&self, k: usize) -> Nanos {
        if self.ahead.len() < k {
            // Fewer than `k` ahead: the rest are the latest settled.
            return self.settled[self.len() - k];
        }
        match self.cursors.iter().find(|c| c.k == k) {
            Some(Cursor {
                at: Some((_, at)), ..
            }) => *at,
            _ => self.ahead.values().nth_back(k - 1).copied().unwrap_or(0),
        }
    }

    /// Keeps a cursor for admissions held to `k` (if there is room for one more).
    fn track(&mut self, k: usize) {
        if k == 0 || self.cursors.len() >= MAX_CURSORS || self.cursors.iter().any(|c| c.k == k) {
            return;
        }
        let at = self.nth_back(k);
        self.cursors.push(Cursor { k, at });
    }

    /// The `k`-th most recent entry of `ahead`, found by walking.
    fn nth_back(&self, k: usize) -> Option<(u64, Nanos)> {
        if k == 0 || self.ahead.len() < k {
            return None;
        }
        self.ahead.iter().nth_back(k - 1).map(|(&s, &t)| (s, t))
    }

    /// Admissions counted against the window that ends at `now`: those of the last `span`
    /// and every one still ahead.
    fn used(&self, now: Nanos) -> usize {
        let settled = match now.checked_sub(self.span) {
            Some(since) => self.settled.len() - self.settled.partition_point(|&t| t <= since),
            None => self.settled.len(),
        };
        settled + self.ahead.len()
    }

    fn last(&self) -> Option<Nanos> {
        match self.ahead.last_key_value() {
            Some((_, &at)) => Some(at),
            None => self.settled.back().copied(),
        }
    }

    fn is_full(&self, limit: usize) -> bool {
        self.len() >= limit
    }

    /// Records an admission at `at` whose order is above every one recorded.
    fn push(&mut self, ord: u64, at: Nanos, now: Nanos) {
        if at <= now && self.ahead.is_empty() {
            self.settled.push_back(at);
            return;
        }
        self.ahead.insert(ord, at);
        let len = self.ahead.len();
        let Window { ahead, cursors, .. } = self;
        for c in cursors {
            if c.k == 0 || len < c.k {
                continue;
            }
            c.at = if len == c.k {
                ahead.first_key_value().map(|(&s, &t)| (s, t))
            } else {
                c.at.and_then(|(s, _)| after(ahead, s))
            };
        }
    }

    /// Forgets the admission `ord` if it is still ahead (one whose time has come may have been
    /// sent: it stays charged).
    fn remove(&mut self, ord: u64) {
        if !self.ahead.contains_key(&ord) {
            return;
        }
        let len = self.ahead.len();
        let Window { ahead, cursors, .. } = self;
        for c in cursors {
            if len <= c.k {
                // One fewer than `k` remain ahead.
                c.at = None;
            } else if let Some((n, _)) = c.at {
                if ord >= n {
                    // The k-th most recent moves one back: there are entries before it.
                    c.at = before(ahead, n);
                }
            }
        }
        ahead.remove(&ord);
    }

    /// Settles admissions whose time has come by `now`, and forgets those that can no longer
    /// constrain one at or after `now`.
    fn prune(&mut self, now: Nanos) {
        while let Some((_, &front)) = self.ahead.first_key_value() {
            if front > now {
                break;
            }
            let len = self.ahead.len();
            for c in &mut self.cursors {
                if len <= c.k {
                    c.at = None;
                }
            }
            self.ahead.pop_first();
            self.settled.push_back(front);
        }
        while let Some(&front) = self.settled.front() {
            if front.saturating_add(self.keep) > now {
                break;
            }
            self.settled.pop_front();
        }
    }
}

fn after(ahead: &BTreeMap<u64, Nanos>, ord: u64) -> Option<(u64, Nanos)> {
    ahead
        .range((Bound::Excluded(ord), Bound::Unbounded))
        .next()
        .map(|(&s, &t)| (s, t))
}

fn before(ahead: &BTreeMap<u64, Nanos>, ord: u64) -> Option<(u64, Nanos)> {
    ahead.range(..ord).next_back().map(|(&s, &t)| (s, t))
}

/// The admission log of one key across all its quotas.
#[derive(Debug, Clone)]
pub struct AdmissionLog {
    windows: Vec<Window>,
    paused_until: Nanos,
    next_seq: u64,
    /// The next placement order.
    next_ord: u64,
    /// Placed reservations still ahead, by placement order (so by time and by rank too).
    pending: BTreeMap<u64, Pending>,
    /// Reservations out of the windows until placed again, by rank: every one ranks after
    /// every placed one.
    displaced: BTreeMap<Rank, Pending>,
    /// Where each pending reservation is, by sequence.
    places: BTreeMap<u64, Place>,
    /// Reservations a move pushed past their deadline, until their caller looks.
    refused: BTreeMap<u64, Denial>,
    margin: AdaptiveMargin,
    /// How many times pending reservations were displaced.
    moves: u64,
}

impl AdmissionLog {
    /// A log enforcing these quotas, with the default adaptive margin.
    pub fn new(quotas: &[Quota]) -> Self {
        AdmissionLog::with_margin(quotas, MarginPolicy::DEFAULT)
    }

    /// A log enforcing these quotas, widening their margins after a remote 429 by `policy`.
    pub fn with_margin(quotas: &[Quota], policy: MarginPolicy) -> Self {
        let margin = AdaptiveMargin::new(policy);
        AdmissionLog {
            windows: quotas
                .iter()
                .map(|q| Window::new(*q, margin.max()))
                .collect(),
            paused_until: 0,
            next_seq: 0,
            next_ord: 0,
            pending: BTreeMap::new(),
            displaced: BTreeMap::new(),
            places: BTreeMap::new(),
            refused: BTreeMap::new(),
            margin,
            moves: 0,
        }
    }

    /// Each quota with the admissions its window ending at `now` holds (those still ahead
    /// and those displaced included).
    pub(crate) fn usage(&self, now: Nanos) -> impl Iterator<Item = (Quota, usize)> + '_ {
        self.windows
            .iter()
            .map(move |w| (w.quota, w.used(now) + self.displaced.len()))
    }

    /// The quotas enforced.
    pub fn quotas(&self) -> impl Iterator<Item = &Quota> {
        self.windows.iter().map(|w| &w.quota)
    }

    /// Reserves a normal call ([`AdmissionLog::reserve_for`] with [`Admission::NORMAL`]).
    pub fn reserve(&mut self, now: Nanos, max_wait: Duration) -> Result<Grant, Denial> {
        self.reserve_for(now, max_wait, Admission::NORMAL)
    }

    /// Reserves the earliest admission at or after `now` that `admission` allows, after every
    /// pending reservation of its priority or a higher one, if it is no later than
    /// `now + max_wait`. Charges every quota, or none when refused. Pending reservations of a
    /// lower priority are displaced behind it ([`AdmissionLog::moves`] counts it).
    pub fn reserve_for(
        &mut self,
        now: Nanos,
        max_wait: Duration,
        admission: Admission,
    ) -> Result<Grant, Denial> {
        self.prune(now);
        for w in &mut self.windows {
            w.track(admission.limit(w.quota.count) as usize);
        }
        let priority = admission.priority;
        let displaced = self.displace(|p| p.admission.priority < priority, false);
        // Those displaced earlier that go before it are placed first.
        self.place_displaced(now, |p| p.admission.priority >= priority);
        let (at, binding) = self.next_slot(now, admission);
        if at == Nanos::MAX || at - now > nanos(max_wait) {
            let denial = self.denial(at, binding, admission);
            // Back in their places: this call displaced the first ones.
            let mut left = displaced;
            let moved = self.place_displaced(now, |_| {
                let go = left > 0;
                left = left.saturating_sub(1);
                go
            });
            if moved {
                self.moves += 1;
            }
            return Err(denial);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.settle(
            Pending {
                seq,
                at,
                deadline: now.saturating_add(nanos(max_wait)),
                admission,
                by_pause: false,
            },
            now,
        );
        if displaced > 0 {
            self.moves += 1;
        }
        Ok(Grant { at, seq })
    }

    /// Records `p` at its time in every window, pending while its time is ahead.
    fn settle(&mut self, p: Pending, now: Nanos) {
        let ord = self.next_ord;
        self.next_ord += 1;
        for w in &mut self.windows {
            w.push(ord, p.at, now);
        }
        if p.at > now {
            self.pending.insert(ord, p);
            self.places.insert(p.seq, Place::Placed(ord));
        } else {
            self.places.remove(&p.seq);
        }
    }

    /// Takes the latest placed reservations out of the windows while `moves` says so, marking
    /// them displaced by a pause if `by_pause`; returns how many.
    fn displace(&mut self, moves: impl Fn(&Pending) -> bool, by_pause: bool) -> usize {
        let mut n = 0;
        while let Some(last) = self.pending.last_entry() {
            if !moves(last.get()) {
                break;
            }
            let (ord, p) = last.remove_entry();
            for w in &mut self.windows {
                w.remove(ord);
            }
            self.places
                .insert(p.seq, Place::Displaced(p.admission.priority));
            let p = Pending {
                by_pause: p.by_pause || by_pause,
                ..p
            };
            self.displaced.insert(p.rank(), p);
            n += 1;
        }
        n
    }

    /// Places displaced reservations again, first first, while `go` says so: each at the
    /// earliest time its admission allows but never before its time so far (its waiter sleeps
    /// until then: were it sent later than recorded, a window could hold one too many); one
    /// past its caller's deadline is refused (naming no quota when a pause moved it). Returns
    /// whether any time changed.
    fn place_displaced(&mut self, now: Nanos, mut go: impl FnMut(&Pending) -> bool) -> bool {
        let mut changed = false;
        while let Some(first) = self.displaced.first_entry() {
            if !go(first.get()) {
                break;
            }
            let p = first.remove();
            let (at, binding) = self.next_slot(now, p.admission);
            let at = at.max(p.at);
            changed |= at != p.at;
            if at == Nanos::MAX || at > p.deadline {
                self.places.remove(&p.seq);
                let mut denial = self.denial(at, binding, p.admission);
                if p.by_pause {
                    denial.quota = None;
                }
                self.refused.insert(p.seq, denial);
                continue;
            }
            self.settle(
                Pending {
                    at,
                    by_pause: false,
                    ..p
                },
                now,
            );
        }
        changed
    }

    /// How many times pending reservations were displaced (by a pause or a call of a higher
    /// priority): a waiter that saw no change since it reserved is due when its time comes;
    /// one that did asks [`AdmissionLog::slot`].
    pub fn moves(&self) -> u64 {
        self.moves
    }

    /// Forgets what can no longer matter at `now`: old admissions, and pending reservations
    /// whose time has come.
    fn prune(&mut self, now: Nanos) {
        for w in &mut self.windows {
            w.prune(now);
        }
        while let Some(first) = self.pending.first_entry() {
            if first.get().at > now {
                break;
            }
            let p = first.remove();
            self.places.remove(&p.seq);
        }
    }

    /// Where the reservation `seq` stands at `now` (a move may have changed it); a displaced
    /// one is placed again first, with every displaced one ranked before it.
    pub fn slot(&mut self, seq: u64, now: Nanos) -> Slot {
        if let Some(denial) = self.refused.remove(&seq) {
            return Slot::Refused(denial);
        }
        let ord = match self.places.get(&seq) {
            None => return Slot::Due,
            Some(&Place::Placed(ord)) => ord,
            Some(&Place::Displaced(priority)) => {
                self.prune(now);
                let rank = (Reverse(priority), seq);
                self.place_displaced(now, |p| p.rank() <= rank);
                if let Some(denial) = self.refused.remove(&seq) {
                    return Slot::Refused(denial);
                }
                match self.places.get(&seq) {
                    Some(&Place::Placed(ord)) => ord,
                    _ => return Slot::Due,
                }
            }
        };
        match self.pending.entry(ord) {
            Entry::Occupied(p) if p.get().at > now => Slot::Wait(p.get().at),
            Entry::Occupied(p) => {
                p.remove();
                self.places.remove(&seq);
                Slot::Due
            }
            Entry::Vacant(_) => {
                self.places.remove(&seq);
                Slot::Due
            }
        }
    }

    /// The earliest admission at or after `now` behind every placed reservation that
    /// `admission` allows, and the quota that sets it (if one does).
    fn next_slot(&self, now: Nanos, admission: Admission) -> (Nanos, Option<Quota>) {
        let mut at = now.max(self.paused_until);
        // FIFO: never before an admission already reserved.
        for w in &self.windows {
            if let Some(last) = w.last() {
                at = at.max(last);
            }
        }
        let extra = self.margin.current(now);
        let mut binding = None;
        for w in &self.windows {
            let limit = admission.limit(w.quota.count) as usize;
            let e = w.earliest(extra, limit);
            if e > at {
                at = e;
                binding = Some(w.quota);
            }
        }
        (at, binding)
    }

    fn denial(&self, at: Nanos, binding: Option<Quota>, admission: Admission) -> Denial {
        let quota = binding.or_else(|| {
            // The wait comes from an earlier reservation or a pause: name the tightest quota
            // that is full, if any.
            self.windows
                .iter()
                .filter(|w| w.is_full(admission.limit(w.quota.count) as usize))
                .max_by_key(|w| w.earliest(0, admission.limit(w.quota.count) as usize))
                .map(|w| w.quota)
        });
        Denial {
            quota,
            available_at: at,
        }
    }

    /// Returns the reservation `seq` (its waiter gave up before its time); O(log n). A
    /// reservation whose time has come stays charged.
    pub fn cancel(&mut self, seq: u64) {
        match self.places.remove(&seq) {
            Some(Place::Placed(ord)) => {
                for w in &mut self.windows {
                    w.remove(ord);
                }
                self.pending.remove(&ord);
            }
            Some(Place::Displaced(priority)) => {
                self.displaced.remove(&(Reverse(priority), seq));
            }
            None => {}
        }
        self.refused.remove(&seq);
    }

    /// Admits nothing before `until` (a remote 429 answered at `now`) and widens the extra
    /// margin: every reservation still ahead is displaced, to be placed again from the
    /// pause's end; one its caller would not wait for is refused. Returns whether any
    /// reservation is to move.
    pub fn pause_until(&mut self, now: Nanos, until: Nanos) -> bool {
        self.paused_until = self.paused_until.max(until);
        self.margin.widen(now);
        self.prune(now);
        for p in self.displaced.values_mut() {
            p.by_pause = true;
        }
        if self.displace(|_| true, true) > 0 {
            self.moves += 1;
        }
        !self.displaced.is_empty()
    }

    /// The extra margin every window enforces at `now`, on top of its quota's.
    pub fn extra_margin(&self, now: Nanos) -> Duration {
        Duration::from_nanos(self.margin.current(now))
    }

    /// How many admissions each quota currently remembers, displaced reservations included
    /// (for tests and metrics).
    pub fn remembered(&self) -> Vec<usize> {
        self.windows
            .iter()
            .map(|w| w.len() + self.displaced.len())
            .collect()
    }

    /// Panics if a window's cursor disagrees with a recomputation, or the pending
    /// reservations are out of rank (tests only).
    #[cfg(test)]
    pub(crate) fn check_cursors(&self) {
        for w in &self.windows {
            for c in &w.cursors {
                assert_eq!(c.at, w.nth_back(c.k), "cursor {} of {}", c.k, w.quota);
            }
            let times: Vec<Nanos> = w.settled.iter().chain(w.ahead.values()).copied().collect();
            assert!(times.windows(2).all(|p| p[0] <= p[1]), "times ascend");
            for k in 1..=(w.quota.count as usize).min(w.len()) {
                assert_eq!(w.latest(k), times[times.len() - k], "{k}-th latest");
            }
        }
        let ranks: Vec<Rank> = self
            .pending
            .values()
            .chain(self.displaced.values())
            .map(Pending::rank)
            .collect();
        assert!(ranks.windows(2).all(|p| p[0] < p[1]), "placed by rank");
        let placed = self
            .places
            .values()
            .filter(|p| matches!(p, Place::Placed(_)))
            .count();
        assert_eq!(
            (placed, self.places.len() - placed),
            (self.pending.len(), self.displaced.len()),
            "one place per pending"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn tgtrack() -> Vec<Quota> {
        vec![
            Quota::per_second(3),
            Quota::per_hour(500),
            Quota::per_day(5000),
        ]
    }

    #[test]
    fn usage_counts_the_window_ending_now() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        for _ in 0..2 {
            assert!(log.reserve(0, Duration::ZERO).is_ok());
        }
        let used = |log: &AdmissionLog, now| log.usage(now).map(|(_, n)| n).collect::<Vec<_>>();
        assert_eq!(used(&log, 0), [2]);
        assert_eq!(used(&log, 999_999_999), [2]);
        assert_eq!(used(&log, 1_000_000_000), [0]);
    }

    #[test]
    fn a_burst_of_n_is_admitted_at_once() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        for _ in 0..3 {
            assert_eq!(
                log.reserve(10 * S, Duration::ZERO).map(|g| g.at),
                Ok(10 * S)
            );
        }
        let d = log.reserve(10 * S, Duration::ZERO).unwrap_err();
        assert_eq!(d.available_at, 11 * S);
        assert_eq!(d.quota, Some(Quota::per_second(3)));
    }

    #[test]
    fn waiting_reservations_are_fifo_and_spaced_exactly() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        let times: Vec<Nanos> = (0..9)
            .map(|_| log.reserve(0, Duration::from_secs(10)).unwrap().at)
            .collect();
        assert_eq!(times, vec![0, 0, 0, S, S, S, 2 * S, 2 * S, 2 * S]);
    }

    #[test]
    fn refusal_charges_nothing() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3), Quota::per_day(4)]);
        for _ in 0..3 {
            log.reserve(0, Duration::ZERO).unwrap();
        }
        // The 4th waits a second for the per-second quota: refused with no wait allowed.
        assert!(log.reserve(0, Duration::ZERO).is_err());
        assert_eq!(log.remembered(), vec![3, 3]);
        // A day later the daily quota refused the 5th: the per-second window stayed clean.
        log.reserve(S, Duration::ZERO).unwrap();
        let d = log
            .reserve(S + S / 2, Duration::from_secs(3600))
            .unwrap_err();
        assert_eq!(d.quota, Some(Quota::per_day(4)));
        assert_eq!(d.available_at, 86_400 * S);
        // The per-second window remembers the 4 admitted (for as long as the widest margin
        // could need them), not the refused 5th.
        assert_eq!(log.remembered(), vec![4, 4]);
    }

    #[test]
    fn daily_quota_refuses_at_once_naming_the_quota() {
        let mut log = AdmissionLog::new(&tgtrack());
        let mut now = 0;
        let mut admitted = 0;
        while admitted < 5000 {
            match log.reserve(now, Duration::from_secs(5)) {
                Ok(g) => {
                    now = g.at;
                    admitted += 1;
                }
                Err(d) => now = d.available_at,
            }
        }
        let d = log.reserve(now, Duration::from_secs(5)).unwrap_err();
        assert_eq!(d.quota, Some(Quota::per_day(5000)));
        assert_eq!(d.available_at, 86_400 * S);
    }

    #[test]
    fn cancel_returns_the_slot() {
        let mut log = AdmissionLog::new(&[Quota::per_second(1)]);
        log.reserve(0, Duration::ZERO).unwrap();
        let g = log.reserve(0, Duration::from_secs(5)).unwrap();
        assert_eq!(g.at, S);
        log.cancel(g.seq);
        assert_eq!(log.reserve(0, Duration::from_secs(5)).unwrap().at, S);
    }

    #[test]
    fn cancelling_100k_waiters_oldest_first_takes_log_time() {
        // A sorted vector scanned from the back took 16-32 s for this (release build); the map
        // keyed by sequence takes well under a second even unoptimised. The first 1000 were
        // admitted at once (not waiters): they stay.
        let mut log = AdmissionLog::new(&[Quota::per_second(1000), Quota::per_day(1_000_000)]);
        let grants: Vec<Grant> = (0..100_000)
            .map(|_| log.reserve(0, Duration::from_secs(3600)).unwrap())
            .collect();
        let started = std::time::Instant::now();
        for g in &grants {
            log.cancel(g.seq);
        }
        let took = started.elapsed();
        assert_eq!(log.remembered(), vec![1000, 1000]);
        assert!(took < Duration::from_secs(5), "took {took:?}");
        log.check_cursors();
    }

    #[test]
    fn a_pause_moves_pending_reservations_behind_it_in_order() {
        let mut log = AdmissionLog::with_margin(&[Quota::per_second(2)], MarginPolicy::FIXED);
        let g: Vec<Grant> = (0..6)
            .map(|_| log.reserve(0, Duration::from_secs(3)).unwrap())
            .collect();
        let at: Vec<Nanos> = g.iter().map(|g| g.at).collect();
        assert_eq!(at, vec![0, 0, S, S, 2 * S, 2 * S]);
        // A 429 at 0.5 s pauses until 2.5 s: the four waiters move behind it, two a second;
        // the last two would wait past their 3 s deadline: refused, naming no quota.
        assert!(log.pause_until(S / 2, 5 * S / 2));
        let slots: Vec<Slot> = g.iter().map(|g| log.slot(g.seq, S / 2)).collect();
        assert_eq!(slots[0], Slot::Due);
        assert_eq!(slots[2], Slot::Wait(5 * S / 2));
        assert_eq!(slots[3], Slot::Wait(5 * S / 2));
        let refused = Slot::Refused(Denial {
            quota: None,
            available_at: 7 * S / 2,
        });
        assert_eq!(slots[4], refused);
        assert_eq!(slots[5], refused);
        log.check_cursors();
        // The refused reservations charge nothing: the next caller gets 3.5 s.
        assert_eq!(
            log.reserve(S, Duration::from_secs(5)).unwrap().at,
            7 * S / 2
        );
        assert_eq!(log.slot(g[2].seq, 5 * S / 2), Slot::Due);
    }

    #[test]
    fn pause_delays_everything() {
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        log.pause_until(0, 5 * S);
        let d = log.reserve(0, Duration::from_secs(1)).unwrap_err();
        assert_eq!(d.available_at, 5 * S);
        assert_eq!(log.reserve(0, Duration::from_secs(5)).unwrap().at, 5 * S);
    }

    #[test]
    fn margin_widens_the_spacing() {
        let q = Quota::per_second(2).with_margin(Duration::from_millis(50));
        let mut log = AdmissionLog::new(&[q]);
        let t: Vec<Nanos> = (0..4)
            .map(|_| log.reserve(0, Duration::from_secs(5)).unwrap().at)
            .collect();
        assert_eq!(t, vec![0, 0, S + 50_000_000, S + 50_000_000]);
    }

    #[test]
    fn a_429_widens_every_window_and_quiet_time_narrows_it_again() {
        let mut log = AdmissionLog::new(&[Quota::per_second(1)]);
        assert_eq!(log.reserve(0, Duration::ZERO).unwrap().at, 0);
        log.pause_until(S / 10, S / 10);
        assert_eq!(log.extra_margin(S / 10), Duration::from_millis(50));
        assert_eq!(
            log.reserve(S, Duration::from_secs(1)).unwrap().at,
            S + S / 20
        );
        // No extra was too little: 50 ms is the floor for a quiet hour, then halves hourly.
        assert_eq!(log.extra_margin(3599 * S), Duration::from_millis(50));
        assert_eq!(log.extra_margin(3601 * S), Duration::from_millis(25));
        let later = 7 * 3600 * S;
        assert_eq!(log.extra_margin(later), Duration::ZERO);
        log.reserve(later, Duration::ZERO).unwrap();
        assert_eq!(
            log.reserve(later, Duration::from_secs(2)).unwrap().at,
            later + S
        );
    }

    fn background(percent: u8) -> Admission {
        Admission {
            priority: Priority::Background,
            share: super::super::ReservedShare::percent(percent).unwrap(),
        }
    }

    /// A call of `priority` whose client reserves nothing.
    fn with(priority: Priority) -> Admission {
        Admission {
            priority,
            ..background(0)
        }
    }

    #[test]
    fn background_calls_leave_the_reserved_share_of_every_window() {
        let mut log = AdmissionLog::new(&tgtrack());
        // 20% of 3 a second rounds up to one reserved call: two background calls a second.
        let at: Vec<Nanos> = (0..4)
            .map(|_| {
                log.reserve_for(0, Duration::from_secs(5), background(20))
                    .unwrap()
                    .at
            })
            .collect();
        assert_eq!(at, vec![0, 0, S, S]);
        // The third of the first second is still free for a start (after the waiters it
        // jumps: they are due later).
        let start = log
            .reserve_for(0, Duration::ZERO, with(Priority::Reserved))
            .unwrap();
        assert_eq!(start.at, 0);
        log.check_cursors();
    }

    #[test]
    fn the_share_at_its_edges() {
        // 0%: background calls use whole windows.
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        for _ in 0..3 {
            log.reserve_for(0, Duration::ZERO, background(0)).unwrap();
        }
        assert!(log.reserve_for(0, Duration::ZERO, background(0)).is_err());
        // 100%: a background call is never admitted, and charges nothing.
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        let d = log
            .reserve_for(0, Duration::from_secs(3600), background(100))
            .unwrap_err();
        assert_eq!(d.available_at, Nanos::MAX);
        assert_eq!(d.quota, Some(Quota::per_second(3)));
        assert_eq!(log.remembered(), vec![0]);
        for _ in 0..3 {
            log.reserve_for(0, Duration::ZERO, with(Priority::Reserved))
                .unwrap();
        }
        // 34% of 3 rounds up to 2 reserved: one background call a second.
        let mut log = AdmissionLog::new(&[Quota::per_second(3)]);
        log.reserve_for(0, Duration::ZERO, background(34)).unwrap();
        let d = log
            .reserve_for(0, Duration::ZERO, background(34))
            .unwrap_err();
        assert_eq!(d.available_at, S);
        assert_eq!(d.quota, Some(Quota::per_second(3)));
    }

    #[test]
    fn the_hour_nearly_spent_by_background_calls_leaves_room_for_starts() {
        let mut log = AdmissionLog::new(&[Quota::per_hour(500)]);
        let mut now = 0;
        for _ in 0..400 {
            log.reserve_for(now, Duration::ZERO, background(20))
                .unwrap();
            now += S;
        }
        // The 401st background call waits for the hour to turn.
        let d = log
            .reserve_for(now, Duration::from_secs(60), background(20))
            .unwrap_err();
        assert_eq!(d.available_at, 3600 * S);
        // The 100 reserved calls go at once; the 101st waits too.
        for _ in 0..100 {
            log.reserve_for(now, Duration::ZERO, with(Priority::Reserved))
                .unwrap();
        }
        assert!(
            log.reserve_for(now, Duration::ZERO, with(Priority::Reserved))
                .is_err()
        );
    }

    #[test]
    fn a_higher_priority_goes_before_waiting_lower_ones_which_move_back() {
        let mut log = AdmissionLog::with_margin(&[Quota::per_second(1)], MarginPolicy::FIXED);
        let wait = Duration::from_secs(10);
        log.reserve(0, wait).unwrap();
        let events: Vec<Grant> = (0..3)
            .map(|_| {
                log.reserve_for(0, wait, with(Priority::Background))
                    .unwrap()
            })
            .collect();
        assert_eq!(
            events.iter().map(|g| g.at).collect::<Vec<_>>(),
            [S, 2 * S, 3 * S]
        );
        let moves = log.moves();
        // A start goes before the waiting events, a lookup before the start.
        let start = log.reserve_for(0, wait, with(Priority::Reserved)).unwrap();
        assert_eq!(start.at, S);
        let lookup = log
            .reserve_for(0, wait, with(Priority::Interactive))
            .unwrap();
        assert_eq!(lookup.at, S);
        assert_eq!(log.slot(start.seq, 0), Slot::Wait(2 * S));
        assert!(log.moves() > moves);
        let slots: Vec<Slot> = events.iter().map(|g| log.slot(g.seq, 0)).collect();
        assert_eq!(
            slots,
            [Slot::Wait(3 * S), Slot::Wait(4 * S), Slot::Wait(5 * S)]
        );
        // Another event waits behind them (FIFO within its priority).
        assert_eq!(
            log.reserve_for(0, wait, with(Priority::Background))
                .unwrap()
                .at,
            6 * S
        );
        log.check_cursors();
    }

    #[test]
    fn a_waiter_moved_past_its_deadline_is_refused_naming_the_quota() {
        let mut log = AdmissionLog::with_margin(&[Quota::per_second(1)], MarginPolicy::FIXED);
        log.reserve(0, Duration::ZERO).unwrap();
        let event = log
            .reserve_for(0, Duration::from_secs(1), with(Priority::Background))
            .unwrap();
        assert_eq!(event.at, S);
        let start = log
            .reserve_for(0, Duration::from_secs(1), with(Priority::Reserved))
            .unwrap();
        assert_eq!(start.at, S);
        assert_eq!(
            log.slot(event.seq, 0),
            Slot::Refused(Denial {
                quota: Some(Quota::per_second(1)),
                available_at: 2 * S
            })
        );
        // It charged nothing: the next call gets 2 s.
        assert_eq!(log.reserve(0, Duration::from_secs(5)).unwrap().at, 2 * S);
        log.check_cursors();
    }

    #[test]
    fn a_refused_high_priority_call_leaves_the_waiters_in_place() {
        let mut log = AdmissionLog::with_margin(&[Quota::per_second(1)], MarginPolicy::FIXED);
        log.reserve(0, Duration::ZERO).unwrap();
        let event = log
            .reserve_for(0, Duration::from_secs(5), with(Priority::Background))
            .unwrap();
        let moves = log.moves();
        assert!(
            log.reserve_for(0, Duration::ZERO, with(Priority::Reserved))
                .is_err()
        );
        assert_eq!(log.moves(), moves);
        assert_eq!(log.slot(event.seq, 0), Slot::Wait(S));
        log.check_cursors();
    }

    #[test]
    fn thousands_of_waiters_of_two_priorities_cost_log_time_and_starts_go_first() {
        // The day spent (a pause for it), 2,000 events waiting, then 2,000 starts: each start
        // goes before every waiting event without placing them again (placing all of them
        // again for each start took over 15 minutes for this).
        let mut log = AdmissionLog::new(&tgtrack());
        let day = 86_400 * S;
        log.pause_until(0, day);
        let wait = Duration::from_secs(3 * 86_400);
        let events: Vec<Grant> = (0..2000)
            .map(|_| log.reserve_for(0, wait, background(20)).unwrap())
            .collect();
        let started = std::time::Instant::now();
        let starts: Vec<Grant> = (0..2000)
            .map(|_| log.reserve_for(0, wait, with(Priority::Reserved)).unwrap())
            .collect();
        let mut at = |g: &Grant| match log.slot(g.seq, 0) {
            Slot::Wait(at) => at,
            other => panic!("{other:?}"),
        };
        let starts: Vec<Nanos> = starts.iter().map(&mut at).collect();
        let events: Vec<Nanos> = events.iter().map(&mut at).collect();
        let took = started.elapsed();
        assert!(starts.windows(2).all(|p| p[0] <= p[1]), "starts in order");
        assert!(starts[0] >= day);
        assert!(starts[1999] <= events[0], "every start before every event");
        assert!(took < Duration::from_secs(2), "took {took:?}");
        log.check_cursors();
    }

    #[test]
    fn zero_count_quota_never_admits() {
        let mut log = AdmissionLog::new(&[Quota::per_second(0)]);
        let d = log.reserve(0, Duration::from_secs(100)).unwrap_err();
        assert_eq!(d.available_at, Nanos::MAX);
    }
}
