//! The tracker's transport: a [`BatchSender`] over a [`Client`] that leaves every retry to the
//! tracker.

use tg_common::{Error, Idempotency};

use super::Client;
use crate::event::{EncodedEvent, encode_batch};
use crate::tracker::BatchSender;

/// Sends a [`Tracker`](crate::Tracker)'s batches through a [`Client`], one attempt per send
/// (`Call::max_attempts(1)`): the tracker's own retries, with its backoff and until shutdown,
/// are the only retries.
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
        let body = encode_batch(batch);
        super::send::check_body_len(body.len(), batch.len(), self.client.max_request_bytes())
            .map_err(|e| e.with_context(crate::PROVIDER, crate::outcome::OPERATION))?;
        self.client
            .post(body, Idempotency::NotIdempotent, Some(1))
            .await
    }
}
