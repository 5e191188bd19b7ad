//! The traits most programs call methods of: `use tga_client::prelude::*;`.
//!
//! Traits only, as every prelude of these crates (see [`tg_common::prelude`]): [`TgaErrorExt`]
//! (so `err.tga_error()` works) and tg-common's prelude. Types (`Client`, `Event`, `Tracker`,
//! ...) are imported by name from the crate root, so globbing several preludes never clashes.

#[doc(no_inline)]
pub use crate::error::TgaErrorExt;
#[doc(no_inline)]
pub use tg_common::prelude::*;
