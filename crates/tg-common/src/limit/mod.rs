//! Client-side rate limiting: exact multi-window quotas per API key.
//!
//! [`AdmissionLog`] is the pure, exact state; [`LocalBackend`] keeps it in this process behind a
//! mutex; [`LimiterBackend`] lets a shared store replace it; [`RateLimiter`] is what a client
//! holds; [`AdaptiveMargin`] widens the quotas' margins after remote 429s; [`Priority`] and
//! [`ReservedShare`] decide who goes first when calls of one key compete. Quotas are counts per
//! window at any alignment, unlike GCRA (governor's model), which bounds a rate:
//! `Quota::per_second(3)` in governor admits 5 requests within one fixed second.

mod backend;
mod drain;
mod limiter;
mod log;
mod margin;
mod priority;
mod quota;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_failure;

pub use backend::{BackendFuture, LimiterBackend, LocalBackend, Refusal, Reservation, Standing};
pub use limiter::{DEFAULT_MAX_WAIT, DEFAULT_REMOTE_PAUSE, RateLimiter};
pub use log::{AdmissionLog, Denial, Grant, Nanos, Slot, nanos};
pub use margin::{AdaptiveMargin, MarginPolicy};
pub use priority::{Admission, Priority, ReservedShare};
pub use quota::Quota;
#[cfg(feature = "redis")]
pub use redis::{FailMode, RedisBackend, RedisConfig, redis_limiter};
#[cfg(feature = "redis")]
pub use redis_failure::RedisFailure;

#[cfg(test)]
mod exactness;
