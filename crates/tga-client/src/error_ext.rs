//! [`TgaErrorExt`]: TGA's own error answer out of a [`tg_common::Error`], without a downcast.

use tg_common::Error;

use crate::TgaApiError;

/// TGA's view of an [`Error`]: import the trait to call `err.tga_error()`. The method names carry
/// the provider, so the traits of several client crates import together.
pub trait TgaErrorExt: sealed::Sealed {
    /// TGA's documented error answer, when the service gave one.
    fn tga_error(&self) -> Option<&TgaApiError>;

    /// Whether TGA refused the token or the Origin (`TokenMissing`, `TokenInvalid`,
    /// `DomainMismatch`): no retry helps, fix the configuration. TGA answers these with 400
    /// or 403, never 401, so [`Error::is_unauthorized`] is false for them.
    fn is_bad_token(&self) -> bool {
        matches!(
            self.tga_error(),
            Some(
                TgaApiError::TokenMissing
                    | TgaApiError::TokenInvalid
                    | TgaApiError::DomainMismatch { .. }
            )
        )
    }
}

impl TgaErrorExt for Error {
    fn tga_error(&self) -> Option<&TgaApiError> {
        self.api_detail::<TgaApiError>()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tg_common::Error {}
}
