//! A Telegram bot's webhook handler on axum that feeds TGTrack: it forwards, byte for byte, only
//! the updates TGTrack needs (a private `/start`, a block, an unblock), and reports a purchase as
//! an `add_event` with a conversion target (a deep goal for the user's ad system).
//!
//! ```sh
//! cargo run -p examples --example bot_webhook
//! ```
//!
//! The example starts the fake TGTrack of `tg-mock` in-process, serves the bot's webhook on
//! 127.0.0.1, posts five real-shaped updates to it (a deep-link `/start`, a group message, a
//! callback query, a `/buy`, a block), prints what reached TGTrack, then asks TGTrack what it
//! knows about the user. It then serves until Ctrl-C. With `TG_EXAMPLE_CI=1` it checks what the
//! fake received and exits.

use std::error::Error;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use rust_decimal::Decimal;
use serde::Deserialize;
use tg_mock::MockServer;
use tg_mock::tgtrack::{InviteLink, Mode, TgtrackFake};
use tgtrack_client::prelude::*;
use tgtrack_client::{Client, EventResult, TrackedKind, is_tracked_update};

const API_KEY: &str = "example-tgtrack-key";
const USER: i64 = 7_123_456_789;

/// The updates Telegram would post, exactly as it sends them.
const UPDATES: [(&str, &str); 5] = [
    (
        "/start with a deep-link parameter",
        r#"{"update_id":912345678,"message":{"message_id":17,"from":{"id":7123456789,"is_bot":false,"first_name":"Vasya","username":"vasya","language_code":"ru"},"chat":{"id":7123456789,"first_name":"Vasya","username":"vasya","type":"private"},"date":1700000000,"text":"/start vk_ads","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}"#,
    ),
    (
        "a message in a group",
        r#"{"update_id":912345679,"message":{"message_id":5,"from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},"chat":{"id":-1001234567890,"title":"Vasya's friends","type":"supergroup"},"date":1700000060,"text":"/start"}}"#,
    ),
    (
        "a callback query",
        r#"{"update_id":912345680,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},"message":{"message_id":18,"from":{"id":6000000001,"is_bot":true,"first_name":"Shop bot"},"chat":{"id":7123456789,"type":"private"},"date":1700000100,"text":"Pick a plan"},"chat_instance":"-7321234567890123456","data":"plan_pro"}}"#,
    ),
    (
        "/buy",
        r#"{"update_id":912345681,"message":{"message_id":19,"from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},"chat":{"id":7123456789,"type":"private"},"date":1700000200,"text":"/buy","entities":[{"offset":0,"length":4,"type":"bot_command"}]}}"#,
    ),
    (
        "the user blocks the bot",
        r#"{"update_id":912345682,"my_chat_member":{"chat":{"id":7123456789,"first_name":"Vasya","type":"private"},"from":{"id":7123456789,"is_bot":false,"first_name":"Vasya"},"date":1700000300,"old_chat_member":{"user":{"id":6000000001,"is_bot":true,"first_name":"Shop bot","username":"shop_bot"},"status":"member"},"new_chat_member":{"user":{"id":6000000001,"is_bot":true,"first_name":"Shop bot","username":"shop_bot"},"status":"kicked","until_date":0}}}"#,
    ),
];

/// The few fields of an update the bot's own logic reads.
#[derive(Deserialize)]
struct Update {
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    from: Option<User>,
    chat: Chat,
    text: Option<String>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
}

#[derive(Deserialize)]
struct Chat {
    #[serde(rename = "type")]
    kind: String,
}

/// The sender of a private `/buy` message, when the update is one.
fn buyer(update: &[u8]) -> Option<i64> {
    let message = serde_json::from_slice::<Update>(update).ok()?.message?;
    let is_buy =
        message.chat.kind == "private" && message.text?.split_whitespace().next() == Some("/buy");
    is_buy.then_some(message.from?.id)
}

/// `POST /telegram/webhook`: Telegram's update in, 200 out.
///
/// Analytics never fail the webhook: a non-2xx answer would make Telegram deliver the update
/// again. This handler awaits TGTrack so the example prints in order; a production bot may
/// spawn that work instead and answer Telegram at once.
async fn on_update(State(tgtrack): State<Client>, body: Bytes) -> StatusCode {
    // 1. Forward the raw bytes, only when TGTrack needs them (saves the daily quota).
    match tgtrack.forward_if_tracked(&body).await {
        Ok(Some(_)) => {
            let why = match is_tracked_update(&body) {
                Some(TrackedKind::Start { param: Some(p) }) => format!("/start {p}"),
                Some(TrackedKind::Start { param: None }) => "/start".to_owned(),
                Some(TrackedKind::Blocked) => "the user blocked the bot".to_owned(),
                Some(TrackedKind::Unblocked) => "the user unblocked the bot".to_owned(),
                None => "tracked".to_owned(),
            };
            println!("  forwarded verbatim to TGTrack ({why})");
        }
        Ok(None) => println!("  not needed by TGTrack: not sent"),
        Err(e) => println!("  TGTrack forward failed: {e}"),
    }

    // 2. The bot's own logic: a purchase in the private chat becomes a funnel event whose
    //    conversion target TGTrack passes on to the ad system the user came from.
    if let Some(user_id) = buyer(&body) {
        let reported = tgtrack
            .add_event(user_id, "purchase")
            .result(EventResult::Success)
            .amount(Decimal::new(99_000, 2))
            .conversion_target("purchase")
            .label("plan", "pro")
            .send()
            .await;
        match reported {
            Ok(_) => println!("  reported add_event(purchase, 990.00) for user {user_id}"),
            Err(e) => println!("  add_event failed: {e}"),
        }
    }
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    // The fake TGTrack, with a tracking link named like the one a marketer would create.
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(API_KEY, Mode::Production);
    fake.add_invite_link(
        API_KEY,
        "vk_ads",
        InviteLink {
            name: "VK Ads, autumn campaign".into(),
            utm_source: Some("vk".into()),
            utm_campaign: Some("autumn".into()),
            ..InviteLink::default()
        },
    );
    let server = MockServer::start(Arc::clone(&fake)).await?;
    // The client enforces TGTrack's limits (3/s, 500/h, 5,000/day) on its own.
    let tgtrack = Client::builder(API_KEY)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;

    let app = Router::new()
        .route("/telegram/webhook", post(on_update))
        .with_state(tgtrack.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook_url = format!("http://{}/telegram/webhook", listener.local_addr()?);
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    println!("bot webhook listening on {webhook_url}");

    // Play Telegram: post each update to the webhook.
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse()?);
    for (what, update) in UPDATES {
        println!("update: {what}");
        let answer = tg_mock::deliver::post(
            &webhook_url,
            &headers,
            Bytes::from_static(update.as_bytes()),
        )
        .await?;
        if answer.status != 200 {
            return Err(format!("the webhook answered {}", answer.status).into());
        }
    }

    let forwarded = fake.forwarded(API_KEY);
    println!("TGTrack received {} forwarded updates", forwarded.len());
    let info = tgtrack.get_user_info(USER).send().await?;
    if let Some(user) = &info.data {
        println!(
            "get_user_info({USER}): came from \"{}\" (utm_source {}), joined at {}, {}",
            user.invite_link,
            user.utm_source.as_deref().unwrap_or("none"),
            user.first_join_date,
            user.left_at()
                .map_or_else(|| "still subscribed".to_owned(), |t| format!("left at {t}")),
        );
    }

    if ci {
        // Only the /start and the block were forwarded, byte for byte.
        let expected = [UPDATES[0].1, UPDATES[4].1];
        let verbatim = forwarded.len() == expected.len()
            && forwarded
                .iter()
                .zip(expected)
                .all(|(f, sent)| f.body == sent.as_bytes());
        if !verbatim {
            return Err("TGTrack did not receive exactly the two tracked updates".into());
        }
        let events = fake.accepted_events(API_KEY);
        if events.len() != 1 || events[0].event_type != "purchase" {
            return Err(format!("expected one purchase event, got {}", events.len()).into());
        }
        let user = info.data.ok_or("get_user_info answered no data")?;
        if user.invite_link != "VK Ads, autumn campaign" || !user.has_left() {
            return Err(format!("unexpected user info: {user:?}").into());
        }
        return Ok(());
    }

    println!("serving until Ctrl-C; try:");
    println!(
        "  curl -H 'content-type: application/json' -d '{}' {webhook_url}",
        UPDATES[0].1
    );
    serving.await??;
    Ok(())
}
