//! The tracker's transport: a [`BatchSender`] over a [`Client`] that leaves every retry to the
//! tracker.

use tg_common::Error;

use super::Client;
use crate::event::EncodedEvent;
use crate::tracker::BatchSender;

/// Sends a [`Tracker`](crate::Tracker)'s batches through a [`Client`], as
/// `client.send_encoded(batch).max_attempts(1).send()`: the same request as
/// [`Client::send_encoded`], one attempt per send; the tracker's own retries, with its backoff
/// and until shutdown, are the only retries.
#[derive(Debug, Clone)]
pub struct HttpSender {
    client: Client,
}

impl HttpSender {
    /// A sender over `client`.
    pub fn new(client: Client) -> Self {
        HttpSender { client }
    }

    /// The client it sends through.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl BatchSender for HttpSender {
    /// Sends `batch` once; a body longer than the client's
    /// [`max_request_bytes`](Client::max_request_bytes) is refused unsent, as
    /// [`tg_common::ErrorKind::InvalidInput`] (the tracker then splits the batch).
    async fn send(&self, batch: &[EncodedEvent]) -> Result<(), Error> {
        self.client.send_encoded(batch).max_attempts(1).send().await
    }
}
