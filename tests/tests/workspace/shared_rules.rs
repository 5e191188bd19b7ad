//! The rules every provider shares, tested once over one table of every call of every client,
//! each call driven through tg-common's `RequestBuilder` over loopback against its fake:
//!
//! - after an ambiguous failure (an unprocessed 503, a connection reset after the headers) an
//!   idempotent call is repeated and any other call is sent once, its error saying it may be
//!   repeated only if idempotent;
//! - `.retry_unsafe()` opts any single call into the repeat;
//! - a 429 is repeated for every call, after its Retry-After;
//! - what `render()` shows is marked with the call's idempotency from the table.
//!
//! The key never showing is the cross-provider `secrets_sweep` suite. Time is virtual.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tg_common::{Error, Idempotency, Operation, RequestBuilder, RetryPolicy, RetrySafety};
use tg_mock::tga::TgaFake;
use tg_mock::tgmembership::TgmembershipFake;
use tg_mock::tgtrack::{Mode as FakeMode, TgtrackFake};
use tg_mock::{Fault, FaultRule, MockServer, Reply};

/// One boxed call.
type Sent = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// The three fakes, their servers and a client of each.
struct Fakes {
    tga: (MockServer, tga_client::Client),
    tgm: (MockServer, tgmembership_client::Client),
    track: (MockServer, tgtrack_client::Client),
}

const TGM_BOT: i64 = 1_347_378_140;

/// Repeats at once: the rules are about whether a call is repeated, not when.
fn no_backoff() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        jitter: false,
        ..RetryPolicy::default()
    }
}

impl Fakes {
    /// Fakes and clients with keys of their own for `test`: a remote 429 pauses every client
    /// of a key in the process, so tests running at once must not share one.
    async fn start(test: &str) -> Fakes {
        let track_key = format!("shared-{test}-track");
        let tgm_key = format!("shared-{test}-tgm");
        let tga_fake = Arc::new(TgaFake::new());
        let token = tga_fake.issue_token("shared_rules_app", "shared.example");
        let tga_server = MockServer::start(tga_fake).await.unwrap();
        let tga = tga_client::Client::builder(token)
            .core(|c| {
                c.with_loopback_url(tga_server.base_url())
                    .with_retry(no_backoff())
            })
            .build()
            .unwrap();

        let tgm_fake = Arc::new(TgmembershipFake::new(TGM_BOT, &tgm_key));
        let tgm_server = MockServer::start(tgm_fake).await.unwrap();
        let tgm = tgmembership_client::Client::builder(TGM_BOT, tgm_key)
            .core(|c| {
                c.with_loopback_url(tgm_server.base_url())
                    .with_retry(no_backoff())
            })
            .build()
            .unwrap();

        let track_fake = Arc::new(TgtrackFake::new());
        track_fake.add_key(&track_key, FakeMode::Production);
        let track_server = MockServer::start(track_fake).await.unwrap();
        let track = tgtrack_client::Client::builder(track_key)
            .core(|c| {
                c.with_loopback_url(track_server.base_url())
                    .with_retry(no_backoff())
            })
            .build()
            .unwrap();

        Fakes {
            tga: (tga_server, tga),
            tgm: (tgm_server, tgm),
            track: (track_server, track),
        }
    }
}

/// One call of the table: which server it reaches, whether it is idempotent, and how to make
/// its request.
struct Case {
    call: &'static str,
    idempotent: bool,
    server: fn(&Fakes) -> &MockServer,
    render: fn(&Fakes) -> Result<tg_common::Call, Error>,
    send: fn(&Fakes, bool) -> Sent,
}

/// Sends `builder`, opted into repeats after ambiguous failures when `retry_unsafe`.
fn send<O>(builder: RequestBuilder<O>, retry_unsafe: bool) -> Sent
where
    O: Operation + Send + Sync + 'static,
    O::Client: Send + Sync,
    O::Output: Send,
{
    let builder = if retry_unsafe {
        builder.retry_unsafe()
    } else {
        builder
    };
    Box::pin(async move { builder.send().await.map(drop) })
}

macro_rules! case {
    ($fake:ident, $call:literal, $idempotent:expr, |$c:ident| $request:expr) => {
        Case {
            call: $call,
            idempotent: $idempotent,
            server: |f| &f.$fake.0,
            render: |f| {
                let $c = &f.$fake.1;
                $request.render()
            },
            send: |f, retry_unsafe| {
                let $c = &f.$fake.1;
                send($request, retry_unsafe)
            },
        }
    };
}

fn raw_update() -> tgtrack_client::RawUpdate {
    tgtrack_client::RawUpdate::try_from(
        r#"{"update_id":1,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"Ann"},"chat":{"id":5,"type":"private"},"date":1700000000,"text":"/start","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}"#,
    )
    .unwrap()
}

fn raw_json() -> tgtrack_client::RawJson {
    tgtrack_client::RawJson::try_from(r#"{"user_id":5,"start":"x"}"#).unwrap()
}

fn tga_events(c: &tga_client::Client) -> Vec<tga_client::Event> {
    vec![c.event(5, "app_init", uuid::Uuid::nil())]
}

/// Every call of every client.
fn table() -> Vec<Case> {
    use tgmembership_client::{Currency, PaymentGateway};
    vec![
        // TGA
        case!(tga, "POST events", false, |c| c.send_events(&tga_events(c))),
        case!(tga, "GET events/threshold", true, |c| c.event_thresholds()),
        // TGmembership
        case!(tgm, "POST affiliate", false, |c| c.affiliates().create(5)),
        case!(tgm, "POST bot", false, |c| c
            .bots()
            .register("123:bot-token")),
        case!(tgm, "GET coupons", true, |c| c.coupons().list()),
        case!(tgm, "GET members", true, |c| c.members().list()),
        case!(tgm, "POST members/accessToken", false, |c| c
            .members()
            .access_token(1)),
        case!(tgm, "GET orders", true, |c| c.orders().list()),
        case!(tgm, "GET orders/{order_key}", true, |c| c
            .orders()
            .get("k1")),
        case!(tgm, "POST orders", false, |c| c
            .orders()
            .create(1, PaymentGateway::Stripe)),
        case!(tgm, "GET orders/count", true, |c| c.orders().count()),
        case!(tgm, "GET paymentMethods", true, |c| c
            .payment_methods()
            .list()),
        case!(tgm, "GET paymentMethods/report", true, |c| c
            .payment_methods()
            .report()),
        case!(tgm, "GET plans", true, |c| c.plans().list()),
        case!(tgm, "POST plans", false, |c| c.plans().create(
            "Gold",
            "1 month",
            Decimal::new(999, 2),
            Currency::Usd
        )),
        case!(tgm, "GET plans/report", true, |c| c.plans().report()),
        case!(tgm, "GET projects", true, |c| c.projects().list()),
        case!(tgm, "GET revenue", true, |c| c
            .revenue(1_700_000_000, 1_700_086_400)),
        case!(tgm, "GET users/count", true, |c| c.users().count()),
        case!(tgm, "POST webhook", false, |c| c
            .webhooks()
            .set("https://bot.example/hook")),
        case!(tgm, "DELETE webhook", true, |c| c
            .webhooks()
            .delete("https://bot.example/hook")),
        // TGTrack
        case!(track, "onTelegramWebhook", false, |c| c
            .on_telegram_webhook(raw_update())),
        case!(track, "myBotWasStarted", false, |c| c
            .my_bot_was_started("x")),
        case!(track, "myBotWasStopped", false, |c| c.my_bot_was_stopped(5)),
        case!(track, "myBothelpWasStarted", false, |c| c
            .my_bothelp_was_started(raw_json())),
        case!(track, "winWinWasStarted", false, |c| c
            .win_win_was_started(raw_json())),
        case!(track, "sambotOnTgWebhook", false, |c| c
            .sambot_on_tg_webhook(raw_update())),
        case!(track, "onToolsyEvent", false, |c| c
            .on_toolsy_event(raw_json())),
        case!(track, "onSendPulseEvent", false, |c| c
            .on_send_pulse_event(raw_json())),
        case!(track, "userDidStartBot", false, |c| c
            .user_did_start_bot(5, "Ann")),
        case!(track, "sendReachGoal", false, |c| c
            .send_reach_goal(5, "paid")),
        case!(track, "add_event", false, |c| c.add_event(5, "sale")),
        case!(track, "get_user_info", true, |c| c.get_user_info(5)),
    ]
}

/// Runs every case after `fault` is scripted for its next request; returns, per case, the
/// number of requests the server saw and the call's result.
async fn under_fault(
    fakes: &Fakes,
    fault: impl Fn() -> Fault,
    retry_unsafe: bool,
) -> Vec<(&'static str, bool, usize, Result<(), Error>)> {
    let mut seen = Vec::new();
    for case in table() {
        let server = (case.server)(fakes);
        server.clear_requests();
        server.push_fault(FaultRule::next(1, fault()));
        let result = (case.send)(fakes, retry_unsafe).await;
        seen.push((case.call, case.idempotent, server.request_count(), result));
    }
    seen
}

fn outage() -> Fault {
    Fault::RespondUnprocessed(Reply::new(503, "<html>503 Service Unavailable</html>"))
}

#[tokio::test(start_paused = true)]
async fn after_an_ambiguous_failure_only_idempotent_calls_are_repeated() {
    let fakes = Fakes::start("ambiguous").await;
    for fault in [outage as fn() -> Fault, || Fault::ResetAfterHeaders] {
        for (call, idempotent, requests, result) in under_fault(&fakes, fault, false).await {
            if idempotent {
                assert_eq!(requests, 2, "{call}: an idempotent call is repeated");
            } else {
                assert_eq!(requests, 1, "{call}: sent once: {result:?}");
                let e = result.expect_err(call);
                assert_eq!(e.retry_safety(), RetrySafety::IfIdempotent, "{call}: {e:?}");
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn retry_unsafe_opts_every_call_into_the_repeat() {
    let fakes = Fakes::start("opt-in").await;
    for (call, _, requests, result) in under_fault(&fakes, outage, true).await {
        assert_eq!(requests, 2, "{call}: repeated when opted in: {result:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_is_repeated_for_every_call_after_its_retry_after() {
    let fakes = Fakes::start("429").await;
    for case in table() {
        let server = (case.server)(&fakes);
        server.clear_requests();
        server.push_fault(FaultRule::next(
            1,
            Fault::RespondUnprocessed(
                Reply::new(429, "{\"error\":\"Too Many Requests\"}")
                    .with_header("retry-after", "2"),
            ),
        ));
        let started = tokio::time::Instant::now();
        let _ = (case.send)(&fakes, false).await;
        assert_eq!(
            server.request_count(),
            2,
            "{}: a 429 is repeated",
            case.call
        );
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "{}: Retry-After honoured",
            case.call
        );
    }
}

#[test]
fn what_render_shows_carries_the_tables_idempotency() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fakes = rt.block_on(Fakes::start("render"));
    for case in table() {
        let call = (case.render)(&fakes).unwrap_or_else(|e| panic!("{}: {e:?}", case.call));
        let expected = if case.idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        assert_eq!(call.idempotency, expected, "{}", case.call);
    }
}
