//! Client-side rate limiting: exact multi-window quotas per API key.
//!
//! The admission log is the pure, exact state; the local backend keeps it in this process behind
//! a mutex; [`LimiterBackend`] lets a shared store replace it; [`RateLimiter`] is what a
//! client holds; the adaptive margin ([`MarginPolicy`]) widens the quotas' margins after remote 429s;
//! [`Priority`] and [`ReservedShare`] decide who goes first when calls of one key compete. Quotas are counts per
//! window at any alignment, unlike GCRA (governor's model), which bounds a rate:
//! `Quota::per_second(3)` in governor admits 5 requests within one fixed second.

mod backend;
mod drain;
pub(crate) mod limiter;
mod log;
mod margin;
mod priority;
pub(crate) mod quota;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_failure;

// `RateLimiter` and `Quota` are named from the crate root (their one path); the rest of the
// limiter's state (the admission log, the adaptive margin, the in-process backend) is internal.
pub(crate) use limiter::RateLimiter;
pub(crate) use quota::Quota;

pub use backend::{BackendFuture, LimiterBackend, Refusal, Reservation, Standing};
pub use limiter::{DEFAULT_MAX_WAIT, DEFAULT_REMOTE_PAUSE};
pub use margin::MarginPolicy;
pub use priority::{Admission, Priority, ReservedShare};
#[cfg(feature = "redis")]
pub use redis::{FailMode, RedisBackend, RedisConfig, redis_limiter};
#[cfg(feature = "redis")]
pub use redis_failure::RedisFailure;

/// The limiter's exact state, for the workspace's benchmarks (`cargo xtask bench`) only: not
/// part of the public API, no stability promise.
#[doc(hidden)]
pub mod bench_internals {
    pub use super::backend::LocalBackend;
    pub use super::log::{AdmissionLog, Nanos, Slot, nanos};
}

#[cfg(test)]
mod exactness;
