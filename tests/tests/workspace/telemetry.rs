//! What the clients emit for operators: the metrics a debugging recorder captures from scripted
//! runs against tg-mock (calls, a 429, a retry, a local refusal, an outbox backlog and its dead
//! letters, webhooks verified, replayed and refused, initData valid and refused): names, units,
//! labels and values, with the key in none of them. The request
//! span's OpenTelemetry fields are checked by tg-common's `tracing_fields` test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use metrics::Unit;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use tg_common::limit::{RedisConfig, redis_limiter};
use tg_common::telemetry::{
    INIT_DATA, LIMITER_BACKEND_FAILURES, LIMITER_REMAINING, LIMITER_USED, LIMITER_WAIT,
    OUTBOX_BACKLOG_ENTRIES, OUTBOX_DRAIN_TIME, OUTBOX_ENTRIES, RATE_LIMITED, REQUEST_DURATION,
    RETRIES, WEBHOOKS,
};
use tg_common::{Quota, Timeouts};
use tg_mock::tgmembership::TgmembershipFake;
use tg_mock::tgtrack::{Mode as FakeMode, TgtrackFake, error_reply};
use tg_mock::{Fault, FaultRule, MockServer, Reply};
use tga_client::init_data::InitDataValidator;
use tgmembership_client::{WebhookError, WebhookVerifier};
use tgtrack_client::{Client, ForwardQueue, Submission};

const KEY: &str = "TELEMETRY-KEY-5f3a9c";

/// One captured metric.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    unit: Option<Unit>,
    value: DebugValue,
}

impl Sample {
    fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }

    fn count(&self) -> u64 {
        match &self.value {
            DebugValue::Counter(n) => *n,
            DebugValue::Histogram(v) => v.len() as u64,
            DebugValue::Gauge(g) => g.into_inner() as u64,
        }
    }
}

fn samples(recorder: &DebuggingRecorder) -> Vec<Sample> {
    recorder
        .snapshotter()
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, unit, _, value)| Sample {
            name: key.key().name().to_owned(),
            labels: key
                .key()
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect(),
            unit,
            value,
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

/// The fake TGTrack knowing [`KEY`] and user 1 (who started the bot).
async fn fake_server() -> MockServer {
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(KEY, FakeMode::Production);
    let server = MockServer::start(fake).await.unwrap();
    let client = Client::builder(KEY)
        .core(|c| {
            c.with_loopback_url(server.base_url())
                .with_quotas(Vec::new())
        })
        .build()
        .unwrap();
    client.user_did_start_bot(1, "Ann").send().await.unwrap();
    server
}

/// A success, a 503 retried, a remote 429 retried after its Retry-After, and a call the local
/// limiter refuses: each shows up under its name, unit and labels.
#[test]
fn one_scripted_run_emits_the_documented_metrics() {
    let recorder = DebuggingRecorder::new();
    metrics::with_local_recorder(&recorder, || {
        runtime().block_on(async {
            let server = fake_server().await;
            let client = Client::builder(KEY)
                .core(|c| {
                    c.with_loopback_url(server.base_url())
                        .with_quotas(vec![Quota::per_hour(3)])
                        .with_max_rate_wait(Duration::ZERO)
                        .with_timeouts(Timeouts {
                            attempt: Duration::from_secs(5),
                            overall: Duration::from_secs(60),
                        })
                })
                .build()
                .unwrap();
            client.get_user_info(1).send().await.unwrap();
            server.push_fault(FaultRule::next(
                1,
                Fault::RespondUnprocessed(error_reply(503, None, None)),
            ));
            client.get_user_info(1).send().await.unwrap();
            // 3 slots of the hour's 3 are spent (the 503 and its retry took one each): the local limiter refuses the next at once.
            let refused = client.get_user_info(1).send().await.unwrap_err();
            assert!(refused.is_rate_limited(), "{refused}");
        });
    });
    let all = samples(&recorder);
    for s in &all {
        for value in s.labels.values() {
            assert!(!value.contains(KEY), "key in a label of {s:?}");
        }
    }
    let requests: Vec<&Sample> = all
        .iter()
        .filter(|s| {
            s.name == REQUEST_DURATION && s.label("tg.operation") != Some("user_did_start_bot")
        })
        .collect();
    assert!(!requests.is_empty(), "{all:?}");
    for r in &requests {
        assert_eq!(r.unit, Some(Unit::Seconds), "{r:?}");
        assert_eq!(r.label("tg.provider"), Some("tgtrack"));
        assert_eq!(r.label("tg.operation"), Some("get_user_info"));
        assert_eq!(r.label("http.request.method"), Some("POST"));
        assert_eq!(r.label("server.address"), Some("127.0.0.1"));
    }
    let ok: u64 = requests
        .iter()
        .filter(|r| r.label("http.response.status_code") == Some("200"))
        .map(|r| r.count())
        .sum();
    assert_eq!(ok, 2, "{requests:?}");
    let failed = requests
        .iter()
        .find(|r| r.label("error.type") == Some("503"))
        .expect("the 503 attempt");
    assert_eq!(failed.label("http.response.status_code"), Some("503"));
    assert_eq!(failed.count(), 1);

    let retries = all.iter().find(|s| s.name == RETRIES).expect("a retry");
    assert_eq!(retries.unit, Some(Unit::Count));
    assert_eq!(retries.label("error.type"), Some("503"));
    assert_eq!(retries.count(), 1);

    let local = all
        .iter()
        .find(|s| s.name == RATE_LIMITED && s.label("tg.rate_limit.origin") == Some("local"))
        .expect("the local refusal");
    assert_eq!(local.count(), 1);

    let window = |name: &str| {
        all.iter()
            .find(|s| s.name == name && s.label("tg.limiter.window") == Some("1h"))
            .map(Sample::count)
            .unwrap_or_else(|| panic!("no {name} for the hour in {all:?}"))
    };
    assert_eq!(window(LIMITER_USED) + window(LIMITER_REMAINING), 3);
    assert!(window(LIMITER_USED) >= 1);

    let waits = all.iter().find(|s| s.name == LIMITER_WAIT).expect("waits");
    assert_eq!(waits.unit, Some(Unit::Seconds));
    let limiter = waits.label("tg.limiter").unwrap();
    assert!(limiter.starts_with("tgtrack:"), "{limiter}");
    assert_eq!(waits.count(), 3, "one per slot taken: {waits:?}");
}

/// A 429 from the service counts as a remote rate limit.
#[test]
fn a_remote_429_is_counted_by_origin() {
    let recorder = DebuggingRecorder::new();
    metrics::with_local_recorder(&recorder, || {
        runtime().block_on(async {
            let server = fake_server().await;
            let client = Client::builder(KEY)
                .core(|c| c.with_loopback_url(server.base_url()))
                .build()
                .unwrap();
            server.push_fault(FaultRule::next(
                1,
                Fault::RespondUnprocessed(
                    Reply::new(429, "{\"error\":\"Too Many Requests\"}")
                        .with_header("retry-after", "1"),
                ),
            ));
            client.get_user_info(1).send().await.unwrap();
        });
    });
    let all = samples(&recorder);
    let remote = all
        .iter()
        .find(|s| s.name == RATE_LIMITED && s.label("tg.rate_limit.origin") == Some("remote"))
        .unwrap_or_else(|| panic!("no remote rate limit in {all:?}"));
    assert_eq!(remote.count(), 1);
}

/// A private `/start` from user 7123456789, as update `id`.
fn start_update(id: i64) -> String {
    format!(
        r#"{{"update_id":{id},"message":{{"message_id":17,"from":{{"id":7123456789,"is_bot":false,"first_name":"Vasya"}},"chat":{{"id":7123456789,"first_name":"Vasya","type":"private"}},"date":1700000000,"text":"/start ref-42","entities":[{{"offset":0,"length":6,"type":"bot_command"}}]}}}}"#
    )
}

/// TGTrack forwarding's outbox publishes what it accepted and dead-lettered, and its backlog
/// (here the two refused updates, kept until taken).
#[test]
fn an_outbox_publishes_its_counters_and_backlog() {
    let recorder = DebuggingRecorder::new();
    metrics::with_local_recorder(&recorder, || {
        runtime().block_on(async {
            let server = fake_server().await;
            // A key TGTrack does not know: every forward is refused for good (401).
            let client = Client::builder("unknown-key")
                .core(|c| c.with_loopback_url(server.base_url()))
                .build()
                .unwrap();
            let queue = ForwardQueue::start(client).unwrap();
            for id in [1, 2] {
                let submitted = queue.submit(start_update(id)).await;
                assert!(matches!(submitted, Submission::Queued(_)), "{submitted:?}");
            }
            let _ = queue.flush().await;
            let stats = queue.stats().await;
            assert_eq!(stats.outbox.rejected, 2, "{stats:?}");
            assert_eq!(stats.outbox.backlog_entries, 2, "{stats:?}");
        });
    });
    let all = samples(&recorder);
    let outcome = |name: &str| {
        all.iter()
            .find(|s| s.name == OUTBOX_ENTRIES && s.label("tg.outbox.outcome") == Some(name))
            .map(Sample::count)
    };
    assert_eq!(outcome("accepted"), Some(2), "{all:?}");
    assert_eq!(outcome("dead_lettered"), Some(2), "{all:?}");
    assert_eq!(outcome("refused"), Some(0), "{all:?}");
    let backlog = all
        .iter()
        .find(|s| s.name == OUTBOX_BACKLOG_ENTRIES)
        .expect("the backlog gauge");
    assert_eq!(backlog.count(), 2);
    assert_eq!(backlog.label("tg.outbox"), Some("tgtrack forwarding"));
    assert_eq!(backlog.unit, Some(Unit::Count));
    assert!(all.iter().any(|s| s.name == OUTBOX_DRAIN_TIME));
}

/// Webhook deliveries and initData are counted by outcome and reason.
#[test]
fn webhooks_and_init_data_are_counted_by_outcome() {
    let recorder = DebuggingRecorder::new();
    metrics::with_local_recorder(&recorder, || {
        runtime().block_on(async {
            let secret = "0123456789abcdef0123456789abcdef";
            let fake = TgmembershipFake::new(42, "telemetry-key");
            fake.add_webhook("https://example.com/hook", secret);
            let d = fake
                .webhook_deliveries("order_completed", serde_json::json!({"order_key": "k1"}))
                .remove(0);
            let verifier = WebhookVerifier::new(secret).unwrap();
            let timestamp = verifier.verify(&d.signature, &d.nonce, &d.body).unwrap();
            verifier
                .claim(&d.nonce, timestamp)
                .await
                .unwrap()
                .commit()
                .await
                .unwrap();
            let replay = verifier.claim(&d.nonce, timestamp).await.unwrap_err();
            assert_eq!(replay, WebhookError::Replay);
            let forged = verifier.verify(&d.signature, &d.nonce, b"{}").unwrap_err();
            assert_eq!(forged, WebhookError::SignatureMismatch);

            let token = "7000000001:AAH-telemetry_bot";
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                .to_string();
            let signed = tg_mock::init_data::sign(token, &[("auth_date", &now)]);
            let validator = InitDataValidator::bot_token(token).unwrap();
            validator.validate(&signed).unwrap();
            let altered = signed.replacen("auth_date=", "auth_date=1", 1);
            assert!(validator.validate(&altered).is_err());
        });
    });
    let all = samples(&recorder);
    let webhook = |outcome: &str, reason: Option<&str>| {
        all.iter()
            .find(|s| {
                s.name == WEBHOOKS
                    && s.label("tg.webhook.outcome") == Some(outcome)
                    && s.label("tg.webhook.reason") == reason
            })
            .map(Sample::count)
    };
    assert_eq!(webhook("verified", None), Some(1), "{all:?}");
    assert_eq!(webhook("replay", None), Some(1), "{all:?}");
    assert_eq!(
        webhook("refused", Some("signature_mismatch")),
        Some(1),
        "{all:?}"
    );
    let init = |outcome: &str, reason: Option<&str>| {
        all.iter()
            .find(|s| {
                s.name == INIT_DATA
                    && s.label("tg.init_data.outcome") == Some(outcome)
                    && s.label("tg.init_data.reason") == reason
            })
            .map(Sample::count)
    };
    assert_eq!(init("valid", None), Some(1), "{all:?}");
    assert_eq!(init("refused", Some("bad_hash")), Some(1), "{all:?}");
}

/// A shared limiter whose Redis cannot be reached counts the failure, by cause.
#[test]
fn a_failing_shared_limiter_store_is_counted() {
    let recorder = DebuggingRecorder::new();
    metrics::with_local_recorder(&recorder, || {
        runtime().block_on(async {
            // A port nothing listens on: the connection is refused.
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("redis://{}", closed.local_addr().unwrap());
            drop(closed);
            let config = RedisConfig::new(url, tg_common::Secret::new("naming-key"));
            let limiter = redis_limiter(
                config,
                &tg_common::Secret::new(KEY),
                &[Quota::per_second(3)],
            )
            .unwrap();
            let err = limiter.acquire().await.unwrap_err();
            assert!(
                matches!(err.kind(), tg_common::ErrorKind::LimiterUnavailable { .. }),
                "{err}"
            );
        });
    });
    let all = samples(&recorder);
    let failures = all
        .iter()
        .find(|s| s.name == LIMITER_BACKEND_FAILURES)
        .unwrap_or_else(|| panic!("no failure counted in {all:?}"));
    assert_eq!(failures.label("tg.limiter.backend"), Some("redis"));
    assert_eq!(failures.count(), 1);
}
