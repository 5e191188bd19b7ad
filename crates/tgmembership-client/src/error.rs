//! TGmembership's API error: [`TgmembershipApiError`], the service's own error answer, and
//! [`TgmembershipErrorExt`] to read it out of a [`tg_common::Error`] without a downcast.

use std::fmt;

use tg_common::Error;

/// The service's own error answer: `{ok: false, code, description}` or a non-2xx status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TgmembershipApiError {
    /// The envelope's `code` when it reports an error, else the HTTP status.
    pub code: u16,
    /// `description`, when present.
    pub description: Option<String>,
    /// `request_id`, when present (quote it to support).
    pub request_id: Option<String>,
}

impl fmt::Display for TgmembershipApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code {}", self.code)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TgmembershipApiError {}

/// TGmembership's view of an [`Error`]: import the trait to call `err.tgmembership_error()`. The
/// method names carry the provider, so the traits of several client crates import together.
pub trait TgmembershipErrorExt: sealed::Sealed {
    /// TGmembership's error envelope (`code`, `description`, `request_id`), when the service
    /// gave one.
    fn tgmembership_error(&self) -> Option<&TgmembershipApiError>;

    /// The envelope's `code` (the HTTP status when the envelope has none), when the service
    /// answered with an error envelope.
    fn tgmembership_code(&self) -> Option<u16> {
        self.tgmembership_error().map(|e| e.code)
    }
}

impl TgmembershipErrorExt for Error {
    fn tgmembership_error(&self) -> Option<&TgmembershipApiError> {
        self.api_detail::<TgmembershipApiError>()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tg_common::Error {}
}
