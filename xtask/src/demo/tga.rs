//! The TGA demo: `tga-client` against the fake TGA, in-process: the documents' example events
//! with `send`, a tracker with flush and shutdown, and a 403 explained.

use std::sync::Arc;
use std::time::Duration;

use tg_mock::MockServer;
use tg_mock::tga::TgaFake;
use tga_client::{Client, ClientTimestamp, Event, EventName, TrackerConfig};
use uuid::Uuid;

use super::render::Section;
use crate::text;

const APP: &str = "docs";
const DOMAIN: &str = "docs.example.org";

/// The documents' three example events (app launch, wallet connection started, failed).
fn documented_events(client: &Client, session: Uuid) -> Vec<Event> {
    let ton_connect = |e: Event| {
        e.with_custom("ton_connect_sdk_lib", "3.0.3")
            .with_custom("ton_connect_ui_lib", "2.0.5")
    };
    let common = |e: Event, at: u64| {
        e.with_premium(true)
            .with_platform("tdesktop")
            .with_locale("en")
            .with_client_timestamp(ClientTimestamp::from_millis(at))
    };
    vec![
        common(
            client.event(111_111_111, EventName::AppInit, session),
            1_743_503_599_534,
        ),
        common(
            ton_connect(client.event(111_111_111, EventName::ConnectionStarted, session)),
            1_743_503_647_541,
        ),
        common(
            ton_connect(
                client
                    .event(111_111_111, EventName::ConnectionError, session)
                    .with_success(false)
                    .with_error_message("Connection was cancelled")
                    .with_error_code(None),
            ),
            1_743_503_683_701,
        ),
    ]
}

/// Starts the fake, sends the documented events, runs a tracker and shows a 403.
pub async fn run(s: &mut Section) -> Result<(), String> {
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token(APP, DOMAIN);
    let server = MockServer::start(Arc::clone(&fake)).await.map_err(text)?;
    let builder =
        |token: &str| Client::builder(token).core(|c| c.with_loopback_url(server.base_url()));
    // The app name and Origin are read from the token.
    let client = builder(&token).build().map_err(text)?;
    s.note(format!(
        "A client for app `{}`, presenting Origin {} (both read from the token), gzip {}.",
        client.app_name(),
        client.origin(),
        if client.gzip() { "on" } else { "off" }
    ));

    let session = Uuid::new_v4();
    for event in documented_events(&client, session) {
        let result = client.send_events(std::slice::from_ref(&event)).await;
        s.call(&format!("send([{}])", event.event_name), &result, |()| {
            "accepted".to_owned()
        });
    }

    let tracker = client
        .tracker(TrackerConfig::default().with_linger(Duration::from_millis(200)))
        .map_err(text)?;
    for n in 0..45 {
        let event = client
            .event(111_111_111, EventName::CustomEvent, session)
            .with_custom("step", n);
        tracker.track(&event).await.map_err(text)?;
    }
    let flushed = tracker.flush().await;
    s.call("tracker: track(45 custom-event), flush()", &flushed, |()| {
        "everything queued so far is delivered".to_owned()
    });
    let shut = tracker.shutdown(Duration::from_secs(5)).await;
    s.call("tracker: shutdown(5 s)", &shut, |()| {
        "everything delivered, nothing handed back".to_owned()
    });
    s.call("tracker: stats()", &Ok::<_, String>(tracker.stats()), |t| {
        format!(
            "{} queued, {} sent, {} dropped, {} dead-lettered, {} undelivered; \
             {} requests, {} retried",
            t.queued, t.sent, t.dropped, t.dead_lettered, t.undelivered, t.requests, t.retried
        )
    });
    s.note(format!(
        "The fake holds {} events from {} requests.",
        fake.accepted_count(),
        fake.counts().accepted_requests
    ));

    let wrong_origin = builder(&token)
        .origin("https://my-other-site.example.com")
        .build()
        .map_err(text)?;
    let event = wrong_origin.event(111_111_111, EventName::AppInit, session);
    let result = wrong_origin.send_events(&[event]).await;
    s.call(
        "send([app-init]) with Origin my-other-site.example.com",
        &result,
        |()| "accepted".to_owned(),
    );
    Ok(())
}
