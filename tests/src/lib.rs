//! Integration suites.

pub mod spool_child;
