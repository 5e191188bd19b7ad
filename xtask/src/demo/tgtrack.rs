//! The TGTrack demo: every method of `tgtrack-client` against the fake TGTrack, in-process.

use std::sync::Arc;

use rust_decimal::Decimal;
use tg_mock::MockServer;
use tg_mock::tgtrack::{InviteLink, Mode, TgtrackFake};
use tgtrack_client::envelope::OkAnswer;
use tgtrack_client::prelude::*;
use tgtrack_client::{Client, EventResult, RawJson, RawUpdate, StartValue, UserInfo};

use super::render::{Section, date};
use crate::text;

const KEY: &str = "demo-tgtrack-production-key";
const SANDBOX_KEY: &str = "demo-tgtrack-sandbox-key";
const USER: i64 = 7_123_456_789;

/// A private `/start ydirect` from [`USER`], as Telegram sends it.
const DEEP_LINK_START: &str = r#"{"update_id":912345678,"message":{"message_id":17,"from":{"id":7123456789,"is_bot":false,"first_name":"Вася","username":"vasya","language_code":"ru"},"chat":{"id":7123456789,"first_name":"Вася","type":"private"},"date":1699990000,"text":"/start ydirect","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}"#;

/// An ordinary message: TGTrack does not need it.
const PLAIN_MESSAGE: &str = r#"{"update_id":912345679,"message":{"message_id":18,"from":{"id":7123456789,"is_bot":false,"first_name":"Вася"},"chat":{"id":7123456789,"type":"private"},"date":1699990100,"text":"hello"}}"#;

/// A SamBot user's `/start`.
const SAMBOT_START: &str = r#"{"update_id":912345680,"message":{"message_id":3,"from":{"id":5550001,"is_bot":false,"first_name":"Sam"},"chat":{"id":5550001,"type":"private"},"date":1699990200,"text":"/start sambot_ad"}}"#;

fn update(json: &str) -> Result<RawUpdate, String> {
    RawUpdate::try_from(json).map_err(text)
}

fn raw(json: &str) -> Result<RawJson, String> {
    RawJson::try_from(json).map_err(text)
}

/// An accepted answer in words: `accepted (production key)`.
fn accepted<T>(r: &OkAnswer<T>) -> String {
    match &r.mode {
        Some(mode) => format!("accepted ({mode} key)"),
        None => "accepted".to_owned(),
    }
}

/// What TGTrack knows about a user, in one line.
fn user_info(r: &OkAnswer<UserInfo>) -> String {
    let Some(u) = &r.data else {
        return "no user data in the answer".to_owned();
    };
    let name = match u.last_name.as_deref() {
        Some(last) if !last.is_empty() => format!("{} {last}", u.first_name),
        _ => u.first_name.clone(),
    };
    let utm: Vec<&str> = [&u.utm_source, &u.utm_medium, &u.utm_campaign]
        .into_iter()
        .filter_map(|v| v.as_deref())
        .collect();
    let status = if u.left_date > 0 {
        format!("stopped the bot {}", date(u.left_date))
    } else {
        "still subscribed".to_owned()
    };
    format!(
        "{name} (@{}), joined {} via \"{}\" (utm {}); {status}",
        u.username,
        date(u.first_join_date),
        u.invite_link,
        utm.join("/"),
    )
}

/// Starts the fake, builds a client against it and calls every method once.
pub async fn run(s: &mut Section) -> Result<(), String> {
    let fake = Arc::new(TgtrackFake::new());
    fake.add_key(KEY, Mode::Production);
    fake.add_key(SANDBOX_KEY, Mode::Sandbox);
    fake.set_now(Some(1_700_000_000));
    fake.add_invite_link(
        KEY,
        "ydirect",
        InviteLink {
            name: "Яндекс.Директ".into(),
            utm_source: Some("yandex".into()),
            utm_medium: Some("cpc".into()),
            ..InviteLink::default()
        },
    );
    let server = MockServer::start(Arc::clone(&fake)).await.map_err(text)?;
    let connect = |key: &str| {
        Client::builder(key)
            .core(|c| c.with_loopback_url(server.base_url()))
            .build()
            .map_err(text)
    };
    let client = connect(KEY)?;

    let r = client
        .on_telegram_webhook(update(DEEP_LINK_START)?)
        .send()
        .await;
    s.call(
        "on_telegram_webhook(/start ydirect, verbatim)",
        &r,
        accepted,
    );
    let r = client.forward_if_tracked(PLAIN_MESSAGE.as_bytes()).await;
    s.call("forward_if_tracked(\"hello\")", &r, |r| match r {
        Some(r) => format!("forwarded: {}", accepted(r)),
        None => "not needed by TGTrack: not sent".to_owned(),
    });
    let r = client
        .my_bot_was_started(StartValue::AutoDetect)
        .send()
        .await;
    s.call("my_bot_was_started(auto_detect)", &r, accepted);
    let r = client
        .user_did_start_bot(987_654_321, "John")
        .last_name("Doe")
        .username("johnDoe5672")
        .start_value("PJ123456")
        .send()
        .await;
    s.call("user_did_start_bot(987654321, John Doe)", &r, accepted);
    let r = client
        .sambot_on_tg_webhook(update(SAMBOT_START)?)
        .send()
        .await;
    s.call(
        "sambot_on_tg_webhook({\"webhook\": /start sambot_ad})",
        &r,
        accepted,
    );
    let r = client
        .my_bothelp_was_started(raw(r#"{"subscriber":{"id":"11","name":"Ann"}}"#)?)
        .send()
        .await;
    s.call("my_bothelp_was_started(BotHelp subscriber)", &r, accepted);
    let r = client
        .win_win_was_started(raw(r#"{"event":"new_subscriber","user_id":12}"#)?)
        .send()
        .await;
    s.call("win_win_was_started(Win Win subscriber)", &r, accepted);
    let r = client
        .on_toolsy_event(raw(r#"{"type":"payment.created","amount":990.00}"#)?)
        .send()
        .await;
    s.call("on_toolsy_event(payment.created)", &r, accepted);
    let r = client
        .on_send_pulse_event(raw(r#"[{"title":"bot_start","contact":{"id":"13"}}]"#)?)
        .send()
        .await;
    s.call("on_send_pulse_event(bot_start)", &r, accepted);
    let r = client
        .send_reach_goal(USER, "userDidSharePhone")
        .send()
        .await;
    s.call("send_reach_goal(userDidSharePhone)", &r, accepted);
    let r = client
        .add_event(USER, "sale")
        .result(EventResult::Success)
        .amount(Decimal::new(150_000, 2))
        .conversion_target("lead")
        .label("manager", "Jane Doe")
        .label("product", "Smartphone")
        .send()
        .await;
    s.call("add_event(sale, amount 1500.00, 2 labels)", &r, accepted);
    let r = client.get_user_info(USER).send().await;
    s.call("get_user_info(7123456789)", &r, user_info);
    let r = client.my_bot_was_stopped(USER).send().await;
    s.call("my_bot_was_stopped(7123456789)", &r, accepted);
    let r = client.get_user_info(USER).send().await;
    s.call("get_user_info(7123456789) after the stop", &r, user_info);

    let sandbox = connect(SANDBOX_KEY)?;
    let r = sandbox.add_event(USER, "lesson_2").send().await;
    s.call("add_event(lesson_2) with a sandbox key", &r, |r| {
        format!("{}: is_sandbox() is {}", accepted(r), r.is_sandbox())
    });
    let stranger = connect("demo-tgtrack-unknown-key")?;
    let r = stranger.add_event(USER, "sale").send().await;
    s.call("add_event(sale) with an unknown key", &r, accepted);
    let r = client.add_event(0, "sale").send().await;
    s.call("add_event(user 0) (refused locally)", &r, accepted);

    s.note(format!(
        "The fake recorded {} requests for the production key.",
        fake.last_events(KEY).len()
    ));
    Ok(())
}
