//! Every JSON example of the TGTrack document as a test vector, read from `fixtures/tgtrack/`
//! (one file per code block, byte for byte; see its README): request examples encode to the same
//! JSON value, response examples decode, and each round-trips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The text of `fixtures/tgtrack/<file>`.
macro_rules! fixture {
    ($file:literal) => {
        include_str!(concat!("../../../fixtures/tgtrack/", $file))
    };
}

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tg_common::{ErrorKind, RetrySafety};
use tgtrack_client::envelope::{self, OkAnswer};
use tgtrack_client::prelude::*;
use tgtrack_client::sambot_body;
use tgtrack_client::{
    AddEvent, ErrorCode, GetUserInfo, Label, Mode, MyBotWasStarted, MyBotWasStopped, RawUpdate,
    SambotEncoding, SendReachGoal, StartValue, TgtrackApiError, User, UserDidStartBot, UserInfo,
};

/// Decodes `example` into `T`, checks it encodes back to the same JSON value, returns it.
fn round_trip<T: Serialize + DeserializeOwned>(example: &str) -> T {
    let typed: T = serde_json::from_str(example).unwrap();
    let encoded: Value = serde_json::from_str(&serde_json::to_string(&typed).unwrap()).unwrap();
    let original: Value = serde_json::from_str(example).unwrap();
    assert_eq!(encoded, original, "round trip of {example}");
    typed
}

/// Checks that a built request encodes to the example's JSON value and passes validation.
fn encodes_as<T: Serialize>(built: &T, example: &str) {
    let encoded: Value = serde_json::from_str(&serde_json::to_string(built).unwrap()).unwrap();
    let original: Value = serde_json::from_str(example).unwrap();
    assert_eq!(encoded, original);
}

// ---- responses ----

const OK_WITH_DATA: &str = fixture!("envelope-ok.response.json");

const OK_WITHOUT_DATA: &str = fixture!("envelope-ok-without-data.response.json");

/// The document's error example, verbatim: it lacks a comma after `error_description`.
const ERROR_AS_DOCUMENTED: &str = fixture!("envelope-error.response.as-published.txt");

/// The same example with the comma added.
const ERROR_FIXED: &str = fixture!("envelope-error.response.json");

/// The `get_user_info` answer. The document splits it across two code blocks (the first one
/// closed early after `"last_name": "",`); the fixture is the two blocks joined.
const USER_INFO_ANSWER: &str = fixture!("get-user-info.response.json");

#[test]
fn ok_answer_with_a_user_decodes() {
    let r: OkAnswer<User> = envelope::decode(200, OK_WITH_DATA.as_bytes(), None).unwrap();
    assert_eq!(r.mode, None);
    let user = r.data.unwrap();
    assert_eq!(
        user,
        User::new(123_456_789)
            .with_username("john_doe")
            .with_first_name("John")
            .with_last_name("Doe")
    );
    assert!(!user.is_premium());
    let data = serde_json::from_str::<Value>(OK_WITH_DATA).unwrap()["data"].to_string();
    round_trip::<User>(&data);
}

#[test]
fn ok_answer_without_data_exposes_the_mode() {
    let r: OkAnswer<Value> = envelope::decode(200, OK_WITHOUT_DATA.as_bytes(), None).unwrap();
    assert_eq!(r.data, None);
    assert_eq!(r.mode, Some(Mode::Production));
    assert!(!r.is_sandbox());
}

#[test]
fn documented_error_example_is_a_decode_error_naming_the_missing_comma() {
    let e = envelope::decode::<Value>(401, ERROR_AS_DOCUMENTED.as_bytes(), None).unwrap_err();
    match e.kind() {
        ErrorKind::Decode {
            status, message, ..
        } => {
            assert_eq!(*status, 401);
            assert!(message.contains("expected `,` or `}`"), "{message}");
            assert!(message.contains("line 6"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn fixed_error_example_is_a_typed_api_error() {
    let e = envelope::decode::<Value>(401, ERROR_FIXED.as_bytes(), None).unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    let detail = e.api_detail::<TgtrackApiError>().unwrap();
    assert_eq!(detail.code, ErrorCode::InvalidToken);
    assert_eq!(detail.description, "Invalid token");
    assert_eq!(detail.details.as_deref(), Some("Token was invalidated"));
    assert_eq!(detail.mode, Some(Mode::Sandbox));
}

#[test]
fn get_user_info_answer_decodes_every_field() {
    let r: OkAnswer<UserInfo> = envelope::decode(200, USER_INFO_ANSWER.as_bytes(), None).unwrap();
    let info = r.data.unwrap();
    assert_eq!(info.user_id, 123_456_789);
    assert_eq!(info.first_join_date, 1_680_387_078);
    assert_eq!(info.last_join_date, 1_680_387_078);
    assert_eq!(info.invite_link, "Яндекс.Директ");
    assert_eq!(info.left_date, 0);
    assert_eq!(info.left_at(), None);
    assert!(!info.has_left());
    assert_eq!(info.first_name, "Вася");
    assert_eq!(info.last_name.as_deref(), Some(""));
    assert_eq!(info.username, "vasya");
    assert_eq!(info.utm_source.as_deref(), Some("test_source"));
    assert_eq!(info.utm_medium.as_deref(), Some("test_medium"));
    assert_eq!(info.utm_campaign.as_deref(), Some("test_campaign"));
    assert_eq!(info.utm_content, None);
    assert_eq!(info.utm_term, None);
    let data = serde_json::from_str::<Value>(USER_INFO_ANSWER).unwrap()["data"].to_string();
    round_trip::<UserInfo>(&data);
}

#[test]
fn user_info_tolerates_unknown_fields_nulls_and_numeric_ids() {
    let r: OkAnswer<UserInfo> = envelope::decode(
        200,
        br#"{"status":"OK","data":{"user_id":7123456789,"invite_link":null,"left_date":null,"first_name":"A","username":"","is_new":true}}"#, None)
    .unwrap();
    let info = r.data.unwrap();
    assert_eq!(info.user_id, 7_123_456_789);
    assert_eq!(info.invite_link, "");
    assert_eq!(info.first_join_date, 0);
    assert_eq!(info.last_name, None);
}

// ---- objects ----

#[test]
fn user_object_round_trips() {
    let user: User = round_trip(fixture!("user.object.json"));
    assert_eq!(user.id, 123_456_789);
    let premium: User = round_trip(r#"{"id": "7000000001", "is_premium": true}"#);
    assert!(premium.is_premium());
}

#[test]
fn label_object_round_trips() {
    let label: Label = round_trip(fixture!("label.object.json"));
    assert_eq!(label, Label::new("manager", "John Doe"));
}

// ---- requests ----

#[test]
fn my_bot_was_started_example() {
    let example = fixture!("my-bot-was-started.request.json");
    let built = MyBotWasStarted::new("PJaf5568712cd");
    encodes_as(&built, example);
    assert_eq!(round_trip::<MyBotWasStarted>(example), built);
    built.validate().unwrap();
    encodes_as(
        &MyBotWasStarted::auto_detect(),
        r#"{"start_value": "auto_detect"}"#,
    );
    encodes_as(&MyBotWasStarted::new(""), r#"{"start_value": ""}"#);
    assert_eq!(MyBotWasStarted::new("").start_value, StartValue::Empty);
}

#[test]
fn my_bot_was_stopped_example() {
    let example = fixture!("my-bot-was-stopped.request.json");
    let built = MyBotWasStopped::new(123_456_789);
    encodes_as(&built, example);
    assert_eq!(round_trip::<MyBotWasStopped>(example), built);
    built.validate().unwrap();
    encodes_as(
        &built.date(1_622_520_000),
        r#"{"user_id": "123456789", "date": 1622520000}"#,
    );
}

#[test]
fn user_did_start_bot_example() {
    let example = fixture!("user-did-start-bot.request.json");
    let built = UserDidStartBot::new(987_654_321, "John")
        .last_name("Doe")
        .username("johnDoe5672")
        .start_value("TГTrack-PJ123456");
    encodes_as(&built, example);
    assert_eq!(round_trip::<UserDidStartBot>(example), built);
    // The example's start value holds a Cyrillic `Г`, which no Telegram deep link can carry; the
    // value comes from a bot builder, so it is sent as documented.
    built.validate().unwrap();
}

#[test]
fn send_reach_goal_example() {
    let example = fixture!("send-reach-goal.request.json");
    let built = SendReachGoal::new(987_654_321, "userDidSharePhone");
    encodes_as(&built, example);
    assert_eq!(round_trip::<SendReachGoal>(example), built);
    built.validate().unwrap();
}

const ADD_EVENT_EXAMPLE: &str = fixture!("add-event.request.json");

#[test]
fn add_event_example() {
    let built = AddEvent::new(987_654_321, "sale")
        .date(1_622_520_000)
        .amount(Decimal::from_str("1500.00").unwrap())
        .conversion_target("lead")
        .label("manager", "Jane Doe")
        .label("product", "Smartphone");
    encodes_as(&built, ADD_EVENT_EXAMPLE);
    let decoded = round_trip::<AddEvent>(ADD_EVENT_EXAMPLE);
    assert_eq!(decoded, built);
    assert_eq!(decoded.amount.unwrap().to_string(), "1500.00");
    built.validate().unwrap();
}

#[test]
fn get_user_info_request_example() {
    let example = fixture!("get-user-info.request.json");
    let built = GetUserInfo::new(123_456_789);
    encodes_as(&built, example);
    assert_eq!(round_trip::<GetUserInfo>(example), built);
    built.validate().unwrap();
}

#[test]
fn sambot_example_shape() {
    // The document's example: one field, `webhook`, holding the update (a placeholder string).
    let documented: Value =
        serde_json::from_str(fixture!("sambot-on-tg-webhook.request.json")).unwrap();
    let keys: Vec<&String> = documented.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["webhook"]);
    assert!(documented["webhook"].is_string());
    let update = RawUpdate::try_from(r#"{"update_id":1,"message":{"text":"/start"}}"#).unwrap();
    let as_string: Value =
        serde_json::from_slice(&sambot_body(&update, SambotEncoding::String)).unwrap();
    assert_eq!(
        as_string,
        json!({"webhook": r#"{"update_id":1,"message":{"text":"/start"}}"#})
    );
    let as_object: Value =
        serde_json::from_slice(&sambot_body(&update, SambotEncoding::Object)).unwrap();
    assert_eq!(
        as_object,
        json!({"webhook": {"update_id": 1, "message": {"text": "/start"}}})
    );
}

#[test]
fn get_user_info_answer_is_the_two_published_blocks_joined() {
    let part_1 = fixture!("get-user-info.response.part-1.as-published.txt");
    let part_2 = fixture!("get-user-info.response.part-2.as-published.txt");
    for part in [part_1, part_2] {
        assert!(serde_json::from_str::<Value>(part).is_err());
    }
    let cut = part_1.find("\"last_name\"").unwrap();
    let cut = cut + part_1[cut..].find('\n').unwrap() + 1;
    assert_eq!(format!("{}{part_2}", &part_1[..cut]), USER_INFO_ANSWER);
}
