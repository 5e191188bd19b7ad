//! A teloxide bot in long-polling mode that feeds TGTrack: its `Dispatcher` runs unchanged on
//! tgtrack-client's raw-preserving `Poller` (as a teloxide `UpdateListener`), which hands every
//! update to the bot and forwards the ones TGTrack needs (a private `/start`, a block, an
//! unblock) byte for byte, as Telegram sent them, through a background `ForwardQueue`.
//!
//! ```sh
//! cargo run -p examples --features teloxide --example teloxide_polling
//! ```
//!
//! The example starts tg-mock's fake Telegram (`getUpdates`, `getMe`) and fake TGTrack
//! in-process, queues three updates (a deep-link `/start`, a plain message, a block), and runs
//! the bot against them; Ctrl-C stops it gracefully (the poller confirms what the bot got, the
//! queue delivers what is pending). With `TG_EXAMPLE_CI=1` it stops once the bot has handled
//! both messages, and checks what reached TGTrack.

use std::convert::Infallible;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use examples::updates::{self, BOT_TOKEN};
use teloxide::prelude::*;
use teloxide::update_listeners::UpdateListener;
use tg_mock::MockServer;
use tg_mock::telegram::TelegramFake;
use tg_mock::tgtrack::{Mode, TgtrackFake};
use tgtrack_client::{Client, ForwardQueue, Poller};
use tokio::sync::mpsc;

const API_KEY: &str = "example-tgtrack-key";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    // The fake Telegram, with three updates waiting for the bot, and the fake TGTrack.
    let telegram = TelegramFake::new();
    telegram.add_bot(BOT_TOKEN);
    let pushed = [updates::start(1), updates::text(2), updates::blocked(3)];
    for update in &pushed {
        telegram.push_update(BOT_TOKEN, update.clone())?;
    }
    let telegram_server = MockServer::start(Arc::new(telegram.clone())).await?;
    let tgtrack = Arc::new(TgtrackFake::new());
    tgtrack.add_key(API_KEY, Mode::Production);
    let tgtrack_server = MockServer::start(Arc::clone(&tgtrack)).await?;

    // TGTrack's client and the queue that forwards in the background, so the bot never waits.
    let client = Client::builder(API_KEY)
        .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
        .build()?;
    let queue = ForwardQueue::start(client)?;

    // The poller reads getUpdates (the token is a secret: never in logs or errors) and becomes
    // the dispatcher's update listener.
    let telegram_url = telegram_server.base_url();
    let mut listener = Poller::builder(BOT_TOKEN)
        .core(|c| c.with_loopback_url(telegram_url.clone()))
        .timeout(Duration::from_secs(10))
        .forward_to(queue.clone())
        .build()?
        .into_teloxide_listener();

    // The bot: an ordinary teloxide bot handling messages.
    let bot = Bot::new(BOT_TOKEN).set_api_url(telegram_url.parse()?);
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
    println!("bot polling {telegram_url} (fake Telegram)");

    // Both messages handled: the example is done (or, interactively, runs until Ctrl-C).
    let mut texts = Vec::new();
    while texts.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(30), handled_rx.recv()).await {
            Ok(Some(text)) => texts.push(text),
            _ => return Err("the bot did not handle both messages within 30 s".into()),
        }
    }
    // And the block handed on too (the bot has no handler for it, TGTrack needs it): a stop
    // before that would leave it to Telegram to resend, unconfirmed and not yet forwarded.
    let handed_on = async {
        while {
            let stats = queue.stats().await;
            stats.outbox.appended + stats.not_tracked
        } < 3
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), handed_on)
        .await
        .map_err(|_| "the poller did not hand on all three updates within 30 s")?;
    if !ci {
        println!("Ctrl-C stops the bot");
        tokio::signal::ctrl_c().await?;
    }
    // A graceful stop: the poller confirms what the bot got, so Telegram does not resend it.
    stop.stop();
    tokio::time::timeout(Duration::from_secs(30), dispatching).await??;
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
        // The `/start` and the block, exactly as Telegram sent them.
        let bodies: Vec<&[u8]> = forwarded.iter().map(|f| f.body.as_ref()).collect();
        if bodies != [pushed[0].as_bytes(), pushed[2].as_bytes()] {
            return Err("TGTrack did not get the /start and the block byte for byte".into());
        }
        if !telegram.pending(BOT_TOKEN).is_empty() {
            return Err("the stop did not confirm every update the bot got".into());
        }
        println!("TGTrack got the /start and the block byte for byte; all updates confirmed");
    }
    Ok(())
}
