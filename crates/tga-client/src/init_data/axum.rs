//! The axum extractor for `Authorization: tma <initData>` (feature `axum`).

use std::fmt;

use axum_core::extract::{FromRef, FromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use tg_common::inbound::one_header;

use super::{InitData, InitDataError, InitDataValidator, tma_credentials};

/// The validated initData of a request's `Authorization: tma <initData>` header.
///
/// The router's state must give an [`InitDataValidator`] ([`FromRef`]; the validator itself
/// as state works). A request without a valid header is answered `401` with
/// `WWW-Authenticate: tma` before the handler runs; take `Result<TmaInitData, TmaRejection>`
/// to answer otherwise.
#[derive(Debug, Clone)]
pub struct TmaInitData(pub InitData);

/// Why [`TmaInitData`] refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TmaRejection {
    /// No `Authorization` header, or more than one.
    MissingHeader,
    /// The `Authorization` header is not of the `tma` scheme (or not visible ASCII).
    NotTma,
    /// The initData was refused.
    Invalid(InitDataError),
}

impl<S: Send + Sync> FromRequestParts<S> for TmaInitData
where
    InitDataValidator: FromRef<S>,
{
    type Rejection = TmaRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = one_header(&parts.headers, header::AUTHORIZATION)
            .map_err(|_| TmaRejection::MissingHeader)?
            .to_str()
            .ok()
            .and_then(tma_credentials)
            .ok_or(TmaRejection::NotTma)?;
        InitDataValidator::from_ref(state)
            .validate(raw)
            .map(TmaInitData)
            .map_err(TmaRejection::Invalid)
    }
}

impl fmt::Display for TmaRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TmaRejection::MissingHeader => f.write_str("expected one `Authorization` header"),
            TmaRejection::NotTma => f.write_str("expected `Authorization: tma <initData>`"),
            TmaRejection::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TmaRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TmaRejection::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

impl IntoResponse for TmaRejection {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::UNAUTHORIZED, self.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("tma"));
        response
    }
}
