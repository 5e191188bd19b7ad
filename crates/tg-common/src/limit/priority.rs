//! Who goes first when calls of one key compete for its quotas: a call's [`Priority`], and the
//! [`ReservedShare`] of every window that background calls may not use.
//!
//! Two rules, the same in every backend:
//!
//! - **Share.** A [`Priority::Background`] call is admitted only while each window holds fewer
//!   than [`ReservedShare::background_limit`] admissions of any priority: the rest of the window
//!   (the reserved share, rounded up to whole calls) stays free for the others. Every other
//!   priority may use the whole window.
//! - **Order.** Waiting is FIFO within a priority; a call is placed before every waiting call of
//!   a lower priority, which moves back (and is refused if that passes its maximum wait).

use std::fmt;

use crate::error::Error;

/// How a call competes for its key's quotas; higher goes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Work that can wait (events, goals): may use only the unreserved part of each window,
    /// and waits behind every other priority.
    Background,
    /// The default: the whole window, FIFO behind waiting calls of its own and higher
    /// priorities, ahead of waiting background calls.
    #[default]
    Normal,
    /// What the reserved share is kept for (a bot's starts and stops): the whole window, ahead
    /// of waiting normal and background calls.
    Reserved,
    /// A caller is waiting for the answer (a lookup): the whole window, ahead of every other
    /// waiting call.
    Interactive,
}

impl Priority {
    /// The priority as a number, 0 (background) to 3 (interactive).
    pub const fn rank(self) -> u8 {
        self as u8
    }

    /// The priority of `rank` (a rank above 3 is interactive).
    pub const fn from_rank(rank: u8) -> Self {
        match rank {
            0 => Priority::Background,
            1 => Priority::Normal,
            2 => Priority::Reserved,
            _ => Priority::Interactive,
        }
    }
}

/// The share of every window that background calls may not use, in whole percent (0 to 100).
///
/// Reserved calls per window: `ceil(count × percent / 100)`, so any share above zero keeps at
/// least one call of every window (1 of 3 a second at 20%); background calls get the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ReservedShare(u8);

impl ReservedShare {
    /// Nothing reserved: background calls may use whole windows.
    pub const NONE: ReservedShare = ReservedShare(0);

    /// `percent` of every window, refused with [`ErrorKind::Config`](crate::ErrorKind::Config)
    /// above 100.
    pub fn percent(percent: u8) -> Result<Self, Error> {
        if percent > 100 {
            return Err(Error::config(format!(
                "the reserved share must be 0 to 100 percent, not {percent}"
            )));
        }
        Ok(ReservedShare(percent))
    }

    /// The share in percent.
    pub const fn as_percent(self) -> u8 {
        self.0
    }

    /// How many calls of a window of `count` stay reserved: `ceil(count × percent / 100)`.
    pub const fn reserved(self, count: u32) -> u32 {
        let reserved = (count as u64 * self.0 as u64).div_ceil(100);
        // At most `count`: the share is at most 100.
        reserved as u32
    }

    /// How many admissions a window of `count` may hold when a background call is admitted.
    pub const fn background_limit(self, count: u32) -> u32 {
        count - self.reserved(count)
    }
}

impl fmt::Display for ReservedShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// One call's claim on its key's quotas: its priority, and the share reserved from background
/// calls (the caller's client's setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Admission {
    /// The call's priority.
    pub priority: Priority,
    /// The share of each window that background calls may not use.
    pub share: ReservedShare,
}

impl Admission {
    /// A normal call (nothing reserved applies to it).
    pub const NORMAL: Admission = Admission {
        priority: Priority::Normal,
        share: ReservedShare::NONE,
    };

    /// How many admissions a window of `count` may hold when this call is admitted.
    #[inline]
    pub fn limit(self, count: u32) -> u32 {
        match self.priority {
            Priority::Background => self.share.background_limit(count),
            _ => count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserved_share_rounds_up_to_whole_calls() {
        let share = |p| ReservedShare::percent(p).unwrap();
        // Windows of 3: any share above zero keeps at least one call.
        assert_eq!(share(0).background_limit(3), 3);
        assert_eq!(share(1).background_limit(3), 2);
        assert_eq!(share(20).background_limit(3), 2);
        assert_eq!(share(33).background_limit(3), 2);
        assert_eq!(share(34).background_limit(3), 1);
        assert_eq!(share(67).background_limit(3), 0);
        assert_eq!(share(66).background_limit(3), 1);
        assert_eq!(share(100).background_limit(3), 0);
        // TGTrack's hour and day at the default share.
        assert_eq!(share(20).background_limit(500), 400);
        assert_eq!(share(20).background_limit(5000), 4000);
        assert_eq!(share(100).background_limit(5000), 0);
        assert_eq!(share(0).background_limit(u32::MAX), u32::MAX);
        assert_eq!(share(100).background_limit(u32::MAX), 0);
        assert_eq!(share(1).background_limit(0), 0);
    }

    #[test]
    fn a_share_above_100_percent_is_a_config_error() {
        let err = ReservedShare::percent(101).unwrap_err();
        assert!(err.is_config(), "{err}");
        assert!(err.to_string().contains("101"), "{err}");
        assert_eq!(ReservedShare::percent(100).unwrap().as_percent(), 100);
    }

    #[test]
    fn only_background_calls_are_held_to_the_share() {
        let share = ReservedShare::percent(20).unwrap();
        for priority in [Priority::Normal, Priority::Reserved, Priority::Interactive] {
            assert_eq!(Admission { priority, share }.limit(500), 500);
        }
        let background = Admission {
            priority: Priority::Background,
            share,
        };
        assert_eq!(background.limit(500), 400);
        assert!(Priority::Interactive > Priority::Reserved);
        assert!(Priority::Reserved > Priority::Normal);
        assert!(Priority::Normal > Priority::Background);
        for r in 0..4 {
            assert_eq!(Priority::from_rank(r).rank(), r);
        }
    }
}
