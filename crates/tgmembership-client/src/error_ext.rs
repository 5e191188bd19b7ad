//! [`TgmembershipErrorExt`]: TGmembership's own error answer out of a [`tg_common::Error`], without
//! a downcast.

use tg_common::Error;

use crate::TgmembershipApiError;

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
