//! tgtrack-client against the fake TGTrack over loopback HTTP: every method, verbatim
//! forwarding, typed error envelopes, sandbox mode, retry safety, the documented rate limits in
//! virtual time, and the key kept out of every printed value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use tg_common::error::{RateLimitOrigin, TransportKind};
use tg_common::{ErrorKind, RetrySafety, Timeouts};
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

// ---- (a) every method against the fake ----

#[tokio::test(start_paused = true)]
async fn telegram_starts_establish_what_get_user_info_answers() {
    let key = "it-track-start-key";
    let s = setup(key, FakeMode::Production).await;
    s.fake.add_invite_link(
        key,
        "ydirect",
        InviteLink {
            name: "Яндекс.Директ".into(),
            utm_source: Some("yandex".into()),
            utm_campaign: Some("spring".into()),
            ..InviteLink::default()
        },
    );
    let first = private_message(1, 7_123_456_789, "/start ydirect", NOW - 3600);
    let r = s
        .client
        .on_telegram_webhook(update(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(r.mode, Some(Mode::Production));
    assert_eq!(r.data, None);

    let info = s
        .client
        .get_user_info(7_123_456_789)
        .send()
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(info.user_id, 7_123_456_789);
    assert_eq!(info.first_join_date, NOW - 3600);
    assert_eq!(info.last_join_date, NOW - 3600);
    assert_eq!(info.invite_link, "Яндекс.Директ");
    assert_eq!(info.utm_source.as_deref(), Some("yandex"));
    assert_eq!(info.utm_campaign.as_deref(), Some("spring"));
    assert_eq!(info.utm_medium, None);
    assert_eq!(info.first_name, "Вася");
    assert_eq!(info.last_name.as_deref(), Some("Пупкин"));
    assert_eq!(info.username, "vasya");
    assert_eq!(info.left_date, 0);
    assert!(!info.has_left());

    // A second start keeps the first source and moves last_join_date.
    let again = private_message(2, 7_123_456_789, "/start@my_bot other", NOW);
    s.client
        .on_telegram_webhook(update(&again))
        .send()
        .await
        .unwrap();
    let info = s
        .client
        .get_user_info(7_123_456_789)
        .send()
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(info.first_join_date, NOW - 3600);
    assert_eq!(info.last_join_date, NOW);
    assert_eq!(info.invite_link, "Яндекс.Директ");
    assert!(s.fake.last_events(key).iter().all(|e| e.is_ok()));
    assert_eq!(s.fake.last_events(key).len(), 4);
}

#[tokio::test(start_paused = true)]
async fn stops_set_left_date_and_unblocks_clear_it() {
    let key = "it-track-stop-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    c.on_telegram_webhook(update(&private_message(1, 42, "/start", NOW - 500)))
        .send()
        .await
        .unwrap();

    c.my_bot_was_stopped(42)
        .date(NOW - 100)
        .send()
        .await
        .unwrap();
    let info = c.get_user_info(42).send().await.unwrap().data.unwrap();
    assert_eq!(info.left_date, NOW - 100);
    assert!(info.has_left());

    // Unblocking (my_chat_member back to member) clears it; blocking sets it again.
    c.on_telegram_webhook(update(&member_change(2, 42, "member", NOW - 50)))
        .send()
        .await
        .unwrap();
    let info = c.get_user_info(42).send().await.unwrap().data.unwrap();
    assert_eq!((info.left_date, info.last_join_date), (0, NOW - 50));
    c.on_telegram_webhook(update(&member_change(3, 42, "kicked", NOW - 10)))
        .send()
        .await
        .unwrap();
    let info = c.get_user_info(42).send().await.unwrap().data.unwrap();
    assert_eq!(info.left_date, NOW - 10);

    // Without a date, the server's clock dates the stop.
    c.my_bot_was_stopped(42).send().await.unwrap();
    assert_eq!(s.fake.user(key, "42").unwrap().left_date, NOW);
    let sent = s.server.requests().pop().unwrap().body;
    assert_eq!(&sent[..], br#"{"user_id":"42"}"#);
}

#[tokio::test(start_paused = true)]
async fn limited_integration_starts_and_user_did_start_bot() {
    let key = "it-track-limited-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    c.my_bot_was_started("PJaf5568712cd").send().await.unwrap();
    c.my_bot_was_started(StartValue::AutoDetect)
        .send()
        .await
        .unwrap();
    c.my_bot_was_started("").send().await.unwrap();
    let starts: Vec<_> = s
        .fake
        .anonymous_starts(key)
        .into_iter()
        .map(|a| a.start_value)
        .collect();
    assert_eq!(starts, ["PJaf5568712cd", "auto_detect", ""]);

    c.user_did_start_bot(987_654_321, "John")
        .last_name("Doe")
        .username("johnDoe5672")
        .full_name("John Doe")
        .start_value("TGTrack-PJ123456")
        .send()
        .await
        .unwrap();
    let info = c
        .get_user_info(987_654_321)
        .send()
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(info.first_name, "John");
    assert_eq!(info.last_name.as_deref(), Some("Doe"));
    assert_eq!(info.username, "johnDoe5672");
    assert_eq!(info.invite_link, "TGTrack-PJ123456");
    assert_eq!(info.first_join_date, NOW);
}

#[tokio::test(start_paused = true)]
async fn the_documents_user_did_start_bot_example_is_sent() {
    let s = setup("it-track-doc-start-key", FakeMode::Production).await;
    // The document's example, verbatim: its start value holds a Cyrillic `Г`.
    s.client
        .user_did_start_bot(987_654_321, "John")
        .last_name("Doe")
        .username("johnDoe5672")
        .start_value("TГTrack-PJ123456")
        .send()
        .await
        .unwrap();
    s.client
        .my_bot_was_started("TГTrack-PJ123456")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&s.server.requests()[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "user_id": "987654321",
            "first_name": "John",
            "last_name": "Doe",
            "username": "johnDoe5672",
            "start_value": "TГTrack-PJ123456"
        })
    );
    let info = s.client.get_user_info(987_654_321).send().await.unwrap();
    assert_eq!(info.data.unwrap().invite_link, "TГTrack-PJ123456");
}

#[tokio::test(start_paused = true)]
async fn goals_and_events_arrive_with_exact_amounts_and_defaults() {
    let key = "it-track-events-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    c.send_reach_goal(987_654_321, "userDidSharePhone")
        .send()
        .await
        .unwrap();
    let goals = s.fake.goals(key);
    assert_eq!(goals.len(), 1);
    assert_eq!(
        (goals[0].user_id.as_str(), goals[0].target.as_str()),
        ("987654321", "userDidSharePhone")
    );

    c.add_event(987_654_321, "sale")
        .result(EventResult::Success)
        .date(1_622_520_000)
        .amount(Decimal::from_str("1500.00").unwrap())
        .conversion_target("lead")
        .label("manager", "Jane Doe")
        .labels([Label::new("product", "Smartphone")])
        .send()
        .await
        .unwrap();
    c.add_event(987_654_321, "ad_spend")
        .amount(Decimal::from_str("-0.10").unwrap())
        .send()
        .await
        .unwrap();
    c.add_event(987_654_321, "lesson_2").send().await.unwrap();

    let events = s.fake.accepted_events(key);
    assert_eq!(events.len(), 3);
    let sale = &events[0];
    assert_eq!(sale.event_result, "success");
    assert_eq!((sale.date, sale.date_sent), (1_622_520_000, true));
    assert_eq!(sale.amount.as_deref(), Some("1500.00"));
    assert_eq!(sale.conversion_target.as_deref(), Some("lead"));
    assert_eq!(
        sale.labels,
        [
            ("manager".to_owned(), "Jane Doe".to_owned()),
            ("product".to_owned(), "Smartphone".to_owned())
        ]
    );
    assert_eq!(events[1].amount.as_deref(), Some("-0.10"));
    let plain = &events[2];
    assert_eq!(plain.event_result, "in_progress");
    assert_eq!((plain.date, plain.date_sent), (NOW, false));
    assert_eq!(plain.amount, None);
}

#[tokio::test(start_paused = true)]
async fn builder_webhooks_are_forwarded_as_received() {
    let key = "it-track-builders-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    let payloads = [
        (
            "my_bothelp_was_started",
            "{\"subscriber\": {\"id\" : 5, \"name\":\"Ann\"}}",
        ),
        (
            "win_win_was_started",
            "[{\"event\":\"new_subscriber\",\"id\":12345678901234567890}]",
        ),
        (
            "on_toolsy_event",
            "{\"type\":\"payment.created\",\"amount\":990.50}",
        ),
        (
            "on_send_pulse_event",
            "[{\"title\":\"run_flow\",\"bot\":{\"id\":\"x\"}}]\n",
        ),
    ];
    for (method, body) in payloads {
        let raw = RawJson::try_from(body).unwrap();
        let request = match method {
            "my_bothelp_was_started" => c.my_bothelp_was_started(raw),
            "win_win_was_started" => c.win_win_was_started(raw),
            "on_toolsy_event" => c.on_toolsy_event(raw),
            _ => c.on_send_pulse_event(raw),
        };
        assert_eq!(request.operation().method.as_str(), method);
        let r = request.send().await.unwrap();
        assert_eq!(r.mode, Some(Mode::Production));
    }
    let forwarded = s.fake.forwarded(key);
    let requests = s.server.requests();
    for (i, (method, body)) in payloads.iter().enumerate() {
        assert_eq!(forwarded[i].method, *method);
        assert_eq!(&forwarded[i].body[..], body.as_bytes());
        assert_eq!(&requests[i].body[..], body.as_bytes());
        assert!(requests[i].path.ends_with(method));
    }
}

#[tokio::test(start_paused = true)]
async fn sambot_wraps_the_update_in_both_encodings() {
    let key = "it-track-sambot-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    let a = private_message(1, 501, "/start sam_1", NOW - 20);
    c.sambot_on_tg_webhook(update(&a)).send().await.unwrap();
    let b = private_message(2, 502, "/start sam_2", NOW - 10);
    c.sambot_on_tg_webhook(update(&b))
        .encoding(SambotEncoding::String)
        .send()
        .await
        .unwrap();
    assert_eq!(s.fake.user(key, "501").unwrap().invite_link, "sam_1");
    assert_eq!(s.fake.user(key, "502").unwrap().invite_link, "sam_2");
    let forwarded = s.fake.forwarded(key);
    assert_eq!(forwarded[0].update.as_deref(), Some(a.as_bytes()));
    assert_eq!(forwarded[1].update.as_deref(), Some(b.as_bytes()));
}

// ---- (b) forwarding keeps the caller's bytes ----

#[tokio::test(start_paused = true)]
async fn forwarded_updates_reach_the_server_byte_for_byte() {
    let key = "it-track-verbatim-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    c.on_telegram_webhook(update(ODD_UPDATE))
        .send()
        .await
        .unwrap();
    assert_eq!(&s.server.requests()[0].body[..], ODD_UPDATE.as_bytes());
    let forwarded = s.fake.forwarded(key);
    assert_eq!(&forwarded[0].body[..], ODD_UPDATE.as_bytes());
    assert_eq!(forwarded[0].update.as_deref(), Some(ODD_UPDATE.as_bytes()));
    // The fake read the escapes: the names are the decoded text.
    let user = s.fake.user(key, "1234567890123").unwrap();
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("André", "😀")
    );
    assert_eq!(user.invite_link, "ref_42");

    // SamBot's object wrapper embeds the same bytes; the string wrapper carries the same text.
    c.sambot_on_tg_webhook(update(ODD_UPDATE))
        .send()
        .await
        .unwrap();
    let expected = format!("{{\"webhook\":{ODD_UPDATE}}}");
    assert_eq!(&s.server.requests()[1].body[..], expected.as_bytes());
    assert_eq!(
        s.fake.forwarded(key)[1].update.as_deref(),
        Some(ODD_UPDATE.trim().as_bytes())
    );
    c.sambot_on_tg_webhook(update(ODD_UPDATE))
        .encoding(SambotEncoding::String)
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.fake.forwarded(key)[2].update.as_deref(),
        Some(ODD_UPDATE.as_bytes())
    );

    // forward_if_tracked sends the same bytes too.
    let r = c.forward_if_tracked(ODD_UPDATE.as_bytes()).await.unwrap();
    assert!(r.is_some());
    assert_eq!(&s.server.requests()[3].body[..], ODD_UPDATE.as_bytes());
    assert!(s.fake.last_events(key).iter().all(|e| e.is_ok()));
}

#[tokio::test(start_paused = true)]
async fn a_re_serialized_update_is_refused_as_in_production() {
    let key = "it-track-reserialized-key";
    let s = setup(key, FakeMode::Production).await;
    let good = private_message(1, 42, "/start ref", NOW);
    let mut parsed: serde_json::Value = serde_json::from_str(&good).unwrap();
    let mut with_null = parsed.clone();
    with_null["message"]["from"]["username"] = serde_json::Value::Null;
    let mut added = parsed.clone();
    added["edited_message_extra"] = serde_json::json!({});
    let from = parsed["message"]["from"].take();
    parsed["message"].as_object_mut().unwrap().remove("from");
    parsed["message"]["from_user"] = from;
    for (bad, field) in [
        (with_null, "message.from.username"),
        (parsed, "message.from_user"),
        (added, "edited_message_extra"),
    ] {
        let e = s
            .client
            .on_telegram_webhook(update(&bad.to_string()))
            .send()
            .await
            .unwrap_err();
        let detail = api(&e);
        assert_eq!(detail.code, ErrorCode::UnprocessableEntity, "{e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    assert!(s.fake.users(key).is_empty());
    s.client
        .on_telegram_webhook(update(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(s.fake.users(key).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn malformed_json_is_refused_locally_and_nothing_is_sent() {
    let key = "it-track-malformed-key";
    let s = setup(key, FakeMode::Production).await;
    for bad in [
        "{\"update_id\": 1,",
        "{\"update_id\": 1,}",
        "[1]",
        "",
        "{\"a\":1} {\"b\":2}",
    ] {
        let e = RawUpdate::try_from(bad).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidInput { .. }),
            "{bad:?}: {e:?}"
        );
        let e = s
            .client
            .forward_if_tracked(bad.as_bytes())
            .await
            .unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidInput { .. }),
            "{bad:?}: {e:?}"
        );
        assert_eq!(e.retry_safety(), RetrySafety::Never);
    }
    for bad in ["{'a':1}", "[1,", "1 2"] {
        let e = RawJson::try_from(bad).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e:?}");
    }
    assert_eq!(s.server.request_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn only_updates_tgtrack_needs_are_forwarded() {
    let key = "it-track-filter-key";
    let s = setup(key, FakeMode::Production).await;
    let c = &s.client;
    let skipped = [
        private_message(1, 77, "hello", NOW),
        private_message(2, 77, "/startgame", NOW),
        chat_message(3, 77, "/start@my_bot ref", NOW, "supergroup"),
        private_message(4, 77, "/start x", NOW).replace("\"message\":", "\"edited_message\":"),
        r#"{"update_id":5,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":77,"is_bot":false,"first_name":"A"},"chat_instance":"-1","data":"/start"}}"#.to_owned(),
    ];
    for raw in &skipped {
        assert!(
            c.forward_if_tracked(raw.as_bytes())
                .await
                .unwrap()
                .is_none(),
            "{raw}"
        );
    }
    assert_eq!(s.server.request_count(), 0);
    let tracked = [
        private_message(6, 77, "/start", NOW - 30),
        private_message(7, 77, "/start@my_bot ref-9", NOW - 20),
        member_change(8, 77, "kicked", NOW - 10),
        member_change(9, 77, "member", NOW - 5),
    ];
    for raw in &tracked {
        assert!(
            c.forward_if_tracked(raw.as_bytes())
                .await
                .unwrap()
                .is_some(),
            "{raw}"
        );
    }
    assert_eq!(s.server.request_count(), tracked.len());
    let user = s.fake.user(key, "77").unwrap();
    assert_eq!((user.last_join_date, user.left_date), (NOW - 5, 0));
}

// ---- (c) error envelopes ----

#[tokio::test(start_paused = true)]
async fn an_unknown_key_is_401_invalid_token_and_not_retried() {
    let s = setup("it-track-known-key", FakeMode::Production).await;
    let stranger = client_for(&s.server, "it-track-unknown-key");
    let e = stranger.add_event(5, "sale").send().await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::InvalidToken);
    assert_eq!(d.description, "Invalid token");
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    assert!(!e.is_retryable());
    assert_eq!(e.context().unwrap().operation, "add_event");
    // Not retried, even for the idempotent method.
    let e = stranger.get_user_info(5).send().await.unwrap_err();
    assert_eq!(api(&e).code, ErrorCode::InvalidToken);
    assert_eq!(s.server.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_expired_key_is_402_token_expired() {
    let key = "it-track-expired-key";
    let s = setup(key, FakeMode::Sandbox).await;
    s.fake.expire_key(key);
    let e = s
        .client
        .send_reach_goal(5, "lead")
        .send()
        .await
        .unwrap_err();
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::TokenExpired);
    assert_eq!(d.mode, Some(Mode::Sandbox));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_user_is_the_fakes_405_and_not_retried() {
    let key = "it-track-nouser-key";
    let s = setup(key, FakeMode::Production).await;
    let e = s.client.get_user_info(31_337).send().await.unwrap_err();
    assert_eq!(e.status(), Some(405));
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::ResourceNotFound);
    assert!(d.details.as_deref().unwrap().contains("31337"), "{d}");
    assert_eq!(d.mode, Some(Mode::Production));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.last_events(key)[0].status_code, 405);
}

#[tokio::test(start_paused = true)]
async fn bodies_the_fake_rejects_are_422_naming_the_field() {
    let key = "it-track-422-key";
    let s = setup(key, FakeMode::Production).await;
    // An update re-serialized by a framework that renamed `from` (the aiogram story).
    let renamed = private_message(1, 9, "/start", NOW).replace("\"from\":", "\"from_user\":");
    let e = s
        .client
        .on_telegram_webhook(update(&renamed))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::UnprocessableEntity);
    assert!(d.details.as_deref().unwrap().contains("from_user"), "{d}");
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    // A JSON object that is not a Telegram update.
    let e = s
        .client
        .on_telegram_webhook(update(r#"{"message":{"text":"/start"}}"#))
        .send()
        .await
        .unwrap_err();
    assert!(
        api(&e).details.as_deref().unwrap().contains("update_id"),
        "{e}"
    );

    // The client's validation keeps bad typed bodies from being sent, so script the 422.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(
            422,
            Some("amount: must be a JSON number"),
            Some(FakeMode::Production),
        )),
    ));
    let e = s
        .client
        .add_event(9, "sale")
        .amount(Decimal::from(10))
        .retry_unsafe()
        .send()
        .await
        .unwrap_err();
    let d = api(&e);
    assert_eq!(d.code, ErrorCode::UnprocessableEntity);
    assert_eq!(d.details.as_deref(), Some("amount: must be a JSON number"));
    assert_eq!(e.retry_safety(), RetrySafety::Never);
    assert_eq!(s.server.request_count(), 3, "a 422 is never retried");
}

#[tokio::test(start_paused = true)]
async fn invalid_typed_input_is_refused_before_sending() {
    let s = setup("it-track-invalid-key", FakeMode::Production).await;
    let c = &s.client;
    let errors = [
        c.add_event(0, "sale").send().await.unwrap_err(),
        c.add_event(5, " ").send().await.unwrap_err(),
        c.add_event(5, "sale")
            .result(EventResult::Unknown("refunded".into()))
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale")
            .date(1_622_520_000_000)
            .send()
            .await
            .unwrap_err(),
        c.send_reach_goal(5, "").send().await.unwrap_err(),
        c.user_did_start_bot(5, "").send().await.unwrap_err(),
        c.my_bot_was_started("has\nnewline")
            .send()
            .await
            .unwrap_err(),
        c.my_bot_was_stopped(-1).send().await.unwrap_err(),
        c.add_event(5, "sale")
            .amount(Decimal::MAX)
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale")
            .amount(Decimal::from_str("0.1234567890123456789012345678").unwrap())
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "x".repeat(1 << 20))
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale\u{0}").send().await.unwrap_err(),
        c.add_event(5, "sale")
            .conversion_target("lead\r\n")
            .send()
            .await
            .unwrap_err(),
        c.add_event(5, "sale")
            .labels([Label::new("manager", "x".repeat(257))])
            .send()
            .await
            .unwrap_err(),
        c.send_reach_goal(5, "goal\u{1b}[31m")
            .send()
            .await
            .unwrap_err(),
        c.user_did_start_bot(5, "n".repeat(65))
            .send()
            .await
            .unwrap_err(),
        c.user_did_start_bot(5, "Ann")
            .username("u".repeat(33))
            .send()
            .await
            .unwrap_err(),
        c.get_user_info(0).send().await.unwrap_err(),
    ];
    for e in &errors {
        assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e:?}");
        assert!(e.to_string().contains("nothing was sent"), "{e}");
    }
    assert_eq!(s.server.request_count(), 0);
}

// ---- (d) sandbox mode ----

#[tokio::test(start_paused = true)]
async fn the_mode_of_the_key_is_exposed() {
    let key = "it-track-sandbox-key";
    let s = setup(key, FakeMode::Sandbox).await;
    let r = s.client.add_event(5, "sale").send().await.unwrap();
    assert_eq!(r.mode, Some(Mode::Sandbox));
    assert!(r.is_sandbox());
    s.fake.set_mode(key, FakeMode::Production);
    let r = s.client.add_event(5, "sale").send().await.unwrap();
    assert_eq!(r.mode, Some(Mode::Production));
    assert!(!r.is_sandbox());
}

// ---- (e) retry safety ----

#[tokio::test(start_paused = true)]
async fn add_event_is_not_retried_after_a_503() {
    let key = "it-track-503-key";
    let s = setup(key, FakeMode::Production).await;
    // The server processed the event, then answered 503: a repeat would count it twice.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::Respond(error_reply(503, None, None)),
    ));
    let e = s.client.add_event(5, "sale").send().await.unwrap_err();
    assert_eq!(api(&e).code, ErrorCode::ServiceUnavailable);
    assert_eq!(e.retry_safety(), RetrySafety::IfIdempotent);
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.accepted_events(key).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn add_event_is_not_retried_after_a_reset() {
    let key = "it-track-reset-key";
    let s = setup(key, FakeMode::Production).await;
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    let e = s.client.add_event(5, "sale").send().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Transport {
                kind: TransportKind::Incomplete | TransportKind::Reset,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(s.server.request_count(), 1);
    assert_eq!(s.fake.accepted_events(key).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn get_user_info_is_retried_after_a_reset_and_a_503() {
    let key = "it-track-idem-key";
    let s = setup(key, FakeMode::Production).await;
    s.client.user_did_start_bot(5, "Ann").send().await.unwrap();
    s.server.clear_requests();
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    let info = s.client.get_user_info(5).send().await.unwrap();
    assert_eq!(info.data.unwrap().first_name, "Ann");
    assert_eq!(s.server.request_count(), 2);
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(503, None, None)),
    ));
    s.client.get_user_info(5).send().await.unwrap();
    assert_eq!(s.server.request_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn retry_unsafe_opts_a_single_call_in() {
    let key = "it-track-optin-key";
    let s = setup(key, FakeMode::Production).await;
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(503, None, None)),
    ));
    s.client
        .add_event(5, "sale")
        .retry_unsafe()
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert_eq!(s.fake.accepted_events(key).len(), 1);
    // Forwarding builders take the same opt-in.
    s.server
        .push_fault(FaultRule::next(1, Fault::ResetBeforeHeaders));
    s.client
        .on_telegram_webhook(update(&private_message(1, 5, "/start", NOW)))
        .retry_unsafe()
        .send()
        .await
        .unwrap();
    assert_eq!(s.server.request_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_for_every_method() {
    let key = "it-track-429-key";
    let s = setup(key, FakeMode::Production).await;
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(429, None, None).with_header("retry-after", "2")),
    ));
    let started = tokio::time::Instant::now();
    s.client.add_event(5, "sale").send().await.unwrap();
    assert_eq!(s.server.request_count(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
    assert_eq!(s.fake.accepted_events(key).len(), 1);
}

// ---- (f) rate limits in virtual time ----

/// 200 users press Start at random moments within one minute (more than the 3-a-second quota
/// serves), against the strict fixed windows with up to 30 ms of arrival jitter. `schedule`
/// seeds the start times, the jitter and the alignment of the server's windows. Returns the
/// number of 429 answers.
async fn two_hundred_starts(schedule: u64) -> usize {
    let key = format!("it-track-burst-key-{schedule}");
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(&key, FakeMode::Production);
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    server.set_rate_limit(Some(FixedWindows::tgtrack(
        tokio::time::Instant::now(),
        Duration::from_millis(437 + schedule * 131),
    )));
    server.set_arrival_jitter(Some((Duration::from_millis(30), 2024 + schedule)));
    // Waits of up to 120 s for the limiter; the overall deadline must cover them.
    let client = Client::builder(key.as_str())
        .max_rate_wait(Duration::from_secs(120))
        .core(|c| {
            c.with_loopback_url(server.base_url())
                .with_timeouts(Timeouts {
                    attempt: Duration::from_secs(30),
                    overall: Duration::from_secs(180),
                })
        })
        .build()
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7 + schedule);
    let mut tasks = Vec::new();
    for i in 0..200i64 {
        let offset = Duration::from_millis(rng.random_range(0..60_000));
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            client
                .user_did_start_bot(10_000 + i, format!("User {i}"))
                .send()
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(fake.users(&key).len(), 200, "schedule {schedule}");
    let worst = server.worst_window_counts().unwrap();
    assert!(worst[0] <= 3 && worst[1] <= 500, "{worst:?}");
    server.rate_limited_count()
}

#[tokio::test(start_paused = true)]
async fn two_hundred_starts_in_a_minute_meet_no_429() {
    // Schedules where the same burst without the 50 ms margin meets 429s.
    for schedule in [14, 19, 22, 34, 35] {
        assert_eq!(two_hundred_starts(schedule).await, 0, "schedule {schedule}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_queue_longer_than_the_default_wait_fails_locally_naming_the_quota() {
    let key = "it-track-queue-key";
    let s = setup(key, FakeMode::Production).await;
    // 60 callers willing to wait queue up about 20 s of traffic at 3 a second.
    let mut patient = Vec::new();
    for i in 0..60i64 {
        let request = s
            .client
            .add_event(100 + i, "lesson")
            .max_rate_wait(Duration::from_secs(60));
        patient.push(tokio::spawn(request.send()));
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    // A caller with the default 10 s wait is refused at once, nothing sent for it.
    let before = s.server.request_count();
    let e = s.client.add_event(1, "impatient").send().await.unwrap_err();
    match e.kind() {
        ErrorKind::RateLimited {
            origin: RateLimitOrigin::Local { quota },
            retry_after,
        } => {
            assert_eq!((quota.count, quota.window), (3, Duration::from_secs(1)));
            assert!(retry_after.unwrap() > Duration::from_secs(10), "{e}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.is_rate_limited());
    assert!(e.to_string().contains("3/second"), "{e}");
    assert!(s.server.request_count() <= before + 3);
    for t in patient {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.fake.accepted_events(key).len(), 60);
}

// ---- (g) the key never shows ----

const SECRET_KEY: &str = "tgtrack-SECRET-key-4f9c2b7e";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET_KEY), "{what} shows the key: {text}");
    assert!(
        !text.contains("4f9c2b7e"),
        "{what} shows part of the key: {text}"
    );
}

fn assert_error_hidden(e: &tg_common::Error) {
    assert_hidden("Display", &e.to_string());
    assert_hidden("Debug", &format!("{e:?}"));
    assert_hidden("Debug", &format!("{e:#?}"));
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        assert_hidden("source", &s.to_string());
        source = s.source();
    }
}

#[tokio::test(start_paused = true)]
async fn the_key_never_appears_in_debug_display_or_errors() {
    let fake = Arc::new(TgtrackFake::new());
    let server = MockServer::start(Arc::clone(&fake)).await.unwrap();
    let builder = Client::builder(SECRET_KEY).core(|c| {
        c.with_loopback_url(server.base_url())
            .with_timeouts(Timeouts {
                attempt: Duration::from_secs(1),
                overall: Duration::from_secs(5),
            })
    });
    assert_hidden("builder", &format!("{builder:?} {builder:#?}"));
    let client = builder.build().unwrap();
    assert_hidden("client", &format!("{client:?} {client:#?}"));
    assert_hidden("request", &format!("{:#?}", client.add_event(5, "sale")));
    assert_hidden(
        "forward",
        &format!("{:#?}", client.on_telegram_webhook(update(ODD_UPDATE))),
    );

    let mut errors = Vec::new();
    // 401: the fake does not know the key.
    errors.push(client.add_event(5, "sale").send().await.unwrap_err());
    // A proxy page echoing the URL, the key in it.
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(
            502,
            format!("<html>no upstream for /v1/{SECRET_KEY}/add_event</html>"),
        )),
    ));
    errors.push(client.add_event(5, "sale").send().await.unwrap_err());
    // A broken OK envelope echoing the key.
    server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(Reply::new(
            200,
            format!("{{\"status\":\"OK\",\"data\":{{\"user_id\":\"{SECRET_KEY}\""),
        )),
    ));
    errors.push(client.get_user_info(5).send().await.unwrap_err());
    // A stalled server: the attempt timeout.
    server.push_fault(FaultRule::next(1, Fault::Stall));
    errors.push(client.add_event(5, "sale").send().await.unwrap_err());
    // A reset connection.
    server.push_fault(FaultRule::next(1, Fault::ResetAfterHeaders));
    errors.push(client.add_event(5, "sale").send().await.unwrap_err());
    // Invalid input.
    errors.push(client.add_event(0, "sale").send().await.unwrap_err());
    // Nobody listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let nowhere = Client::builder(SECRET_KEY)
        .core(|c| c.with_loopback_url(format!("http://{closed}")))
        .build()
        .unwrap();
    errors.push(nowhere.add_event(5, "sale").send().await.unwrap_err());
    assert_hidden("client", &format!("{nowhere:?}"));

    assert!(
        matches!(errors[0].kind(), ErrorKind::Api(_)),
        "{:?}",
        errors[0]
    );
    assert!(
        matches!(errors[1].kind(), ErrorKind::Http { status: 502, .. }),
        "{:?}",
        errors[1]
    );
    assert!(
        matches!(errors[2].kind(), ErrorKind::Decode { .. }),
        "{:?}",
        errors[2]
    );
    assert!(
        matches!(errors[3].kind(), ErrorKind::Timeout { .. }),
        "{:?}",
        errors[3]
    );
    assert!(
        matches!(errors[4].kind(), ErrorKind::Transport { .. }),
        "{:?}",
        errors[4]
    );
    assert!(
        matches!(errors[5].kind(), ErrorKind::InvalidInput { .. }),
        "{:?}",
        errors[5]
    );
    assert!(
        matches!(errors[6].kind(), ErrorKind::Transport { .. }),
        "{:?}",
        errors[6]
    );
    // A queue longer than the allowed wait: refused locally.
    let mut limited = None;
    for _ in 0..10 {
        let Err(e) = client
            .my_bot_was_stopped(5)
            .max_rate_wait(Duration::ZERO)
            .send()
            .await
        else {
            continue;
        };
        if e.is_rate_limited() {
            limited = Some(e);
            break;
        }
    }
    let limited = limited.expect("the limiter refused a call with no wait allowed");
    assert!(
        matches!(
            limited.kind(),
            ErrorKind::RateLimited {
                origin: RateLimitOrigin::Local { .. },
                ..
            }
        ),
        "{limited:?}"
    );
    errors.push(limited);
    for e in &errors {
        assert_error_hidden(e);
    }
    // The excerpts kept the rest of the bodies: only the key was masked.
    assert!(
        errors[1].to_string().contains("no upstream for /v1/"),
        "{}",
        errors[1]
    );
}
