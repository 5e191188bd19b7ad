//! The one thing the tracker needs from a transport: send one batch.

use std::future::Future;
use std::sync::Arc;

use tg_common::Error;

use crate::event::EncodedEvent;

/// Sends one batch of events as one `POST /events`.
///
/// `Ok` means the service acknowledged every event of the batch. An error should be the one
/// [`envelope::decode`](crate::envelope::decode) gives, so the tracker can tell a retryable
/// failure from a rejected event.
pub trait BatchSender: Send + Sync + 'static {
    /// Sends `batch` (never empty) once.
    fn send(&self, batch: &[EncodedEvent]) -> impl Future<Output = Result<(), Error>> + Send;
}

impl<S: BatchSender> BatchSender for Arc<S> {
    fn send(&self, batch: &[EncodedEvent]) -> impl Future<Output = Result<(), Error>> + Send {
        (**self).send(batch)
    }
}
