//! (a) Every method against the fake.

use super::*;

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
        let (name, r) = match method {
            "my_bothelp_was_started" => sent(c.my_bothelp_was_started(raw)).await,
            "win_win_was_started" => sent(c.win_win_was_started(raw)).await,
            "on_toolsy_event" => sent(c.on_toolsy_event(raw)).await,
            _ => sent(c.on_send_pulse_event(raw)).await,
        };
        assert_eq!(name, method);
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

/// Sends a forwarding request: its method's name and the answer.
async fn sent<O>(
    request: tgtrack_client::RequestBuilder<O>,
) -> (
    &'static str,
    tgtrack_client::envelope::OkAnswer<serde_json::Value>,
)
where
    O: Operation<Output = tgtrack_client::envelope::OkAnswer<serde_json::Value>>,
{
    (O::NAME, request.send().await.unwrap())
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
