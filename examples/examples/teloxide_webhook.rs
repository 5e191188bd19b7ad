//! A teloxide bot in webhook mode that feeds TGTrack: teloxide's own axum webhook router, with
//! tgtrack-client's `TelegramWebhookLayer` in front of it. The layer checks Telegram's
//! `X-Telegram-Bot-Api-Secret-Token` (in constant time) before anything is forwarded, passes the
//! exact body on to teloxide, and, once the bot has answered 2xx, forwards the updates TGTrack
//! needs byte for byte through a background `ForwardQueue` (the answer to Telegram never waits
//! for TGTrack).
//!
//! ```sh
//! cargo run -p examples --features teloxide --example teloxide_webhook
//! ```
//!
//! The example starts tg-mock's fake Telegram (for the bot's `getMe`) and fake TGTrack
//! in-process, serves the bot's webhook on 127.0.0.1, and posts updates to it as Telegram
//! would: a deep-link `/start` and a plain message with the right secret token, and a spoofed
//! `/start` without it and with a wrong one. It then serves until Ctrl-C. With
//! `TG_EXAMPLE_CI=1` it checks that only the genuine `/start` reached TGTrack, and exits.

use std::convert::Infallible;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use examples::updates::{self, BOT_TOKEN};
use teloxide::prelude::*;
use teloxide::update_listeners::UpdateListener;
use teloxide::update_listeners::webhooks;
use tg_mock::MockServer;
use tg_mock::telegram::TelegramFake;
use tg_mock::tgtrack::{Mode, TgtrackFake};
use tgtrack_client::webhook::TelegramWebhookLayer;
use tgtrack_client::{Client, ForwardQueue};
use tokio::sync::mpsc;

const API_KEY: &str = "example-tgtrack-key";
/// The secret token given to Telegram with `setWebhook`; Telegram sends it with every update.
const SECRET_TOKEN: &str = "example-webhook-secret-token";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    let telegram = TelegramFake::new();
    telegram.add_bot(BOT_TOKEN);
    let telegram_server = MockServer::start(Arc::new(telegram)).await?;
    let tgtrack = Arc::new(TgtrackFake::new());
    tgtrack.add_key(API_KEY, Mode::Production);
    let tgtrack_server = MockServer::start(Arc::clone(&tgtrack)).await?;
    let client = Client::builder(API_KEY)
        .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
        .build()?;
    let queue = ForwardQueue::start(client)?;

    // teloxide's webhook router (no setWebhook call: the fake has no webhooks), behind the layer.
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = socket.local_addr()?;
    let hook_url = format!("http://{addr}/webhook");
    let options =
        webhooks::Options::new(addr, hook_url.parse()?).secret_token(SECRET_TOKEN.to_owned());
    let (mut listener, stop_flag, router) = webhooks::axum_no_setup(options);
    let app = router.layer(TelegramWebhookLayer::new(SECRET_TOKEN, queue.clone())?);
    let serving = tokio::spawn(async move {
        axum::serve(socket, app)
            .with_graceful_shutdown(stop_flag)
            .await
    });

    let bot = Bot::new(BOT_TOKEN).set_api_url(telegram_server.base_url().parse()?);
    let (handled, mut handled_rx) = mpsc::unbounded_channel::<String>();
    let handler = Update::filter_message().endpoint(move |message: Message| {
        let handled = handled.clone();
        async move {
            let text = message.text().unwrap_or_default().to_owned();
            println!("bot: got \"{text}\" from chat {}", message.chat.id);
            let _ = handled.send(text);
            Ok::<(), Infallible>(())
        }
    });
    // The bot stops when its listener does: the listener's stop token ends the update stream
    // gracefully, and the dispatcher finishes what it is handling. (teloxide 0.17's
    // `ShutdownToken` can miss a request made while an update is being handled, and then waits
    // for the next update.)
    let stop = listener.stop_token();
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let dispatching = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(listener, LoggingErrorHandler::new())
            .await;
    });
    println!("bot webhook listening on {hook_url}");

    // What Telegram (and an attacker) would post.
    let genuine = updates::start(912_345_678);
    let spoofed = updates::start(912_345_679);
    let posts = [
        (
            "spoofed /start without the secret token",
            None,
            &spoofed,
            401,
        ),
        (
            "spoofed /start with a wrong secret token",
            Some("guessed"),
            &spoofed,
            401,
        ),
        ("/start from Telegram", Some(SECRET_TOKEN), &genuine, 200),
        (
            "a message from Telegram",
            Some(SECRET_TOKEN),
            &updates::text(912_345_680),
            200,
        ),
    ];
    for (what, secret, body, expected) in posts {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse()?);
        if let Some(secret) = secret {
            headers.insert("x-telegram-bot-api-secret-token", secret.parse()?);
        }
        let answer = tg_mock::deliver::post(&hook_url, &headers, body.clone().into()).await?;
        println!("{what}: answered {}", answer.status);
        if ci && answer.status != expected {
            return Err(format!("{what} got {}, not {expected}", answer.status).into());
        }
    }

    let mut texts = Vec::new();
    while texts.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(30), handled_rx.recv()).await {
            Ok(Some(text)) => texts.push(text),
            _ => return Err("the bot did not handle both messages within 30 s".into()),
        }
    }
    if !ci {
        println!("Ctrl-C stops the bot");
        tokio::signal::ctrl_c().await?;
    }
    stop.stop();
    tokio::time::timeout(Duration::from_secs(30), dispatching).await??;
    serving.await??;
    let stats = queue.close(Duration::from_secs(10)).await;
    println!(
        "forward queue: {} forwarded, {} not needed by TGTrack, {} refused, {} not stored",
        stats.outbox.delivered, stats.not_tracked, stats.outbox.rejected, stats.outbox.not_stored
    );
    let forwarded = tgtrack.forwarded(API_KEY);
    println!("updates received by the fake TGTrack: {}", forwarded.len());

    if ci {
        if texts != ["/start vk_ads", "hello"] {
            return Err(format!("the bot handled {texts:?}").into());
        }
        let bodies: Vec<&[u8]> = forwarded.iter().map(|f| f.body.as_ref()).collect();
        if bodies != [genuine.as_bytes()] {
            return Err("TGTrack did not get exactly the genuine /start, byte for byte".into());
        }
        println!("TGTrack got the genuine /start byte for byte, and no spoofed update");
    }
    Ok(())
}
