//! Metrics through the [`metrics`](https://docs.rs/metrics) facade (feature `metrics`), named after
//! OpenTelemetry's semantic conventions where one exists. The libraries install no recorder: a
//! program installs one (a Prometheus exporter, an OpenTelemetry bridge) and sees every metric
//! below. Without the feature every function here compiles to nothing.
//!
//! Labels never carry a key: a limiter is named by its provider and a hash of its key
//! (`tgtrack:1f0e9a3c`), and URLs never appear in a label.
//!
//! | metric | kind, unit | labels |
//! | --- | --- | --- |
//! | [`REQUEST_DURATION`] | histogram, s | `tg.provider`, `tg.operation`, `http.request.method`, `server.address`, `http.response.status_code`, `error.type` |
//! | [`RETRIES`] | counter | `tg.provider`, `tg.operation`, `error.type` (why the attempt failed) |
//! | [`RATE_LIMITED`] | counter | `tg.provider`, `tg.operation`, `tg.rate_limit.origin` (`local`, `remote`) |
//! | [`LIMITER_WAIT`] | histogram, s | `tg.limiter` |
//! | [`LIMITER_USED`], [`LIMITER_REMAINING`] | gauge | `tg.limiter`, `tg.limiter.window` |
//! | [`LIMITER_BACKEND_FAILURES`] | counter | `tg.limiter.backend`, `error.type` |
//! | [`OUTBOX_ENTRIES`] | counter | `tg.outbox`, `tg.outbox.outcome` |
//! | [`OUTBOX_BACKLOG_ENTRIES`], [`OUTBOX_BACKLOG_BYTES`] | gauge, entries / By | `tg.outbox` |
//! | [`OUTBOX_OLDEST_AGE`], [`OUTBOX_DRAIN_TIME`] | gauge, s | `tg.outbox` |
//! | [`WEBHOOKS`] | counter | `tg.provider`, `tg.webhook.outcome`, `tg.webhook.reason` |
//! | [`INIT_DATA`] | counter | `tg.init_data.outcome`, `tg.init_data.reason` |
//!
//! Provider crates and the outbox record their own families through the functions of this
//! module, so that every name and label lives here once.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, ErrorKind, RateLimitOrigin, TimeoutPhase, TransportKind};
use crate::secret::Secret;

/// One sample per HTTP attempt (a resent request is a request of its own, as OpenTelemetry
/// counts them), from sending to the decoded answer, in seconds.
pub const REQUEST_DURATION: &str = "http.client.request.duration";
/// Attempts that failed and were retried.
pub const RETRIES: &str = "tg.client.retries";
/// Calls refused or paused by a rate limit: `local` (our limiter refused within its wait) or
/// `remote` (the service answered 429).
pub const RATE_LIMITED: &str = "tg.client.rate_limited";
/// How long a call waited for a slot of its limiter, in seconds (zero when one was free).
pub const LIMITER_WAIT: &str = "tg.limiter.wait.duration";

/// Describes every metric of this module (unit and help text) to the installed recorder; each
/// client core calls it when it is built.
pub(crate) fn describe() {
    #[cfg(feature = "metrics")]
    {
        use metrics::Unit;
        metrics::describe_histogram!(
            REQUEST_DURATION,
            Unit::Seconds,
            "Duration of HTTP client requests (one per attempt)."
        );
        metrics::describe_counter!(
            RETRIES,
            Unit::Count,
            "Attempts that failed and were retried."
        );
        metrics::describe_counter!(
            RATE_LIMITED,
            Unit::Count,
            "Calls refused by the local limiter or answered 429 by the service."
        );
        metrics::describe_histogram!(
            LIMITER_WAIT,
            Unit::Seconds,
            "Time a call waited for a slot of its rate limiter."
        );
        metrics::describe_counter!(
            OUTBOX_ENTRIES,
            Unit::Count,
            "Entries an outbox handled, by outcome."
        );
        metrics::describe_gauge!(
            OUTBOX_BACKLOG_ENTRIES,
            Unit::Count,
            "Entries in an outbox's spool."
        );
        metrics::describe_gauge!(
            OUTBOX_BACKLOG_BYTES,
            Unit::Bytes,
            "Bytes in an outbox's spool."
        );
        metrics::describe_gauge!(
            OUTBOX_OLDEST_AGE,
            Unit::Seconds,
            "Age of the oldest backlog entry."
        );
        metrics::describe_gauge!(
            OUTBOX_DRAIN_TIME,
            Unit::Seconds,
            "Projected time to deliver the backlog under the quota."
        );
        metrics::describe_counter!(WEBHOOKS, Unit::Count, "Signed webhook deliveries checked.");
        metrics::describe_counter!(INIT_DATA, Unit::Count, "Mini App initData validated.");
    }
}

/// Admissions a limiter's window holds now (in-process limiters; published at most once a
/// second, after an admission).
pub const LIMITER_USED: &str = "tg.limiter.used";
/// What is left of a limiter's window now.
pub const LIMITER_REMAINING: &str = "tg.limiter.remaining";
/// Failures of the shared limiter store (Redis: unreachable, timed out, unexpected answer).
pub const LIMITER_BACKEND_FAILURES: &str = "tg.limiter.backend.failures";

/// Entries an outbox handled, by `tg.outbox.outcome`: `accepted` (appended to the spool),
/// `delivered`, `retried` (a delivery failed and will be repeated), `dead_lettered` (the service
/// refused it for good) and `refused` (never stored: spool full, I/O, shut down).
pub const OUTBOX_ENTRIES: &str = "tg.outbox.entries";
/// Entries in an outbox's spool (ready, claimed, kept as letters).
pub const OUTBOX_BACKLOG_ENTRIES: &str = "tg.outbox.backlog.entries";
/// Bytes of those entries, as the spool counts them against its bound.
pub const OUTBOX_BACKLOG_BYTES: &str = "tg.outbox.backlog.bytes";
/// Age of the oldest entry of the backlog, in seconds.
pub const OUTBOX_OLDEST_AGE: &str = "tg.outbox.backlog.oldest_age";
/// Projected time to deliver the backlog under the quota, in seconds.
pub const OUTBOX_DRAIN_TIME: &str = "tg.outbox.backlog.drain_time";

/// Publishes an outbox's stats (`name` is its `tg.outbox` label).
#[cfg(feature = "outbox")]
#[inline]
pub(crate) fn outbox(name: &'static str, stats: &crate::outbox::OutboxStats) {
    #[cfg(feature = "metrics")]
    {
        let outcomes = [
            ("accepted", stats.appended),
            ("delivered", stats.delivered),
            ("retried", stats.retried),
            ("dead_lettered", stats.rejected),
            ("refused", stats.not_stored),
        ];
        for (outcome, n) in outcomes {
            metrics::counter!(OUTBOX_ENTRIES, "tg.outbox" => name, "tg.outbox.outcome" => outcome)
                .absolute(n);
        }
        let seconds = |ms: Option<u64>| ms.unwrap_or(0) as f64 / 1000.0;
        metrics::gauge!(OUTBOX_BACKLOG_ENTRIES, "tg.outbox" => name)
            .set(stats.backlog_entries as f64);
        metrics::gauge!(OUTBOX_BACKLOG_BYTES, "tg.outbox" => name).set(stats.backlog_bytes as f64);
        metrics::gauge!(OUTBOX_OLDEST_AGE, "tg.outbox" => name).set(seconds(stats.oldest_age_ms));
        metrics::gauge!(OUTBOX_DRAIN_TIME, "tg.outbox" => name).set(seconds(stats.drain_eta_ms));
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (name, stats);
}

/// Signed webhook deliveries checked, by `tg.webhook.outcome`: `verified` (signature and
/// timestamp good), `refused` (with `tg.webhook.reason`), then, of the verified, `replay` (the
/// nonce was already handled) and `in_progress` (a duplicate while the first is handled).
pub const WEBHOOKS: &str = "tg.webhook.deliveries";
/// Mini App initData validated, by `tg.init_data.outcome` (`valid`, `refused`, with
/// `tg.init_data.reason`).
pub const INIT_DATA: &str = "tg.init_data.validations";

/// Counts a webhook delivery of `provider` in [`WEBHOOKS`]; `reason` goes with `refused`.
#[inline]
pub fn webhook(provider: &'static str, outcome: &'static str, reason: Option<&'static str>) {
    #[cfg(feature = "metrics")]
    match reason {
        Some(reason) => metrics::counter!(
            WEBHOOKS,
            "tg.provider" => provider,
            "tg.webhook.outcome" => outcome,
            "tg.webhook.reason" => reason,
        )
        .increment(1),
        None => metrics::counter!(
            WEBHOOKS,
            "tg.provider" => provider,
            "tg.webhook.outcome" => outcome,
        )
        .increment(1),
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, outcome, reason);
}

/// Counts an initData validation in [`INIT_DATA`]: valid (`reason` `None`) or refused.
#[inline]
pub fn init_data(reason: Option<&'static str>) {
    #[cfg(feature = "metrics")]
    match reason {
        Some(reason) => metrics::counter!(
            INIT_DATA,
            "tg.init_data.outcome" => "refused",
            "tg.init_data.reason" => reason,
        )
        .increment(1),
        None => metrics::counter!(INIT_DATA, "tg.init_data.outcome" => "valid").increment(1),
    }
    #[cfg(not(feature = "metrics"))]
    let _ = reason;
}

/// The attempt's answer status or error, for [`request`].
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) struct Attempt<'a> {
    pub provider: &'static str,
    pub operation: &'a Cow<'static, str>,
    pub method: &'a http::Method,
    pub server: &'a Arc<str>,
    pub status: Option<u16>,
    pub error: Option<&'a Error>,
    pub duration: Duration,
}

/// Records one HTTP attempt in [`REQUEST_DURATION`].
#[inline]
pub(crate) fn request(attempt: &Attempt<'_>) {
    #[cfg(feature = "metrics")]
    {
        let mut labels = vec![
            metrics::Label::from_static_parts("tg.provider", attempt.provider),
            metrics::Label::new("tg.operation", attempt.operation.clone()),
            metrics::Label::from_static_parts("http.request.method", method(attempt.method)),
            metrics::Label::new("server.address", Arc::clone(attempt.server)),
        ];
        if let Some(status) = attempt.status {
            labels.push(metrics::Label::new(
                "http.response.status_code",
                status_code(status),
            ));
        }
        if let Some(err) = attempt.error {
            labels.push(metrics::Label::new("error.type", error_type(err)));
        }
        metrics::histogram!(REQUEST_DURATION, labels).record(attempt.duration.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = attempt;
}

/// Counts a retry of `operation` after `err`.
#[inline]
// The `Cow` is cloned into a label without allocating (a `&str` would be copied).
#[allow(clippy::ptr_arg)]
pub(crate) fn retry(provider: &'static str, operation: &Cow<'static, str>, err: &Error) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        RETRIES,
        "tg.provider" => provider,
        "tg.operation" => operation.clone(),
        "error.type" => error_type(err),
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, operation, err);
}

/// Counts `err` in [`RATE_LIMITED`] when it is a rate limit (local or remote).
#[inline]
// The `Cow` is cloned into a label without allocating (a `&str` would be copied).
#[allow(clippy::ptr_arg)]
pub(crate) fn rate_limited(provider: &'static str, operation: &Cow<'static, str>, err: &Error) {
    let origin = match err.kind() {
        ErrorKind::RateLimited { origin, .. } => match origin {
            RateLimitOrigin::Local { .. } => "local",
            RateLimitOrigin::Remote => "remote",
        },
        _ if err.status() == Some(429) => "remote",
        _ => return,
    };
    #[cfg(feature = "metrics")]
    metrics::counter!(
        RATE_LIMITED,
        "tg.provider" => provider,
        "tg.operation" => operation.clone(),
        "tg.rate_limit.origin" => origin,
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (provider, operation, origin);
}

/// Records a wait of `waited` for a slot of the limiter labelled `limiter`.
#[inline]
pub(crate) fn limiter_wait(limiter: &Arc<str>, waited: Duration) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(LIMITER_WAIT, "tg.limiter" => Arc::clone(limiter))
        .record(waited.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = (limiter, waited);
}

/// Publishes `used` admissions of `quota`'s window for the limiter labelled `limiter`, and what
/// remains of it.
#[inline]
pub(crate) fn limiter_usage(limiter: &Arc<str>, quota: &crate::Quota, used: usize) {
    #[cfg(feature = "metrics")]
    {
        let window = window(quota.window);
        let remaining = (quota.count as usize).saturating_sub(used);
        metrics::gauge!(LIMITER_USED, "tg.limiter" => Arc::clone(limiter), "tg.limiter.window" => window.clone())
            .set(used as f64);
        metrics::gauge!(LIMITER_REMAINING, "tg.limiter" => Arc::clone(limiter), "tg.limiter.window" => window)
            .set(remaining as f64);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (limiter, quota, used);
}

/// Counts a failure of the shared limiter store (`redis`), by `error.type`.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
#[inline]
pub(crate) fn limiter_backend_failure(backend: &'static str, err: &Error) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        LIMITER_BACKEND_FAILURES,
        "tg.limiter.backend" => backend,
        "error.type" => error_type(err),
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (backend, err);
}

/// A window's length as a label: `1s`, `1m`, `1h`, `1d`, else whole seconds (`90s`).
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
fn window(window: Duration) -> Cow<'static, str> {
    match window.as_secs() {
        1 => Cow::Borrowed("1s"),
        60 => Cow::Borrowed("1m"),
        3600 => Cow::Borrowed("1h"),
        86_400 => Cow::Borrowed("1d"),
        s => Cow::Owned(format!("{s}s")),
    }
}

/// The label that names the limiter of `provider`'s key: the provider and 8 hex digits of an
/// unkeyed SipHash of the key, the same in every replica (32 bits: names a key, reveals none).
pub(crate) fn limiter_label(provider: &str, key: &Secret) -> Arc<str> {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(key.expose().as_bytes());
    Arc::from(format!("{provider}:{:08x}", h.finish() >> 32))
}

/// OpenTelemetry's `error.type` for `err`: the status code of an answer of 400 or more,
/// otherwise a low-cardinality name of what failed (`api_error` for an error envelope in a 2xx).
pub fn error_type(err: &Error) -> Cow<'static, str> {
    if let Some(status) = err.status().filter(|s| *s >= 400) {
        return status_code(status);
    }
    Cow::Borrowed(match err.kind() {
        ErrorKind::Transport { kind, .. } => match kind {
            TransportKind::Connect => "connect",
            TransportKind::Tls => "tls",
            TransportKind::Certificate => "certificate",
            TransportKind::Reset => "reset",
            TransportKind::Incomplete => "incomplete",
            _ => "transport",
        },
        ErrorKind::Timeout { phase, .. } => match phase {
            TimeoutPhase::Connect => "connect_timeout",
            TimeoutPhase::Attempt => "attempt_timeout",
            _ => "timeout",
        },
        ErrorKind::Http { .. } => "http",
        ErrorKind::Api(_) => "api_error",
        ErrorKind::Decode { .. } => "decode",
        ErrorKind::BodyTooLarge { .. } => "body_too_large",
        ErrorKind::InvalidInput { .. } => "invalid_input",
        ErrorKind::RateLimited { .. } => "rate_limited",
        ErrorKind::LimiterUnavailable { .. } => "limiter_unavailable",
        ErrorKind::Config { .. } => "config",
        ErrorKind::Expired { .. } => "expired",
    })
}

/// The method's name for a label; `_OTHER` for a method outside HTTP's standard set, as
/// OpenTelemetry asks.
pub(crate) fn method(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::PATCH => "PATCH",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        _ => "_OTHER",
    }
}

/// The status code as text, without formatting the usual ones.
fn status_code(status: u16) -> Cow<'static, str> {
    Cow::Borrowed(match status {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => return Cow::Owned(status.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_low_cardinality_names() {
        assert_eq!(error_type(&Error::http(503, b"", None)), "503");
        assert_eq!(error_type(&Error::http(418, b"", None)), "418");
        assert_eq!(error_type(&Error::config("x")), "config");
        assert_eq!(method(&http::Method::POST), "POST");
    }

    #[test]
    fn a_limiter_label_holds_no_key() {
        let key = Secret::new("k-123456789");
        let label = limiter_label("tgtrack", &key);
        assert!(
            label.starts_with("tgtrack:") && label.len() == 16,
            "{label}"
        );
        assert!(!label.contains("123456789"));
        assert_eq!(label, limiter_label("tgtrack", &key));
    }
}
