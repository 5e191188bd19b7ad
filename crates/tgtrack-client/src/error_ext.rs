//! [`TgtrackErrorExt`]: TGTrack's own error answer out of a [`tg_common::Error`], without a
//! downcast.

use tg_common::Error;

use crate::{ErrorCode, TgtrackApiError};

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
