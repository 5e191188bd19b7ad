//! Signs Telegram Mini App initData as Telegram does, so a test or a dev loop can hand a backend
//! a valid `Authorization: tma <initData>` without writing the HMAC by hand.
//!
//! Telegram's first-party rule (core.telegram.org/bots/webapps): `secret_key =
//! HMAC_SHA256(key = "WebAppData", message = bot_token)`; the data-check string is every field
//! but `hash`, as `key=value` lines sorted by key and joined with `\n`; `hash` is the lowercase
//! hex `HMAC_SHA256(key = secret_key, message = data_check_string)`. A `signature` field given
//! here stays in the data-check string, as Telegram's does; the Ed25519 `signature` itself
//! cannot be made here (only Telegram holds that key).
//!
//! ```
//! let init_data = tg_mock::init_data::sign(
//!     "7000000001:AAH-test_bot_SECRET",
//!     &[("user", r#"{"id":279058397,"first_name":"Ann"}"#), ("auth_date", "1800000000")],
//! );
//! assert!(init_data.starts_with("auth_date=1800000000&user=%7B%22id%22"));
//! assert!(init_data.contains("&hash="));
//! ```

use std::collections::BTreeMap;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::service::percent_encode;

type HmacSha256 = Hmac<Sha256>;

/// The key Telegram derives the bot's initData secret with.
const WEB_APP_DATA: &[u8] = b"WebAppData";

/// The user [`sign_cli`] signs for when none is given: the id the `tg-mock` banner's TGA
/// example event uses.
pub const DEFAULT_USER: &str =
    r#"{"id":111111111,"first_name":"Dev","username":"dev_user","language_code":"en"}"#;

/// Signs `fields` for the bot `bot_token`: the initData query string, each field
/// percent-encoded, sorted by key, followed by `hash`.
///
/// A `hash` among `fields` is dropped (the signature replaces it); when a key is given twice
/// the last value wins. Telegram checks `auth_date` against a maximum age, so give a recent one
/// (Unix seconds) unless the test is about expiry.
pub fn sign(bot_token: &str, fields: &[(&str, &str)]) -> String {
    let fields: BTreeMap<&str, &str> = fields
        .iter()
        .filter(|(key, _)| *key != "hash")
        .copied()
        .collect();
    let check: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let secret = hmac(WEB_APP_DATA, bot_token.as_bytes());
    let hash = hex::encode(hmac(&secret, check.join("\n").as_bytes()));
    let mut out = String::new();
    for (key, value) in &fields {
        out.push_str(&percent_encode(key, false));
        out.push('=');
        out.push_str(&percent_encode(value, false));
        out.push('&');
    }
    out.push_str("hash=");
    out.push_str(&hash);
    out
}

/// HMAC-SHA256 under a key of at most 64 bytes (both keys here are: `WebAppData` and a
/// 32-byte digest). HMAC pads a key shorter than the 64-byte block with zeros, so the padded
/// block is the same key.
fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    for (slot, byte) in block.iter_mut().zip(key) {
        *slot = *byte;
    }
    let mut mac = <HmacSha256 as KeyInit>::new(&block.into());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The usage of `tg-mock sign-init-data`.
pub const SIGN_INIT_DATA_USAGE: &str = "usage: tg-mock sign-init-data --bot-token TOKEN \
[--user JSON | --user-id ID] [--auth-date UNIX] [--field KEY=VALUE]... [--header]

Prints initData signed for the bot TOKEN (also read from TG_BOT_TOKEN): `user` (default: a
user with id 111111111), `auth_date` (default: now) and each --field, then `hash`.
--header prints `Authorization: tma <initData>` instead, ready for curl -H.";

/// `tg-mock sign-init-data ARGS`: the line to print, given the current Unix time and the
/// `TG_BOT_TOKEN` environment variable. An error names the bad argument.
pub fn sign_cli(args: &[String], now: u64, env_token: Option<String>) -> Result<String, String> {
    let mut token = env_token.filter(|t| !t.is_empty());
    let mut user = DEFAULT_USER.to_owned();
    let mut auth_date = now.to_string();
    let mut extra: Vec<(String, String)> = Vec::new();
    let mut header = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--bot-token" => token = Some(value()?),
            "--user" => {
                let text = value()?;
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
                    .map_err(|e| format!("--user: not a JSON object: {e}"))?;
                user = text;
            }
            "--user-id" => {
                let id: i64 = value()?
                    .parse()
                    .map_err(|_| "--user-id: not a number".to_owned())?;
                user = format!(r#"{{"id":{id},"first_name":"Dev"}}"#);
            }
            "--auth-date" => {
                let date: u64 = value()?
                    .parse()
                    .map_err(|_| "--auth-date: not Unix seconds".to_owned())?;
                auth_date = date.to_string();
            }
            "--field" => {
                let pair = value()?;
                let (key, val) = pair
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| format!("--field {pair}: expected KEY=VALUE"))?;
                extra.push((key.to_owned(), val.to_owned()));
            }
            "--header" => header = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    let token = token.ok_or("--bot-token (or TG_BOT_TOKEN) is required")?;
    let mut fields: Vec<(&str, &str)> = vec![("user", &user), ("auth_date", &auth_date)];
    fields.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let signed = sign(&token, &fields);
    Ok(if header {
        format!("Authorization: tma {signed}\n")
    } else {
        format!("{signed}\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The hash recomputed by hand from Telegram's rule, for a fixed input.
    #[test]
    fn the_hash_follows_telegrams_rule() {
        let signed = sign("1:T", &[("b", "2"), ("a", "x y"), ("hash", "old")]);
        let secret = hmac(b"WebAppData", b"1:T");
        let expected = hex::encode(hmac(&secret, b"a=x y\nb=2"));
        assert_eq!(signed, format!("a=x%20y&b=2&hash={expected}"));
    }

    #[test]
    fn the_cli_signs_defaults_and_fields() {
        let line = sign_cli(
            &args(&["--user-id", "42", "--field", "start_param=ref_7"]),
            1_800_000_000,
            Some("1:T".to_owned()),
        )
        .unwrap();
        let expected = sign(
            "1:T",
            &[
                ("user", r#"{"id":42,"first_name":"Dev"}"#),
                ("auth_date", "1800000000"),
                ("start_param", "ref_7"),
            ],
        );
        assert_eq!(line, format!("{expected}\n"));
        let header = sign_cli(&args(&["--bot-token", "1:T", "--header"]), 5, None).unwrap();
        assert!(header.starts_with("Authorization: tma auth_date=5&user="));
    }

    #[test]
    fn the_cli_names_what_is_wrong() {
        let err = |a: &[&str]| sign_cli(&args(a), 0, None).unwrap_err();
        assert!(err(&[]).contains("--bot-token"));
        assert!(err(&["--bot-token", "1:T", "--user", "[1]"]).contains("--user"));
        assert!(err(&["--bot-token", "1:T", "--field", "=x"]).contains("KEY=VALUE"));
        assert!(err(&["--bot-token"]).contains("needs a value"));
    }
}
