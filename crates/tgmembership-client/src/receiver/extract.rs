//! [`VerifiedWebhook`] as an axum extractor: the delivery [`ReceiverLayer`](super::ReceiverLayer)
//! verified and claimed for this handler.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::VerifiedWebhook;

/// The handler asked for a [`VerifiedWebhook`] but no [`ReceiverLayer`](super::ReceiverLayer)
/// wraps it: answered 500, so that nothing is handled unverified and the service retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingReceiverLayer;

impl std::fmt::Display for MissingReceiverLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifiedWebhook needs the route wrapped in receiver::ReceiverLayer")
    }
}

impl std::error::Error for MissingReceiverLayer {}

impl IntoResponse for MissingReceiverLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedWebhook {
    type Rejection = MissingReceiverLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<VerifiedWebhook>()
            .cloned()
            .ok_or(MissingReceiverLayer)
    }
}
