//! Integration suites.

pub mod forward_child;
pub mod spool_child;
pub mod support;
pub mod tracker_child;
