//! Shared foundation of the `tga-client`, `tgtrack-client` and `tgmembership-client` crates:
//! transport, rate limiting, retries, secrets and the one error type.

pub mod error;
pub mod json;
pub mod limit;
pub mod secret;

pub use error::{ApiError, BoxError, Context, Error, ErrorKind, RetrySafety};
pub use secret::Secret;
