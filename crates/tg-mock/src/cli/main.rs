//! The `tg-mock` binary: serves the fake TGA, TGTrack, TGmembership and Telegram Bot API on one
//! loopback port, so a bot or Mini App under development can talk to them with no account and
//! no network.
//!
//! ```text
//! tg-mock [--port 8080] [--tgtrack-key KEY] [--bot-id 1] [--tgmembership-key KEY]
//!         [--tga-app NAME] [--tga-domain DOMAIN] [--tga-token TOKEN] [--bot-token ID:SECRET]...
//!         [--strict-limits] [--log-capacity 1000] [--webhook URL [--webhook-secret SECRET]]
//!         [--banner text|json]
//! tg-mock sign ...             (see `tg_mock::tgmembership::SIGN_USAGE`)
//! tg-mock sign-init-data ...   (see `tg_mock::init_data::SIGN_INIT_DATA_USAGE`)
//! ```
//!
//! The request log keeps the last `--log-capacity` requests (default 1000, `0` keeps none), so
//! a long-running server does not grow without bound. `--webhook` registers a TGmembership
//! webhook at start (any URL, a plain http receiver on loopback included) whose deliveries the
//! `_admin` endpoints send; `tg-mock sign` signs a hand-made delivery. `--tga-token` keeps one
//! TGA token across restarts; `--bot-token` adds a bot to the fake Bot API; `--banner json`
//! prints the URLs and credentials as one JSON line for scripts.

mod banner;
mod options;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tg_mock::router::AllServices;
use tg_mock::telegram::TelegramFake;
use tg_mock::tga::TgaFake;
use tg_mock::tgmembership::{
    BodySource, SIGN_USAGE, TgmembershipFake, parse_sign_args, sign_output,
};
use tg_mock::tgtrack::{Mode, TgtrackFake};
use tg_mock::{FixedWindows, MockServer};

use banner::Started;
use options::{BannerFormat, USAGE, parse};

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sign") => return sign(&args[1..]),
        Some("sign-init-data") => return sign_init_data(&args[1..]),
        _ => {}
    }
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
    let tga_token = match &o.tga_token {
        Some(token) => {
            tga.add_token(token, &o.tga_app, &o.tga_domain);
            token.clone()
        }
        None => tga.issue_token(&o.tga_app, &o.tga_domain),
    };
    let tgmembership = TgmembershipFake::new(o.bot_id, &o.tgmembership_key);
    let webhook_secret = o.webhook.as_ref().map(|url| {
        let secret = o
            .webhook_secret
            .clone()
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
        tgmembership.add_webhook(url, &secret);
        secret
    });
    let telegram = TelegramFake::new();
    for token in &o.bot_tokens {
        telegram.add_bot(token);
    }
    let all = AllServices {
        tga: Arc::new(tga),
        tgtrack: Arc::new(tgtrack),
        tgmembership: Arc::new(tgmembership),
        telegram,
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
    let started = Started {
        base: &base,
        tga_token: &tga_token,
        webhook_secret: webhook_secret.as_deref(),
    };
    let text = match o.banner {
        BannerFormat::Text => banner::text(&started, &o),
        BannerFormat::Json => banner::json(&started, &o),
    };
    // Flushed at once: a script reading the banner through a pipe must not wait for more.
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    drop(stdout);
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("signal: {e}"))?;
    Ok(())
}

/// `tg-mock sign-init-data`: prints Mini App initData signed for a bot token.
fn sign_init_data(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", tg_mock::init_data::SIGN_INIT_DATA_USAGE);
        return Ok(());
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let line = tg_mock::init_data::sign_cli(args, now, std::env::var("TG_BOT_TOKEN").ok())
        .map_err(|e| format!("{e}\n{}", tg_mock::init_data::SIGN_INIT_DATA_USAGE))?;
    print!("{line}");
    Ok(())
}

/// `tg-mock sign`: prints the signature headers (and a `curl` line) for a delivery.
fn sign(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{SIGN_USAGE}");
        return Ok(());
    }
    let o = parse_sign_args(args).map_err(|e| format!("{e}\n{SIGN_USAGE}"))?;
    let secret = match &o.secret {
        Some(s) => s.clone(),
        None => std::env::var("TGM_WEBHOOK_SECRET").unwrap_or_default(),
    };
    let body = match &o.body {
        BodySource::Text(_) | BodySource::Event { .. } => Vec::new(),
        BodySource::File(path) => std::fs::read(path).map_err(|e| format!("{path}: {e}"))?,
        BodySource::Stdin => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                .map_err(|e| format!("stdin: {e}"))?;
            buf
        }
    };
    print!("{}", sign_output(&o, &secret, &body)?);
    Ok(())
}
