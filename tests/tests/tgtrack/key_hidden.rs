//! (g) The key never shows.

use super::*;
use integration_tests::support;

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
    for s in support::sources(e) {
        assert_hidden("source", &s.to_string());
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
