//! [`RedisSpoolConfig`]: where a [`RedisSpool`](super::RedisSpool) connects, and its names and
//! bounds.

use std::time::Duration;

/// How a [`RedisSpool`](super::RedisSpool) connects and names its stream, group and consumer.
#[derive(Clone)]
pub struct RedisSpoolConfig {
    url: String,
    /// The stream key.
    pub stream: String,
    /// The consumer group (created at open if missing).
    pub group: String,
    /// This replica's consumer name: stable across its restarts (a pod name), unique among the
    /// replicas.
    pub consumer: String,
    /// How long an entry may stay claimed by a consumer that does not refresh it before another
    /// consumer takes it over. Default 30 s.
    pub visibility_timeout: Duration,
    /// Entries the stream holds at most. Default 10,000,000.
    pub max_entries: u64,
    /// Largest entry accepted, in bytes. Default 1 MiB.
    pub max_entry_bytes: usize,
    /// Bound on each Redis command. Default 2 s.
    pub timeout: Duration,
    /// Entries read per command when opening. Default 1,000.
    pub page: usize,
}

impl std::fmt::Debug for RedisSpoolConfig {
    /// Leaves out the URL (it may carry a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSpoolConfig")
            .field("stream", &self.stream)
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .field("visibility_timeout", &self.visibility_timeout)
            .field("max_entries", &self.max_entries)
            .field("max_entry_bytes", &self.max_entry_bytes)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisSpoolConfig {
    /// The defaults for `url` (`redis://host:port/db`), the stream `stream`, the group
    /// `"tga-spool"` and the consumer `consumer`.
    pub fn new(
        url: impl Into<String>,
        stream: impl Into<String>,
        consumer: impl Into<String>,
    ) -> Self {
        RedisSpoolConfig {
            url: url.into(),
            stream: stream.into(),
            group: "tga-spool".to_owned(),
            consumer: consumer.into(),
            visibility_timeout: Duration::from_secs(30),
            max_entries: 10_000_000,
            max_entry_bytes: 1 << 20,
            timeout: Duration::from_secs(2),
            page: 1000,
        }
    }

    /// With this visibility timeout.
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout;
        self
    }

    /// With this entry bound.
    pub fn max_entries(mut self, max: u64) -> Self {
        self.max_entries = max;
        self
    }
}

impl RedisSpoolConfig {
    /// The URL (it may carry a password: never format it).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}
