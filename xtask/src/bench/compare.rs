//! `cargo xtask bench compare`: our TGTrack and TGmembership clients against what a user would
//! write instead (a raw hyper call, and a reqwest + serde_json call) making the same request to
//! the same fake on loopback.
//!
//! Measured per client and operation: per-call latency (median, p99) and the client's CPU time
//! per call, over sequential calls to the fake after a warm-up (end to end); then throughput
//! with 64 concurrent callers through one client against a minimal server ([`super::sink`])
//! that answers the fake's own bytes at once, so that the rate measures the client and not the
//! fake; each round reports both sides' busy share. Our clients run with the limiter off (no
//! quotas) and defaults otherwise.
//!
//! The fakes run on their own one-worker runtime; every client runs on a current-thread runtime
//! on this thread, so this thread's CPU time (`/proc/thread-self/schedstat`, in nanoseconds) is
//! the client's cost alone, its connection tasks included. The three clients take turns in
//! interleaved rounds, so drift in the machine's load falls on all of them alike.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tg_mock::MockServer;
use tg_mock::tgmembership::TgmembershipFake;
use tg_mock::tgtrack::{Mode, TgtrackFake};

use super::Report;
use super::measure::{loadavg, median, paired, percentile, rotated, thread_cpu_ns};
use super::sink::{Answer, Sink};
use crate::text;

/// The TGTrack key the fake accepts.
const TRACK_KEY: &str = "bench-tgtrack-key-0001";
/// The TGmembership bot and key the fake accepts.
const BOT_ID: i64 = 1_347_378_140;
const MEMBERSHIP_KEY: &str = "bench-membership-key-0001";
/// The user every `add_event` is about.
const USER_ID: i64 = 7_123_456_789;

/// Sequential calls per client and operation before measuring.
pub const WARMUP: usize = 300;
/// Measured sequential calls: `ROUNDS` interleaved rounds of `PER_ROUND` calls per client.
/// Short rounds, so that the clients compared in one round see the same machine: the CPU
/// ratios are the medians of the rounds' ratios.
/// A round's p99 is its 10th-highest latency.
pub const ROUNDS: usize = 20;
pub const PER_ROUND: usize = 1_000;
/// Concurrent callers sharing one client in the throughput test.
pub const CONCURRENCY: usize = 64;
/// Throughput: `THROUGHPUT_ROUNDS` interleaved rounds of `THROUGHPUT_PER_ROUND` requests.
pub const THROUGHPUT_ROUNDS: usize = 15;
pub const THROUGHPUT_PER_ROUND: usize = 5_000;
/// Ratio targets: ours ÷ baseline at most this.
pub const TARGETS: [(Contender, f64); 2] = [(Contender::Hyper, 1.10), (Contender::Reqwest, 1.0)];

/// Who makes the call; declared in the order of [`Contender::ALL`], so `who as usize` is its
/// place there and in the name lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    /// Our provider client.
    Ours,
    /// A hand-written call over hyper-util's legacy pooled client.
    Hyper,
    /// A reqwest + serde_json call.
    Reqwest,
    /// The raw hyper call under `tokio::time::timeout`, as a careful user writes it: shows
    /// what a timeout alone costs (no target).
    HyperTimeout,
}

impl Contender {
    /// Every client, ours first.
    pub const ALL: [Contender; 4] = [
        Contender::Ours,
        Contender::Hyper,
        Contender::Reqwest,
        Contender::HyperTimeout,
    ];

    /// The name used in result keys and in `XTASK_PROFILE_ONLY`.
    pub fn key(self) -> &'static str {
        ["ours", "hyper", "reqwest", "hyper_timeout"][self as usize]
    }

    /// The name printed in tables.
    pub fn label(self) -> &'static str {
        [
            "ours",
            "raw hyper",
            "reqwest + serde_json",
            "raw hyper + timeout",
        ][self as usize]
    }
}

/// The operation measured (in the order of [`Op::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// TGTrack `add_event` (POST with a small JSON body).
    AddEvent,
    /// TGmembership `GET plans` (no body, a list of plans back).
    ListPlans,
}

impl Op {
    /// Both operations.
    pub const ALL: [Op; 2] = [Op::AddEvent, Op::ListPlans];

    /// The name used in result keys.
    pub fn key(self) -> &'static str {
        ["tgtrack_add_event", "tgmembership_list_plans"][self as usize]
    }

    /// The operation's name in `XTASK_PROFILE_ONLY`.
    pub fn profile_key(self) -> &'static str {
        ["add", "plans"][self as usize]
    }

    /// The name printed in tables.
    pub fn label(self) -> &'static str {
        ["TGTrack add_event", "TGmembership GET plans"][self as usize]
    }
}

type HyperClient = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

/// The `add_event` body as a user would declare it: the user id as a string, as documented.
#[derive(Serialize)]
struct AddEventBody {
    user_id: String,
    event_type: &'static str,
}

/// The one `add_event` every contender sends.
fn add_event_body() -> AddEventBody {
    AddEventBody {
        user_id: USER_ID.to_string(),
        event_type: "sale",
    }
}

/// TGTrack's answer, as much as a user would check.
#[derive(Deserialize)]
struct TrackAnswer {
    status: String,
    #[serde(default)]
    #[allow(dead_code)]
    mode: Option<String>,
}

/// TGmembership's `GET plans` answer as a user would declare it from the document's example:
/// plain strings for money and currencies.
#[derive(Deserialize)]
struct PlansAnswer {
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    result: Vec<RawPlan>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawPlan {
    plan_id: i64,
    plan_name: String,
    duration: String,
    price: String,
    currency: String,
    options: RawPlanOptions,
    max_customers: i64,
    sort_order: i64,
    enabled: bool,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawPlanOptions {
    recurring: bool,
    newcomers: i64,
    singleuse: i64,
    token_only: bool,
    credit_only: bool,
    invitee_only: i64,
    is_hidden: bool,
}

/// An answer as the baselines check it: the number of items it holds, `None` when it does not
/// say success.
trait Checked: DeserializeOwned {
    fn items(self) -> Option<usize>;
}

impl Checked for TrackAnswer {
    fn items(self) -> Option<usize> {
        (self.status == "OK").then_some(1)
    }
}

impl Checked for PlansAnswer {
    fn items(self) -> Option<usize> {
        (self.ok != Some(false)).then_some(self.result.len())
    }
}

/// A baseline's answer to `op`, checked as a user would: its items, or an error naming `who`.
fn checked(
    who: Contender,
    op: Op,
    status: http::StatusCode,
    answer: impl Checked,
) -> Result<usize, String> {
    match std::hint::black_box(answer).items() {
        Some(n) if status.is_success() => Ok(n),
        _ => Err(format!("{} {}: {status}", who.label(), op.label())),
    }
}

/// The three clients of both services, pointed at the fakes.
struct Contenders {
    track: tgtrack_client::Client,
    membership: tgmembership_client::Client,
    hyper: HyperClient,
    reqwest: reqwest::Client,
    add_event_uri: http::Uri,
    add_event_url: reqwest::Url,
    plans_uri: http::Uri,
    plans_url: reqwest::Url,
}

impl Contenders {
    fn new(track_base: &str, membership_base: &str) -> Result<Self, String> {
        let track = tgtrack_client::Client::builder(TRACK_KEY)
            .core(|c| c.with_loopback_url(track_base).with_quotas(vec![]))
            .build()
            .map_err(text)?;
        let membership = tgmembership_client::Client::builder(BOT_ID, MEMBERSHIP_KEY)
            .core(|c| c.with_loopback_url(membership_base).with_quotas(vec![]))
            .build()
            .map_err(text)?;
        // The strongest plain baseline: hyper-util's pool with TCP_NODELAY, as ours and reqwest
        // set it.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let hyper =
            hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
        // No proxy from the environment: the request goes straight to the fake, like the others.
        let reqwest = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(text)?;
        let add_event = format!("{track_base}/v1/{TRACK_KEY}/add_event");
        let plans = format!("{membership_base}/v1/bot{BOT_ID}/{MEMBERSHIP_KEY}/plans");
        Ok(Contenders {
            track,
            membership,
            hyper,
            reqwest,
            add_event_uri: add_event.parse().map_err(text)?,
            add_event_url: add_event.parse().map_err(text)?,
            plans_uri: plans.parse().map_err(text)?,
            plans_url: plans.parse().map_err(text)?,
        })
    }

    /// The hand-written raw hyper exchange: the answer's status and body.
    async fn hyper_exchange(&self, op: Op) -> Result<(http::StatusCode, Bytes), String> {
        let request = match op {
            Op::AddEvent => {
                let body = serde_json::to_vec(&add_event_body()).map_err(text)?;
                http::Request::post(self.add_event_uri.clone())
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(Full::new(Bytes::from(body)))
            }
            Op::ListPlans => {
                http::Request::get(self.plans_uri.clone()).body(Full::new(Bytes::new()))
            }
        }
        .map_err(text)?;
        let response = self.hyper.request(request).await.map_err(text)?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(text)?;
        Ok((status, body.to_bytes()))
    }

    /// The raw hyper call, its answer decoded with `serde_json` and checked.
    async fn hyper_call(&self, op: Op) -> Result<usize, String> {
        let (status, body) = self.hyper_exchange(op).await?;
        let who = Contender::Hyper;
        match op {
            Op::AddEvent => {
                let answer: TrackAnswer = serde_json::from_slice(&body).map_err(text)?;
                checked(who, op, status, answer)
            }
            Op::ListPlans => {
                let answer: PlansAnswer = serde_json::from_slice(&body).map_err(text)?;
                checked(who, op, status, answer)
            }
        }
    }

    /// The reqwest call: `request` sent, its answer decoded by `.json::<A>()` and checked.
    async fn reqwest_call<A: Checked>(
        &self,
        op: Op,
        request: reqwest::RequestBuilder,
    ) -> Result<usize, String> {
        let response = request.send().await.map_err(text)?;
        let status = response.status();
        let answer: A = response.json().await.map_err(text)?;
        checked(Contender::Reqwest, op, status, answer)
    }

    /// One call; returns the number of items the answer held (1 for `add_event`).
    async fn call(&self, who: Contender, op: Op) -> Result<usize, String> {
        match (who, op) {
            (Contender::Ours, Op::AddEvent) => {
                let answer = self.track.add_event(USER_ID, "sale").send().await;
                std::hint::black_box(answer.map_err(text)?);
                Ok(1)
            }
            (Contender::Ours, Op::ListPlans) => {
                let plans = self.membership.plans().list().send().await.map_err(text)?;
                Ok(std::hint::black_box(plans).len())
            }
            (Contender::Hyper, op) => self.hyper_call(op).await,
            (Contender::HyperTimeout, op) => {
                tokio::time::timeout(std::time::Duration::from_secs(30), self.hyper_call(op))
                    .await
                    .map_err(text)?
            }
            (Contender::Reqwest, Op::AddEvent) => {
                let post = self.reqwest.post(self.add_event_url.clone());
                self.reqwest_call::<TrackAnswer>(op, post.json(&add_event_body()))
                    .await
            }
            (Contender::Reqwest, Op::ListPlans) => {
                let get = self.reqwest.get(self.plans_url.clone());
                self.reqwest_call::<PlansAnswer>(op, get).await
            }
        }
    }
}

/// What one client did for one operation.
///
/// Rates and CPU times are kept per round and reported as the median round, so a round that
/// a neighbour on the machine disturbed does not decide the result; latencies are pooled.
#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<f64>,
    calls: usize,
    /// CPU µs per call of each sequential round.
    round_cpu_us: Vec<f64>,
    /// Median and p99 latency (µs) of each sequential round.
    round_p50_us: Vec<f64>,
    round_p99_us: Vec<f64>,
    /// Requests per second of each concurrent round.
    round_rps: Vec<f64>,
    /// CPU µs per request of each concurrent round.
    round_rps_cpu_us: Vec<f64>,
    /// Share of the wall time the sink's thread was busy, per concurrent round.
    round_server_busy: Vec<f64>,
    connections: u64,
}

async fn sequential(
    c: &Contenders,
    who: Contender,
    op: Op,
    n: usize,
    tally: Option<&mut Tally>,
) -> Result<(), String> {
    let mut latencies = Vec::with_capacity(n);
    let cpu = thread_cpu_ns()?;
    for _ in 0..n {
        let started = Instant::now();
        c.call(who, op).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let cpu = thread_cpu_ns()?.saturating_sub(cpu);
    if let Some(t) = tally {
        t.round_p50_us.push(percentile(&latencies, 0.5));
        t.round_p99_us.push(percentile(&latencies, 0.99));
        t.latencies_us.extend(latencies);
        t.round_cpu_us.push(cpu as f64 / n.max(1) as f64 / 1000.0);
        t.calls += n;
    }
    Ok(())
}

/// `total` calls spread over [`CONCURRENCY`] tasks sharing one client: (seconds, CPU ns).
async fn concurrent(
    c: &Arc<Contenders>,
    who: Contender,
    op: Op,
    total: usize,
) -> Result<(f64, u64), String> {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu = thread_cpu_ns()?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let c = Arc::clone(c);
        let next = Arc::clone(&next);
        tasks.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                c.call(who, op).await?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(text)??;
    }
    let secs = started.elapsed().as_secs_f64();
    Ok((secs, thread_cpu_ns()?.saturating_sub(cpu)))
}

/// Sequential calls made with `XTASK_PROFILE_ONLY` set, unless `XTASK_PROFILE_CALLS` says.
const PROFILE_CALLS: usize = 20_000;

/// `XTASK_PROFILE_ONLY=<client key>:<add|plans>` (client keys: `ours`, `hyper`, `reqwest`,
/// `hyper_timeout`): run only that client and operation, for a profiler
/// (`valgrind --tool=callgrind target/release/xtask bench compare`).
fn profile_target(spec: &str) -> Result<(Contender, Op), String> {
    let (who, op) = spec.split_once(':').unwrap_or((spec, "add"));
    let who = Contender::ALL
        .into_iter()
        .find(|c| c.key() == who)
        .ok_or_else(|| format!("XTASK_PROFILE_ONLY: unknown client `{who}`"))?;
    let op = Op::ALL
        .into_iter()
        .find(|o| o.profile_key() == op)
        .ok_or_else(|| format!("XTASK_PROFILE_ONLY: unknown operation `{op}`"))?;
    Ok((who, op))
}

/// A ratio with two decimals, or four when two would print it equal to `target` although it
/// is over (`1.1003x`, not `1.10x`).
pub fn ratio_text(r: f64, target: f64) -> String {
    if r > target && format!("{r:.2}") == format!("{target:.2}") {
        format!("{r:.4}x")
    } else {
        format!("{r:.2}x")
    }
}

pub fn run(report: &mut Report) -> Result<(), String> {
    if let Some(load) = loadavg().and_then(|l| l.first()?.parse::<f64>().ok()) {
        report.push("compare.loadavg_1m_at_start", load);
    }
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-fake")
        .enable_all()
        .build()
        .map_err(text)?;
    let track_fake = Arc::new(TgtrackFake::new());
    track_fake.add_key(TRACK_KEY, Mode::Production);
    let membership_fake = Arc::new(TgmembershipFake::new(BOT_ID, MEMBERSHIP_KEY));
    let (track_server, membership_server) = server_rt.block_on(async {
        let t = MockServer::start(track_fake).await.map_err(text)?;
        let m = MockServer::start(membership_fake).await.map_err(text)?;
        Ok::<_, String>((t, m))
    })?;
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(text)?;
    let contenders = Arc::new(Contenders::new(
        &track_server.base_url(),
        &membership_server.base_url(),
    )?);
    let sink = client_rt.block_on(start_sink(&contenders))?;
    let against_sink = Arc::new(Contenders::new(sink.base_url(), sink.base_url())?);
    if let Ok(spec) = std::env::var("XTASK_PROFILE_ONLY") {
        let (who, op) = profile_target(&spec)?;
        let calls = match std::env::var("XTASK_PROFILE_CALLS") {
            Ok(n) => n
                .parse::<usize>()
                .map_err(|_| format!("XTASK_PROFILE_CALLS: `{n}` is not a number"))?,
            Err(_) => PROFILE_CALLS,
        };
        println!(
            "compare: {calls} calls of {} by {} only",
            op.label(),
            who.label()
        );
        return client_rt.block_on(sequential(&contenders, who, op, calls, None));
    }
    let result = client_rt.block_on(measure(
        &contenders,
        &against_sink,
        &sink,
        (&track_server, &membership_server),
        report,
    ));
    drop((contenders, against_sink, sink, client_rt));
    drop((track_server, membership_server));
    server_rt.shutdown_background();
    result
}

/// The fake's own answer to `op`, fetched once with the raw hyper client.
async fn fake_answer(c: &Contenders, op: Op) -> Result<Bytes, String> {
    let (status, body) = c.hyper_exchange(op).await?;
    if !status.is_success() {
        return Err(format!("the fake answers {status} to {}", op.label()));
    }
    Ok(body)
}

/// A sink answering both operations with the fake's own bytes.
async fn start_sink(c: &Contenders) -> Result<Sink, String> {
    let mut routes = HashMap::new();
    for (op, uri) in [
        (Op::AddEvent, &c.add_event_uri),
        (Op::ListPlans, &c.plans_uri),
    ] {
        let body = fake_answer(c, op).await?;
        routes.insert(uri.path().to_owned(), Answer { status: 200, body });
    }
    Sink::start(routes)
}

async fn measure(
    c: &Arc<Contenders>,
    against_sink: &Arc<Contenders>,
    sink: &Sink,
    (track_server, membership_server): (&MockServer, &MockServer),
    report: &mut Report,
) -> Result<(), String> {
    // Same answer through every client, and the same request bytes from ours and the baselines.
    let ours_body =
        serde_json::to_vec(&tgtrack_client::AddEvent::new(USER_ID, "sale")).map_err(text)?;
    let raw_body = serde_json::to_vec(&add_event_body()).map_err(text)?;
    if ours_body != raw_body {
        return Err("the baselines' add_event body differs from ours".to_owned());
    }
    let mut plan_counts = Vec::new();
    for who in Contender::ALL {
        plan_counts.push(c.call(who, Op::ListPlans).await?);
        c.call(who, Op::AddEvent).await?;
    }
    if plan_counts.windows(2).any(|w| w[0] != w[1]) {
        return Err(format!("the clients see different plans: {plan_counts:?}"));
    }
    let plans_bytes = fake_answer(c, Op::ListPlans).await?.len();
    for who in Contender::ALL {
        for op in Op::ALL {
            against_sink.call(who, op).await?;
        }
    }
    println!(
        "compare: the same request to the same fake on loopback; limiter off; pooled connections; \
         {WARMUP} warm-up calls, then {} calls each in {ROUNDS} interleaved rounds",
        ROUNDS * PER_ROUND
    );
    println!(
        "  add_event: POST, {} byte JSON body; GET plans: {} plans, {plans_bytes} byte answer",
        ours_body.len(),
        plan_counts[0]
    );

    for op in Op::ALL {
        let server = match op {
            Op::AddEvent => track_server,
            Op::ListPlans => membership_server,
        };
        let mut tallies: Vec<Tally> = Contender::ALL.iter().map(|_| Tally::default()).collect();
        for who in Contender::ALL {
            sequential(c, who, op, WARMUP, None).await?;
        }
        for round in 0..ROUNDS {
            for who in rotated(Contender::ALL, round) {
                let tally = Some(&mut tallies[who as usize]);
                sequential(c, who, op, PER_ROUND, tally).await?;
                // The fakes keep every request they see: keep that bounded.
                server.clear_requests();
            }
        }
        // Throughput against the sink: fill every pool to the concurrency first.
        for who in Contender::ALL {
            concurrent(against_sink, who, op, CONCURRENCY * 10).await?;
        }
        for round in 0..THROUGHPUT_ROUNDS {
            for who in rotated(Contender::ALL, round) {
                let t = &mut tallies[who as usize];
                let (connections, server_cpu) = (sink.connections(), sink.cpu_ns()?);
                let requests = sink.requests();
                let (secs, cpu) = concurrent(against_sink, who, op, THROUGHPUT_PER_ROUND).await?;
                if sink.requests() - requests != THROUGHPUT_PER_ROUND as u64 {
                    return Err(format!(
                        "{}: the sink did not see every request",
                        who.label()
                    ));
                }
                t.connections += sink.connections() - connections;
                t.round_rps.push(THROUGHPUT_PER_ROUND as f64 / secs);
                t.round_rps_cpu_us
                    .push(cpu as f64 / THROUGHPUT_PER_ROUND as f64 / 1000.0);
                let server_cpu = sink.cpu_ns()?.saturating_sub(server_cpu);
                t.round_server_busy.push(server_cpu as f64 / 1e9 / secs);
            }
        }
        print_op(op, &tallies, report);
    }
    Ok(())
}

/// Prints `ours ÷ <who>` against its target: each named ratio, marked when over.
pub fn print_ratios(who: Contender, target: f64, ratios: &[(&str, f64)]) {
    let shown: Vec<String> = ratios
        .iter()
        .map(|(name, r)| {
            let mark = if *r <= target { "" } else { " (over)" };
            format!("{name} {}{mark}", ratio_text(*r, target))
        })
        .collect();
    println!(
        "    ours ÷ {} (target ≤ {target:.2}x): {}",
        who.label(),
        shown.join(", ").trim_start()
    );
}

/// Records `op`'s figures, then prints them as the page's table, and the ratios.
fn print_op(op: Op, tallies: &[Tally], report: &mut Report) {
    for who in Contender::ALL {
        let t = &tallies[who as usize];
        report.push_all(
            &format!("compare.{}.{}", op.key(), who.key()),
            &[
                ("median_us", percentile(&t.latencies_us, 0.5)),
                ("p99_us", percentile(&t.latencies_us, 0.99)),
                ("cpu_us", median(&t.round_cpu_us)),
                ("rps", median(&t.round_rps)),
                ("rps_cpu_us", median(&t.round_rps_cpu_us)),
                ("calls", t.calls as f64),
                ("connections_opened", t.connections as f64),
                ("server_busy", median(&t.round_server_busy)),
            ],
        );
    }
    println!(
        "  {}\n{}",
        op.label(),
        super::perf_doc::compare_table(report, op)
    );
    let ours = &tallies[Contender::Ours as usize];
    for (who, target) in TARGETS {
        let base = &tallies[who as usize];
        let ratios = [
            ("median", paired(&ours.round_p50_us, &base.round_p50_us)),
            ("p99", paired(&ours.round_p99_us, &base.round_p99_us)),
            ("cpu", paired(&ours.round_cpu_us, &base.round_cpu_us)),
            // Time per request under load: the inverse of the throughput ratio.
            ("throughput", paired(&base.round_rps, &ours.round_rps)),
            (
                "throughput_cpu",
                paired(&ours.round_rps_cpu_us, &base.round_rps_cpu_us),
            ),
        ];
        print_ratios(who, target, &ratios);
        report.push_all(&format!("compare.{}.vs_{}", op.key(), who.key()), &ratios);
    }
}
