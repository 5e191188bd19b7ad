//! A Mini App backend on axum that never trusts the browser's idea of who the user is: each
//! request carries Telegram's initData (`Authorization: tma <initData>`), the `TmaInitData`
//! extractor validates it with the bot token, and the events tracked through the batching
//! `Tracker` take their user (id, premium, language, start parameter) from the validated data.
//!
//! ```sh
//! cargo run -p examples --example mini_app_init_data
//! ```
//!
//! The example starts the fake TGA of `tg-mock` in-process and serves the backend on 127.0.0.1
//! (`POST /api/open`, `POST /api/purchase`). Telegram signs initData with the bot's token; the
//! example plays Telegram with a test token, so it prints a `curl` with initData it signed
//! itself. It serves until Ctrl-C, then flushes the tracker. With `TG_EXAMPLE_CI=1` it sends a
//! valid, a forged (another user id) and an expired initData, checks that only the valid one is
//! tracked, under the signed user, and exits.

use std::error::Error;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tg_mock::MockServer;
use tg_mock::tga::TgaFake;
use tga_client::init_data::{InitDataValidator, TmaInitData};
use tga_client::{Client, Event, EventName, Tracker, TrackerConfig, Uuid};

/// A test bot token: in production, the token of the bot that opens the Mini App (kept secret
/// on the backend, never sent to the browser).
const BOT_TOKEN: &str = "7000000001:AAH-example_bot_token";
/// The user Telegram vouches for in the CI run.
const USER_ID: i64 = 279_058_397;

/// What the handlers share; the extractor reads the validator through `FromRef`.
#[derive(Clone)]
struct Backend {
    validator: InitDataValidator,
    client: Client,
    tracker: Tracker,
}

impl FromRef<Backend> for InitDataValidator {
    fn from_ref(backend: &Backend) -> Self {
        backend.validator.clone()
    }
}

impl Backend {
    /// Queues `name` for the user of `init`. Analytics never fail the user's request: a
    /// refused event is logged.
    async fn track(&self, init: &tga_client::init_data::InitData, name: EventName) -> StatusCode {
        let event = match Event::from_init_data(init, name, Uuid::new_v4(), self.client.app_name())
        {
            Ok(event) => event.with_client_timestamp_now(),
            // Valid initData without a user (opened from an attachment menu of a group, say).
            Err(e) => {
                println!("backend: nothing to track: {e}");
                return StatusCode::NO_CONTENT;
            }
        };
        if let Err(e) = self.tracker.track(&event).await {
            println!("backend: event not tracked: {e}");
        }
        StatusCode::NO_CONTENT
    }
}

/// `POST /api/open`: the Mini App was opened. Runs only with valid, fresh initData.
async fn open(State(backend): State<Backend>, TmaInitData(init): TmaInitData) -> StatusCode {
    let user = init.user.as_ref().map_or(0, |u| u.id);
    println!("backend: user {user} opened the Mini App");
    backend.track(&init, EventName::AppInit).await
}

/// `POST /api/purchase`: the user bought something (the payment itself is not shown).
async fn purchase(State(backend): State<Backend>, TmaInitData(init): TmaInitData) -> StatusCode {
    backend.track(&init, EventName::PurchaseSuccess).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    let fake = std::sync::Arc::new(TgaFake::new());
    let token = fake.issue_token("shop_app", "shop.example.com");
    let server = MockServer::start(std::sync::Arc::clone(&fake)).await?;
    let client = Client::builder(token)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;
    let tracker = client.tracker(TrackerConfig::default())?;
    // initData older than an hour is refused (the default is 24 h).
    let validator = InitDataValidator::bot_token(BOT_TOKEN)?.max_age(Duration::from_secs(3600));
    let backend = Backend {
        validator,
        client,
        tracker: tracker.clone(),
    };
    let app = Router::new()
        .route("/api/open", post(open))
        .route("/api/purchase", post(purchase))
        .with_state(backend);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = stopped => {}
                }
            })
            .await
    });
    println!("backend listening on {base}");

    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let valid = sign(&user_fields(USER_ID, now - 5))?;
    if ci {
        let forged = valid.replace(&USER_ID.to_string(), "1000001");
        let expired = sign(&user_fields(USER_ID, now - 2 * 3600))?;
        let cases = [
            ("valid", "/api/open", valid.as_str(), 204),
            ("valid", "/api/purchase", valid.as_str(), 204),
            ("forged", "/api/open", forged.as_str(), 401),
            ("expired", "/api/purchase", expired.as_str(), 401),
        ];
        for (what, path, init_data, expected) in cases {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", format!("tma {init_data}").parse()?);
            let answer =
                tg_mock::deliver::post(&format!("{base}{path}"), &headers, Default::default())
                    .await?;
            let reason = String::from_utf8_lossy(&answer.body).into_owned();
            if reason.is_empty() {
                println!("{what} initData on {path}: answered {}", answer.status);
            } else {
                println!(
                    "{what} initData on {path}: answered {} ({reason})",
                    answer.status
                );
            }
            if answer.status != expected {
                return Err(
                    format!("{what} initData got {}, not {expected}", answer.status).into(),
                );
            }
        }
        let _ = stop.send(());
    } else {
        println!("try (initData signed for user {USER_ID}, valid for an hour):");
        println!("  curl -X POST -H 'Authorization: tma {valid}' {base}/api/open");
        println!("Ctrl-C stops the backend and flushes the tracker");
    }
    serving.await??;

    // Graceful shutdown: deliver what is queued within 10 s.
    if let Err(e) = tracker.shutdown(Duration::from_secs(10)).await {
        println!("tracker: {e}");
    }
    let stats = tracker.stats();
    println!(
        "tracker: {} queued, {} sent, {} dropped",
        stats.queued, stats.sent, stats.dropped
    );
    let events = fake.accepted_events();
    for e in &events {
        let text = |field: &str| e[field].as_str().unwrap_or("none").to_owned();
        println!(
            "the fake TGA recorded {} for user {} (premium {}, locale {}, start_param {})",
            text("event_name"),
            e["user_id"],
            e["is_premium"],
            text("locale"),
            text("start_param")
        );
    }

    if ci {
        let users: Vec<i64> = events
            .iter()
            .filter_map(|e| e["user_id"].as_i64())
            .collect();
        if users != [USER_ID, USER_ID] {
            return Err(format!("expected two events of user {USER_ID}, got {users:?}").into());
        }
        if events.iter().any(|e| e["locale"] != "de") {
            return Err("an event did not take the signed language".into());
        }
    }
    Ok(())
}

/// The fields Telegram would put in initData for `user_id`, opened at `auth_date`.
fn user_fields(user_id: i64, auth_date: u64) -> Vec<(String, String)> {
    vec![
        ("auth_date".to_owned(), auth_date.to_string()),
        ("chat_type".to_owned(), "private".to_owned()),
        ("start_param".to_owned(), "spring_promo".to_owned()),
        (
            "user".to_owned(),
            format!(
                r#"{{"id":{user_id},"first_name":"Ann","language_code":"de","is_premium":true}}"#
            ),
        ),
    ]
}

/// Signs `fields` as Telegram does (core.telegram.org/bots/webapps, "Validating data received
/// via the Mini App"): the data-check string is the fields sorted by key as `key=value` lines;
/// the secret key is HMAC-SHA256 of the bot token keyed with `WebAppData`; `hash` is the hex
/// HMAC-SHA256 of the data-check string with that key. Returns the URL-encoded initData.
fn sign(fields: &[(String, String)]) -> Result<String, Box<dyn Error>> {
    let mut sorted = fields.to_vec();
    sorted.sort();
    let check: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut secret = Hmac::<Sha256>::new_from_slice(b"WebAppData")?;
    secret.update(BOT_TOKEN.as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret.finalize().into_bytes())?;
    mac.update(check.join("\n").as_bytes());
    let hash = hex::encode(mac.finalize().into_bytes());
    let mut pairs: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.push(format!("hash={hash}"));
    Ok(pairs.join("&"))
}

/// Percent-encodes `text` for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
