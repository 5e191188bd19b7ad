//! One replica for the multi-process limiter test: sends as fast as its Redis-backed limiter
//! allows to a fake server, then prints `ok=N limited=M errors=E`.
//!
//! Usage: `limiter_worker REDIS_URL API_KEY BASE_URL SECONDS COUNT WINDOW_MS MARGIN_MS`

use std::time::Duration;

use http::Method;
use tg_common::limit::{RedisConfig, redis_limiter};
use tg_common::transport::RequestPath;
use tg_common::{
    Call, Core, CoreConfig, Error, ErrorKind, Quota, RawResponse, RetryPolicy, Secret,
};

fn decode(r: RawResponse) -> Result<(), Error> {
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(Error::http(r.status, &r.body, r.retry_after()))
    }
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize) -> Result<T, String> {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("argument {i} missing or malformed"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let redis_url: String = arg(&args, 1)?;
    let key = Secret::new(arg::<String>(&args, 2)?);
    let base_url: String = arg(&args, 3)?;
    let seconds: u64 = arg(&args, 4)?;
    let count: u32 = arg(&args, 5)?;
    let window = Duration::from_millis(arg(&args, 6)?);
    let margin = Duration::from_millis(arg(&args, 7)?);

    let quotas = [Quota::new(count, window).with_margin(margin)];
    let limiter = redis_limiter(
        RedisConfig::new(redis_url, Secret::new("multi-process-test")),
        &key,
        &quotas,
    )
    .map_err(|e| e.to_string())?;
    let config = CoreConfig::new(base_url)
        .with_plain_http_loopback(true)
        .with_retry(RetryPolicy::none())
        .with_limiter(limiter);
    let core = Core::new("worker", &key, config).map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let (mut ok, mut limited, mut errors) = (0u64, 0u64, 0u64);
    while tokio::time::Instant::now() < deadline {
        // Never wait past the end of the run.
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let call = Call::new("send", Method::POST, RequestPath::new().segment("x"))
            .max_rate_wait(remaining);
        match core.execute(call, decode).await {
            Ok(()) => ok += 1,
            Err(e) if e.status() == Some(429) => limited += 1,
            Err(e) => match e.kind() {
                ErrorKind::RateLimited { retry_after, .. } => {
                    let wait = retry_after.unwrap_or(Duration::from_millis(50));
                    let until = (tokio::time::Instant::now() + wait).min(deadline);
                    tokio::time::sleep_until(until).await;
                }
                _ => {
                    errors += 1;
                    eprintln!("worker error: {e}");
                }
            },
        }
    }
    println!("ok={ok} limited={limited} errors={errors}");
    Ok(())
}
