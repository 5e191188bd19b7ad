//! The names most programs use: `use tgtrack_client::prelude::*;`.
//!
//! The client, the setters of every request type (so `.amount(..)` works on a request and on
//! its builder), TGTrack's error with [`TgtrackErrorExt`] (so `err.tgtrack_error()` works), and
//! the operation contract (`request.validate()`).
//!
//! ```
//! use tgtrack_client::prelude::*;
//! use tgtrack_client::{AddEvent, Decimal};
//!
//! let event = AddEvent::new(987_654_321, "sale").amount(Decimal::new(150_000, 2));
//! assert!(event.validate().is_ok());
//! ```

pub use crate::client::{Client, ClientBuilder};
pub use crate::error::{TgtrackApiError, TgtrackErrorExt};
pub use crate::setters::{
    AddEventSetters, MyBotWasStoppedSetters, SambotForwardSetters, SendReachGoalSetters,
    UserDidStartBotSetters,
};
pub use tg_common::{Error, ErrorKind, Operation, RequestBuilder, Secret};
