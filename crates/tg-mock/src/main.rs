//! The `tg-mock` binary: serves the fake TGA, TGTrack and TGmembership services on one loopback
//! port, so a bot under development can talk to them with no account and no network.
//!
//! ```text
//! tg-mock [--port 8080] [--tgtrack-key KEY] [--bot-id 1] [--tgmembership-key KEY]
//!         [--tga-app NAME] [--tga-domain DOMAIN] [--strict-limits] [--log-capacity 1000]
//! ```
//!
//! The request log keeps the last `--log-capacity` requests (default 1000, `0` keeps none), so
//! a long-running server does not grow without bound.
//!
//! ```text
//! ```

use std::sync::Arc;
use std::time::Duration;

use tg_mock::router::AllServices;
use tg_mock::tga::TgaFake;
use tg_mock::tgmembership::TgmembershipFake;
use tg_mock::tgtrack::{Mode, TgtrackFake};
use tg_mock::{FixedWindows, MockServer};

struct Options {
    port: u16,
    tgtrack_key: String,
    bot_id: i64,
    tgmembership_key: String,
    tga_app: String,
    tga_domain: String,
    strict_limits: bool,
    log_capacity: usize,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        port: 8080,
        tgtrack_key: "tgtrack-dev-key".to_owned(),
        bot_id: 1,
        tgmembership_key: "tgmembership-dev-key".to_owned(),
        tga_app: "dev_app".to_owned(),
        tga_domain: "localhost".to_owned(),
        strict_limits: false,
        log_capacity: 1000,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" => o.port = value()?.parse().map_err(|_| "--port: not a port")?,
            "--tgtrack-key" => o.tgtrack_key = value()?,
            "--bot-id" => o.bot_id = value()?.parse().map_err(|_| "--bot-id: not a number")?,
            "--tgmembership-key" => o.tgmembership_key = value()?,
            "--tga-app" => o.tga_app = value()?,
            "--tga-domain" => o.tga_domain = value()?,
            "--strict-limits" => o.strict_limits = true,
            "--log-capacity" => {
                o.log_capacity = value()?
                    .parse()
                    .map_err(|_| "--log-capacity: not a number")?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

const USAGE: &str = "usage: tg-mock [--port 8080] [--tgtrack-key KEY] [--bot-id 1] \
[--tgmembership-key KEY] [--tga-app NAME] [--tga-domain DOMAIN] [--strict-limits] \
[--log-capacity 1000]";

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("tg-mock: {e}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let tgtrack = TgtrackFake::new();
    tgtrack.add_key(&o.tgtrack_key, Mode::Production);
    let tga = TgaFake::new();
    let token = tga.issue_token(&o.tga_app, &o.tga_domain);
    let all = AllServices {
        tga: Arc::new(tga),
        tgtrack: Arc::new(tgtrack),
        tgmembership: Arc::new(TgmembershipFake::new(o.bot_id, &o.tgmembership_key)),
    };
    let server = MockServer::start_on(Arc::new(all), o.port)
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", o.port))?;
    server.set_log_capacity(Some(o.log_capacity));
    if o.strict_limits {
        server.set_rate_limit(Some(FixedWindows::tgtrack(
            tokio::time::Instant::now(),
            Duration::ZERO,
        )));
    }
    let base = server.base_url();
    println!("tg-mock listening on {base}");
    println!("  TGTrack       base URL {base}  key {}", o.tgtrack_key);
    println!(
        "  TGmembership  base URL {base}  bot id {}  key {}",
        o.bot_id, o.tgmembership_key
    );
    println!(
        "  TGA           base URL {base}  token {token}  (app {}, Origin https://{})",
        o.tga_app, o.tga_domain
    );
    println!(
        "  strict TGTrack limits: {}",
        if o.strict_limits { "on" } else { "off" }
    );
    println!(
        "Point a client at it with .core(|c| c.with_base_url(URL).with_plain_http_loopback(true)). Ctrl-C stops."
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("signal: {e}"))?;
    Ok(())
}
