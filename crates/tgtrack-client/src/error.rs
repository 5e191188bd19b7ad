//! TGTrack's own error answers: the documented error codes and the typed error a caller gets
//! back with `err.api_detail::<TgtrackApiError>()`.

use std::fmt;

use tg_common::Error;

use tg_common::RetrySafety;

use crate::model::Mode;

/// A documented TGTrack error code (`error_code`), or another one as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: the request has syntax errors or lacks data.
    BadRequest,
    /// 401: the API key is wrong or missing.
    InvalidToken,
    /// 402: the API key has expired.
    TokenExpired,
    /// 403: the key lacks the rights for this action.
    Forbidden,
    /// 404: no such method (check the URL).
    MethodNotFound,
    /// 405: the requested resource does not exist (e.g. an unknown user).
    ResourceNotFound,
    /// 409: a data conflict, e.g. a duplicate record.
    DataConflict,
    /// 415: the content type is not supported (send `application/json`).
    UnsupportedMediaType,
    /// 422: the request data failed validation.
    UnprocessableEntity,
    /// 429: the rate limit was exceeded.
    TooManyRequests,
    /// 500: an internal server error.
    InternalServerError,
    /// 503: the service is temporarily unavailable.
    ServiceUnavailable,
    /// A code the document does not list.
    Other(i64),
}

impl ErrorCode {
    /// Every documented code, in the document's order.
    pub const DOCUMENTED: [ErrorCode; 12] = [
        ErrorCode::BadRequest,
        ErrorCode::InvalidToken,
        ErrorCode::TokenExpired,
        ErrorCode::Forbidden,
        ErrorCode::MethodNotFound,
        ErrorCode::ResourceNotFound,
        ErrorCode::DataConflict,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::UnprocessableEntity,
        ErrorCode::TooManyRequests,
        ErrorCode::InternalServerError,
        ErrorCode::ServiceUnavailable,
    ];

    /// The code for a numeric `error_code`.
    pub fn from_code(code: i64) -> Self {
        ErrorCode::DOCUMENTED
            .into_iter()
            .find(|c| c.code() == code)
            .unwrap_or(ErrorCode::Other(code))
    }

    /// The numeric code.
    pub const fn code(self) -> i64 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::InvalidToken => 401,
            ErrorCode::TokenExpired => 402,
            ErrorCode::Forbidden => 403,
            ErrorCode::MethodNotFound => 404,
            ErrorCode::ResourceNotFound => 405,
            ErrorCode::DataConflict => 409,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::UnprocessableEntity => 422,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::InternalServerError => 500,
            ErrorCode::ServiceUnavailable => 503,
            ErrorCode::Other(code) => code,
        }
    }

    /// The document's short English description (`Invalid token`); `Unknown error` for others.
    pub const fn description(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::InvalidToken => "Invalid token",
            ErrorCode::TokenExpired => "Token expired",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::MethodNotFound => "Method not found",
            ErrorCode::ResourceNotFound => "Resource not found",
            ErrorCode::DataConflict => "Data conflict",
            ErrorCode::UnsupportedMediaType => "Unsupported media type",
            ErrorCode::UnprocessableEntity => "Unprocessable entity",
            ErrorCode::TooManyRequests => "Too many requests",
            ErrorCode::InternalServerError => "Internal server error",
            ErrorCode::ServiceUnavailable => "Service unavailable",
            ErrorCode::Other(_) => "Unknown error",
        }
    }

    /// Whether a retry may help: the code read as an HTTP status by
    /// [`tg_common::status_safety`] (of the documented codes, 429 always, 500 and 503
    /// only for an idempotent request, every other never); a code that is no status, never.
    pub fn retry_safety(self) -> RetrySafety {
        u16::try_from(self.code()).map_or(RetrySafety::Never, tg_common::status_safety)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.description())
    }
}

/// TGTrack's error answer (`"status": "error"`), typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TgtrackApiError {
    /// `error_code`.
    pub code: ErrorCode,
    /// `error_description` (the code's documented description when the answer omits it).
    pub description: String,
    /// `error_details`, when present.
    pub details: Option<String>,
    /// The key's `mode`, when the answer carries one.
    pub mode: Option<Mode>,
}

impl TgtrackApiError {
    /// An error with this code, description and details, without a mode.
    pub fn new(code: ErrorCode, description: impl Into<String>, details: Option<String>) -> Self {
        TgtrackApiError {
            code,
            description: description.into(),
            details,
            mode: None,
        }
    }

    /// Whether a retry may help; see [`ErrorCode::retry_safety`].
    pub fn retry_safety(&self) -> RetrySafety {
        self.code.retry_safety()
    }
}

impl fmt::Display for TgtrackApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code.code(), self.description)?;
        if let Some(details) = &self.details {
            write!(f, " ({details})")?;
        }
        if let Some(mode) = &self.mode {
            write!(f, " [{mode} key]")?;
        }
        Ok(())
    }
}

impl std::error::Error for TgtrackApiError {}

/// TGTrack's view of an [`Error`]: import the trait to call `err.tgtrack_error()`. The method names
/// carry the provider, so the traits of several client crates import together.
pub trait TgtrackErrorExt: sealed::Sealed {
    /// TGTrack's error answer (`error_code`, `error_description`), when the service gave one.
    fn tgtrack_error(&self) -> Option<&TgtrackApiError>;

    /// TGTrack's `error_code`, when the service gave one (`ResourceNotFound`, 405, is an
    /// unknown user).
    fn tgtrack_code(&self) -> Option<ErrorCode> {
        self.tgtrack_error().map(|e| e.code)
    }
}

impl TgtrackErrorExt for Error {
    fn tgtrack_error(&self) -> Option<&TgtrackApiError> {
        self.api_detail::<TgtrackApiError>()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tg_common::Error {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_maps_both_ways() {
        let codes: Vec<i64> = ErrorCode::DOCUMENTED.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [400, 401, 402, 403, 404, 405, 409, 415, 422, 429, 500, 503]
        );
        for c in ErrorCode::DOCUMENTED {
            assert_eq!(ErrorCode::from_code(c.code()), c);
            assert_ne!(c.description(), "Unknown error");
        }
        assert_eq!(ErrorCode::from_code(418), ErrorCode::Other(418));
    }

    #[test]
    fn retry_safety_per_code() {
        use RetrySafety::*;
        for c in ErrorCode::DOCUMENTED {
            let want = match c.code() {
                429 => Always,
                500 | 503 => IfIdempotent,
                _ => Never,
            };
            assert_eq!(c.retry_safety(), want, "{c}");
        }
        assert_eq!(ErrorCode::Other(502).retry_safety(), IfIdempotent);
        assert_eq!(ErrorCode::Other(-1).retry_safety(), Never);
    }

    #[test]
    fn display_names_code_description_details_and_mode() {
        let mut e = TgtrackApiError::new(
            ErrorCode::InvalidToken,
            "Invalid token",
            Some("Token was invalidated".into()),
        );
        e.mode = Some(Mode::Sandbox);
        assert_eq!(
            e.to_string(),
            "error 401: Invalid token (Token was invalidated) [sandbox key]"
        );
    }
}
