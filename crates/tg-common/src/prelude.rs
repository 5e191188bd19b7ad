//! Traits most programs call methods of: `use tg_common::prelude::*;`.
//!
//! One rule for every prelude of the workspace (this one and each client crate's, which
//! re-exports it): a prelude holds traits only (setters, error extensions, [`Operation`] for
//! `request.validate()`, [`StreamExt`] for the paginated streams), never a concrete type such
//! as a `Client`, so globbing several preludes never makes a name ambiguous. The types are
//! imported by name from each crate's root.
//!
//! ```
//! use tg_common::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut pages = futures_util::stream::iter([1, 2, 3]);
//! assert_eq!(pages.next().await, Some(1));
//! # }
//! ```

#[doc(no_inline)]
pub use crate::operation::Operation;
#[doc(no_inline)]
pub use futures_util::StreamExt;
