//! Integration suites.

pub mod spool_child;
pub mod support;
pub mod tracker_child;
