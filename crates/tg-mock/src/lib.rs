#![cfg_attr(docsrs, feature(doc_cfg))]
// The README's blocks are doctests of a scratch crate that depends on this crate as a user's
// would (`cargo xtask readme-check`, part of `cargo xtask test`), not of this crate: here they
// would see its dev-dependencies and miss the features and crates the README names.
#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]
#![cfg_attr(doctest, doc = "See README.md.")]

pub mod deliver;
mod fault;
pub mod init_data;
pub mod leak;
pub mod router;
mod server;
mod service;
pub mod telegram;
pub mod tga;
pub mod tgmembership;
pub mod tgtrack;
mod window;

/// The `http` crate of [`deliver::post`]'s headers and [`Request`]'s fields, so a test needs no
/// direct dependency on it.
pub use http;

pub use fault::{Chaos, Fault, FaultRule, Matcher};
pub use server::{Disposition, Exchange, MAX_BODY_BYTES, MockServer};
pub use service::{FakeService, FixedReply, MAX_INFLATED_BYTES, Reply, Request};
pub use window::FixedWindows;
