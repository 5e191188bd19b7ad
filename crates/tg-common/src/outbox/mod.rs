//! Background delivery (feature `outbox`): what a client accepts to deliver later is kept in a
//! [`spool::Spool`] (in memory, on disk, or in a Redis stream with the `redis` feature) until
//! the service has taken it.
//!
//! - [`spool`]: the spool contract and its backends.

pub mod spool;
