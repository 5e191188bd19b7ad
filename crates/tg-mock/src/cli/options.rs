//! The server's command line: every option, its default, and the usage text.

use tg_mock::telegram::is_bot_token;

/// How the start banner is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerFormat {
    /// A block for people: URLs, keys and a `curl` line per service.
    Text,
    /// One JSON line for scripts: URLs, keys and tokens.
    Json,
}

/// The server's options.
#[derive(Debug, Clone)]
pub struct Options {
    /// The port on 127.0.0.1 (0: a free one).
    pub port: u16,
    /// The TGTrack key accepted, in production mode.
    pub tgtrack_key: String,
    /// The TGmembership bot id.
    pub bot_id: i64,
    /// The TGmembership key accepted.
    pub tgmembership_key: String,
    /// The TGA app the token is for.
    pub tga_app: String,
    /// The domain of the TGA token (the Origin a client must send).
    pub tga_domain: String,
    /// The TGA token to accept; `None`: a fresh one is issued.
    pub tga_token: Option<String>,
    /// Bots of the fake Telegram Bot API.
    pub bot_tokens: Vec<String>,
    /// Whether TGTrack's fixed-window limits are enforced.
    pub strict_limits: bool,
    /// Requests kept in the request log.
    pub log_capacity: usize,
    /// A TGmembership webhook registered at start.
    pub webhook: Option<String>,
    /// Its secret; `None`: a random one.
    pub webhook_secret: Option<String>,
    /// How the start banner is written.
    pub banner: BannerFormat,
}

/// The server's usage text.
pub const USAGE: &str = "usage: tg-mock [--port 8080] [--tgtrack-key KEY] [--bot-id 1] \
[--tgmembership-key KEY] [--tga-app NAME] [--tga-domain DOMAIN] [--tga-token TOKEN] \
[--bot-token ID:SECRET]... [--strict-limits] [--log-capacity 1000] \
[--webhook URL [--webhook-secret SECRET]] [--banner text|json]
       tg-mock sign --help             sign a TGmembership webhook delivery
       tg-mock sign-init-data --help   sign Telegram Mini App initData";

/// Reads the options; `Err("")` asks for the usage, another error names the bad option.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        port: 8080,
        tgtrack_key: "tgtrack-dev-key".to_owned(),
        bot_id: 1,
        tgmembership_key: "tgmembership-dev-key".to_owned(),
        tga_app: "dev_app".to_owned(),
        tga_domain: "localhost".to_owned(),
        tga_token: None,
        bot_tokens: Vec::new(),
        strict_limits: false,
        log_capacity: 1000,
        webhook: None,
        webhook_secret: None,
        banner: BannerFormat::Text,
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
            "--tga-token" => {
                let token = value()?;
                if token.trim().is_empty() || token.trim() != token {
                    return Err("--tga-token: empty or padded with spaces".to_owned());
                }
                o.tga_token = Some(token);
            }
            "--bot-token" => {
                let token = value()?;
                if !is_bot_token(&token) {
                    return Err(
                        "--bot-token: expected a Telegram bot token, ID:SECRET (digits, `:`, then A-Z a-z 0-9 _ -)"
                            .to_owned(),
                    );
                }
                o.bot_tokens.push(token);
            }
            "--strict-limits" => o.strict_limits = true,
            "--log-capacity" => {
                o.log_capacity = value()?
                    .parse()
                    .map_err(|_| "--log-capacity: not a number")?;
            }
            "--webhook" => o.webhook = Some(value()?),
            "--webhook-secret" => o.webhook_secret = Some(value()?),
            "--banner" => {
                o.banner = match value()?.as_str() {
                    "text" => BannerFormat::Text,
                    "json" => BannerFormat::Json,
                    other => return Err(format!("--banner: `{other}` is not text or json")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.webhook_secret.is_some() && o.webhook.is_none() {
        return Err("--webhook-secret needs --webhook".to_owned());
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn new_options_are_read_and_checked() {
        let o = parse(&args(&[
            "--tga-token",
            "tok",
            "--bot-token",
            "1:a",
            "--bot-token",
            "2:b",
            "--banner",
            "json",
        ]))
        .unwrap();
        assert_eq!(o.tga_token.as_deref(), Some("tok"));
        assert_eq!(o.bot_tokens, ["1:a", "2:b"]);
        assert_eq!(o.banner, BannerFormat::Json);
        assert!(
            parse(&args(&["--bot-token", "nope"]))
                .unwrap_err()
                .contains("ID:SECRET")
        );
        assert!(parse(&args(&["--banner", "xml"])).is_err());
        assert!(parse(&args(&["--tga-token", " "])).is_err());
        assert!(parse(&args(&["--webhook-secret", "s"])).is_err());
    }
}
