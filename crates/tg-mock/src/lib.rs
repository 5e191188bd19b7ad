//! Faithful fake servers of the TGA, TGTrack and TGmembership APIs, and of Telegram's
//! `getUpdates`, for tests and local development. Built from the providers' documents on its own: it shares no code with the
//! client crates, so a misreading in a client cannot make its own test pass.

pub mod deliver;
pub mod fault;
pub mod leak;
pub mod router;
pub mod server;
pub mod service;
pub mod telegram;
pub mod tga;
pub mod tgmembership;
pub mod tgtrack;
pub mod window;

pub use fault::{Chaos, Fault, FaultRule, Matcher};
pub use server::{Disposition, Exchange, MockServer};
pub use service::{FixedReply, Reply, Request, Service};
pub use window::FixedWindows;
