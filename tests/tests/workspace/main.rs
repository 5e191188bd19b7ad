//! What holds across the workspace rather than for one provider: the rules every client shares
//! (retries, keys never shown, key formats, preludes, one dependency, telemetry), the shared
//! limiter and the outbox spools (over a real redis-server and under SIGKILL), the crates' docs
//! and dependencies, and the documents' fixtures. Each former suite is one module.

mod crate_docs;
mod dependencies;
mod fixtures;
mod key_format;
mod one_dependency;
mod preludes;
mod properties;
mod redis_limiter;
mod secrets_sweep;
mod shared_limiter;
mod shared_rules;
mod spool_disk;
mod spool_redis;
mod telemetry;
