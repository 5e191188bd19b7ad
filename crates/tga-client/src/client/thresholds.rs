//! `GET /events/threshold`: the per-launch caps the official SDK fetches when it starts.

use http::Method;
use tg_common::transport::RequestPath;
use tg_common::{Call, Error, Response};

use super::Client;
use crate::outcome::{THRESHOLD_OPERATION, map_threshold_response};
use crate::thresholds::EventThresholds;

impl Client {
    /// Fetches the caps of `GET /events/threshold`: per event name, the most events one app
    /// launch may send (`0`: none). Sent as the SDK sends it, with the Origin and without the
    /// token. Retried (the call is idempotent) within the client's retry policy.
    ///
    /// Give the caps to a tracker with
    /// [`TrackerConfig::with_thresholds`](crate::TrackerConfig::with_thresholds).
    pub async fn event_thresholds(&self) -> Result<EventThresholds, Error> {
        let path = RequestPath::new().segment("events").segment("threshold");
        let call = Call::new(THRESHOLD_OPERATION, Method::GET, path)
            .header(http::header::ORIGIN, self.inner.origin.clone());
        self.inner
            .core
            .execute(call, |response: Response| {
                map_threshold_response(response.status, &response.body, response.retry_after())
            })
            .await
    }
}
