//! The `tg-mock` binary: serves the fake TGA, TGTrack and TGmembership services on one loopback
//! port, so a bot under development can talk to them with no account and no network.
//!
//! ```text
//! tg-mock [--port 8080] [--tgtrack-key KEY] [--bot-id 1] [--tgmembership-key KEY]
//!         [--tga-app NAME] [--tga-domain DOMAIN] [--strict-limits] [--log-capacity 1000]
//!         [--webhook URL [--webhook-secret SECRET]]
//! tg-mock sign ...   (see `tg_mock::tgmembership::SIGN_USAGE`)
//! ```
//!
//! The request log keeps the last `--log-capacity` requests (default 1000, `0` keeps none), so
//! a long-running server does not grow without bound. `--webhook` registers a TGmembership
//! webhook at start (any URL, a plain http receiver on loopback included) whose deliveries the
//! `_admin` endpoints send; `tg-mock sign` signs a hand-made delivery.

use std::sync::Arc;
use std::time::Duration;

use tg_mock::router::AllServices;
use tg_mock::tga::TgaFake;
use tg_mock::tgmembership::{
    BodySource, SIGN_USAGE, TgmembershipFake, parse_sign_args, sign_output,
};
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
    webhook: Option<String>,
    webhook_secret: Option<String>,
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
        webhook: None,
        webhook_secret: None,
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
            "--webhook" => o.webhook = Some(value()?),
            "--webhook-secret" => o.webhook_secret = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.webhook_secret.is_some() && o.webhook.is_none() {
        return Err("--webhook-secret needs --webhook".to_owned());
    }
    Ok(o)
}

/// The banner's lines about the registered webhook and the admin endpoints.
fn webhook_lines(base: &str, o: &Options, secret: Option<&str>) -> String {
    let admin = format!("{base}/v1/bot{}/{}/_admin", o.bot_id, o.tgmembership_key);
    let registered = match (&o.webhook, secret) {
        (Some(url), Some(secret)) => format!("  webhook   {url} (secret {secret})\n"),
        _ => String::new(),
    };
    format!(
        "{registered}  admin     POST {admin}/orders/ORDER_KEY/complete (or /refund): the payer pays, webhooks go out
            POST {admin}/deliver -d '{{\"event\":\"NAME\",\"data\":{{}}}}'; GET {admin}/deliveries
  try       curl -sS -X POST {admin}/orders/66804997RC5418150/complete
"
    )
}

/// The block printed at start: per service its base URL, key or token, and one `curl` line
/// that works against this fake as started, ready to copy.
fn banner(base: &str, o: &Options, token: &str, webhook_secret: Option<&str>) -> String {
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
{hooks}
TGA
  base URL  {base}
  token     {token}
  app       {app} (Origin https://{domain})
  try       curl -sS -X POST {base}/events -H 'TGA-Auth-Token: {token}' -H 'Origin: https://{domain}' -H 'content-type: application/json' -d '{event}'

In a client: .core(|c| c.with_loopback_url(\"{base}\"))
",
        key = o.tgtrack_key,
        bot = o.bot_id,
        mkey = o.tgmembership_key,
        app = o.tga_app,
        domain = o.tga_domain,
        hooks = webhook_lines(base, o, webhook_secret),
    )
}

const USAGE: &str = "usage: tg-mock [--port 8080] [--tgtrack-key KEY] [--bot-id 1] \
[--tgmembership-key KEY] [--tga-app NAME] [--tga-domain DOMAIN] [--strict-limits] \
[--log-capacity 1000] [--webhook URL [--webhook-secret SECRET]]
       tg-mock sign --help";

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("sign") {
        return sign(&args[1..]);
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
    let token = tga.issue_token(&o.tga_app, &o.tga_domain);
    let tgmembership = TgmembershipFake::new(o.bot_id, &o.tgmembership_key);
    let webhook_secret = o.webhook.as_ref().map(|url| {
        let secret = o
            .webhook_secret
            .clone()
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
        tgmembership.add_webhook(url, &secret);
        secret
    });
    let all = AllServices {
        tga: Arc::new(tga),
        tgtrack: Arc::new(tgtrack),
        tgmembership: Arc::new(tgmembership),
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
    print!("{}", banner(&base, &o, &token, webhook_secret.as_deref()));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("signal: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_has_each_service_url_key_and_a_curl_line() {
        let o = parse(&[]).unwrap();
        let b = banner("http://127.0.0.1:8080", &o, "TOKEN!sig", None);
        assert!(b.contains(
            "curl -sS -X POST http://127.0.0.1:8080/v1/tgtrack-dev-key/my_bot_was_started"
        ));
        assert!(b.contains("curl -sS http://127.0.0.1:8080/v1/bot1/tgmembership-dev-key/projects"));
        assert!(b.contains("-H 'TGA-Auth-Token: TOKEN!sig' -H 'Origin: https://localhost'"));
        assert!(b.contains(r#""app_name":"dev_app""#));
        assert_eq!(b.matches("base URL  http://127.0.0.1:8080").count(), 3);
        assert!(b.contains(
            "curl -sS -X POST http://127.0.0.1:8080/v1/bot1/tgmembership-dev-key/_admin/orders/66804997RC5418150/complete"
        ));
        assert!(!b.contains("webhook   "));
    }

    #[test]
    fn a_webhook_given_at_start_is_shown_with_its_secret() {
        let args: Vec<String> = [
            "--webhook",
            "http://127.0.0.1:3000/hook",
            "--webhook-secret",
            "s3cr3t",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let o = parse(&args).unwrap();
        let b = banner("http://127.0.0.1:8080", &o, "T", Some("s3cr3t"));
        assert!(b.contains("webhook   http://127.0.0.1:3000/hook (secret s3cr3t)"));
        assert!(parse(&args[2..]).is_err());
    }
}
