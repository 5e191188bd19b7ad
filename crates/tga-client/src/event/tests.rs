//! Tests of the event model against the documents' examples.

use serde_json::{Value, json};

use super::*;

/// The three request examples of the document (`fixtures/tga/`, byte for byte).
const EXAMPLES: [&str; 3] = [
    include_str!("../../../../fixtures/tga/post-events.request.app-init.json"),
    include_str!("../../../../fixtures/tga/post-events.request.connection-started.json"),
    include_str!("../../../../fixtures/tga/post-events.request.connection-error.json"),
];

fn session() -> Uuid {
    Uuid::parse_str("10c574d9-6d2c-4e6d-a141-ce6da141ce6d").unwrap()
}

#[test]
fn documented_examples_round_trip_to_equal_json() {
    for example in EXAMPLES {
        let original: Value = serde_json::from_str(example).unwrap();
        let events: Vec<Event> = serde_json::from_str(example).unwrap();
        assert_eq!(events.len(), 1);
        events[0].validate().unwrap();
        let again = serde_json::to_value(&events).unwrap();
        assert_eq!(again, original);
        let encoded: Vec<EncodedEvent> = events.iter().map(|e| e.encode().unwrap()).collect();
        let body: Value = serde_json::from_slice(&encode_batch(&encoded)).unwrap();
        assert_eq!(body, original);
    }
}

#[test]
fn gitbook_copy_of_the_second_example_is_not_json() {
    // The GitBook copy (000) omits the closing `]` of the second example.
    let broken = EXAMPLES[1].trim_end().trim_end_matches(']');
    assert!(serde_json::from_str::<Value>(broken).is_err());
}

#[test]
fn third_example_decodes_to_typed_fields() {
    let events: Vec<Event> = serde_json::from_str(EXAMPLES[2]).unwrap();
    let e = &events[0];
    assert_eq!(e.event_name, EventName::ConnectionError);
    assert_eq!(e.session_id, session());
    assert_eq!(e.user_id, 111_111_111);
    assert_eq!(e.error_code, Some(None));
    assert_eq!(e.is_success, Some(false));
    assert_eq!(
        e.client_timestamp,
        Some(ClientTimestamp::from_millis(1_743_503_683_701))
    );
    assert_eq!(
        e.custom_data.as_ref().unwrap()["ton_connect_ui_lib"],
        json!("2.0.5")
    );
}

#[test]
fn builder_matches_the_first_example() {
    let built = Event::new(111_111_111, EventName::AppInit, session(), "docs")
        .with_premium(true)
        .with_platform("tdesktop")
        .with_locale("en")
        .with_client_timestamp(ClientTimestamp::from_millis(1_743_503_599_534));
    let original: Value = serde_json::from_str(EXAMPLES[0]).unwrap();
    assert_eq!(serde_json::to_value([built]).unwrap(), original);
}

#[test]
fn unset_optional_fields_are_omitted_not_null() {
    let e = Event::new(1, "custom-event", session(), "app");
    let v = serde_json::to_value(&e).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{v}");
    assert!(!e.encode().unwrap().json().contains("null"));
}

#[test]
fn error_code_is_absent_null_or_a_number() {
    let base = Event::new(1, "connection-error", session(), "app");
    let absent = serde_json::to_value(&base).unwrap();
    assert!(absent.get("error_code").is_none());
    let null = serde_json::to_value(base.clone().with_error_code(None)).unwrap();
    assert_eq!(null["error_code"], Value::Null);
    let code = serde_json::to_value(base.with_error_code(Some(300))).unwrap();
    assert_eq!(code["error_code"], json!(300));
    let back: Event = serde_json::from_value(code).unwrap();
    assert_eq!(back.error_code, Some(Some(300)));
}

#[test]
fn null_in_other_optional_fields_decodes_as_absent() {
    let v = json!({
        "event_name": "app-init", "session_id": session(), "user_id": 5, "app_name": "a",
        "platform": null, "messages": null
    });
    let e: Event = serde_json::from_value(v).unwrap();
    assert_eq!(e.platform, None);
    assert_eq!(e.messages, None);
}

#[test]
fn every_field_round_trips() {
    let e = Event::new(7, "transaction-signed", session(), "app")
        .with_premium(false)
        .with_success(true)
        .with_error_message("m")
        .with_error_code(Some(1))
        .with_wallet_address("EQA")
        .with_wallet_type("tonkeeper")
        .with_wallet_version("3.0")
        .with_auth_type(AuthType::TonProof)
        .with_valid_until("1743503999")
        .with_from("EQB")
        .with_messages(vec![
            Message::new("EQC", "1000"),
            Message::nanotons("EQD", 5),
        ])
        .with_custom("chain_id", "-239")
        .with_client_timestamp(ClientTimestamp::from_millis(1))
        .with_platform("ios")
        .with_locale("ru")
        .with_start_param("ref_1")
        .with_url_referer("https://t.me/app")
        .with_scope("dapp")
        .with_wallet_state_init("te6cc")
        .with_trace_id("0192")
        .with_signed_transaction("te6cd");
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 25);
    assert_eq!(v["auth_type"], json!("ton_proof"));
    assert_eq!(v["messages"][1], json!({"address": "EQD", "amount": "5"}));
    assert_eq!(v["from"], json!("EQB"));
    let back: Event = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
    let encoded = e.encode().unwrap();
    assert_eq!(encoded.decode().unwrap(), e);
}

#[test]
fn numeric_auth_type_decodes_and_is_sent_as_a_string() {
    let v = json!({
        "event_name": "connection-completed", "session_id": session(), "user_id": 5,
        "app_name": "a", "auth_type": 0
    });
    let e: Event = serde_json::from_value(v).unwrap();
    assert_eq!(e.auth_type, Some(AuthType::TonAddr));
    assert_eq!(
        serde_json::to_value(&e).unwrap()["auth_type"],
        json!("ton_addr")
    );
}

#[test]
fn unknown_event_name_round_trips() {
    let v = json!({
        "event_name": "quest-finished", "session_id": session(), "user_id": 5, "app_name": "a"
    });
    let e: Event = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(e.event_name, EventName::Custom("quest-finished".into()));
    assert_eq!(serde_json::to_value(&e).unwrap(), v);
}

#[test]
fn session_id_must_be_a_uuid() {
    let v = json!({"event_name": "app-init", "session_id": "nope", "user_id": 5, "app_name": "a"});
    assert!(serde_json::from_value::<Event>(v).is_err());
}

#[test]
fn validate_names_the_failing_field() {
    let ok = Event::new(1, "app-init", session(), "app");
    ok.validate().unwrap();
    let cases = [
        (Event::new(0, "app-init", session(), "app"), "user_id"),
        (Event::new(-5, "app-init", session(), "app"), "user_id"),
        (Event::new(1, "", session(), "app"), "event_name"),
        (Event::new(1, "app-init", session(), "  "), "app_name"),
        (
            ok.clone().with_messages(vec![Message::new("", "1")]),
            "messages[0].address",
        ),
        (
            ok.clone()
                .with_messages(vec![Message::new("a", "1"), Message::new("a", "1.5")]),
            "messages[1].amount",
        ),
        (
            ok.clone().with_messages(vec![Message::new("a", "")]),
            "messages[0].amount",
        ),
    ];
    for (event, field) in cases {
        let err = event.validate().unwrap_err();
        match err.kind() {
            tg_common::ErrorKind::InvalidInput { field: f, .. } => assert_eq!(f, field),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn encoded_batch_is_a_json_array() {
    assert_eq!(encode_batch(&[]), b"[]");
    let a = Event::new(1, "app-init", session(), "x").encode().unwrap();
    let b = Event::new(2, "app-hide", session(), "x").encode().unwrap();
    let body: Value = serde_json::from_slice(&encode_batch(&[a.clone(), b])).unwrap();
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["user_id"], json!(1));
    assert_eq!(a.len(), a.json().len());
    assert!(!a.is_empty());
}

/// One event of every name the official SDK knows, as the SDK shapes them.
pub(crate) const SDK_EVENTS: &str = include_str!("../../../../fixtures/tga/sdk-events.json");

#[test]
fn sdk_events_of_every_kind_re_encode_to_equal_json() {
    let original: Vec<Value> = serde_json::from_str(SDK_EVENTS).unwrap();
    let names: Vec<&str> = original
        .iter()
        .map(|e| e["event_name"].as_str().unwrap())
        .collect();
    let known: Vec<&str> = EventName::KNOWN.iter().map(EventName::as_str).collect();
    assert_eq!(
        names, known,
        "the fixture holds one event of every SDK name"
    );
    for json in &original {
        let event = Event::from_json(&json.to_string()).unwrap();
        event.validate().unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), *json);
        let encoded: Value = serde_json::from_str(event.encode().unwrap().json()).unwrap();
        assert_eq!(encoded, *json);
        assert_eq!(event.encode().unwrap().decode().unwrap(), event);
    }
}

#[test]
fn register_invoice_keeps_its_invoice() {
    let all: Vec<Event> = serde_json::from_str(SDK_EVENTS).unwrap();
    let invoice = all
        .iter()
        .find(|e| e.event_name == EventName::RegisterInvoice)
        .unwrap();
    for key in [
        "slug",
        "title",
        "description",
        "payload",
        "currency",
        "prices",
    ] {
        assert!(invoice.extra.contains_key(key), "{key}");
    }
    assert_eq!(
        invoice.extra["prices"],
        json!([{"label": "Premium pack", "amount": 250}, {"label": "Tip", "amount": 1}])
    );
    let custom = &all[2];
    assert_eq!(
        custom.extra["details"]["big"],
        json!(9_007_199_254_740_993u64)
    );
    assert_eq!(custom.extra["details"]["none"], Value::Null);
}

#[test]
fn events_received_as_json_are_kept_byte_for_byte() {
    let text = r#"{ "event_name":"register-invoice", "session_id":"10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
        "user_id":5,"app_name":"a","prices":[{"label":"x","amount":1.50}],"auth_type":0 }"#;
    let encoded = EncodedEvent::from_json(text).unwrap();
    assert_eq!(encoded.json(), text);
    let array = format!("[{text},\n{text}]");
    let all = EncodedEvent::from_json_array(&array).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|e| e.json() == text));
}

#[test]
fn events_received_as_json_are_checked_first() {
    let field = |r: Result<EncodedEvent, Error>| match r.unwrap_err().into_kind() {
        tg_common::ErrorKind::InvalidInput { field, reason } => format!("{field}: {reason}"),
        other => panic!("{other:?}"),
    };
    let missing = r#"{"event_name":"app-init","user_id":5,"app_name":"a"}"#;
    assert!(field(EncodedEvent::from_json(missing)).contains("session_id"));
    let zero = r#"{"event_name":"app-init","session_id":"10c574d9-6d2c-4e6d-a141-ce6da141ce6d","user_id":0,"app_name":"a"}"#;
    assert!(field(EncodedEvent::from_json(zero)).starts_with("user_id"));
    assert!(field(EncodedEvent::from_json("[1]")).starts_with("event"));
    assert!(field(EncodedEvent::from_json("nope")).starts_with("event"));
    let batch = format!("[{}, {zero}]", EXAMPLES[0].trim().trim_matches(['[', ']']));
    match EncodedEvent::from_json_array(&batch)
        .unwrap_err()
        .into_kind()
    {
        tg_common::ErrorKind::InvalidInput { field, .. } => assert_eq!(field, "[1].user_id"),
        other => panic!("{other:?}"),
    }
    assert!(EncodedEvent::from_json_array("[]").is_err());
}

#[test]
fn an_extra_field_may_not_shadow_a_typed_one() {
    let e = Event::new(1, "app-init", session(), "app").with_extra("platform", "ios");
    match e.validate().unwrap_err().into_kind() {
        tg_common::ErrorKind::InvalidInput { field, .. } => assert_eq!(field, "extra.platform"),
        other => panic!("{other:?}"),
    }
    let ok = Event::new(1, "purchase-init", session(), "app").with_extra("slug", "abc");
    ok.validate().unwrap();
    assert_eq!(serde_json::to_value(&ok).unwrap()["slug"], json!("abc"));
}

fn refused_field(event: &Event) -> String {
    match event.validate().unwrap_err().into_kind() {
        tg_common::ErrorKind::InvalidInput { field, .. } => field.into_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_text_field_is_refused_one_character_over_its_limit() {
    type Set = fn(Event, String) -> Event;
    let cases: [(&str, Set); 16] = [
        ("error_message", |e, v| e.with_error_message(v)),
        ("wallet_address", |e, v| e.with_wallet_address(v)),
        ("wallet_type", |e, v| e.with_wallet_type(v)),
        ("wallet_version", |e, v| e.with_wallet_version(v)),
        ("valid_until", |e, v| e.with_valid_until(v)),
        ("from", |e, v| e.with_from(v)),
        ("platform", |e, v| e.with_platform(v)),
        ("locale", |e, v| e.with_locale(v)),
        ("start_param", |e, v| e.with_start_param(v)),
        ("url_referer", |e, v| e.with_url_referer(v)),
        ("scope", |e, v| e.with_scope(v)),
        ("wallet_state_init", |e, v| e.with_wallet_state_init(v)),
        ("trace_id", |e, v| e.with_trace_id(v)),
        ("signed_transaction", |e, v| e.with_signed_transaction(v)),
        ("event_name", |mut e, v| {
            e.event_name = v.into();
            e
        }),
        ("app_name", |mut e, v| {
            e.app_name = v;
            e
        }),
    ];
    for (field, set) in cases {
        let limit = limits::text_limit(field).unwrap();
        let base = Event::new(1, "app-init", session(), "app");
        // Characters, not bytes: `é` is two bytes.
        set(base.clone(), "é".repeat(limit)).validate().unwrap();
        assert_eq!(refused_field(&set(base, "é".repeat(limit + 1))), field);
    }
}

#[test]
fn messages_custom_data_and_extra_fields_have_limits() {
    let base = Event::new(1, "transaction-signed", session(), "app");
    let many = vec![Message::nanotons("EQ", 1); limits::MAX_MESSAGES + 1];
    assert_eq!(refused_field(&base.clone().with_messages(many)), "messages");
    let long_address = vec![Message::new("E".repeat(129), "1")];
    assert_eq!(
        refused_field(&base.clone().with_messages(long_address)),
        "messages[0].address"
    );
    let huge = "x".repeat(limits::MAX_OBJECT_BYTES);
    assert_eq!(
        refused_field(&base.clone().with_custom("k", huge.as_str())),
        "custom_data"
    );
    assert_eq!(
        refused_field(&base.clone().with_extra("note", huge.as_str())),
        "extra.note"
    );
    let invoice = Event::new(1, "register-invoice", session(), "app")
        .with_extra("title", "t".repeat(32))
        .with_extra("description", "d".repeat(255))
        .with_extra("payload", "p".repeat(128))
        .with_extra("currency", "XTR");
    invoice.validate().unwrap();
    for (key, value) in [
        ("title", "t".repeat(33)),
        ("description", "d".repeat(256)),
        ("payload", "é".repeat(65)),
        ("currency", "XTRX".into()),
    ] {
        let e = invoice.clone().with_extra(key, value);
        assert_eq!(refused_field(&e), format!("extra.{key}"));
    }
    // Other events' `title` is not an invoice's.
    base.with_extra("title", "t".repeat(100))
        .validate()
        .unwrap();
}

#[test]
fn an_event_longer_than_the_event_limit_is_not_encoded() {
    let mut e = Event::new(1, "app-init", session(), "app");
    for i in 0..5 {
        e = e.with_extra(format!("k{i}"), "x".repeat(limits::MAX_OBJECT_BYTES - 10));
    }
    e.validate().unwrap();
    let err = e.encode().unwrap_err();
    assert!(err.to_string().contains("65536"), "{err}");
    let json = serde_json::to_string(&e).unwrap();
    assert!(EncodedEvent::from_json(&json).is_err());
}
