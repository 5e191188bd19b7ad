//! tgtrack-client against the fake TGTrack over loopback HTTP: every method, verbatim
//! forwarding, typed error envelopes, sandbox mode, retry safety, the documented rate limits in
//! virtual time, quota priority (starts before events, lookups before both, expired goals), and
//! the key kept out of every printed value; the document's examples as test vectors
//! (`doc_examples`), exact amounts (`money`, `properties`), the webhook layer, the long-polling
//! reader, forwarding under SIGKILL (`forward_crash`), and teloxide bots (`teloxide_bots`, with
//! `--features teloxide`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod doc_examples;
mod error_envelopes;
mod forward_crash;
mod forward_order;
mod forwarding;
mod key_hidden;
mod methods;
mod money;
mod polling;
mod properties;
mod quota_priority;
mod rate_limits;
mod retry_safety;
mod sandbox;
#[cfg(feature = "teloxide")]
mod teloxide_bots;
mod webhook_layer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use tg_common::{ErrorKind, RetrySafety, Timeouts};
use tg_common::{RateLimitOrigin, TransportKind};
use tg_mock::tgtrack::{InviteLink, Mode as FakeMode, TgtrackFake, error_reply};
use tg_mock::{Fault, FaultRule, FixedWindows, MockServer, Reply};
use tgtrack_client::prelude::*;
use tgtrack_client::{
    Client, ErrorCode, EventResult, Label, Mode, RawJson, RawUpdate, SambotEncoding, StartValue,
    TgtrackApiError,
};

/// The fake's clock for every test (unix seconds).
const NOW: i64 = 1_700_000_000;

struct Setup {
    fake: Arc<TgtrackFake>,
    server: MockServer,
    client: Client,
}

/// A fake knowing `key` in `mode`, its server, and a client of `key` pointed at it.
async fn setup(key: &str, mode: FakeMode) -> Setup {
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(key, mode);
    fake.set_now(Some(NOW));
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let client = client_for(&server, key);
    Setup {
        fake,
        server,
        client,
    }
}

fn client_for(server: &MockServer, key: &str) -> Client {
    Client::builder(key)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()
        .unwrap()
}

/// A private-chat message from `user_id` with this text, shaped like Telegram's.
fn private_message(update_id: u64, user_id: i64, text: &str, date: i64) -> String {
    chat_message(update_id, user_id, text, date, "private")
}

fn chat_message(update_id: u64, user_id: i64, text: &str, date: i64, chat_type: &str) -> String {
    let chat_id = if chat_type == "private" {
        user_id
    } else {
        -1_001_234_567_890
    };
    format!(
        r#"{{"update_id":{update_id},"message":{{"message_id":17,"from":{{"id":{user_id},"is_bot":false,"first_name":"Вася","last_name":"Пупкин","username":"vasya","language_code":"ru"}},"chat":{{"id":{chat_id},"first_name":"Вася","type":"{chat_type}"}},"date":{date},"text":{text},"entities":[{{"offset":0,"length":6,"type":"bot_command"}}]}}}}"#,
        text = serde_json::to_string(text).unwrap(),
    )
}

/// A `my_chat_member` change of a private chat with `user_id` to `new_status`.
fn member_change(update_id: u64, user_id: i64, new_status: &str, date: i64) -> String {
    let old = if new_status == "kicked" {
        "member"
    } else {
        "kicked"
    };
    format!(
        r#"{{"update_id":{update_id},"my_chat_member":{{"chat":{{"id":{user_id},"first_name":"Вася","type":"private"}},"from":{{"id":{user_id},"is_bot":false,"first_name":"Вася"}},"date":{date},"old_chat_member":{{"user":{{"id":6000000001,"is_bot":true,"first_name":"Bot","username":"my_bot"}},"status":"{old}"}},"new_chat_member":{{"user":{{"id":6000000001,"is_bot":true,"first_name":"Bot","username":"my_bot"}},"status":"{new_status}"}}}}}}"#
    )
}

/// The calls `server` received, in order: `E` for `add_event`, `S` for any other.
fn call_order(server: &MockServer) -> String {
    server
        .requests()
        .iter()
        .map(|r| {
            if r.path.ends_with("/add_event") {
                'E'
            } else {
                'S'
            }
        })
        .collect()
}

/// Spends the day of `client`'s key: its limiter admits nothing for 24 hours (as after a 429
/// with a day's Retry-After).
async fn spend_the_day(client: &Client) {
    let limiter = tg_common::ProviderClient::core(client).limiter().unwrap();
    limiter.pause(Duration::from_secs(86_400)).await;
}

/// Virtual time leaps to the next timer whenever the runtime waits for I/O; while the task
/// returned runs, it moves a millisecond a wait at most.
fn hold_virtual_time() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
}

fn update(text: &str) -> RawUpdate {
    RawUpdate::try_from(text).unwrap()
}

fn api(e: &tg_common::Error) -> &TgtrackApiError {
    e.api_detail::<TgtrackApiError>()
        .unwrap_or_else(|| panic!("not a TGTrack API error: {e:?}"))
}

/// An update with unusual formatting: odd key order, whitespace and newlines, unicode escapes
/// (`\u00e9`, a surrogate pair), an update id beyond i64 and an integer beyond u64.
const ODD_UPDATE: &str = "{ \"message\" : {\"text\":\"/start ref_42\" ,\"date\" : 1700000100,\n\t\"chat\":{\"type\":\"private\",\"id\":1234567890123},\n  \"from\": {\"last_name\":\"\\ud83d\\ude00\", \"id\": 1234567890123, \"first_name\":\"Andr\\u00e9\",\"is_bot\":false},\"message_id\":7,\"big\": 123456789012345678901234567890},\r\n \"update_id\" : 12345678901234567890 }\n";
