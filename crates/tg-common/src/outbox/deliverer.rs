//! What a provider crate gives an [`Outbox`](super::Outbox): how to deliver claimed entries,
//! and what became of each.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use super::spool::EntryId;
use crate::{Error, ErrorKind};

/// One claimed entry, as a [`Deliverer`] gets it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Its spool entry.
    pub id: EntryId,
    /// The bytes given to [`Outbox::append`](super::Outbox::append), unchanged.
    pub bytes: Bytes,
    /// When it was appended (the appending process's wall clock).
    pub appended_at: SystemTime,
}

/// What became of one claimed entry.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The service took it: the entry is acknowledged.
    Delivered,
    /// Not delivered now: the entry stays in the spool and is tried again after the backoff
    /// (at least the error's Retry-After). `None`: not tried (an earlier entry of the same
    /// call failed).
    Retry(Option<Arc<Error>>),
    /// The service refused it for a reason no retry fixes: it becomes a [`Letter`](super::Letter).
    Rejected(Arc<Error>),
}

impl Delivery {
    /// The one classification of a send's result: `Ok` is delivered; whatever tg-common's
    /// retry table says a retry may fix ([`Error::is_retryable`]) is retried, whether or not
    /// the request may have been processed (an outbox delivers at least once); an answer of the
    /// service that refuses the request (HTTP, API, invalid input, configuration) is rejected;
    /// anything else not about the request (a certificate error, the overall deadline, an
    /// unreadable or unconfirmed 2xx answer) is retried: an outbox gives an entry up only when
    /// the service refused it.
    pub fn of(result: Result<(), Error>) -> Delivery {
        let error = match result {
            Ok(()) => return Delivery::Delivered,
            Err(error) => error,
        };
        let refused = !error.is_retryable()
            && matches!(
                error.kind(),
                ErrorKind::Http { .. }
                    | ErrorKind::Api(_)
                    | ErrorKind::InvalidInput { .. }
                    | ErrorKind::BodyTooLarge { .. }
                    | ErrorKind::Config { .. }
            );
        let error = Arc::new(error);
        if refused {
            Delivery::Rejected(error)
        } else {
            Delivery::Retry(Some(error))
        }
    }
}

/// Delivers claimed entries for an [`Outbox`](super::Outbox): the provider's part (one call
/// per entry, or batches, compression...). The outbox owns claiming, acknowledging, retrying,
/// dead letters, panics and shutdown.
pub trait Deliverer: Send + Sync + 'static {
    /// Delivers `entries` (never empty, oldest first) and says what became of each, one
    /// [`Delivery`] per entry in the same order (a missing one is retried). A panic is caught:
    /// every entry is retried and the panic counted.
    fn deliver(&self, entries: &[Claimed]) -> impl Future<Output = Vec<Delivery>> + Send;

    /// How long delivering `entries` more takes under the quotas the deliveries are sent
    /// under, for [`OutboxStats::drain_eta_ms`](super::OutboxStats::drain_eta_ms)
    /// ([`RateLimiter::time_to_admit`](crate::RateLimiter::time_to_admit) for one call per
    /// entry); `None` (the default) when unknown.
    fn drain_time(&self, entries: u64) -> Option<std::time::Duration> {
        let _ = entries;
        None
    }
}
