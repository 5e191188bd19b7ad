//! The operation contract and the one request builder over it.
//!
//! A provider crate describes each operation once, by implementing [`Operation`] for its request
//! type (name, HTTP method, path and idempotency as constants; validation, query, body,
//! decoding of the answer), and its client once, by implementing [`ProviderClient`] (the core
//! and the path prefix). Everything else is here, the same for every provider:
//!
//! - `contract`: [`Operation`], [`ProviderClient`];
//! - `builder`: [`RequestBuilder`], the per-call options, [`RequestBuilder::render`] (the one
//!   rendering path: what it returns is what [`RequestBuilder::send`] sends) and `IntoFuture`;
//!   [`HasOperation`], so that one setter trait per request type serves both the request value
//!   and its builder;
//! - `paginate`: [`Paginated`] lists as one stream of items.

mod builder;
mod contract;
mod paginate;

pub use builder::{HasOperation, RequestBuilder};
pub use contract::{Operation, ProviderClient};
pub use paginate::{Paginated, paginate};
