//! The TGTrack API's objects and request bodies, typed.
//!
//! On the wire, Telegram user ids are strings (`"123456789"`), dates are unix seconds, amounts are
//! JSON numbers with exact digits, and unset optional fields are omitted (never `null`).

mod bot_lifecycle;
mod event_result;
mod goals;
mod label;
mod mode;
mod start_value;
mod user;
mod user_info;
mod wire;

use std::time::{SystemTime, UNIX_EPOCH};

pub use bot_lifecycle::{MyBotWasStarted, MyBotWasStopped, UserDidStartBot};
pub use event_result::EventResult;
pub use goals::{AddEvent, SendReachGoal};
pub use label::Label;
pub use mode::Mode;
pub use start_value::{AUTO_DETECT, StartValue};
pub use user::User;
pub use user_info::{GetUserInfo, UserInfo};

/// Seconds since the unix epoch (`0` for a time before it, which validation then rejects).
pub(crate) fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
