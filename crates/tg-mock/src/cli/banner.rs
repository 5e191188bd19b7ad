//! What the server prints once it listens: per service its base URL, key or token and a `curl`
//! line that works against this fake as started (`--banner text`), or the same facts as one
//! JSON line for scripts (`--banner json`).

use serde_json::json;

use crate::options::Options;

/// What the banner reports beyond the options: the address bound and the credentials made at
/// start.
pub struct Started<'a> {
    /// `http://127.0.0.1:PORT`.
    pub base: &'a str,
    /// The TGA token accepted.
    pub tga_token: &'a str,
    /// The secret of the webhook registered at start, if any.
    pub webhook_secret: Option<&'a str>,
}

impl Started<'_> {
    fn admin(&self, o: &Options) -> String {
        format!(
            "{}/v1/bot{}/{}/_admin",
            self.base, o.bot_id, o.tgmembership_key
        )
    }
}

/// Whether `url` is an https URL on loopback, which the fake delivers over plain http.
fn https_loopback(url: &str) -> bool {
    ["https://127.0.0.1", "https://localhost", "https://[::1]"]
        .iter()
        .any(|prefix| url.starts_with(prefix))
}

/// The banner's lines about the registered webhook and the admin endpoints.
fn webhook_lines(s: &Started<'_>, o: &Options) -> String {
    let admin = s.admin(o);
    let registered = match (&o.webhook, s.webhook_secret) {
        (Some(url), Some(secret)) => {
            let plain = if https_loopback(url) {
                " (delivered over plain http: the fake sends nothing off the machine and speaks no TLS)"
            } else {
                ""
            };
            format!("  webhook   {url} (secret {secret}){plain}\n")
        }
        _ => String::new(),
    };
    format!(
        "{registered}  admin     POST {admin}/orders/ORDER_KEY/complete (or /refund): the payer pays, webhooks go out
            POST {admin}/deliver -d '{{\"event\":\"NAME\",\"data\":{{}}}}'; GET {admin}/deliveries
  try       curl -sS -X POST {admin}/orders/66804997RC5418150/complete
"
    )
}

/// The Telegram section: the bots, how to add one and how to queue an update.
fn telegram_lines(s: &Started<'_>, o: &Options) -> String {
    let base = s.base;
    let admin = format!("{base}{}", tg_mock::telegram::ADMIN_PREFIX);
    let bots = if o.bot_tokens.is_empty() {
        "  bots      none yet: start with --bot-token ID:SECRET, or add one (below)\n".to_owned()
    } else {
        o.bot_tokens
            .iter()
            .map(|t| format!("  bot       {t}\n  try       curl -sS {base}/bot{t}/getMe\n"))
            .collect()
    };
    let token = o.bot_tokens.first().map_or("ID:SECRET", String::as_str);
    format!(
        "Telegram Bot API (getUpdates, getMe)
  base URL  {base}
{bots}  admin     POST {admin}bots -d '{{\"token\":\"ID:SECRET\"}}': adds a bot
            POST {admin}bots/{token}/updates -d '{{\"message\":{{\"message_id\":1,\"date\":0,\"chat\":{{\"id\":1,\"type\":\"private\"}},\"text\":\"/start\"}}}}'
  initData  tg-mock sign-init-data --bot-token {token} --header   (a Mini App's Authorization header)
"
    )
}

/// The text banner.
pub fn text(s: &Started<'_>, o: &Options) -> String {
    let limits = if o.strict_limits { "on" } else { "off" };
    let base = s.base;
    let token = s.tga_token;
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

{telegram}
In a client: .core(|c| c.with_loopback_url(\"{base}\"))
",
        key = o.tgtrack_key,
        bot = o.bot_id,
        mkey = o.tgmembership_key,
        app = o.tga_app,
        domain = o.tga_domain,
        hooks = webhook_lines(s, o),
        telegram = telegram_lines(s, o),
    )
}

/// The JSON banner: one line, ending with a newline.
pub fn json(s: &Started<'_>, o: &Options) -> String {
    let webhook = o.webhook.as_ref().map(|url| {
        json!({
            "url": url,
            "secret": s.webhook_secret,
            "delivered_to": if https_loopback(url) { url.replacen("https://", "http://", 1) } else { url.clone() },
        })
    });
    let value = json!({
        "base_url": s.base,
        "tgtrack": { "key": o.tgtrack_key, "strict_limits": o.strict_limits },
        "tgmembership": {
            "bot_id": o.bot_id,
            "key": o.tgmembership_key,
            "admin_url": s.admin(o),
            "webhook": webhook,
        },
        "tga": {
            "token": s.tga_token,
            "app_name": o.tga_app,
            "domain": o.tga_domain,
            "origin": format!("https://{}", o.tga_domain),
        },
        "telegram": {
            "bot_tokens": o.bot_tokens,
            "admin_url": format!("{}{}", s.base, tg_mock::telegram::ADMIN_PREFIX.trim_end_matches('/')),
        },
    });
    format!("{value}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::parse;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn started<'a>(token: &'a str, secret: Option<&'a str>) -> Started<'a> {
        Started {
            base: "http://127.0.0.1:8080",
            tga_token: token,
            webhook_secret: secret,
        }
    }

    #[test]
    fn banner_has_each_service_url_key_and_a_curl_line() {
        let o = parse(&[]).unwrap();
        let b = text(&started("TOKEN!sig", None), &o);
        assert!(b.contains(
            "curl -sS -X POST http://127.0.0.1:8080/v1/tgtrack-dev-key/my_bot_was_started"
        ));
        assert!(b.contains("curl -sS http://127.0.0.1:8080/v1/bot1/tgmembership-dev-key/projects"));
        assert!(b.contains("-H 'TGA-Auth-Token: TOKEN!sig' -H 'Origin: https://localhost'"));
        assert!(b.contains(r#""app_name":"dev_app""#));
        assert_eq!(b.matches("base URL  http://127.0.0.1:8080").count(), 4);
        assert!(b.contains(
            "curl -sS -X POST http://127.0.0.1:8080/v1/bot1/tgmembership-dev-key/_admin/orders/66804997RC5418150/complete"
        ));
        assert!(!b.contains("webhook   "));
        assert!(b.contains("bots      none yet"));
        assert!(b.contains("POST http://127.0.0.1:8080/_admin/telegram/bots -d"));
    }

    #[test]
    fn a_webhook_given_at_start_is_shown_with_its_secret() {
        let o = parse(&args(&[
            "--webhook",
            "https://127.0.0.1:3000/hook",
            "--webhook-secret",
            "s3cr3t",
        ]))
        .unwrap();
        let b = text(&started("T", Some("s3cr3t")), &o);
        assert!(b.contains(
            "webhook   https://127.0.0.1:3000/hook (secret s3cr3t) (delivered over plain http"
        ));
        let j: serde_json::Value =
            serde_json::from_str(&json(&started("T", Some("s3cr3t")), &o)).unwrap();
        assert_eq!(
            j["tgmembership"]["webhook"]["delivered_to"],
            "http://127.0.0.1:3000/hook"
        );
    }

    #[test]
    fn bots_given_at_start_are_listed_with_a_get_me_line() {
        let o = parse(&args(&["--bot-token", "7:abc"])).unwrap();
        let b = text(&started("T", None), &o);
        assert!(b.contains("curl -sS http://127.0.0.1:8080/bot7:abc/getMe"));
        let line = json(&started("T", None), &o);
        assert_eq!(line.lines().count(), 1);
        let j: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(j["telegram"]["bot_tokens"][0], "7:abc");
        assert_eq!(j["tga"]["token"], "T");
        assert_eq!(j["tgmembership"]["webhook"], serde_json::Value::Null);
    }
}
