//! teloxide bots, unchanged, forwarding to the fake TGTrack byte for byte: a `Dispatcher`
//! reading through the raw-preserving poller from the fake Telegram `getUpdates`, and
//! teloxide's own axum webhook behind the webhook layer (right, wrong and missing secret
//! tokens). Needs `--features teloxide`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::update_listeners::UpdateListener;
use tg_mock::MockServer;
use tg_mock::telegram::TelegramFake;
use tg_mock::tgtrack::{Mode as FakeMode, TgtrackFake};
use tgtrack_client::{Client, ForwardQueue, Poller};

const TOKEN: &str = "7123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const KEY: &str = "teloxide-key";

fn start_update(id: i64) -> String {
    format!(
        "{{\"update_id\":{id},\n \"message\":{{\"message_id\":17,\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Va\\u0073ya\",\"language_code\":\"ru\"}},\"chat\":{{\"id\":7123456789,\"first_name\":\"Vasya\",\"type\":\"private\"}},\"date\":1700000000,\"text\":\"/start ref-42\",\"entities\":[{{\"offset\":0,\"length\":6,\"type\":\"bot_command\"}}]}} }}"
    )
}

fn text_update(id: i64) -> String {
    format!(
        "{{\"update_id\":{id},\"message\":{{\"message_id\":18,\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Vasya\"}},\"chat\":{{\"id\":7123456789,\"first_name\":\"Vasya\",\"type\":\"private\"}},\"date\":1700000001,\"text\":\"hello\"}}}}"
    )
}

fn blocked_update(id: i64) -> String {
    format!(
        "{{\"update_id\":{id},\"my_chat_member\":{{\"chat\":{{\"id\":7123456789,\"first_name\":\"Vasya\",\"type\":\"private\"}},\"from\":{{\"id\":7123456789,\"is_bot\":false,\"first_name\":\"Vasya\"}},\"date\":1700000100,\"old_chat_member\":{{\"user\":{{\"id\":7123456,\"is_bot\":true,\"first_name\":\"Bot\",\"username\":\"my_bot\"}},\"status\":\"member\"}},\"new_chat_member\":{{\"user\":{{\"id\":7123456,\"is_bot\":true,\"first_name\":\"Bot\",\"username\":\"my_bot\"}},\"status\":\"kicked\",\"until_date\":0}}}}}}"
    )
}

#[tokio::test]
async fn a_dispatcher_runs_unchanged_while_tgtrack_gets_the_exact_bytes() {
    let telegram = TelegramFake::new();
    telegram.add_bot(TOKEN);
    let telegram_server = MockServer::start(Arc::new(telegram.clone())).await.unwrap();
    let tgtrack = Arc::new(TgtrackFake::new());
    tgtrack.add_key(KEY, FakeMode::Production);
    let tgtrack_server = MockServer::start(Arc::clone(&tgtrack)).await.unwrap();

    let pushed = [start_update(1), text_update(2), blocked_update(3)];
    for u in &pushed {
        telegram.push_update(TOKEN, u.clone()).unwrap();
    }

    let client = Client::builder(KEY)
        .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
        .build()
        .unwrap();
    let queue = ForwardQueue::start(client).unwrap();
    let base = telegram_server.base_url();
    let mut listener = Poller::builder(TOKEN)
        .core(|c| c.with_loopback_url(base.clone()))
        .timeout(Duration::from_secs(1))
        .forward_to(queue.clone())
        .build()
        .unwrap()
        .into_teloxide_listener();

    let bot = Bot::new(TOKEN).set_api_url(base.parse().unwrap());
    let seen: Arc<Mutex<Vec<Message>>> = Arc::default();
    let record = Arc::clone(&seen);
    // A bot that handles messages only: its hint asks for `message` alone.
    let handler = Update::filter_message().endpoint(move |message: Message| {
        let record = Arc::clone(&record);
        async move {
            record.lock().unwrap().push(message);
            Ok::<(), Infallible>(())
        }
    });
    // Stopped through the listener's own stop token: teloxide 0.17's `ShutdownToken` can miss a
    // request made while an update is being handled.
    let stop = listener.stop_token();
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let (watched_seen, watched_queue) = (Arc::clone(&seen), queue.clone());
    tokio::spawn(async move {
        // Both messages handled and both tracked updates (the start, the block) queued.
        loop {
            let handled = watched_seen.lock().unwrap().len();
            if handled >= 2 && watched_queue.stats().await.outbox.appended >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.stop();
    });
    tokio::time::timeout(
        Duration::from_secs(30),
        dispatcher.dispatch_with_listener(listener, LoggingErrorHandler::new()),
    )
    .await
    .expect("the dispatcher stops");

    let texts: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.text().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["/start ref-42", "hello"]);
    // What a bot would forward if it re-serialized teloxide's parsed update: not Telegram's
    // bytes, which TGTrack refuses.
    let parsed: Update = serde_json::from_str(&pushed[0]).unwrap();
    assert_ne!(serde_json::to_string(&parsed).unwrap(), pushed[0]);

    let stats = queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        (stats.outbox.delivered, stats.not_tracked),
        (2, 1),
        "{stats:?}"
    );
    let bodies: Vec<Vec<u8>> = tgtrack
        .forwarded(KEY)
        .into_iter()
        .map(|f| f.body.to_vec())
        .collect();
    assert_eq!(
        bodies,
        [pushed[0].as_bytes().to_vec(), pushed[2].as_bytes().to_vec()]
    );
    // The graceful stop confirmed everything handed on.
    assert!(
        telegram.pending(TOKEN).is_empty(),
        "{:?}",
        telegram.pending(TOKEN)
    );
    // The dispatcher's hint became allowed_updates, with what TGTrack needs added.
    let allowed = telegram.calls(TOKEN)[0].allowed_updates.clone().unwrap();
    assert!(
        allowed.iter().any(|k| k == "message") && allowed.iter().any(|k| k == "my_chat_member"),
        "{allowed:?}"
    );
}

/// Posts `body` to the bot's webhook with this secret-token header; returns the status.
async fn deliver(addr: std::net::SocketAddr, secret: Option<&str>, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let header = secret
        .map(|s| format!("x-telegram-bot-api-secret-token: {s}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /webhook HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{header}connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(body.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn teloxides_axum_webhook_behind_the_layer_forwards_only_with_the_right_secret() {
    use teloxide::update_listeners::webhooks;
    use tgtrack_client::webhook::TelegramWebhookLayer;

    const SECRET: &str = "teloxide-webhook-secret";
    let telegram = TelegramFake::new();
    telegram.add_bot(TOKEN);
    let telegram_server = MockServer::start(Arc::new(telegram.clone())).await.unwrap();
    let tgtrack = Arc::new(TgtrackFake::new());
    tgtrack.add_key("teloxide-webhook-key", FakeMode::Production);
    let tgtrack_server = MockServer::start(Arc::clone(&tgtrack)).await.unwrap();
    let client = Client::builder("teloxide-webhook-key")
        .core(|c| c.with_loopback_url(tgtrack_server.base_url()))
        .build()
        .unwrap();
    let queue = ForwardQueue::start(client).unwrap();

    let listener_socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener_socket.local_addr().unwrap();
    let options = webhooks::Options::new(addr, format!("http://{addr}/webhook").parse().unwrap())
        .secret_token(SECRET.to_owned());
    let (mut listener, stop_flag, router) = webhooks::axum_no_setup(options);
    let app = router.layer(TelegramWebhookLayer::new(SECRET, queue.clone()).unwrap());
    tokio::spawn(async move {
        axum::serve(listener_socket, app)
            .with_graceful_shutdown(stop_flag)
            .await
    });

    let bot = Bot::new(TOKEN).set_api_url(telegram_server.base_url().parse().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = Arc::clone(&seen);
    let handler = Update::filter_message().endpoint(move |message: Message| {
        let record = Arc::clone(&record);
        async move {
            record
                .lock()
                .unwrap()
                .push(message.text().unwrap_or_default().to_owned());
            Ok::<(), Infallible>(())
        }
    });
    let stop = listener.stop_token();
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let dispatching = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(listener, LoggingErrorHandler::new())
            .await
    });

    let spoofed = start_update(1);
    for secret in [None, Some("teloxide-webhook-secreT"), Some("x")] {
        assert_eq!(deliver(addr, secret, &spoofed).await, 401, "{secret:?}");
    }
    let update = start_update(2);
    assert_eq!(deliver(addr, Some(SECRET), &update).await, 200);
    assert_eq!(deliver(addr, Some(SECRET), &text_update(3)).await, 200);

    tokio::time::timeout(Duration::from_secs(10), async {
        while seen.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the dispatcher handles both messages");
    assert_eq!(*seen.lock().unwrap(), ["/start ref-42", "hello"]);
    let stats = queue.close(Duration::from_secs(10)).await;
    assert_eq!(
        (stats.outbox.delivered, stats.not_tracked),
        (1, 1),
        "{stats:?}"
    );
    let bodies: Vec<Vec<u8>> = tgtrack
        .forwarded("teloxide-webhook-key")
        .into_iter()
        .map(|f| f.body.to_vec())
        .collect();
    assert_eq!(
        bodies,
        [update.as_bytes().to_vec()],
        "the spoofed update never reached TGTrack"
    );

    // Stopped through the listener's stop token, as in the polling test.
    stop.stop();
    tokio::time::timeout(Duration::from_secs(10), dispatching)
        .await
        .unwrap()
        .unwrap();
}
