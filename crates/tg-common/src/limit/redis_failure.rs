//! Why the Redis store could not be used: the cause a [`RedisBackend`](super::RedisBackend)
//! keeps as the `source` of [`ErrorKind::LimiterUnavailable`](crate::ErrorKind) when it has
//! no error of the `redis` crate to give (a timeout, a late or odd answer, the cooldown).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why the Redis store could not be used, when Redis itself reported no error.
///
/// A connection Redis refused, or a command it failed, is the `redis` crate's `RedisError`
/// instead. Holds no key and no key name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisFailure {
    /// No answer within the round-trip limit ([`RedisConfig::timeout`](super::RedisConfig)):
    /// Redis stalled, or the connection hung.
    TimedOut {
        /// The limit that ran out.
        after: Duration,
    },
    /// Redis ran the script after this call had given up (its deadline on Redis's clock had
    /// passed): nothing was recorded.
    RanTooLate,
    /// Redis answered with a reply the script never gives.
    UnexpectedReply,
    /// Redis failed less than the cooldown ago and is not tried again before it ends.
    CoolingDown {
        /// How long Redis is left alone after a failure.
        cooldown: Duration,
        /// The text of that failure.
        cause: Arc<str>,
    },
}

impl fmt::Display for RedisFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisFailure::TimedOut { after } => write!(f, "Redis did not answer within {after:?}"),
            RedisFailure::RanTooLate => {
                f.write_str("Redis ran the script after the call had given up")
            }
            RedisFailure::UnexpectedReply => f.write_str("Redis answered an unexpected reply"),
            RedisFailure::CoolingDown { cooldown, cause } => write!(
                f,
                "Redis is not tried for {cooldown:?} after a failure; it failed with: {cause}"
            ),
        }
    }
}

impl std::error::Error for RedisFailure {}
