//! Integration suites.

pub mod spool_child;
pub mod tracker_child;
