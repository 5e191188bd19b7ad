//! The provider-agnostic client core: one request flows limiter → attempt (send, capped read)
//! → decode → retry decision, under per-attempt and overall timeouts, inside one tracing span.
//!
//! Provider crates describe a request as a [`Call`] and hand [`Core::execute`] a decoder for
//! their envelope; everything else lives here once. One job per module:
//!
//! - `config`: [`CoreConfig`] and [`Timeouts`], the settings every provider client shares;
//! - `call`: [`Call`], [`CallOptions`] and the [`RawResponse`] a decoder receives;
//! - `executor`: [`Core`], the executor (limiter, attempts, timeouts, retries, tracing);
//! - `handle`: [`ClientHandle`], what each provider's client holds, and the setters every
//!   provider's builder has ([`core_setters!`](crate::core_setters));
//! - `scrubbing`: the hook that takes the key out of every body and every decoder error.

mod call;
mod config;
mod executor;
mod handle;
mod scrubbing;
mod uri_memo;

pub use call::{Call, CallOptions, RawResponse};
pub use config::{CoreConfig, DEFAULT_MAX_BODY, Timeouts};
pub use executor::Core;
pub use handle::{ClientHandle, HandleClient};
