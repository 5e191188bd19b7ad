//! Walking a paginated list (`members`, `orders`, `plans`, `projects`) as one stream of items.
//!
//! [`paginate`] (tg-common's walker) asks a page fetcher for `limit` items at `offset`, yields them one by one,
//! advances the offset by the number received and stops after a short page (fewer than `limit`)
//! or an empty one. An error is yielded once and ends the stream. The stream is fused: polling
//! it after its end keeps returning `None`.

/// The walker itself is tg-common's, the one of every provider.
pub use tg_common::operation::paginate;

use crate::request::ApiRequest;

/// A list request that can be re-issued for any page.
pub trait Paginated: ApiRequest + Clone {
    /// The largest `limit` the endpoint accepts.
    const MAX_LIMIT: u32;

    /// The page size the caller set, if any.
    fn page_limit(&self) -> Option<u32>;

    /// The offset the caller set (0 when unset).
    fn page_offset(&self) -> u64;

    /// The same request for the page at `offset` of `limit` items.
    fn at_page(&self, offset: u64, limit: u32) -> Self;
}
