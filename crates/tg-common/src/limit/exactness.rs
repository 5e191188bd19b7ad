//! Property tests: no window of any alignment ever holds more than its quota, refusals charge
//! nothing, and saturated demand uses the binding quota fully.

use std::time::Duration;

use proptest::prelude::*;

use super::log::{AdmissionLog, Grant, Nanos, Slot, nanos};
use super::{Admission, Priority, Quota, ReservedShare};

const MS: Nanos = 1_000_000;
const S: Nanos = 1_000 * MS;

/// The largest count in any interval `[s, s + window)` of the sorted times.
fn worst_sliding(times: &[Nanos], window: Nanos) -> usize {
    let mut worst = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= window {
            lo += 1;
        }
        worst = worst.max(hi - lo + 1);
    }
    worst
}

/// The largest count in a fixed window `[k*window + offset, (k+1)*window + offset)`.
fn worst_fixed(times: &[Nanos], window: Nanos, offset: Nanos) -> usize {
    let mut counts = std::collections::HashMap::new();
    for &t in times {
        *counts
            .entry((t + window - offset % window) / window)
            .or_insert(0usize) += 1;
    }
    counts.values().copied().max().unwrap_or(0)
}

/// No window of any alignment holds more than its count of the calls `sent` (time, admission),
/// and each background call found its window below its own limit.
fn check_sent(quotas: &[Quota], mut sent: Vec<(Nanos, Admission)>) -> Result<(), TestCaseError> {
    sent.sort_by_key(|(t, _)| *t);
    let times: Vec<Nanos> = sent.iter().map(|(t, _)| *t).collect();
    for q in quotas {
        let w = nanos(q.window);
        prop_assert!(
            worst_sliding(&times, w) <= q.count as usize,
            "quota {q} exceeded"
        );
        for (i, (t, a)) in sent.iter().enumerate() {
            if a.priority != Priority::Background {
                continue;
            }
            let before = sent[..i].iter().filter(|(u, _)| *u + w > *t).count();
            prop_assert!(
                before < a.limit(q.count) as usize,
                "background over its share of {q}"
            );
        }
    }
    Ok(())
}

fn admission(rank: u8, percent: u8) -> Admission {
    Admission {
        priority: Priority::from_rank(rank),
        share: ReservedShare::percent(percent).unwrap(),
    }
}

fn quotas() -> impl Strategy<Value = Vec<Quota>> {
    prop::collection::vec((1u32..6, 1u64..20), 1..4).prop_map(|v| {
        v.into_iter()
            .map(|(n, w)| Quota::new(n, Duration::from_millis(w * 100)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random arrivals, random waits, random cancellations: every window at every alignment
    /// holds at most its count.
    #[test]
    fn no_window_exceeds_its_count(
        quotas in quotas(),
        steps in prop::collection::vec((0u64..400, 0u64..3000, any::<bool>()), 1..300),
        offsets in prop::collection::vec(0u64..2000, 4),
    ) {
        let mut log = AdmissionLog::new(&quotas);
        let mut now = 0;
        let mut granted: Vec<Nanos> = Vec::new();
        for (gap_ms, wait_ms, cancel) in steps {
            now += gap_ms * MS;
            if let Ok(g) = log.reserve(now, Duration::from_millis(wait_ms)) {
                prop_assert!(g.at >= now && g.at - now <= wait_ms * MS);
                if cancel && g.at > now {
                    log.cancel(g.seq);
                } else {
                    granted.push(g.at);
                }
            }
        }
        granted.sort_unstable();
        for q in &quotas {
            let w = nanos(q.window);
            prop_assert!(worst_sliding(&granted, w) <= q.count as usize, "quota {q} exceeded");
            for off in &offsets {
                prop_assert!(worst_fixed(&granted, w, off * MS) <= q.count as usize);
            }
        }
    }

    /// Waiters cancelled in any order (not only the latest) and moved by pauses: every window's
    /// cursor stays on its N-th most recent admission, no waiter is due inside a pause, and no
    /// window of any alignment exceeds its count.
    #[test]
    fn cancelling_in_any_order_stays_exact(
        quotas in quotas(),
        steps in prop::collection::vec((0u64..300, 0u64..5000, 0usize..12), 1..300),
    ) {
        let mut log = AdmissionLog::new(&quotas);
        let mut now = 0;
        let mut waiting: Vec<Grant> = Vec::new();
        let mut sent: Vec<Nanos> = Vec::new();
        for (gap_ms, wait_ms, pick) in steps {
            now += gap_ms * MS;
            // Waiters whose time has come are sent.
            waiting.retain(|g| {
                if g.at <= now {
                    sent.push(g.at);
                }
                g.at > now
            });
            if pick % 3 == 0 && !waiting.is_empty() {
                let g = waiting.remove(pick % waiting.len());
                log.cancel(g.seq);
            } else if pick == 1 || pick == 7 {
                let until = now + pick as u64 * 150 * MS;
                log.pause_until(now, until);
                let mut still = Vec::new();
                for mut g in waiting.drain(..) {
                    match log.slot(g.seq, now) {
                        Slot::Wait(at) => {
                            prop_assert!(at >= until, "due inside the pause");
                            g.at = at;
                            still.push(g);
                        }
                        Slot::Refused(_) => {}
                        Slot::Due => prop_assert!(false, "a waiter due inside the pause"),
                    }
                }
                waiting = still;
            } else if let Ok(g) = log.reserve(now, Duration::from_millis(wait_ms)) {
                waiting.push(g);
            }
            log.check_cursors();
        }
        sent.extend(waiting.iter().map(|g| g.at));
        sent.sort_unstable();
        for q in &quotas {
            prop_assert!(worst_sliding(&sent, nanos(q.window)) <= q.count as usize, "quota {q} exceeded");
        }
    }

    /// Calls of every priority and share, waiting, cancelled and moved: no window of any
    /// alignment exceeds its count; at each background admission its window held fewer than
    /// the background limit; nobody is due earlier than granted unless a move said so.
    #[test]
    fn priorities_and_shares_stay_exact(
        quotas in quotas(),
        steps in prop::collection::vec((0u64..300, 0u64..4000, 0u8..4, 0u8..101, 0usize..10), 1..250),
    ) {
        let mut log = AdmissionLog::new(&quotas);
        let mut now = 0;
        // (grant, admission) of every waiter.
        let mut waiting: Vec<(Grant, Admission)> = Vec::new();
        let mut sent: Vec<(Nanos, Admission)> = Vec::new();
        for (gap_ms, wait_ms, rank, percent, pick) in steps {
            now += gap_ms * MS;
            // Waiters whose time has come are sent at it.
            let mut still = Vec::new();
            for (g, a) in waiting.drain(..) {
                if g.at <= now {
                    prop_assert_eq!(log.slot(g.seq, now), Slot::Due);
                    sent.push((g.at, a));
                } else {
                    still.push((g, a));
                }
            }
            waiting = still;
            if pick == 0 && !waiting.is_empty() {
                let (g, _) = waiting.remove(wait_ms as usize % waiting.len());
                log.cancel(g.seq);
            } else if pick == 1 {
                log.pause_until(now, now + 200 * MS);
            } else {
                let admission = admission(rank, percent);
                if let Ok(g) = log.reserve_for(now, Duration::from_millis(wait_ms), admission) {
                    waiting.push((g, admission));
                }
            }
            // Where every waiter stands after the moves this step may have made.
            let mut still = Vec::new();
            for (mut g, a) in waiting.drain(..) {
                match log.slot(g.seq, now) {
                    Slot::Wait(at) => {
                        prop_assert!(at >= now);
                        g.at = at;
                        still.push((g, a));
                    }
                    Slot::Due => {
                        prop_assert!(g.at <= now, "due before its time");
                        sent.push((g.at, a));
                    }
                    Slot::Refused(_) => {}
                }
            }
            waiting = still;
            log.check_cursors();
        }
        sent.extend(waiting.iter().map(|(g, a)| (g.at, *a)));
        check_sent(&quotas, sent)?;
    }

    /// Waiters run as the limiter runs them: each sleeps until its time and asks where it
    /// stands only if a move was counted since it reserved (a displaced reservation is placed
    /// again only when asked). Calls of every priority and share, cancelled and paused: no
    /// window of any alignment exceeds its count, and each background admission found its
    /// window below its limit.
    #[test]
    fn waiters_that_ask_only_after_a_move_stay_exact(
        quotas in quotas(),
        steps in prop::collection::vec((0u64..300, 0u64..4000, 0u8..4, 0u8..101, 0usize..10), 1..250),
    ) {
        struct Waiter {
            seq: u64,
            wake: Nanos,
            /// The count of moves read before reserving.
            moves: u64,
            admission: Admission,
        }
        let mut log = AdmissionLog::new(&quotas);
        let mut now = 0;
        let mut waiting: Vec<Waiter> = Vec::new();
        let mut sent: Vec<(Nanos, Admission)> = Vec::new();
        let last = steps.len() - 1;
        for (step, (gap_ms, wait_ms, rank, percent, pick)) in steps.into_iter().enumerate() {
            let until = if step == last { Nanos::MAX } else { now + gap_ms * MS };
            // Waiters wake in time order until the next call.
            while let Some(i) = (0..waiting.len())
                .filter(|&i| waiting[i].wake <= until)
                .min_by_key(|&i| (waiting[i].wake, waiting[i].seq))
            {
                now = now.max(waiting[i].wake);
                let w = &mut waiting[i];
                let slot = if log.moves() == w.moves { Slot::Due } else { log.slot(w.seq, now) };
                match slot {
                    Slot::Due => {
                        sent.push((now, w.admission));
                        waiting.swap_remove(i);
                    }
                    Slot::Wait(at) => {
                        prop_assert!(at > now);
                        w.wake = at;
                    }
                    Slot::Refused(_) => {
                        waiting.swap_remove(i);
                    }
                }
            }
            if step == last {
                break;
            }
            now = until;
            if pick == 0 && !waiting.is_empty() {
                let w = waiting.swap_remove(wait_ms as usize % waiting.len());
                log.cancel(w.seq);
            } else if pick == 1 {
                log.pause_until(now, now + 200 * MS);
            } else {
                let admission = admission(rank, percent);
                let moves = log.moves();
                if let Ok(g) = log.reserve_for(now, Duration::from_millis(wait_ms), admission) {
                    if g.at <= now {
                        sent.push((now, admission));
                    } else {
                        waiting.push(Waiter { seq: g.seq, wake: g.at, moves, admission });
                    }
                }
            }
            log.check_cursors();
        }
        prop_assert!(waiting.is_empty());
        check_sent(&quotas, sent)?;
    }

    /// A refused reservation changes nothing.
    #[test]
    fn refusal_is_atomic(quotas in quotas(), arrivals in prop::collection::vec(0u64..300, 1..100)) {
        let mut log = AdmissionLog::new(&quotas);
        let mut now = 0;
        for gap in arrivals {
            now += gap * MS;
            let before = log.remembered();
            if log.reserve(now, Duration::ZERO).is_err() {
                // Pruning may forget old entries, never add: nothing was charged.
                let after = log.remembered();
                prop_assert!(after.iter().zip(&before).all(|(a, b)| a <= b));
            }
        }
    }

    /// Waiters are served in arrival order.
    #[test]
    fn reservations_are_fifo(quotas in quotas(), arrivals in prop::collection::vec((0u64..200, 0u64..5000), 1..200)) {
        let mut log = AdmissionLog::new(&quotas);
        let mut now = 0;
        let mut last = 0;
        for (gap, wait) in arrivals {
            now += gap * MS;
            if let Ok(g) = log.reserve(now, Duration::from_millis(wait)) {
                prop_assert!(g.at >= last);
                last = g.at;
            }
        }
    }
}

/// Saturated demand over three simulated days against TGTrack's quotas: the binding daily quota
/// is used fully, and no window of any length holds more than its count.
#[test]
fn three_days_saturated_use_the_daily_quota_fully() {
    let quotas = [
        Quota::per_second(3).with_margin(Duration::from_millis(50)),
        Quota::per_hour(500).with_margin(Duration::from_secs(1)),
        Quota::per_day(5000).with_margin(Duration::from_secs(1)),
    ];
    let mut log = AdmissionLog::new(&quotas);
    let horizon = 3 * 86_400 * S;
    let mut now = 0;
    let mut granted = Vec::new();
    while now < horizon {
        match log.reserve(now, Duration::from_secs(10)) {
            Ok(g) => {
                if g.at < horizon {
                    granted.push(g.at);
                }
                now = g.at;
            }
            Err(d) => now = d.available_at,
        }
    }
    assert!(worst_sliding(&granted, S) <= 3);
    assert!(worst_sliding(&granted, 3600 * S) <= 500);
    assert!(worst_sliding(&granted, 86_400 * S) <= 5000);
    let used = granted.len() as f64 / 15_000.0;
    assert!(used >= 0.99, "used {used}");
}
