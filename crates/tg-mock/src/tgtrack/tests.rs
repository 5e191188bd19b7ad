//! Tests of the fake TGTrack through `FakeService::handle`.

use serde_json::json;

use super::*;

const KEY: &str = "prodkey123";
const SANDBOX: &str = "sandboxkey456";

fn fake() -> TgtrackFake {
    let f = TgtrackFake::new();
    f.add_key(KEY, Mode::Production);
    f.add_key(SANDBOX, Mode::Sandbox);
    f.set_now(Some(1_700_000_000));
    f
}

fn post(key: &str, method: &str, body: impl Into<Bytes>) -> Request {
    Request::new(Method::POST, &format!("/v1/{key}/{method}"))
        .with_header("content-type", "application/json")
        .with_body(body)
}

fn call(f: &TgtrackFake, key: &str, method: &str, body: &Value) -> Reply {
    f.handle(&post(key, method, body.to_string()))
}

fn assert_error(reply: &Reply, code: u16, details_contain: &str) {
    assert_eq!(reply.status.as_u16(), code, "{:?}", reply.json_body());
    let body = reply.json_body().unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["error_code"], code);
    assert_eq!(body["error_description"], error_description(code));
    let details = body["error_details"].as_str().unwrap_or("");
    assert!(details.contains(details_contain), "{details:?}");
}

fn assert_ok(reply: &Reply, mode: &str) -> Value {
    assert_eq!(reply.status.as_u16(), 200, "{:?}", reply.json_body());
    let body = reply.json_body().unwrap();
    assert_eq!(body["status"], "OK");
    assert_eq!(body["mode"], mode);
    body
}

fn start_update(user_id: i64, text: &str, chat_type: &str, date: i64) -> Value {
    json!({
        "update_id": 10001,
        "message": {
            "message_id": 1,
            "from": {"id": user_id, "is_bot": false, "first_name": "Вася", "last_name": "Пупкин", "username": "vasya"},
            "chat": {"id": user_id, "type": chat_type},
            "date": date,
            "text": text
        }
    })
}

fn member_update(user_id: i64, status: &str, date: i64) -> Value {
    json!({
        "update_id": 10002,
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": false, "first_name": "Вася"},
            "date": date,
            "old_chat_member": {"user": {"id": 1, "is_bot": true, "first_name": "B"}, "status": "member"},
            "new_chat_member": {"user": {"id": 1, "is_bot": true, "first_name": "B"}, "status": status}
        }
    })
}

#[test]
fn envelopes_report_the_mode() {
    let f = fake();
    let body = json!({"start_value": "abc"});
    assert_eq!(
        assert_ok(&call(&f, KEY, "my_bot_was_started", &body), "production"),
        json!({"status": "OK", "mode": "production"})
    );
    assert_ok(&call(&f, SANDBOX, "my_bot_was_started", &body), "sandbox");
    f.set_mode(KEY, Mode::Sandbox);
    assert_ok(&call(&f, KEY, "my_bot_was_started", &body), "sandbox");
    let err = call(&f, SANDBOX, "add_event", &json!({}));
    assert_eq!(err.json_body().unwrap()["mode"], "sandbox");
}

#[test]
fn unknown_key_expired_key_and_bad_paths() {
    let f = fake();
    let r = call(&f, "nope", "add_event", &json!({}));
    assert_error(&r, 401, "");
    assert!(r.json_body().unwrap().get("mode").is_none());
    f.expire_key(KEY);
    assert_error(&call(&f, KEY, "add_event", &json!({})), 402, "expired");
    f.add_key(KEY, Mode::Production);
    assert_ok(
        &call(&f, KEY, "my_bot_was_started", &json!({"start_value": ""})),
        "production",
    );
    for path in [
        "/v1/",
        "/v1/KEY",
        "/v2/KEY/add_event",
        "/",
        "/v1/KEY/add_event/x",
    ] {
        let r = f.handle(&Request::new(Method::POST, path));
        assert_error(&r, 404, "");
    }
    f.remove_key(SANDBOX);
    assert_error(&call(&f, SANDBOX, "add_event", &json!({})), 401, "");
}

#[test]
fn unknown_method_non_post_and_content_type() {
    let f = fake();
    assert_error(
        &call(&f, KEY, "bot_was_started", &json!({})),
        404,
        "bot_was_started",
    );
    let get = Request::new(Method::GET, &format!("/v1/{KEY}/get_user_info"));
    assert_error(&f.handle(&get), 405, "POST");
    let no_ct = Request::new(Method::POST, &format!("/v1/{KEY}/add_event")).with_body("{}");
    assert_error(&f.handle(&no_ct), 415, "application/json");
    let form = Request::new(Method::POST, &format!("/v1/{KEY}/add_event"))
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body("a=b");
    assert_error(&f.handle(&form), 415, "");
    let with_charset = Request::new(Method::POST, &format!("/v1/{KEY}/my_bot_was_started"))
        .with_header("content-type", "Application/JSON; charset=utf-8")
        .with_body(r#"{"start_value":""}"#);
    assert_ok(&f.handle(&with_charset), "production");
    let brotli = post(KEY, "add_event", "{}").with_header("content-encoding", "br");
    assert_error(&f.handle(&brotli), 415, "Content-Encoding");
}

#[test]
fn malformed_and_invalid_bodies_are_422_naming_the_field() {
    let f = fake();
    assert_error(
        &f.handle(&post(KEY, "add_event", "{\"user_id\":")),
        400,
        "malformed JSON",
    );
    assert_error(&f.handle(&post(KEY, "add_event", "[]")), 422, "object");
    let cases = [
        (
            "add_event",
            json!({"event_type": "sale"}),
            "user_id: is required",
        ),
        (
            "add_event",
            json!({"user_id": 5, "event_type": "sale"}),
            "user_id: must be a string",
        ),
        (
            "add_event",
            json!({"user_id": "", "event_type": "sale"}),
            "user_id: must not be empty",
        ),
        (
            "add_event",
            json!({"user_id": "12a", "event_type": "sale"}),
            "user_id",
        ),
        (
            "add_event",
            json!({"user_id": "5"}),
            "event_type: is required",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "  "}),
            "event_type: must not be empty",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "x", "event_result": "won"}),
            "event_result",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "x", "amount": "1500.00"}),
            "amount: must be a JSON number",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "x", "date": 1.5}),
            "date",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "x", "date": null}),
            "date: must be omitted",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "x", "labels": [{"name": "", "value": "v"}]}),
            "labels[0].name",
        ),
        (
            "add_event",
            json!({"user_id": "5", "event_type": "x", "labels": {"name": "a"}}),
            "labels: must be an array",
        ),
        ("my_bot_was_started", json!({}), "start_value: is required"),
        (
            "my_bot_was_started",
            json!({"start_value": 5}),
            "start_value: must be a string",
        ),
        ("my_bot_was_stopped", json!({"date": 5}), "user_id"),
        (
            "user_did_start_bot",
            json!({"user_id": "5"}),
            "first_name: is required",
        ),
        (
            "send_reach_goal",
            json!({"user_id": "5", "target": ""}),
            "target: must not be empty",
        ),
        (
            "get_user_info",
            json!({"user_id": 5}),
            "user_id: must be a string",
        ),
        ("sambot_on_tg_webhook", json!({}), "webhook: is required"),
        (
            "sambot_on_tg_webhook",
            json!({"webhook": 5}),
            "webhook: must be",
        ),
        (
            "sambot_on_tg_webhook",
            json!({"webhook": {"message": {}}}),
            "webhook.update_id",
        ),
        (
            "on_telegram_webhook",
            json!({"message": {}}),
            "update_id: is required",
        ),
        ("on_telegram_webhook", json!([1]), "must be a JSON object"),
    ];
    for (method, body, details) in cases {
        let r = call(&f, KEY, method, &body);
        assert_error(&r, 422, details);
    }
    assert!(f.accepted_events(KEY).is_empty());
}

#[test]
fn start_and_stop_reports_establish_what_get_user_info_answers() {
    let f = fake();
    f.add_invite_link(
        KEY,
        "PJaf5568712cd",
        InviteLink {
            name: "Яндекс.Директ".into(),
            utm_source: Some("test_source".into()),
            utm_medium: Some("test_medium".into()),
            utm_campaign: Some("test_campaign".into()),
            ..InviteLink::default()
        },
    );
    let unknown = call(&f, KEY, "get_user_info", &json!({"user_id": "123456789"}));
    assert_error(&unknown, 405, "123456789");

    let r = call(
        &f,
        KEY,
        "on_telegram_webhook",
        &start_update(
            123_456_789,
            "/start PJaf5568712cd",
            "private",
            1_680_387_078,
        ),
    );
    assert_ok(&r, "production");
    let info = call(&f, KEY, "get_user_info", &json!({"user_id": "123456789"}));
    assert_eq!(
        assert_ok(&info, "production")["data"],
        json!({
            "user_id": "123456789",
            "first_join_date": 1680387078,
            "last_join_date": 1680387078,
            "invite_link": "Яндекс.Директ",
            "left_date": 0,
            "first_name": "Вася",
            "last_name": "Пупкин",
            "username": "vasya",
            "utm_source": "test_source",
            "utm_medium": "test_medium",
            "utm_campaign": "test_campaign"
        })
    );

    // A block, then a restart without parameter: the first source stays.
    call(
        &f,
        KEY,
        "on_telegram_webhook",
        &member_update(123_456_789, "kicked", 1_680_400_000),
    );
    assert_eq!(f.user(KEY, "123456789").unwrap().left_date, 1_680_400_000);
    call(
        &f,
        KEY,
        "on_telegram_webhook",
        &start_update(123_456_789, "/start", "private", 1_680_500_000),
    );
    let user = f.user(KEY, "123456789").unwrap();
    assert_eq!(user.first_join_date, 1_680_387_078);
    assert_eq!(user.last_join_date, 1_680_500_000);
    assert_eq!(user.left_date, 0);
    assert_eq!(user.invite_link, "Яндекс.Директ");

    call(
        &f,
        KEY,
        "my_bot_was_stopped",
        &json!({"user_id": "123456789"}),
    );
    assert_eq!(f.user(KEY, "123456789").unwrap().left_date, 1_700_000_000);
    call(
        &f,
        KEY,
        "my_bot_was_stopped",
        &json!({"user_id": "123456789", "date": 1_690_000_000}),
    );
    assert_eq!(f.user(KEY, "123456789").unwrap().left_date, 1_690_000_000);
    call(
        &f,
        KEY,
        "on_telegram_webhook",
        &member_update(123_456_789, "member", 1_695_000_000),
    );
    let user = f.user(KEY, "123456789").unwrap();
    assert_eq!((user.last_join_date, user.left_date), (1_695_000_000, 0));

    // Keys do not share users.
    assert!(f.user(SANDBOX, "123456789").is_none());
}

#[test]
fn user_did_start_bot_establishes_a_user_with_the_raw_start_value() {
    let f = fake();
    let body = json!({
        "user_id": "987654321", "first_name": "John", "last_name": "Doe",
        "username": "johnDoe5672", "start_value": "TГTrack-PJ123456"
    });
    assert_ok(&call(&f, KEY, "user_did_start_bot", &body), "production");
    let data = assert_ok(
        &call(&f, KEY, "get_user_info", &json!({"user_id": "987654321"})),
        "production",
    )["data"]
        .clone();
    assert_eq!(data["invite_link"], "TГTrack-PJ123456");
    assert_eq!(data["first_join_date"], 1_700_000_000);
    assert_eq!(data["last_name"], "Doe");
    assert!(data.get("utm_source").is_none());
}

#[test]
fn group_starts_and_other_updates_are_accepted_but_change_nothing() {
    let f = fake();
    for update in [
        start_update(5, "/start@my_bot x", "group", 1),
        start_update(5, "hello", "private", 1),
        json!({"update_id": 3, "callback_query": {"id": "1", "from": {"id": 5}, "data": "/start"}}),
        json!({"update_id": 4, "edited_message": {"chat": {"type": "private"}, "text": "/start"}}),
    ] {
        assert_ok(&call(&f, KEY, "on_telegram_webhook", &update), "production");
    }
    assert!(f.users(KEY).is_empty());
}

#[test]
fn re_serialized_updates_are_rejected() {
    let f = fake();
    let mut update = start_update(5, "/start", "private", 1);
    let from = update["message"]
        .as_object_mut()
        .unwrap()
        .remove("from")
        .unwrap();
    update["message"]["from_user"] = from;
    assert_error(
        &call(&f, KEY, "on_telegram_webhook", &update),
        422,
        "from_user",
    );
}

#[test]
fn forwarded_bodies_are_kept_byte_for_byte() {
    let f = fake();
    let odd = "{ \"message\":{\"text\":\"/start caf\\u00e9\",\"date\":5,\"chat\":{\"type\":\"private\",\"id\":7},\n \"from\":{\"id\":7,\"first_name\":\"A\"},\"big\":123456789012345678901234567890},\"update_id\":9007199254740993 }";
    assert_ok(
        &f.handle(&post(KEY, "on_telegram_webhook", odd)),
        "production",
    );
    let sambot_object = format!("{{\"webhook\":{odd}}}");
    assert_ok(
        &f.handle(&post(KEY, "sambot_on_tg_webhook", sambot_object.clone())),
        "production",
    );
    let sambot_string = json!({"webhook": odd}).to_string();
    assert_ok(
        &f.handle(&post(KEY, "sambot_on_tg_webhook", sambot_string.clone())),
        "production",
    );
    let pulse = "[{\"title\":\"run_flow\", \"bot\":{\"id\":\"x\"}}]";
    assert_ok(
        &f.handle(&post(KEY, "on_send_pulse_event", pulse)),
        "production",
    );
    for method in [
        "my_bothelp_was_started",
        "win_win_was_started",
        "on_toolsy_event",
    ] {
        assert_ok(&f.handle(&post(KEY, method, "{\"a\" : 1}")), "production");
    }
    let fw = f.forwarded(KEY);
    assert_eq!(fw.len(), 7);
    assert_eq!(&fw[0].body[..], odd.as_bytes());
    assert_eq!(fw[0].update.as_deref(), Some(odd.as_bytes()));
    assert_eq!(&fw[1].body[..], sambot_object.as_bytes());
    assert_eq!(fw[1].update.as_deref(), Some(odd.as_bytes()));
    assert_eq!(&fw[2].body[..], sambot_string.as_bytes());
    assert_eq!(fw[2].update.as_deref(), Some(odd.as_bytes()));
    assert_eq!(&fw[3].body[..], pulse.as_bytes());
    assert_eq!(fw[3].update, None);
    assert_eq!(f.users(KEY).len(), 1);
    assert_error(
        &f.handle(&post(KEY, "on_toolsy_event", "{")),
        400,
        "malformed",
    );
    assert_eq!(
        f.forwarded(KEY).len(),
        7,
        "a malformed body is not recorded"
    );
}

#[test]
fn a_body_with_syntax_errors_is_400_and_a_malformed_update_is_not_recorded() {
    let f = fake();
    for method in [
        "on_telegram_webhook",
        "add_event",
        "get_user_info",
        "on_send_pulse_event",
    ] {
        assert_error(
            &f.handle(&post(KEY, method, "{\"update_id\":")),
            400,
            "malformed JSON",
        );
    }
    assert!(f.forwarded(KEY).is_empty());
    assert_error(&f.handle(&post(KEY, "add_event", "[]")), 422, "object");
}

#[test]
fn add_event_keeps_exact_amounts_and_applies_defaults() {
    let f = fake();
    let body = r#"{"user_id":"987654321","event_type":"sale","date":1622520000,"amount":1500.00,"conversion_target":"lead","labels":[{"name":"manager","value":"Jane Doe"},{"name":"product","value":"Smartphone"}]}"#;
    assert_ok(&f.handle(&post(KEY, "add_event", body)), "production");
    assert_ok(
        &f.handle(&post(KEY, "add_event", r#"{"user_id":"1","event_type":"refund","amount":-12345678901234567.123456789,"event_result":"failure"}"#)),
        "production",
    );
    let events = f.accepted_events(KEY);
    assert_eq!(
        events[0],
        AcceptedEvent {
            user_id: "987654321".into(),
            event_type: "sale".into(),
            event_result: "in_progress".into(),
            date: 1_622_520_000,
            date_sent: true,
            conversion_target: Some("lead".into()),
            amount: Some("1500.00".into()),
            labels: vec![
                ("manager".into(), "Jane Doe".into()),
                ("product".into(), "Smartphone".into())
            ],
        }
    );
    assert_eq!(
        events[1].amount.as_deref(),
        Some("-12345678901234567.123456789")
    );
    assert_eq!(events[1].event_result, "failure");
    assert_eq!(
        (events[1].date, events[1].date_sent),
        (1_700_000_000, false)
    );
}

#[test]
fn goals_and_anonymous_starts_are_recorded() {
    let f = fake();
    call(
        &f,
        KEY,
        "send_reach_goal",
        &json!({"user_id": "987654321", "target": "userDidSharePhone"}),
    );
    assert_eq!(
        f.goals(KEY),
        [ReachedGoal {
            user_id: "987654321".into(),
            target: "userDidSharePhone".into(),
            date: 1_700_000_000
        }]
    );
    call(
        &f,
        KEY,
        "my_bot_was_started",
        &json!({"start_value": "auto_detect"}),
    );
    assert_eq!(f.anonymous_starts(KEY)[0].start_value, "auto_detect");
}

#[test]
fn last_events_keep_the_last_hundred_with_status() {
    let f = fake();
    call(&f, KEY, "my_bot_was_started", &json!({"start_value": ""}));
    call(&f, KEY, "add_event", &json!({"user_id": "1"}));
    call(&f, KEY, "no_such_method", &json!({}));
    let events = f.last_events(KEY);
    assert_eq!(events.len(), 3);
    assert_eq!(
        (events[0].method.as_str(), events[0].status_code),
        ("my_bot_was_started", 0)
    );
    assert!(events[0].is_ok());
    assert_eq!(events[1].status_code, 422);
    assert_eq!(
        events[1].error_description.as_deref(),
        Some("Unprocessable entity")
    );
    assert!(
        events[1]
            .error_details
            .as_deref()
            .unwrap()
            .contains("event_type")
    );
    assert_eq!(events[2].status_code, 404);
    assert_eq!(events[2].received_at, 1_700_000_000);
    for i in 0..150 {
        call(
            &f,
            KEY,
            "my_bot_was_started",
            &json!({"start_value": format!("v{i}")}),
        );
    }
    let events = f.last_events(KEY);
    assert_eq!(events.len(), LAST_EVENTS_KEPT);
    assert_eq!(&events[99].body[..], br#"{"start_value":"v149"}"#);
    assert_eq!(&events[0].body[..], br#"{"start_value":"v50"}"#);
    assert!(f.last_events("unknown").is_empty());
}

#[test]
fn rate_limit_answer_and_key() {
    let f = fake();
    let req = post(SANDBOX, "add_event", "{}");
    assert_eq!(f.rate_limit_key(&req).as_deref(), Some(SANDBOX));
    assert_eq!(
        f.rate_limit_key(&Request::new(Method::POST, "/health")),
        None
    );
    let r = f.rate_limited(&req);
    assert_eq!(r.status.as_u16(), 429);
    assert_eq!(
        r.json_body().unwrap(),
        json!({"status": "error", "mode": "sandbox", "error_code": 429, "error_description": "Too many requests"})
    );
    assert_eq!(f.last_events(SANDBOX)[0].status_code, 429);
    let unknown = f.rate_limited(&post("nokey", "add_event", "{}"));
    assert!(unknown.json_body().unwrap().get("mode").is_none());
}

#[test]
fn gzip_bodies_are_accepted() {
    use std::io::Write;
    let f = fake();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"user_id":"5","target":"t"}"#).unwrap();
    let body = gz.finish().unwrap();
    let req = post(KEY, "send_reach_goal", body).with_header("content-encoding", "gzip");
    assert_ok(&f.handle(&req), "production");
    assert_eq!(f.goals(KEY).len(), 1);
}

#[test]
fn error_reply_helper_covers_every_documented_code() {
    for code in [400, 401, 402, 403, 404, 405, 409, 415, 422, 429, 500, 503] {
        let r = error_reply(code, Some("d"), Some(Mode::Production));
        assert_error(&r, code, "d");
        assert_ne!(error_description(code), "Error");
    }
}

#[test]
fn updates_telegram_never_sends_are_422() {
    let f = fake();
    let good = json!({"update_id": 1, "message": {"message_id": 1, "date": 1_700_000_000,
        "chat": {"id": 7, "type": "private"}, "from": {"id": 7, "is_bot": false, "first_name": "A"},
        "text": "/start"}});
    assert_ok(
        &f.handle(&post(KEY, "on_telegram_webhook", good.to_string())),
        "production",
    );
    let mut with_null = good.clone();
    with_null["message"]["from"]["last_name"] = Value::Null;
    let mut renamed = good.clone();
    let from = renamed["message"]["from"].take();
    renamed["message"].as_object_mut().unwrap().remove("from");
    renamed["message"]["from_user"] = from;
    let mut added = good.clone();
    added["extra"] = json!({});
    for (bad, named) in [
        (with_null, "message.from.last_name"),
        (renamed, "message.from_user"),
        (added, "extra"),
    ] {
        assert_error(
            &f.handle(&post(KEY, "on_telegram_webhook", bad.to_string())),
            422,
            named,
        );
        let wrapped = json!({"webhook": bad});
        assert_error(
            &f.handle(&post(KEY, "sambot_on_tg_webhook", wrapped.to_string())),
            422,
            named,
        );
    }
}
