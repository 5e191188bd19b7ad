//! (b) Forwarding keeps the caller's bytes.

use super::*;

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
