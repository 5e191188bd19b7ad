//! The parent side of the TGTrack forwarding crash tests: starts `forward_child` replicas,
//! posts tracked updates to their webhooks as Telegram does, SIGKILLs replicas at random
//! moments (seeded) and restarts them on the same spool, then waits until the fake TGTrack
//! holds every update a webhook answered 200 for, byte for byte.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tg_mock::tgtrack::TgtrackFake;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;
use tokio::time::{Instant, sleep, timeout};

/// The webhook's secret token (`setWebhook`'s `secret_token`) the children check.
pub const SECRET: &str = "crash-Secret_7";

/// The path of the children's webhook.
pub const WEBHOOK_PATH: &str = "/telegram";

/// A private `/start` update numbered `id`, shaped as Telegram sends it, with a deep-link
/// parameter, spacing and escapes drawn from `rng` (bytes a re-serialization would change).
pub fn start_update(id: u64, rng: &mut impl Rng) -> String {
    const PARAM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let len = rng.random_range(1..=64);
    let param: String = (0..len)
        .map(|_| char::from(PARAM[rng.random_range(0..PARAM.len())]))
        .collect();
    let user = 7_000_000_000 + id % 100_000;
    let gap = [" ", "", "\t", "  "][rng.random_range(0..4)];
    format!(
        "{{\"update_id\":{gap}{id},\"message\":{{\"message_id\":{},\"from\":{{\"id\":{user},\"is_bot\":false,\"first_name\":\"Va\\u0073ya \\u2764\",\"language_code\":\"ru\"}},{gap}\"chat\":{{\"id\":{user},\"first_name\":\"Va\\u0073ya \\u2764\",\"type\":\"private\"}},\"date\":{},\"text\":\"/start {param}\",\"entities\":[{{\"offset\":0,\"length\":6,\"type\":\"bot_command\"}}]}}}}{}",
        id % 1000 + 1,
        1_700_000_000 + id,
        if id.is_multiple_of(3) { "\n" } else { "" }
    )
}

/// Posts `body` to a webhook at `addr` as Telegram does (secret-token header, JSON body);
/// the status, or `None` when no whole answer came (the replica died).
pub async fn post(addr: SocketAddr, body: &str) -> Option<u16> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let head = format!(
            "POST {WEBHOOK_PATH} HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-telegram-bot-api-secret-token: {SECRET}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.ok()?;
        stream.write_all(body.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        let text = String::from_utf8_lossy(&answer);
        text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    };
    timeout(Duration::from_secs(10), exchange).await.ok()?
}

/// One running `forward_child`.
pub struct Replica {
    process: Child,
    /// Where its webhook listens.
    pub addr: SocketAddr,
}

impl Replica {
    /// Starts `program ARGS` with `TGTRACK_KEY=key` and waits until its webhook listens.
    pub async fn start(program: &str, args: &[String], key: &str) -> Replica {
        let mut process = Command::new(program)
            .args(args)
            .env("TGTRACK_KEY", key)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("forward_child did not start: {e}"));
        let Some(stdout) = process.stdout.take() else {
            panic!("forward_child has no stdout");
        };
        let mut lines = BufReader::new(stdout).lines();
        let line = timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("forward_child did not listen within 20 s"))
            .unwrap_or_else(|e| panic!("forward_child's stdout: {e}"))
            .unwrap_or_else(|| panic!("forward_child ended: {:?}", process.try_wait()));
        let addr = line
            .strip_prefix("L ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("forward_child said {line:?}"));
        Replica { process, addr }
    }

    /// SIGKILL: no flush, no sync, no acknowledgement; returns once the process is gone.
    pub async fn kill(mut self) {
        if let Err(e) = self.process.kill().await {
            panic!("kill failed: {e}");
        }
    }
}

/// How a crash campaign runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The seed of every random choice (kill moments, victims, update bytes).
    pub seed: u64,
    /// Replicas behind the load balancer.
    pub replicas: usize,
    /// How many times replicas are killed.
    pub kills: usize,
    /// How long replicas run between kills, in milliseconds.
    pub life_ms: Range<u64>,
    /// Concurrent webhook deliveries.
    pub senders: usize,
    /// Updates posted at most.
    pub max_updates: u64,
    /// The end: how long the survivors may forward the backlog without progress (a lost
    /// update ends the wait after this), and at most in all.
    pub stall: Duration,
    /// See `stall`.
    pub drain_max: Duration,
}

impl Plan {
    /// A plan for `replicas`, seeded by `TG_CRASH_SEED` when set (to replay a run), else at
    /// random; 4 to 6 kills (drawn from the seed), lives of 20 to 1,200 ms (the shortest kill a
    /// replica while it delivers what its predecessor left).
    pub fn new(replicas: usize) -> Plan {
        let seed = std::env::var("TG_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| rand::rng().random());
        Plan {
            seed,
            replicas,
            kills: StdRng::seed_from_u64(seed).random_range(4..=6),
            life_ms: 20..1_200,
            senders: 4,
            max_updates: 2_000,
            stall: Duration::from_secs(3),
            drain_max: Duration::from_secs(60),
        }
    }
}

/// What a campaign saw.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Updates posted.
    pub posted: u64,
    /// The updates a webhook answered 200 for, by `update_id`.
    pub answered: BTreeMap<u64, Bytes>,
    /// Processes killed.
    pub killed: usize,
    /// After each kill: updates answered 200 that the fake had not received yet (what the
    /// spool had to carry across the crash).
    pub backlog_at_kills: Vec<usize>,
    /// Bodies the fake received (with repeats: delivery is at least once).
    pub forwarded: usize,
    /// Bodies the fake received more than once.
    pub repeats: usize,
    /// Answered updates the fake never received, by `update_id`.
    pub lost: Vec<u64>,
    /// Bodies the fake received that were never posted (not byte for byte).
    pub foreign: usize,
    /// How long the survivors took to forward the backlog after the last post.
    pub drained_in: Duration,
}

struct Shared {
    addrs: Mutex<Vec<Option<SocketAddr>>>,
    posted: Mutex<HashSet<Bytes>>,
    answered: Mutex<BTreeMap<u64, Bytes>>,
    /// Per replica: woken when it answered 200.
    answers: Vec<Notify>,
    next: AtomicU64,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Posts updates to live replicas until told to stop.
async fn send(shared: Arc<Shared>, seed: u64, max: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    while !shared.stop.load(Ordering::Relaxed) {
        let live: Vec<(usize, SocketAddr)> = lock(&shared.addrs)
            .iter()
            .enumerate()
            .filter_map(|(i, a)| Some((i, (*a)?)))
            .collect();
        if live.is_empty() {
            sleep(Duration::from_millis(2)).await;
            continue;
        }
        let id = shared.next.fetch_add(1, Ordering::Relaxed);
        if id >= max {
            return;
        }
        let body = start_update(id, &mut rng);
        lock(&shared.posted).insert(Bytes::from(body.clone()));
        let (replica, addr) = live[rng.random_range(0..live.len())];
        if post(addr, &body).await == Some(200) {
            lock(&shared.answered).insert(id, Bytes::from(body));
            shared.answers[replica].notify_waiters();
        }
    }
}

/// The answered updates the fake has not received.
fn missing(fake: &TgtrackFake, key: &str, answered: &BTreeMap<u64, Bytes>) -> Vec<u64> {
    let got: HashSet<Bytes> = fake.forwarded(key).into_iter().map(|f| f.body).collect();
    answered
        .iter()
        .filter(|(_, body)| !got.contains(*body))
        .map(|(id, _)| *id)
        .collect()
}

/// Runs a campaign of `program` (`forward_child`): `replica_args(i, life)` are the arguments
/// of replica `i`'s `life`-th process (0 first). Replicas forward for `key` to `fake`.
pub async fn campaign(
    program: &str,
    plan: &Plan,
    fake: &TgtrackFake,
    key: &str,
    mut replica_args: impl FnMut(usize, usize) -> Vec<String>,
) -> Outcome {
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0x5eed);
    let mut lives = vec![0usize; plan.replicas];
    let mut running = Vec::with_capacity(plan.replicas);
    for i in 0..plan.replicas {
        running.push(Some(
            Replica::start(program, &replica_args(i, 0), key).await,
        ));
    }
    let shared = Arc::new(Shared {
        addrs: Mutex::new(running.iter().flatten().map(|r| Some(r.addr)).collect()),
        posted: Mutex::default(),
        answered: Mutex::default(),
        next: AtomicU64::new(1),
        answers: (0..plan.replicas).map(|_| Notify::new()).collect(),
        stop: AtomicBool::new(false),
    });
    let senders: Vec<_> = (0..plan.senders)
        .map(|s| {
            let seed = plan.seed.wrapping_add(s as u64 + 1);
            tokio::spawn(send(Arc::clone(&shared), seed, plan.max_updates))
        })
        .collect();
    let mut outcome = Outcome::default();
    for _ in 0..plan.kills {
        sleep(Duration::from_millis(
            rng.random_range(plan.life_ms.clone()),
        ))
        .await;
        // One replica, or (with two) either or both.
        let victims: Vec<usize> = match (plan.replicas, rng.random_range(0..3)) {
            (1, _) => vec![0],
            (_, 2) => (0..plan.replicas).collect(),
            (_, v) => vec![v],
        };
        for &v in &victims {
            // Most kills come right after the replica answered 200: an update answered
            // and not yet stored would be lost then.
            if rng.random_bool(0.8) {
                let _ = timeout(Duration::from_millis(500), shared.answers[v].notified()).await;
            }
            lock(&shared.addrs)[v] = None;
            if let Some(replica) = running[v].take() {
                replica.kill().await;
                outcome.killed += 1;
            }
        }
        let answered = lock(&shared.answered).clone();
        outcome
            .backlog_at_kills
            .push(missing(fake, key, &answered).len());
        sleep(Duration::from_millis(rng.random_range(0..100))).await;
        for &v in &victims {
            lives[v] += 1;
            let replica = Replica::start(program, &replica_args(v, lives[v]), key).await;
            lock(&shared.addrs)[v] = Some(replica.addr);
            running[v] = Some(replica);
        }
    }
    sleep(Duration::from_millis(
        rng.random_range(plan.life_ms.clone()),
    ))
    .await;
    shared.stop.store(true, Ordering::Relaxed);
    for s in senders {
        if let Err(e) = s.await {
            panic!("a sender failed: {e}");
        }
    }
    outcome.answered = lock(&shared.answered).clone();
    outcome.posted = shared.next.load(Ordering::Relaxed).min(plan.max_updates) - 1;
    let started = Instant::now();
    let mut progress = (usize::MAX, started);
    loop {
        outcome.lost = missing(fake, key, &outcome.answered);
        let now = Instant::now();
        if outcome.lost.len() < progress.0 {
            progress = (outcome.lost.len(), now);
        }
        if outcome.lost.is_empty()
            || now - progress.1 > plan.stall
            || now - started > plan.drain_max
        {
            break;
        }
        sleep(Duration::from_millis(100)).await;
    }
    outcome.drained_in = started.elapsed();
    for replica in running.into_iter().flatten() {
        replica.kill().await;
    }
    let forwarded = fake.forwarded(key);
    outcome.forwarded = forwarded.len();
    outcome.repeats = forwarded.len()
        - forwarded
            .iter()
            .map(|f| &f.body)
            .collect::<HashSet<_>>()
            .len();
    let posted = lock(&shared.posted);
    outcome.foreign = forwarded
        .iter()
        .filter(|f| !posted.contains(&f.body))
        .count();
    outcome
}

impl Outcome {
    /// Asserts the promise: every update answered 200 reached the fake byte for byte, nothing
    /// else did, and the campaign checked something (updates answered, a backlog carried
    /// across crashes).
    pub fn check(&self, plan: &Plan) {
        println!(
            "seed {} (replay with TG_CRASH_SEED): {} replicas, {} kills ({} processes), {} posted, {} answered 200, backlog at kills {:?}, {} bodies forwarded ({} repeats), drained in {:?}",
            plan.seed,
            plan.replicas,
            plan.kills,
            self.killed,
            self.posted,
            self.answered.len(),
            self.backlog_at_kills,
            self.forwarded,
            self.repeats,
            self.drained_in,
        );
        assert!(
            self.lost.is_empty(),
            "seed {}: {} answered 200 and never forwarded (first {:?})",
            plan.seed,
            self.lost.len(),
            &self.lost[..self.lost.len().min(20)]
        );
        assert_eq!(self.foreign, 0, "bodies forwarded not as posted");
        assert!(
            self.answered.len() >= 200,
            "only {} answered: the campaign checked little",
            self.answered.len()
        );
        assert!(
            self.backlog_at_kills.iter().sum::<usize>() > 0,
            "no kill left a backlog: the spool carried nothing across a crash"
        );
    }
}
