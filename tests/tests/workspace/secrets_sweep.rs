//! The secrets sweep: every client × every fault × servers echoing the key in every form (raw,
//! upper- and lower-cased, percent-encoded, JSON-escaped whole or one character, a path holding
//! it base64-encoded at each byte alignment, standard and URL-safe, padded or not), at 200, 4xx,
//! 429, 5xx and 503, each case after a 503 echoing the same form (so the DEBUG "retrying" event
//! renders it), with all output captured: Display, Debug, `{:#?}`, the source chain, and tracing
//! at TRACE for every target. The key must never appear, in any of those forms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use tg_common::{Error, RetryPolicy};
use tg_mock::leak::{TracingCapture, echo_forms, error_texts, json_escaped, shown_as};
use tg_mock::{Fault, FaultRule, FixedReply, MockServer, Reply};

const TRACK_KEY: &str = "Sk-Live.Key_9";
const MEMBERSHIP_KEY: &str = "Mb-Secret.Key_42";
const TGA_TOKEN: &str = "U2VjcmV0VG9rZW4=!c2lnX2tleQ";

/// Replies a server may give, each echoing `echo`.
fn replies(echo: &str) -> Vec<Reply> {
    let text = format!("no route /v1/{echo}/x (key {echo})");
    let envelope = |status: u16| {
        Reply::new(
            status,
            format!(
                "{{\"ok\":false,\"code\":{status},\"description\":\"{text}\",\"status\":\"ERROR\",\
                 \"error_code\":{status},\"error_description\":\"{text}\",\"error_details\":\"{text}\",\
                 \"message\":\"{text}\",\"path\":\"/v1/{echo}/x\",\"method\":\"{echo}\"}}"
            ),
        )
    };
    vec![
        envelope(400),
        envelope(401),
        envelope(404),
        envelope(422),
        envelope(429),
        envelope(500),
        envelope(503),
        Reply::new(502, format!("<html>Bad gateway: {text}</html>")),
        Reply::new(200, format!("{{\"ok\":true,\"result\":\"{text}\"")),
        Reply::new(
            200,
            format!("{{\"ok\":true,\"result\":{{\"order_key\":5,\"x\":\"{text}\"}}}}"),
        ),
    ]
}

fn check(key: &str, err: &Error, log: &str, what: &str) {
    let mut texts = error_texts(err);
    texts.push(log.to_owned());
    for text in texts {
        if let Some(form) = shown_as(key, &text) {
            panic!("{what}: the key leaked as {form:?}: {text}");
        }
    }
}

/// Runs `call` against a server answering each fault (after one 503 echoing the same form, so a
/// retried call logs its "retrying" event with it), and checks everything printed.
fn sweep<F, Fut>(key: &str, label: &str, call: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let mut faults: Vec<(Fault, String)> = [
        Fault::ResetBeforeHeaders,
        Fault::ResetAfterHeaders,
        Fault::TruncatedBody,
    ]
    .into_iter()
    .map(|fault| (fault, json_escaped(key)))
    .collect();
    for form in echo_forms(key) {
        for reply in replies(&form) {
            faults.push((Fault::RespondUnprocessed(reply), form.clone()));
        }
    }
    for (i, (fault, form)) in faults.into_iter().enumerate() {
        let capture = TracingCapture::default();
        let echo_503 = Reply::new(503, format!("{{\"description\":\"busy /v1/{form}/x\"}}"));
        let result = tracing::subscriber::with_default(capture.clone(), || {
            rt.block_on(async {
                let server = MockServer::start(Arc::new(FixedReply(Reply::new(503, "down"))))
                    .await
                    .unwrap();
                // Rules apply in order: the 503 first, then the fault on every later attempt.
                server.push_fault(FaultRule::next(1, Fault::RespondUnprocessed(echo_503)));
                server.push_fault(FaultRule::always(fault));
                call(server.base_url()).await
            })
        });
        let log = capture.text();
        assert!(
            log.contains("retrying"),
            "{label} case {i}: the 503 was not retried: {log}"
        );
        match result {
            Err(err) => check(key, &err, &log, &format!("{label} case {i}")),
            Ok(()) => {
                if let Some(form) = shown_as(key, &log) {
                    panic!("{label} case {i}: the key leaked into tracing as {form:?}: {log}");
                }
            }
        }
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
        jitter: false,
        ..RetryPolicy::default()
    }
}

#[test]
fn tgtrack_never_prints_its_key() {
    sweep(TRACK_KEY, "tgtrack", |url| async move {
        let client = tgtrack_client::Client::builder(TRACK_KEY)
            .core(|c| c.with_loopback_url(url))
            .retry_policy(fast_retry())
            .build()?;
        // Retried after the 503 although not idempotent, so that it logs "retrying".
        client
            .my_bot_was_stopped(1)
            .retry_unsafe()
            .send()
            .await
            .map(|_| ())
    });
}

#[test]
fn tgmembership_never_prints_its_key() {
    sweep(MEMBERSHIP_KEY, "tgmembership", |url| async move {
        let client = tgmembership_client::Client::builder(42, MEMBERSHIP_KEY)
            .core(|c| c.with_loopback_url(url))
            .retry_policy(fast_retry())
            .build()?;
        client.orders().get("k1").send().await.map(|_| ())
    });
}

#[test]
fn tga_never_prints_its_token() {
    sweep(TGA_TOKEN, "tga", |url| async move {
        let client = tga_client::Client::builder(TGA_TOKEN)
            .app_name("sweep")
            .origin("https://sweep.example.org")
            .core(|c| c.with_loopback_url(url).with_retry(fast_retry()))
            .build()?;
        let event = client.event(1, tga_client::EventName::AppInit, uuid::Uuid::nil());
        client
            .send_events(std::slice::from_ref(&event))
            .retry_unsafe()
            .await
            .map(|_| ())
    });
}
