//! The `tg-mock` binary as a user runs it: a child process on a free loopback port, its JSON
//! banner read from stdout, and requests sent to what the banner says; `sign-init-data` prints
//! what the library signs. The child is killed (SIGKILL) when a test ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tg_mock::deliver::{Delivery, post};

const BIN: &str = env!("CARGO_BIN_EXE_tg-mock");

/// A running `tg-mock`, killed when dropped.
struct Server {
    child: Child,
    banner: Value,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `tg-mock --port 0 --banner json ARGS` and reads its one-line banner, on a
    /// blocking thread (the read waits for the child).
    async fn start(args: &'static [&'static str]) -> Server {
        tokio::task::spawn_blocking(move || Server::spawn(args))
            .await
            .unwrap()
    }

    fn spawn(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--banner", "json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let banner = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        Server { child, banner }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.banner["base_url"].as_str().unwrap())
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().unwrap());
    }
    map
}

fn json(answer: &Delivery) -> Value {
    serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_json_banner_names_a_tga_token_and_bots_that_work() {
    let s = Server::start(&[
        "--tga-token",
        "dev-tga-token-0001",
        "--tga-app",
        "my_app",
        "--tga-domain",
        "app.localhost",
        "--bot-token",
        "7000000001:AAH-dev",
    ])
    .await;
    let b = &s.banner;
    assert_eq!(b["tga"]["token"], "dev-tga-token-0001");
    assert_eq!(b["tga"]["origin"], "https://app.localhost");
    assert_eq!(b["telegram"]["bot_tokens"][0], "7000000001:AAH-dev");
    assert_eq!(b["tgtrack"]["key"], "tgtrack-dev-key");
    assert_eq!(b["tgmembership"]["key"], "tgmembership-dev-key");

    // The token given on the command line is accepted as given.
    let event = r#"[{"event_name":"app-init","session_id":"10c574d9-6d2c-4e6d-a141-ce6da141ce6d","user_id":1,"app_name":"my_app","client_timestamp":"1743503599534"}]"#;
    let tga = headers(&[
        ("tga-auth-token", "dev-tga-token-0001"),
        ("origin", "https://app.localhost"),
        ("content-type", "application/json"),
    ]);
    let answer = post(&s.url("/events"), &tga, event.into()).await.unwrap();
    assert_eq!(answer.status, 202, "{:?}", json(&answer));

    // The bot given on the command line answers getMe; another token is 401.
    let none = headers(&[]);
    let me = post(&s.url("/bot7000000001:AAH-dev/getMe"), &none, "".into())
        .await
        .unwrap();
    assert_eq!(me.status, 200);
    assert_eq!(json(&me)["result"]["id"], 7000000001_i64);
    let other = s.url("/bot8000000001:AAH-other/getMe");
    assert_eq!(post(&other, &none, "".into()).await.unwrap().status, 401);
}

#[tokio::test]
async fn a_bot_added_through_the_admin_endpoint_gets_updates() {
    let s = Server::start(&[]).await;
    assert_eq!(s.banner["telegram"]["bot_tokens"], serde_json::json!([]));
    let admin = s.banner["telegram"]["admin_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = headers(&[("content-type", "application/json")]);

    let added = post(
        &format!("{admin}/bots"),
        &body,
        r#"{"token":"8000000001:AAH-added"}"#.into(),
    )
    .await
    .unwrap();
    assert_eq!(added.status, 200);
    assert_eq!(json(&added)["result"]["id"], 8000000001_i64);

    let update =
        r#"{"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"/start"}}"#;
    let pushed = post(
        &format!("{admin}/bots/8000000001:AAH-added/updates"),
        &body,
        update.into(),
    )
    .await
    .unwrap();
    assert_eq!(json(&pushed)["result"]["update_id"], 1);

    let polled = post(
        &s.url("/bot8000000001:AAH-added/getUpdates"),
        &body,
        r#"{"timeout":0}"#.into(),
    )
    .await
    .unwrap();
    assert_eq!(polled.status, 200);
    assert_eq!(json(&polled)["result"][0]["message"]["text"], "/start");

    let refused = post(&format!("{admin}/bots"), &body, r#"{"token":"x"}"#.into())
        .await
        .unwrap();
    assert_eq!(refused.status, 400);
}

#[test]
fn sign_init_data_prints_what_the_library_signs() {
    let out = Command::new(BIN)
        .args([
            "sign-init-data",
            "--auth-date",
            "1800000000",
            "--user",
            r#"{"id":279058397,"first_name":"Ann"}"#,
            "--field",
            "start_param=promo",
        ])
        .env("TG_BOT_TOKEN", "7000000001:AAH-test")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let expected = tg_mock::init_data::sign(
        "7000000001:AAH-test",
        &[
            ("user", r#"{"id":279058397,"first_name":"Ann"}"#),
            ("auth_date", "1800000000"),
            ("start_param", "promo"),
        ],
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{expected}\n")
    );
}

#[test]
fn a_bad_option_exits_2_and_names_it() {
    let out = Command::new(BIN)
        .args(["--bot-token", "not-a-token"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--bot-token: expected a Telegram bot token"),
        "{err}"
    );
    assert!(err.contains("usage: tg-mock"), "{err}");
}
