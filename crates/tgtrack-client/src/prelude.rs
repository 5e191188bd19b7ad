//! The traits most programs call methods of: `use tgtrack_client::prelude::*;`.
//!
//! Traits only, as every prelude of these crates (see [`tg_common::prelude`]): the setters of
//! every request type (so `.amount(..)` works on a request and on its builder),
//! [`TgtrackErrorExt`] (so `err.tgtrack_error()` works) and tg-common's prelude (`Operation`
//! for `request.validate()`). Types (`Client`, `AddEvent`, ...) are imported by name from the
//! crate root, so globbing several preludes never clashes.
//!
//! ```
//! use tgtrack_client::prelude::*;
//! use tgtrack_client::{AddEvent, Decimal};
//!
//! let event = AddEvent::new(987_654_321, "sale").amount(Decimal::new(150_000, 2));
//! assert!(event.validate().is_ok());
//! ```

#[doc(no_inline)]
pub use crate::error::TgtrackErrorExt;
#[doc(no_inline)]
pub use crate::operation::{
    AddEventSetters, MyBotWasStoppedSetters, SambotForwardSetters, SendReachGoalSetters,
    UserDidStartBotSetters,
};
#[doc(no_inline)]
pub use tg_common::prelude::*;
