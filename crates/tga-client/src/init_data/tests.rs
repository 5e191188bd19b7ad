//! Vectors: the published one of `Telegram-Mini-Apps/init-data-golang` (signed by Telegram), and
//! strings signed here with the `hmac`/`sha2` crates (an implementation independent of ours) and
//! with Ed25519 keys generated here.

use std::time::{Duration, SystemTime};

use ::hmac::{Hmac, Mac};
use ring::signature::{Ed25519KeyPair, KeyPair};
use sha2::Sha256;

use super::*;

/// From `Telegram-Mini-Apps/init-data-golang` (README and `validate_test.go`): a public test
/// vector whose `hash` is made with the bot token below and whose `signature` is Telegram's.
const PUBLISHED: &str = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73";
const PUBLISHED_TOKEN: &str = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4";
const PUBLISHED_BOT_ID: u64 = 7342037359;

const TOKEN: &str = "123456789:TEST-token_SECRETVALUE";
const NOW: u64 = 1_800_000_000;

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn query(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn check_string(fields: &[(&str, String)], excluded: &[&str]) -> String {
    let mut sorted: Vec<_> = fields
        .iter()
        .filter(|(k, _)| !excluded.contains(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    sorted.sort_by(|a, b| {
        let key = |s: &str| s.split('=').next().unwrap_or_default().to_owned();
        key(a).cmp(&key(b))
    });
    sorted.join("\n")
}

/// Signs `fields` the way Telegram documents, with the `hmac` crate.
fn sign_hash(fields: &[(&str, String)], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"WebAppData").unwrap();
    mac.update(token.as_bytes());
    let secret = mac.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
    mac.update(check_string(fields, &["hash"]).as_bytes());
    let tag = mac.finalize().into_bytes();
    let hash: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let mut all = fields.to_vec();
    all.push(("hash", hash));
    query(&all)
}

fn fields(auth_date: u64) -> Vec<(&'static str, String)> {
    vec![
        ("query_id", "AAHdF6IQAAAAAN0XohDhrOrc".into()),
        (
            "user",
            r#"{"id":279058397,"first_name":"Ann & Bob = ?","language_code":"de","is_premium":true,"new_field":1}"#
                .into(),
        ),
        ("auth_date", auth_date.to_string()),
        ("start_param", "promo 1+1".into()),
        ("chat_type", "supergroup".into()),
        ("chat_instance", "-8134722200314281151".into()),
        (
            "chat",
            r#"{"id":-100123,"type":"supergroup","title":"Chat"}"#.into(),
        ),
        ("future_field", "kept".into()),
    ]
}

fn validator() -> InitDataValidator {
    InitDataValidator::bot_token(TOKEN).unwrap()
}

#[test]
fn the_published_vector_passes_both_checks_with_telegrams_production_key() {
    let now = at(1733509682 + 20);
    let init = InitDataValidator::bot_token(PUBLISHED_TOKEN)
        .unwrap()
        .validate_at(PUBLISHED, now)
        .unwrap();
    let user = init.user.as_ref().unwrap();
    assert_eq!(user.id, 279058397);
    assert_eq!(user.first_name, "Vladislav + - ? /");
    assert_eq!(user.is_premium, Some(true));
    assert_eq!(user.language_code.as_deref(), Some("ru"));
    assert_eq!(init.chat_type, Some(ChatType::Private));
    assert_eq!(init.chat_instance.as_deref(), Some("8134722200314281151"));

    let third = InitDataValidator::third_party(PUBLISHED_BOT_ID, TelegramPublicKey::PRODUCTION);
    assert_eq!(third.validate_at(PUBLISHED, now).unwrap(), init);
    for refused in [
        InitDataValidator::third_party(PUBLISHED_BOT_ID, TelegramPublicKey::TEST),
        InitDataValidator::third_party(PUBLISHED_BOT_ID + 1, TelegramPublicKey::PRODUCTION),
    ] {
        assert_eq!(
            refused.validate_at(PUBLISHED, now),
            Err(InitDataError::BadSignature)
        );
    }
    let forged = PUBLISHED.replace("chat_type=private", "chat_type=sender");
    assert_eq!(
        third.validate_at(&forged, now),
        Err(InitDataError::BadSignature)
    );
}

#[test]
fn data_signed_with_the_bot_token_is_parsed() {
    let raw = sign_hash(&fields(NOW - 30), TOKEN);
    let init = validator().validate_at(&raw, at(NOW)).unwrap();
    assert_eq!(init.user_id(), Some(279058397));
    let user = init.user.as_ref().unwrap();
    assert_eq!(user.first_name, "Ann & Bob = ?");
    assert_eq!(user.is_premium, Some(true));
    assert_eq!(init.auth_date, NOW - 30);
    assert_eq!(init.auth_time(), at(NOW - 30));
    assert_eq!(init.start_param.as_deref(), Some("promo 1+1"));
    assert_eq!(init.query_id.as_deref(), Some("AAHdF6IQAAAAAN0XohDhrOrc"));
    assert_eq!(init.chat_type, Some(ChatType::Supergroup));
    assert_eq!(
        init.chat.as_ref().map(|c| (c.id, c.kind.as_str())),
        Some((-100123, "supergroup"))
    );
    assert_eq!(init.get("future_field"), Some("kept"));
}

#[test]
fn forged_data_is_refused() {
    let good = sign_hash(&fields(NOW), TOKEN);
    let other_bot = sign_hash(&fields(NOW), "987654321:OTHER-token");
    let altered = good.replace("279058397", "279058398");
    let appended = format!("{good}&admin=true");
    let removed = good.replace("future_field=kept&", "");
    for raw in [other_bot, altered, appended, removed] {
        assert_eq!(
            validator().validate_at(&raw, at(NOW)),
            Err(InitDataError::BadHash),
            "{raw}"
        );
    }
}

#[test]
fn expired_and_future_data_is_refused_after_the_signature_check() {
    let v = validator().max_age(Duration::from_secs(3600));
    let old = sign_hash(&fields(NOW - 3601), TOKEN);
    assert_eq!(
        v.validate_at(&old, at(NOW)),
        Err(InitDataError::Expired {
            age: Duration::from_secs(3601),
            max_age: Duration::from_secs(3600)
        })
    );
    assert!(v.validate_at(&old, at(NOW - 1)).is_ok());
    let ahead = sign_hash(&fields(NOW + 61), TOKEN);
    assert_eq!(
        v.validate_at(&ahead, at(NOW)),
        Err(InitDataError::FromTheFuture {
            ahead: Duration::from_secs(61)
        })
    );
    assert!(v.validate_at(&ahead, at(NOW + 1)).is_ok());
    // Forged and old: the signature is reported, not the age.
    let forged_old = old.replace("kept", "kapt");
    assert_eq!(
        v.validate_at(&forged_old, at(NOW)),
        Err(InitDataError::BadHash)
    );
}

#[test]
fn the_default_max_age_is_a_day_and_the_clock_is_injectable() {
    let raw = sign_hash(&fields(NOW), TOKEN);
    let day = DEFAULT_MAX_AGE.as_secs();
    let fresh = validator().with_clock(move || at(NOW + day));
    assert!(fresh.validate(&raw).is_ok());
    let stale = validator().with_clock(move || at(NOW + day + 1));
    assert!(stale.validate(&raw).unwrap_err().is_expired());
}

#[test]
fn missing_and_malformed_fields_are_typed_errors() {
    let v = validator();
    let unsigned = query(&fields(NOW));
    assert_eq!(
        v.validate_at(&unsigned, at(NOW)),
        Err(InitDataError::MissingHash)
    );
    let mut no_date = fields(NOW);
    no_date.retain(|(k, _)| *k != "auth_date");
    let cases = [
        (String::new(), "initData"),
        ("a".repeat(MAX_INIT_DATA_LEN + 1), "initData"),
        (format!("{unsigned}&hash=abc"), "hash"),
        (format!("{unsigned}&hash={}", "z".repeat(64)), "hash"),
        (sign_hash(&no_date, TOKEN), "auth_date"),
        (
            sign_hash(&[("auth_date", "yesterday".into())], TOKEN),
            "auth_date",
        ),
        (
            sign_hash(&[("auth_date", u64::MAX.to_string())], TOKEN),
            "auth_date",
        ),
        (
            sign_hash(
                &[
                    ("auth_date", NOW.to_string()),
                    ("user", "{\"id\":\"x\"}".into()),
                ],
                TOKEN,
            ),
            "user",
        ),
        (
            sign_hash(
                &[("auth_date", NOW.to_string()), ("chat", "[]".into())],
                TOKEN,
            ),
            "chat",
        ),
        (
            sign_hash(
                &[("auth_date", NOW.to_string()), ("receiver", "{".into())],
                TOKEN,
            ),
            "receiver",
        ),
        (
            sign_hash(
                &[
                    ("auth_date", NOW.to_string()),
                    ("can_send_after", "-1".into()),
                ],
                TOKEN,
            ),
            "can_send_after",
        ),
        (
            format!("{}&auth_date=1", sign_hash(&fields(NOW), TOKEN)),
            "initData",
        ),
        ("a=1&&b=2".into(), "initData"),
        ("a=1&b".into(), "initData"),
        ("=1".into(), "initData"),
        ("a=%zz".into(), "initData"),
        ("a=%4".into(), "initData"),
        ("a=%FF%FE".into(), "initData"),
        (
            sign_hash(
                &[
                    ("auth_date", NOW.to_string()),
                    ("chat_type", "private\nuser={\"id\":1}".into()),
                ],
                TOKEN,
            ),
            "chat_type",
        ),
        (
            sign_hash(&[("auth_date", NOW.to_string()), ("x", "\r".into())], TOKEN),
            "initData",
        ),
        ("a%00=1".into(), "initData"),
    ];
    for (raw, field) in cases {
        match v.validate_at(&raw, at(NOW)) {
            Err(InitDataError::Malformed { field: f, .. }) if f == field => {}
            other => panic!("{raw:.80}: expected Malformed({field}), got {other:?}"),
        }
    }
}

#[test]
fn json_decode_errors_never_quote_the_input() {
    let raw = sign_hash(
        &[
            ("auth_date", NOW.to_string()),
            ("user", r#"{"id":"SECRETVALUE"}"#.into()),
        ],
        TOKEN,
    );
    let err = validator().validate_at(&raw, at(NOW)).unwrap_err();
    assert!(!err.to_string().contains("SECRETVALUE"), "{err}");
}

#[test]
fn neither_errors_nor_debug_show_the_token_or_the_key() {
    let v = validator();
    let debug = format!("{v:?} {v:#?}");
    assert!(
        !debug.contains("SECRETVALUE") && debug.contains("bot token"),
        "{debug}"
    );
    let raw = sign_hash(&fields(NOW), TOKEN);
    let errors = [
        v.validate_at(&raw.replace("kept", "kapt"), at(NOW)),
        v.validate_at(&raw, at(NOW + 10 * 86_400)),
        v.validate_at("", at(NOW)),
    ];
    for err in errors {
        let err = err.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("SECRETVALUE") && !text.contains(&raw[raw.len() - 64..]),
            "{text}"
        );
    }
    assert!(InitDataValidator::bot_token("").is_err());
}

fn key_pair(seed: u8) -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap()
}

fn public_key(pair: &Ed25519KeyPair) -> TelegramPublicKey {
    TelegramPublicKey::from_bytes(pair.public_key().as_ref().try_into().unwrap())
}

/// Signs `fields` as Telegram does for third parties, then adds a `hash` that is never checked.
fn sign_ed25519(fields: &[(&str, String)], bot_id: u64, pair: &Ed25519KeyPair) -> String {
    use base64::Engine;
    let message = format!(
        "{bot_id}:WebAppData\n{}",
        check_string(fields, &["hash", "signature"])
    );
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(pair.sign(message.as_bytes()).as_ref());
    let mut all = fields.to_vec();
    all.push(("signature", signature));
    all.push(("hash", "0".repeat(64)));
    query(&all)
}

#[test]
fn third_party_data_is_checked_with_the_injected_public_key() {
    let pair = key_pair(7);
    let v = InitDataValidator::third_party(42, public_key(&pair));
    let raw = sign_ed25519(&fields(NOW), 42, &pair);
    let init = v.validate_at(&raw, at(NOW)).unwrap();
    assert_eq!(init.user_id(), Some(279058397));
    assert!(init.get("signature").is_some());

    let forged = [
        raw.replace("279058397", "1"),
        sign_ed25519(&fields(NOW), 43, &pair),
        sign_ed25519(&fields(NOW), 42, &key_pair(8)),
        format!("{raw}&extra=1"),
    ];
    for raw in forged {
        assert_eq!(
            v.validate_at(&raw, at(NOW)),
            Err(InitDataError::BadSignature)
        );
    }
    // The bot token's `hash` does not count for a third party.
    assert_eq!(
        v.validate_at(&sign_hash(&fields(NOW), TOKEN), at(NOW)),
        Err(InitDataError::MissingSignature)
    );
    let bad = raw.replace("signature=", "signature=%21");
    assert!(matches!(
        v.validate_at(&bad, at(NOW)),
        Err(InitDataError::Malformed {
            field: "signature",
            ..
        })
    ));
    assert!(
        v.validate_at(&raw, at(NOW + 2 * 86_400))
            .unwrap_err()
            .is_expired()
    );
    let debug = format!("{v:?}");
    assert!(
        debug.contains("third-party") && debug.contains("42"),
        "{debug}"
    );
}

#[test]
fn the_published_keys_decode_to_their_bytes() {
    assert_eq!(
        TelegramPublicKey::PRODUCTION.as_bytes()[..4],
        [0xe7, 0xbf, 0x03, 0xa2]
    );
    assert_eq!(TelegramPublicKey::PRODUCTION.as_bytes()[31], 0x2d);
    assert_eq!(
        TelegramPublicKey::TEST.as_bytes()[..4],
        [0x40, 0x05, 0x50, 0x58]
    );
    assert_eq!(TelegramPublicKey::TEST.as_bytes()[31], 0xec);
}

#[test]
fn the_tma_scheme_is_read_from_an_authorization_value() {
    assert_eq!(tma_credentials("tma a=1&b=2"), Some("a=1&b=2"));
    assert_eq!(tma_credentials("TMA  a=1 "), Some("a=1"));
    assert_eq!(tma_credentials("Bearer a=1"), None);
    assert_eq!(tma_credentials("tma"), Some(""));
    assert_eq!(tma_credentials("tmaa=1"), None);
}

#[test]
fn events_take_the_user_fields_from_init_data_only() {
    let raw = sign_hash(&fields(NOW), TOKEN);
    let init = validator().validate_at(&raw, at(NOW)).unwrap();
    let session = uuid::Uuid::new_v4();
    let claimed = crate::Event::new(1, "app-init", session, "app")
        .with_premium(false)
        .with_locale("en")
        .with_start_param("admin")
        .with_platform("ios");
    let event = claimed.with_init_data(&init).unwrap();
    assert_eq!(event.user_id, 279058397);
    assert_eq!(event.is_premium, Some(true));
    assert_eq!(event.locale.as_deref(), Some("de"));
    assert_eq!(event.start_param.as_deref(), Some("promo 1+1"));
    assert_eq!(event.platform.as_deref(), Some("ios"));
    assert_eq!(
        crate::Event::from_init_data(&init, "app-init", session, "app")
            .unwrap()
            .user_id,
        279058397
    );

    // A field initData lacks is cleared, not kept from the browser.
    let bare = sign_hash(
        &[
            ("auth_date", NOW.to_string()),
            ("user", r#"{"id":5}"#.into()),
        ],
        TOKEN,
    );
    let bare = validator().validate_at(&bare, at(NOW)).unwrap();
    let event = crate::Event::new(1, "app-init", session, "app")
        .with_premium(true)
        .with_locale("en")
        .with_start_param("admin")
        .with_init_data(&bare)
        .unwrap();
    assert_eq!(
        (
            event.user_id,
            event.is_premium,
            event.locale,
            event.start_param
        ),
        (5, None, None, None)
    );

    let no_user = sign_hash(&[("auth_date", NOW.to_string())], TOKEN);
    let no_user = validator().validate_at(&no_user, at(NOW)).unwrap();
    let err = crate::Event::from_init_data(&no_user, "app-init", session, "app").unwrap_err();
    assert!(
        matches!(err.kind(), tg_common::ErrorKind::InvalidInput { .. }),
        "{err}"
    );
}
