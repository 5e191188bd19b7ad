#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

pub mod deliver;
pub mod fault;
pub mod init_data;
pub mod leak;
pub mod router;
pub mod server;
pub mod service;
pub mod telegram;
pub mod tga;
pub mod tgmembership;
pub mod tgtrack;
pub mod window;

/// The `http` crate of [`deliver::post`]'s headers and [`Request`]'s fields, so a test needs no
/// direct dependency on it.
pub use http;

pub use fault::{Chaos, Fault, FaultRule, Matcher};
pub use server::{Disposition, Exchange, MockServer};
pub use service::{FixedReply, Reply, Request, Service};
pub use window::FixedWindows;
