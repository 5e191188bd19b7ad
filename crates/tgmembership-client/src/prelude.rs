//! The traits most programs call methods of: `use tgmembership_client::prelude::*;`.
//!
//! Traits only, as every prelude of these crates (see [`tg_common::prelude`]): the setters of
//! every request type (so `.limit(..)` works on a request and on its builder),
//! [`TgmembershipErrorExt`] (so `err.tgmembership_error()` works) and tg-common's prelude
//! (`StreamExt`, so `.next().await` works on a paginated `.stream()`; `Operation` for
//! `request.validate()`). Types (`Client`, `Currency`, ...) are imported by name from the crate
//! root, so globbing several preludes never clashes.

#[doc(no_inline)]
pub use crate::error::TgmembershipErrorExt;
// Every setter trait (the module's only public items), so a new one needs no line here.
#[doc(no_inline)]
pub use crate::operation::*;
#[doc(no_inline)]
pub use tg_common::prelude::*;
