//! What the core's integration suites share: a core against a loopback fake, with quick retries.

use std::time::Duration;

use tg_common::transport::RequestPath;
use tg_common::{Core, CoreConfig, RetryPolicy, Secret};

/// A core named `provider` with `key`, pointed at `base_url` over plain loopback HTTP, retrying
/// after 10 ms without jitter; and the path `/v1/<key>/m`.
pub fn loopback_core(base_url: String, provider: &'static str, key: &str) -> (Core, RequestPath) {
    let mut config = CoreConfig::new(base_url);
    config.allow_plain_http_loopback = true;
    config.retry = RetryPolicy {
        jitter: false,
        base_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let core = Core::new(provider, &Secret::new(key), config).expect("a loopback core");
    let path = RequestPath::new()
        .segment("v1")
        .secret(&Secret::new(key))
        .segment("m");
    (core, path)
}
