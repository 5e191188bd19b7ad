//! tg-common end to end, one module per subject: the transport against tg-mock over loopback,
//! TLS against a local rustls server, the operation contract as a fourth provider would use it,
//! the limiter against a strict fake, tracing fields, and a key echoed back in every form.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod key_echo;
mod limiter_strict;
mod operation;
mod support;
mod tls;
mod tracing_fields;
mod transport;
