//! The child of the TGTrack forwarding crash tests: a bot's webhook endpoint (axum, answering
//! 200) behind [`TelegramWebhookLayer`], forwarding through a [`ForwardQueue`] over a durable
//! spool to the fake TGTrack, until it is killed.
//!
//! Usage: `forward_child TGTRACK_URL disk DIR` or
//! `forward_child TGTRACK_URL redis URL STREAM CONSUMER`; the TGTrack key is in
//! `TGTRACK_KEY`, the webhook's secret token is [`SECRET`].
//!
//! Prints `L addr` once its webhook listens on `addr` (loopback, a port of its own).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use integration_tests::forward_child::{SECRET, WEBHOOK_PATH};
use tg_common::Backoff;
use tg_common::RetryPolicy;
use tg_common::outbox::spool::{DiskConfig, DiskSpool, RedisSpool, RedisSpoolConfig, Spool};
use tgtrack_client::webhook::TelegramWebhookLayer;
use tgtrack_client::{Client, ForwardQueue};

fn arg(args: &[String], i: usize) -> Result<String, String> {
    args.get(i)
        .cloned()
        .ok_or_else(|| format!("argument {i} missing"))
}

async fn open(args: &[String]) -> Result<Arc<dyn Spool>, String> {
    match args.get(2).map(String::as_str) {
        Some("disk") => {
            let config = DiskConfig::new(arg(args, 3)?).segment_bytes(64 << 10);
            Ok(Arc::new(
                DiskSpool::open(config).map_err(|e| e.to_string())?,
            ))
        }
        Some("redis") => {
            let config = RedisSpoolConfig::new(arg(args, 3)?, arg(args, 4)?, arg(args, 5)?)
                .visibility_timeout(Duration::from_millis(300));
            Ok(Arc::new(
                RedisSpool::open(config).await.map_err(|e| e.to_string())?,
            ))
        }
        _ => Err("usage: forward_child TGTRACK_URL disk DIR | redis URL STREAM CONSUMER".into()),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let base = arg(&args, 1)?;
    let key = std::env::var("TGTRACK_KEY").map_err(|_| "TGTRACK_KEY not set".to_owned())?;
    let spool = open(&args).await?;
    // A quota of 500 calls a second, below the rate updates are posted, so a backlog builds
    // and every kill leaves one in the spool; short waits between retries, so a campaign
    // drains within seconds.
    let quota = tg_common::Quota::new(500, Duration::from_secs(1));
    let client = Client::builder(key)
        .core(|c| c.with_loopback_url(base).with_quotas(vec![quota]))
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        })
        .build()
        .map_err(|e| e.to_string())?;
    let backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
        max_retry_after: Duration::from_millis(200),
    };
    let queue = ForwardQueue::builder(client)
        .spool(spool)
        .outbox(move |c| c.backoff(backoff).poll(Duration::from_millis(50)))
        .start()
        .map_err(|e| e.to_string())?;
    let layer = TelegramWebhookLayer::new(SECRET, queue).map_err(|e| e.to_string())?;
    let app = Router::new()
        .route(WEBHOOK_PATH, post(|| async { StatusCode::OK }))
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "L {addr}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
    }
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
