//! Mini App initData over loopback: an axum backend takes `Authorization: tma <initData>` through
//! tga-client's extractor and tracks an event whose user comes from the validated data, sent to
//! the fake TGA. Valid, forged, expired and missing data, with the bot token and with a
//! third-party Ed25519 key; the strings are signed here with `hmac`/`sha2` and `ring`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use base64::Engine;
use hmac::{Hmac, Mac};
use ring::signature::{Ed25519KeyPair, KeyPair};
use sha2::Sha256;
use tga_client::init_data::{InitDataValidator, TelegramPublicKey, TmaInitData};
use tga_client::{Client, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "7000000001:AAH-test_bot_SECRETVALUE";
const BOT_ID: u64 = 7000000001;
const NOW: u64 = 1_800_000_000;
const USER_ID: i64 = 279058397;

#[derive(Clone)]
struct App {
    validator: InitDataValidator,
    client: Client,
}

impl FromRef<App> for InitDataValidator {
    fn from_ref(app: &App) -> Self {
        app.validator.clone()
    }
}

/// Tracks `app-init` for the user of the validated initData; answers the user id.
async fn track(
    State(app): State<App>,
    TmaInitData(init): TmaInitData,
) -> Result<String, (StatusCode, String)> {
    let event = Event::from_init_data(&init, "app-init", uuid_v4(), app.client.app_name())
        .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    app.client
        .send_events(&[event])
        .await
        .map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()))?;
    Ok(init.user_id().unwrap_or_default().to_string())
}

fn uuid_v4() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

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

fn fields(auth_date: u64) -> Vec<(String, String)> {
    vec![
        (
            "user".into(),
            format!(
                r#"{{"id":{USER_ID},"first_name":"Ann","language_code":"de","is_premium":true}}"#
            ),
        ),
        ("auth_date".into(), auth_date.to_string()),
        ("chat_type".into(), "private".into()),
        ("start_param".into(), "promo".into()),
    ]
}

fn check_string(fields: &[(String, String)]) -> String {
    let mut sorted = fields.to_vec();
    sorted.sort();
    let lines: Vec<_> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    lines.join("\n")
}

fn query(fields: &[(String, String)]) -> String {
    let pairs: Vec<_> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.join("&")
}

/// Signs with the bot token as Telegram documents.
fn sign_hash(mut fields: Vec<(String, String)>, token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"WebAppData").unwrap();
    mac.update(token.as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(&mac.finalize().into_bytes()).unwrap();
    mac.update(check_string(&fields).as_bytes());
    let hash = mac.finalize().into_bytes();
    fields.push((
        "hash".into(),
        hash.iter().map(|b| format!("{b:02x}")).collect(),
    ));
    query(&fields)
}

/// Signs for third parties as Telegram documents.
fn sign_ed25519(mut fields: Vec<(String, String)>, bot_id: u64, key: &Ed25519KeyPair) -> String {
    let message = format!("{bot_id}:WebAppData\n{}", check_string(&fields));
    let signature = key.sign(message.as_bytes());
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.as_ref());
    fields.push(("signature".into(), signature));
    query(&fields)
}

struct Backend {
    addr: std::net::SocketAddr,
    fake: std::sync::Arc<tg_mock::tga::TgaFake>,
    _tga: tg_mock::MockServer,
}

async fn backend(validator: InitDataValidator) -> Backend {
    let fake = std::sync::Arc::new(tg_mock::tga::TgaFake::new());
    let token = fake.issue_token("mini_app", "mini-app.example.com");
    let tga = tg_mock::MockServer::start(fake.clone()).await.unwrap();
    let client = Client::builder(token)
        .core(|c| c.with_loopback_url(tga.base_url()))
        .build()
        .unwrap();
    let app = App {
        validator: validator.with_clock(|| at(NOW)),
        client,
    };
    let router = Router::new().route("/track", post(track)).with_state(app);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Backend {
        addr,
        fake,
        _tga: tga,
    }
}

/// Posts to `/track` with `authorization` (if any); the status, headers and body.
async fn post_track(addr: std::net::SocketAddr, authorization: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let header = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /track HTTP/1.1\r\nHost: {addr}\r\n{header}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    (status, response)
}

fn body(response: &str) -> &str {
    response.split("\r\n\r\n").nth(1).unwrap_or_default()
}

#[tokio::test]
async fn a_valid_init_data_tracks_the_signed_user_and_forged_or_expired_data_is_401() {
    let backend = backend(InitDataValidator::bot_token(TOKEN).unwrap()).await;
    let addr = backend.addr;

    let valid = sign_hash(fields(NOW - 60), TOKEN);
    let (status, response) = post_track(addr, Some(&format!("tma {valid}"))).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(body(&response), USER_ID.to_string());
    let events = backend.fake.accepted_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["user_id"], USER_ID);
    assert_eq!(events[0]["is_premium"], true);
    assert_eq!(events[0]["locale"], "de");
    assert_eq!(events[0]["start_param"], "promo");
    assert_eq!(events[0]["app_name"], "mini_app");

    let forged_user = valid.replace(&USER_ID.to_string(), "1");
    let other_bot = sign_hash(fields(NOW), "7000000002:AAH-other_bot");
    let expired = sign_hash(fields(NOW - 2 * 86_400), TOKEN);
    let unsigned = query(&fields(NOW));
    let cases = [
        (Some(format!("tma {forged_user}")), "hash"),
        (Some(format!("tma {other_bot}")), "hash"),
        (Some(format!("tma {expired}")), "expired"),
        (Some(format!("tma {unsigned}")), "no `hash`"),
        (Some(format!("Bearer {valid}")), "tma <initData>"),
        (Some("tma ".to_owned()), "empty"),
        (None, "Authorization"),
    ];
    for (authorization, reason) in cases {
        let (status, response) = post_track(addr, authorization.as_deref()).await;
        assert_eq!(status, 401, "{authorization:?}: {response}");
        assert!(
            response
                .to_ascii_lowercase()
                .contains("www-authenticate: tma"),
            "{response}"
        );
        assert!(body(&response).contains(reason), "{reason}: {response}");
        assert!(!response.contains("SECRETVALUE"), "{response}");
    }
    assert_eq!(
        backend.fake.accepted_count(),
        1,
        "nothing refused was tracked"
    );
}

#[tokio::test]
async fn a_third_party_backend_checks_the_signature_with_the_injected_key() {
    let key = Ed25519KeyPair::from_seed_unchecked(&[9; 32]).unwrap();
    let public = TelegramPublicKey::from_bytes(key.public_key().as_ref().try_into().unwrap());
    let backend = backend(InitDataValidator::third_party(BOT_ID, public)).await;

    let valid = sign_ed25519(fields(NOW), BOT_ID, &key);
    let (status, response) = post_track(backend.addr, Some(&format!("tma {valid}"))).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(backend.fake.accepted_events()[0]["user_id"], USER_ID);

    let other_key = Ed25519KeyPair::from_seed_unchecked(&[10; 32]).unwrap();
    for forged in [
        sign_ed25519(fields(NOW), BOT_ID, &other_key),
        sign_ed25519(fields(NOW), BOT_ID + 1, &key),
        valid.replace("promo", "admin"),
        sign_hash(fields(NOW), TOKEN),
    ] {
        let (status, response) = post_track(backend.addr, Some(&format!("tma {forged}"))).await;
        assert_eq!(status, 401, "{response}");
        assert!(body(&response).contains("signature"), "{response}");
    }
    assert_eq!(backend.fake.accepted_count(), 1);
}

/// tg-mock's signer (`tg_mock::init_data::sign`, also `tg-mock sign-init-data`) makes initData
/// the validator accepts: the backend tracks the user it signed; the same fields signed for
/// another bot, or the signed data altered, are refused.
#[tokio::test]
async fn init_data_signed_by_tg_mock_is_accepted_by_the_validator() {
    let backend = backend(InitDataValidator::bot_token(TOKEN).unwrap()).await;
    let owned = fields(NOW - 60);
    let pairs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signed = tg_mock::init_data::sign(TOKEN, &pairs);

    let (status, response) = post_track(backend.addr, Some(&format!("tma {signed}"))).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(body(&response), USER_ID.to_string());
    assert_eq!(backend.fake.accepted_events()[0]["start_param"], "promo");

    let validator = InitDataValidator::bot_token(TOKEN).unwrap();
    let parsed = validator.validate_at(&signed, at(NOW)).unwrap();
    assert_eq!(parsed.user_id(), Some(USER_ID));
    let other_bot = tg_mock::init_data::sign("7000000002:AAH-other_bot", &pairs);
    assert!(validator.validate_at(&other_bot, at(NOW)).is_err());
    let altered = signed.replace("promo", "admin");
    assert!(validator.validate_at(&altered, at(NOW)).is_err());
    assert_eq!(backend.fake.accepted_count(), 1);
}

/// A valid initData re-split so that `chat_type`'s value carries the `start_param` and `user`
/// lines (`%0A`): the data-check-string, and so the hash, are unchanged, but the user would be
/// hidden. Refused with the field named, as is every signed value or key holding a control
/// character.
#[tokio::test]
async fn a_value_holding_a_control_character_is_refused_though_signed() {
    let backend = backend(InitDataValidator::bot_token(TOKEN).unwrap()).await;
    let signed = fields(NOW);
    let valid = sign_hash(signed.clone(), TOKEN);
    let hash = valid.rsplit_once("&hash=").unwrap().1.to_owned();
    let value = |key: &str| signed.iter().find(|(k, _)| k == key).unwrap().1.clone();
    let swallowed = format!(
        "{}\nstart_param={}\nuser={}",
        value("chat_type"),
        value("start_param"),
        value("user")
    );
    let resplit = vec![
        ("auth_date".to_owned(), value("auth_date")),
        ("chat_type".to_owned(), swallowed),
    ];
    assert_eq!(
        check_string(&resplit),
        check_string(&signed),
        "same signature"
    );
    let mut resplit = query(&resplit);
    resplit.push_str(&format!("&hash={hash}"));

    let mut cases = vec![(resplit, "`chat_type`", "U+000A".to_owned())];
    for c in ['\r', '\t', '\0', '\u{1f}', '\u{7f}'] {
        let mut fields = fields(NOW);
        fields[3].1 = format!("promo{c}x");
        let code = format!("U+{:04X}", u32::from(c));
        cases.push((sign_hash(fields, TOKEN), "`start_param`", code));
    }
    let mut odd_key = fields(NOW);
    odd_key.push(("x\u{1}".into(), "1".into()));
    cases.push((sign_hash(odd_key, TOKEN), "`initData`", "U+0001".to_owned()));
    for (raw, field, code) in cases {
        let (status, response) = post_track(backend.addr, Some(&format!("tma {raw}"))).await;
        assert_eq!(status, 401, "{raw}: {response}");
        let said = body(&response);
        assert!(
            said.contains(field) && said.contains(&code),
            "{raw}: {said}"
        );
    }
    assert_eq!(
        backend.fake.accepted_count(),
        0,
        "nothing refused was tracked"
    );
    // The same fields without a control character are tracked.
    let (status, response) = post_track(backend.addr, Some(&format!("tma {valid}"))).await;
    assert_eq!(status, 200, "{response}");
}
