//! `tg-mock sign`: signs a hand-made webhook delivery the way the fake (and the service) does,
//! and prints the headers to send with it, or a ready `curl` line.
//!
//! ```text
//! tg-mock sign [--secret SECRET] [--nonce N] [--timestamp UNIX]
//!              [--event NAME [--data JSON] | --body TEXT | --body-file PATH]
//!              [--url URL]
//! ```
//!
//! The secret comes from `--secret` or the `TGM_WEBHOOK_SECRET` environment variable (kept out
//! of the shell history); it is never printed. The body is `--body`, the file's bytes, or the
//! envelope `{"event","debug_id","data"}` built from `--event` and `--data` (printed, since it
//! must be sent byte for byte); with none of them it is read from standard input. The nonce and
//! timestamp default to a fresh nonce and the current time.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::delivery::{NONCE_HEADER, SIGNATURE_HEADER, new_nonce, sign_webhook};

/// The usage line of `tg-mock sign`.
pub const SIGN_USAGE: &str = "usage: tg-mock sign [--secret SECRET (or env TGM_WEBHOOK_SECRET)] \
[--nonce N] [--timestamp UNIX] [--event NAME [--data JSON] | --body TEXT | --body-file PATH \
| body on stdin] [--url URL]";

/// Where the body comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySource {
    /// `--body TEXT`.
    Text(String),
    /// `--body-file PATH`.
    File(String),
    /// `--event NAME [--data JSON]`: the envelope is built.
    Event {
        /// The event name.
        event: String,
        /// The `data` object, as JSON text (`{}` when absent).
        data: String,
    },
    /// Standard input.
    Stdin,
}

/// The parsed options of `tg-mock sign`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOptions {
    /// The webhook secret, if given on the command line.
    pub secret: Option<String>,
    /// The nonce; a fresh one when absent.
    pub nonce: Option<String>,
    /// The timestamp; now when absent.
    pub timestamp: Option<i64>,
    /// The body's source.
    pub body: BodySource,
    /// Where a `curl` line should send it.
    pub url: Option<String>,
}

/// Parses the arguments after `sign`.
pub fn parse_sign_args(args: &[String]) -> Result<SignOptions, String> {
    let mut o = SignOptions {
        secret: None,
        nonce: None,
        timestamp: None,
        body: BodySource::Stdin,
        url: None,
    };
    let (mut event, mut data) = (None, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let set_body = |o: &mut SignOptions, b: BodySource| {
            if o.body == BodySource::Stdin {
                o.body = b;
                Ok(())
            } else {
                Err("give one of --body, --body-file and --event".to_owned())
            }
        };
        match flag.as_str() {
            "--secret" => o.secret = Some(value()?),
            "--nonce" => o.nonce = Some(value()?),
            "--timestamp" => {
                o.timestamp = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--timestamp: not a Unix time")?,
                );
            }
            "--body" => set_body(&mut o, BodySource::Text(value()?))?,
            "--body-file" => set_body(&mut o, BodySource::File(value()?))?,
            "--event" => event = Some(value()?),
            "--data" => data = Some(value()?),
            "--url" => o.url = Some(value()?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    match (event, data) {
        (Some(event), data) => set_event(&mut o, event, data)?,
        (None, Some(_)) => return Err("--data needs --event".to_owned()),
        (None, None) => {}
    }
    if o.nonce.as_deref().is_some_and(str::is_empty) {
        return Err("--nonce: empty".to_owned());
    }
    Ok(o)
}

fn set_event(o: &mut SignOptions, event: String, data: Option<String>) -> Result<(), String> {
    if o.body != BodySource::Stdin {
        return Err("give one of --body, --body-file and --event".to_owned());
    }
    o.body = BodySource::Event {
        event,
        data: data.unwrap_or_else(|| "{}".to_owned()),
    };
    Ok(())
}

/// What `tg-mock sign` prints, signed with `secret`; `read` is the body read from the file or
/// standard input (ignored for `--body` and `--event`).
pub fn sign_output(o: &SignOptions, secret: &str, read: &[u8]) -> Result<String, String> {
    if secret.is_empty() {
        return Err("no secret: pass --secret or set TGM_WEBHOOK_SECRET".to_owned());
    }
    let (body, built) = match &o.body {
        BodySource::Event { event, data } => {
            let data: Value =
                serde_json::from_str(data).map_err(|e| format!("--data is not JSON: {e}"))?;
            if !data.is_object() {
                return Err("--data must be a JSON object".to_owned());
            }
            let debug_id = format!("{:016x}", rand::random::<u64>());
            let envelope = json!({ "event": event, "debug_id": debug_id, "data": data });
            (envelope.to_string().into_bytes(), true)
        }
        BodySource::Text(text) => (text.clone().into_bytes(), false),
        BodySource::File(_) | BodySource::Stdin => (read.to_vec(), false),
    };
    let nonce = o.nonce.clone().unwrap_or_else(new_nonce);
    let timestamp = o.timestamp.unwrap_or_else(now);
    let signature = sign_webhook(secret, &nonce, timestamp, &body);
    let mut out = String::new();
    if built {
        out.push_str(&format!("body: {}\n", String::from_utf8_lossy(&body)));
    }
    out.push_str(&format!(
        "{SIGNATURE_HEADER}: {signature}\n{NONCE_HEADER}: {nonce}\n"
    ));
    if let Some(url) = &o.url {
        out.push_str(&format!(
            "curl -sS -X POST {} -H 'content-type: application/json' -H '{SIGNATURE_HEADER}: \
             {signature}' -H '{NONCE_HEADER}: {nonce}' --data-binary {}\n",
            shell_quote(url),
            shell_quote(&String::from_utf8_lossy(&body)),
        ));
    }
    Ok(out)
}

/// Single-quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn signs_a_given_body_like_the_fake() {
        let o = parse_sign_args(&args(&[
            "--nonce",
            "53ed4554ef588",
            "--timestamp",
            "1684096282",
            "--body",
            r#"{"event":"x"}"#,
        ]))
        .unwrap();
        let out = sign_output(&o, "abcd123", b"ignored").unwrap();
        let expected = sign_webhook(
            "abcd123",
            "53ed4554ef588",
            1_684_096_282,
            br#"{"event":"x"}"#,
        );
        assert_eq!(
            out,
            format!("X-TGM-Signature: {expected}\nX-TGM-Nonce: 53ed4554ef588\n")
        );
        assert!(!out.contains("abcd123"));
    }

    #[test]
    fn builds_an_envelope_and_a_curl_line() {
        let o = parse_sign_args(&args(&[
            "--event",
            "order_completed",
            "--data",
            r#"{"order_key":"it's"}"#,
            "--url",
            "http://127.0.0.1:3000/hook",
        ]))
        .unwrap();
        let out = sign_output(&o, "secret-secret-secret", b"").unwrap();
        let body = out
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("body: "))
            .unwrap();
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["event"], "order_completed");
        assert_eq!(v["data"]["order_key"], "it's");
        assert!(out.contains("curl -sS -X POST 'http://127.0.0.1:3000/hook'"));
        assert!(out.contains(r#"--data-binary '{"#));
        assert!(out.contains(r#""order_key":"it'\''s""#));
    }

    #[test]
    fn bad_arguments_are_refused() {
        for bad in [
            &["--body", "a", "--event", "e"][..],
            &["--body", "a", "--body-file", "f"],
            &["--data", "{}"],
            &["--timestamp", "soon"],
            &["--nonce"],
            &["--frobnicate"],
        ] {
            assert!(parse_sign_args(&args(bad)).is_err(), "{bad:?}");
        }
        let o = parse_sign_args(&args(&["--event", "e", "--data", "[1]"])).unwrap();
        assert!(sign_output(&o, "s", b"").is_err());
        assert!(sign_output(&parse_sign_args(&[]).unwrap(), "", b"x").is_err());
    }
}
