//! The three clients' metrics on a Prometheus page: the clients record through the `metrics`
//! facade (each crate's feature `metrics`), `metrics-exporter-prometheus` renders them, and an
//! axum route serves them on a loopback port.
//!
//! ```sh
//! cargo run -p examples --example metrics_prometheus
//! # then: curl http://127.0.0.1:PORT/metrics
//! ```
//!
//! The example starts the fake TGTrack, TGmembership and TGA of `tg-mock` in-process, makes a
//! few calls with each client (one answered 503 and retried, one refused by the local quota),
//! tracks a batch of TGA events, and serves `/metrics` until Ctrl-C. With `TG_EXAMPLE_CI=1` it
//! fetches the page once, prints the families it holds and exits. docs/metrics.md lists every
//! metric, its unit and labels, and alert rules worth having.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tg_common::Quota;
use tg_mock::tga::TgaFake;
use tg_mock::tgmembership::TgmembershipFake;
use tg_mock::tgtrack::{Mode, TgtrackFake, error_reply};
use tg_mock::{Fault, FaultRule, MockServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

const TGTRACK_KEY: &str = "example-tgtrack-key";
const BOT_ID: i64 = 1_347_378_140;
const TGMEMBERSHIP_KEY: &str = "example-tgmembership-key";

/// The metric families the CI run expects on the page (Prometheus spells `.` as `_`).
const EXPECTED: [&str; 4] = [
    "http_client_request_duration",
    "tg_client_retries",
    "tg_client_rate_limited",
    "tg_limiter_wait_duration",
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");
    // The program installs the recorder; the libraries only record.
    let handle = PrometheusBuilder::new().install_recorder()?;

    tgtrack_calls().await?;
    tgmembership_calls().await?;
    tga_events().await?;

    let app = Router::new().route(
        "/metrics",
        get(move || {
            let handle: PrometheusHandle = handle.clone();
            async move { handle.render() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    println!("metrics served at http://{addr}/metrics");

    if ci {
        let page = fetch(addr).await?;
        let mut missing = Vec::new();
        for family in EXPECTED {
            let lines = page.lines().filter(|l| l.starts_with(family)).count();
            println!("{family}: {lines} lines");
            if lines == 0 {
                missing.push(family);
            }
        }
        server.abort();
        if !missing.is_empty() {
            return Err(format!("families missing from the page: {missing:?}").into());
        }
        return Ok(());
    }
    println!("Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    server.abort();
    Ok(())
}

/// TGTrack: a start, an event, a lookup answered 503 once (retried), and a call the local
/// quota refuses.
async fn tgtrack_calls() -> Result<(), Box<dyn Error>> {
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(TGTRACK_KEY, Mode::Production);
    let server = MockServer::start(fake).await?;
    let client = tgtrack_client::Client::builder(TGTRACK_KEY)
        .core(|c| {
            c.with_loopback_url(server.base_url())
                .with_quotas(vec![Quota::per_hour(3)])
                .with_max_rate_wait(Duration::ZERO)
        })
        .build()?;
    client.user_did_start_bot(7, "Vasya").send().await?;
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(503, None, None)),
    ));
    let info = client.get_user_info(7).send().await?;
    println!("TGTrack: user 7 found: {}", info.data.is_some());
    // The start, the 503 and its retry took the hour's 3 slots.
    match client.get_user_info(7).send().await {
        Err(e) if e.is_rate_limited() => println!("TGTrack: the local quota refused a call"),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("the local quota let a fourth call through".into()),
    }
    Ok(())
}

/// TGmembership: the plans, twice.
async fn tgmembership_calls() -> Result<(), Box<dyn Error>> {
    let fake = Arc::new(TgmembershipFake::new(BOT_ID, TGMEMBERSHIP_KEY));
    let server = MockServer::start(fake).await?;
    let client = tgmembership_client::Client::builder(BOT_ID, TGMEMBERSHIP_KEY)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;
    for _ in 0..2 {
        let plans = client.plans().list().send().await?;
        println!("TGmembership: {} plans", plans.len());
    }
    Ok(())
}

/// TGA: ten events through the tracker, flushed.
async fn tga_events() -> Result<(), Box<dyn Error>> {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("shop_app", "shop.example.com");
    let server = MockServer::start(fake).await?;
    let client = tga_client::Client::builder(token)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;
    let tracker = client.tracker(tga_client::TrackerConfig::default())?;
    let session = Uuid::new_v4();
    for _ in 0..10 {
        tracker
            .track(&client.event(7, tga_client::EventName::AppInit, session))
            .await?;
    }
    tracker.flush().await?;
    println!("TGA: 10 events delivered");
    Ok(())
}

/// `GET /metrics` over a plain TCP connection to the loopback server.
async fn fetch(addr: std::net::SocketAddr) -> Result<String, Box<dyn Error>> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await?;
    let mut page = String::new();
    stream.read_to_string(&mut page).await?;
    Ok(page)
}
