//! The fake's outbox: signed webhooks it POSTs on its own (from the admin endpoints), each sent
//! in the background to a receiver on loopback, with a bounded log of what became of it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::delivery::SignedWebhook;

/// How many deliveries the log keeps (the oldest are forgotten first).
pub const OUTBOX_LOG_CAPACITY: usize = 100;

/// How long a receiver may take to answer before the delivery counts as failed.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Being sent.
    Sending,
    /// The receiver answered with this HTTP status.
    Answered(u16),
    /// It could not be delivered (connection refused, timeout...).
    Failed(String),
    /// Not sent: the target is not a loopback address, or no runtime was running.
    Skipped(String),
}

/// One delivery the fake sent (or refused to send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Its number, counting from 1.
    pub id: u64,
    /// The event name.
    pub event: String,
    /// The registered webhook URL it was signed for.
    pub webhook: String,
    /// Where it was sent (plain http on loopback), or the URL it was not sent to.
    pub target: String,
    /// The nonce header value.
    pub nonce: String,
    /// What became of it.
    pub outcome: DeliveryOutcome,
}

/// The log shared by the fake and its background deliveries.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    inner: Mutex<(u64, VecDeque<DeliveryRecord>)>,
    finished: tokio::sync::Notify,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, (u64, VecDeque<DeliveryRecord>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every logged delivery, oldest first.
    pub(super) fn records(&self) -> Vec<DeliveryRecord> {
        self.lock().1.iter().cloned().collect()
    }

    fn push(&self, mut record: DeliveryRecord) -> u64 {
        let mut inner = self.lock();
        inner.0 += 1;
        record.id = inner.0;
        if inner.1.len() >= OUTBOX_LOG_CAPACITY {
            inner.1.pop_front();
        }
        inner.1.push_back(record);
        inner.0
    }

    fn finish(&self, id: u64, outcome: DeliveryOutcome) {
        if let Some(r) = self.lock().1.iter_mut().find(|r| r.id == id) {
            r.outcome = outcome;
        }
        self.finished.notify_waiters();
    }

    /// Waits until no logged delivery is still being sent, then returns the log.
    pub(super) async fn settled(&self) -> Vec<DeliveryRecord> {
        loop {
            // Created before the check, so a finish in between still wakes it.
            let finished = self.finished.notified();
            let records = self.records();
            if records
                .iter()
                .all(|r| r.outcome != DeliveryOutcome::Sending)
            {
                return records;
            }
            finished.await;
        }
    }

    /// Sends `webhook` to `target` in the background (or logs why not) and returns its record
    /// as first logged.
    pub(super) fn send(
        self: &Arc<Self>,
        event: &str,
        webhook: &SignedWebhook,
        target: Result<String, String>,
    ) -> DeliveryRecord {
        let runtime = tokio::runtime::Handle::try_current();
        let (target_text, outcome) = match (&target, &runtime) {
            (Ok(t), Ok(_)) => (t.clone(), DeliveryOutcome::Sending),
            (Ok(t), Err(_)) => (
                t.clone(),
                DeliveryOutcome::Skipped("no async runtime to send from".to_owned()),
            ),
            (Err(why), _) => (webhook.url.clone(), DeliveryOutcome::Skipped(why.clone())),
        };
        let mut record = DeliveryRecord {
            id: 0,
            event: event.to_owned(),
            webhook: webhook.url.clone(),
            target: target_text.clone(),
            nonce: webhook.nonce.clone(),
            outcome: outcome.clone(),
        };
        record.id = self.push(record.clone());
        if let (Ok(handle), DeliveryOutcome::Sending) = (runtime, outcome) {
            let outbox = Arc::clone(self);
            let (id, headers, body) = (record.id, webhook.header_map(), webhook.body.clone());
            handle.spawn(async move {
                let sent = tokio::time::timeout(
                    DELIVERY_TIMEOUT,
                    crate::deliver::post(&target_text, &headers, body),
                )
                .await;
                let outcome = match sent {
                    Ok(Ok(d)) => DeliveryOutcome::Answered(d.status),
                    Ok(Err(e)) => DeliveryOutcome::Failed(e),
                    Err(_) => DeliveryOutcome::Failed(format!(
                        "no answer within {} s",
                        DELIVERY_TIMEOUT.as_secs()
                    )),
                };
                outbox.finish(id, outcome);
            });
        }
        record
    }
}

/// Where a delivery for a webhook registered at `url` goes: the same host, port and path over
/// plain http, when the host is a loopback address; the fake never sends off the machine.
pub fn loopback_target(url: &str) -> Result<String, String> {
    let uri: http::Uri = url.parse().map_err(|_| format!("`{url}` is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(format!("`{url}` is not an http(s) URL")),
    }
    let host = uri.host().unwrap_or_default();
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!(
            "`{url}` is not on loopback (127.0.0.1, localhost or [::1]): the fake sends nothing \
             off this machine"
        ));
    }
    let authority = uri.authority().map_or(host, |a| a.as_str());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Ok(format!("http://{authority}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_allowed_and_https_becomes_http() {
        assert_eq!(
            loopback_target("https://127.0.0.1:3000/hook?x=1").unwrap(),
            "http://127.0.0.1:3000/hook?x=1"
        );
        assert_eq!(
            loopback_target("http://localhost:8081").unwrap(),
            "http://localhost:8081/"
        );
        assert_eq!(
            loopback_target("http://[::1]:9/h").unwrap(),
            "http://[::1]:9/h"
        );
        assert!(loopback_target("http://127.3.4.5/h").is_ok());
        for bad in [
            "https://bot.example.com/hook",
            "http://10.0.0.1/h",
            "ftp://127.0.0.1/h",
            "127.0.0.1:80",
            "not a url",
        ] {
            assert!(loopback_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_log_is_bounded_and_without_a_runtime_nothing_is_sent() {
        let outbox = Arc::new(Outbox::default());
        let w = super::super::delivery::build_webhook(
            "https://127.0.0.1:1/h",
            "s",
            "e",
            serde_json::json!({}),
            "n",
            1,
        );
        for _ in 0..OUTBOX_LOG_CAPACITY + 5 {
            let r = outbox.send("e", &w, loopback_target(&w.url));
            assert!(matches!(r.outcome, DeliveryOutcome::Skipped(_)));
        }
        let records = outbox.records();
        assert_eq!(records.len(), OUTBOX_LOG_CAPACITY);
        assert_eq!(records[0].id, 6);
    }
}
