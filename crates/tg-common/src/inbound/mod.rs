//! What the provider crates share to receive HTTP (feature `inbound`): the one value of a header
//! ([`one_header`]), the answer to a refused request ([`Rejection`]), and, with feature `tower`,
//! the tower service that runs a provider's checks around a handler ([`GuardedService`]).
//!
//! A provider crate states only its checks (a [`Guard`]): Telegram's secret token for
//! `tgtrack-client`'s webhook layer, the signature and nonce for `tgmembership-client`'s
//! receiver. Reading the body within a limit, answering a refusal, running the handler (a panic
//! in it is answered 500) and telling the guard how the handler answered live here once.

mod header;
mod rejection;
#[cfg(feature = "tower")]
mod service;

pub use header::{HeaderCount, one_header};
pub use rejection::Rejection;
#[cfg(feature = "tower")]
pub use service::{DEFAULT_MAX_BODY, Guard, GuardedService};
