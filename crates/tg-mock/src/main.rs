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

/// The block printed at start: per service its base URL, key or token, and one `curl` line
/// that works against this fake as started, ready to copy.
fn banner(base: &str, o: &Options, token: &str) -> String {
    let limits = if o.strict_limits { "on" } else { "off" };
    let event = format!(
        r#"[{{"event_name":"app-init","session_id":"10c574d9-6d2c-4e6d-a141-ce6da141ce6d","user_id":111111111,"app_name":"{}","is_premium":true,"client_timestamp":"1743503599534"}}]"#,
        o.tga_app
    );
    format!(
        "tg-mock listening on {base} (strict TGTrack limits: {limits}; Ctrl-C stops)

TGTrack
  base URL  {base}
  key       {key}
  try       curl -sS -X POST {base}/v1/{key}/my_bot_was_started -H 'content-type: application/json' -d '{{\"start_value\":\"abc\"}}'

TGmembership
  base URL  {base}
  bot id    {bot}
  key       {mkey}
  try       curl -sS {base}/v1/bot{bot}/{mkey}/projects

TGA
  base URL  {base}
  token     {token}
  app       {app} (Origin https://{domain})
  try       curl -sS -X POST {base}/events -H 'TGA-Auth-Token: {token}' -H 'Origin: https://{domain}' -H 'content-type: application/json' -d '{event}'

In a client: .core(|c| c.with_base_url(\"{base}\").with_plain_http_loopback(true))
",
        key = o.tgtrack_key,
        bot = o.bot_id,
        mkey = o.tgmembership_key,
        app = o.tga_app,
        domain = o.tga_domain,
    )
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
        telegram: tg_mock::telegram::TelegramFake::new(),
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
    print!("{}", banner(&base, &o, &token));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("signal: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_has_each_service_url_key_and_a_curl_line() {
        let o = parse(&[]).unwrap();
        let b = banner("http://127.0.0.1:8080", &o, "TOKEN!sig");
        assert!(b.contains(
            "curl -sS -X POST http://127.0.0.1:8080/v1/tgtrack-dev-key/my_bot_was_started"
        ));
        assert!(b.contains("curl -sS http://127.0.0.1:8080/v1/bot1/tgmembership-dev-key/projects"));
        assert!(b.contains("-H 'TGA-Auth-Token: TOKEN!sig' -H 'Origin: https://localhost'"));
        assert!(b.contains(r#""app_name":"dev_app""#));
        assert_eq!(b.matches("base URL  http://127.0.0.1:8080").count(), 3);
    }
}
