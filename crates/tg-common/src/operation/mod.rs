//! The operation contract and the one request builder over it.
//!
//! A provider crate describes each operation once, by implementing [`Operation`] for its request
//! type (name, HTTP method, path, idempotency, validation, query, body, decoding of the answer),
//! and its client once, by implementing [`ProviderClient`] (the core and the [`PathTable`]).
//! Everything else is here, the same for every provider:
//!
//! - `contract`: [`Operation`], [`ProviderClient`], [`OperationPath`];
//! - `paths`: [`PathTable`], each fixed path joined with the base URL once;
//! - `builder`: [`RequestBuilder`], the per-call options, [`RequestBuilder::render`] (the one
//!   rendering path: what it returns is what [`RequestBuilder::send`] sends) and `IntoFuture`;
//!   [`HasOperation`], so that one setter trait per request type serves both the request value
//!   and its builder;
//! - `paginate`: [`Paginated`] lists as one stream of items.

mod builder;
mod contract;
mod paginate;
mod paths;

pub use builder::{HasOperation, RequestBuilder};
pub use contract::{Operation, OperationPath, ProviderClient};
pub use paginate::{Paginated, paginate};
pub use paths::PathTable;
