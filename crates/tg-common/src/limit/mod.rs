//! Client-side rate limiting: exact multi-window quotas per API key.

mod quota;

pub use quota::Quota;
