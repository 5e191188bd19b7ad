//! TGTrack forwarding under real crashes: `forward_child` processes (a bot's webhook behind
//! `TelegramWebhookLayer`, a `ForwardQueue` over a durable spool) receive tracked updates as
//! Telegram delivers them and are SIGKILLed at random moments (seeded; the seed is printed, and
//! `TG_CRASH_SEED` replays it), then restarted on the same spool. Every update a webhook answered
//! 200 for reaches the fake TGTrack, byte for byte: over a disk spool (one replica), and over a
//! Redis stream shared by two replicas (either or both killed; a restart keeps its consumer
//! name or takes a new one, as a pod of a deployment does).
//!
//! The fake answers some requests late, with a 503, or loses its answer, so deliveries are in
//! flight and retried when the kills come. The Redis test needs `TG_REDIS_URL` (set by
//! `cargo xtask test`); under CI a missing server is a failure, elsewhere a skip. Both run in
//! real time, each within about 10 s (the end waits for the backlog while it shrinks, and
//! fails once it stops shrinking for 3 s).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use integration_tests::forward_child::{Plan, campaign};
use integration_tests::support::{redis_url, unique};
use tg_mock::tgtrack::{Mode, TgtrackFake, error_reply};
use tg_mock::{Chaos, Fault, MockServer};

const KEY: &str = "crash-key";
const PROGRAM: &str = env!("CARGO_BIN_EXE_forward_child");

/// The fake TGTrack, late, failing or losing its answer now and then.
async fn fake(seed: u64) -> (Arc<TgtrackFake>, MockServer) {
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(KEY, Mode::Production);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    server.set_chaos(Some(Chaos {
        probability: 0.05,
        faults: vec![
            (3, Fault::Delay(Duration::from_millis(30))),
            (1, Fault::RespondUnprocessed(error_reply(503, None, None))),
            (1, Fault::ResetAfterHeaders),
            (1, Fault::ResetBeforeHeaders),
            (1, Fault::RespondUnprocessed(error_reply(429, None, None))),
        ],
        seed,
    }));
    (fake, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_forwarders_lose_no_update_answered_200_over_a_disk_spool() {
    let plan = Plan::new(1);
    let (fake, server) = fake(plan.seed).await;
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url().to_owned();
    let spool = dir.path().display().to_string();
    let outcome = campaign(PROGRAM, &plan, &fake, KEY, |_, _| {
        vec![base.clone(), "disk".to_owned(), spool.clone()]
    })
    .await;
    outcome.check(&plan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server (run by cargo xtask test)"]
async fn killed_replicas_lose_no_update_answered_200_over_a_redis_stream() {
    let url = redis_url();
    let plan = Plan::new(2);
    let (fake, server) = fake(plan.seed).await;
    let base = server.base_url().to_owned();
    let stream = unique("test:forward:crash:");
    let outcome = campaign(PROGRAM, &plan, &fake, KEY, |replica, life| {
        // Odd lives come back under a new consumer name: what the dead one held is taken over
        // by the group after the visibility timeout; even lives take back their own at once.
        let consumer = format!("r{replica}-{}", life % 2 * life);
        vec![
            base.clone(),
            "redis".to_owned(),
            url.clone(),
            stream.clone(),
            consumer,
        ]
    })
    .await;
    outcome.check(&plan);
}
