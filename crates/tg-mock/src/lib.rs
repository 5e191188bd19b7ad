//! Faithful fake servers of the TGA, TGTrack and TGmembership APIs, for tests and local
//! development. Built from the providers' documents on its own: it shares no code with the
//! client crates, so a misreading in a client cannot make its own test pass.

pub mod service;

pub use service::{Reply, Request, Service};
