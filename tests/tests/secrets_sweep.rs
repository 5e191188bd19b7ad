//! The secrets sweep: every client × every fault × servers echoing the key in every form (raw,
//! upper- and lower-cased, percent-encoded, JSON-escaped whole or one character), with all
//! output captured: Display, Debug, `{:#?}`, the source chain, and tracing at TRACE for every
//! target. The key must never appear, in any of those forms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tg_common::{Error, RetryPolicy};
use tg_mock::{Fault, FaultRule, FixedReply, MockServer, Reply};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const TRACK_KEY: &str = "Sk-Live.Key_9";
const MEMBERSHIP_KEY: &str = "Mb-Secret.Key_42";
const TGA_TOKEN: &str = "U2VjcmV0VG9rZW4=!c2lnX2tleQ";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Writer<'a>(&'a mut String);

impl Visit for Writer<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut s = self.0.lock().unwrap();
        let _ = write!(s, "\nspan {}", attrs.metadata().name());
        attrs.record(&mut Writer(&mut s));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Writer(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut s = self.0.lock().unwrap();
        let _ = write!(s, "\nevent {}", event.metadata().target());
        event.record(&mut Writer(&mut s));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn json_escaped(key: &str) -> String {
    key.chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect()
}

fn percent_encoded(key: &str) -> String {
    key.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Every form an echo of `key` can take inside a JSON string.
fn forms(key: &str) -> Vec<String> {
    let mut one = String::new();
    for (i, c) in key.chars().enumerate() {
        if i == 2 {
            let _ = write!(one, "\\u{:04X}", c as u32);
        } else {
            one.push(c);
        }
    }
    vec![
        key.to_owned(),
        key.to_lowercase(),
        key.to_uppercase(),
        percent_encoded(key),
        percent_encoded(key).to_lowercase(),
        json_escaped(key),
        one,
    ]
}

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
        Reply::new(502, format!("<html>Bad gateway: {text}</html>")),
        Reply::new(200, format!("{{\"ok\":true,\"result\":\"{text}\"")),
        Reply::new(
            200,
            format!("{{\"ok\":true,\"result\":{{\"order_key\":5,\"x\":\"{text}\"}}}}"),
        ),
    ]
}

fn leaks(key: &str, text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    [
        key.to_lowercase(),
        percent_encoded(key).to_lowercase(),
        json_escaped(key).to_lowercase(),
    ]
    .into_iter()
    .find(|form| lower.contains(form))
}

fn check(key: &str, err: &Error, log: &str, what: &str) {
    let mut texts = vec![format!("{err}"), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(format!("{s} {s:?} {s:#?}"));
        source = s.source();
    }
    texts.push(log.to_owned());
    for text in texts {
        if let Some(form) = leaks(key, &text) {
            panic!("{what}: the key leaked as {form:?}: {text}");
        }
    }
}

/// Runs `call` against a server answering `reply` (after one 503 echo, so a retried call logs
/// its "retrying" event), and checks everything printed.
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
    let mut faults = vec![
        Fault::ResetBeforeHeaders,
        Fault::ResetAfterHeaders,
        Fault::TruncatedBody,
    ];
    for form in forms(key) {
        for reply in replies(&form) {
            faults.push(Fault::RespondUnprocessed(reply));
        }
    }
    for (i, fault) in faults.into_iter().enumerate() {
        let capture = Capture::default();
        let echo_503 = Reply::new(
            503,
            format!("{{\"description\":\"busy {}\"}}", json_escaped(key)),
        );
        let result = tracing::subscriber::with_default(capture.clone(), || {
            rt.block_on(async {
                let server = MockServer::start(Arc::new(FixedReply(Reply::new(503, "down"))))
                    .await
                    .unwrap();
                server.push_fault(FaultRule::always(fault));
                server.push_fault(FaultRule::next(1, Fault::RespondUnprocessed(echo_503)));
                call(server.base_url()).await
            })
        });
        let log = capture.0.lock().unwrap().clone();
        match result {
            Err(err) => check(key, &err, &log, &format!("{label} case {i}")),
            Ok(()) => {
                if let Some(form) = leaks(key, &log) {
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
            .core(|c| c.with_base_url(url).with_plain_http_loopback(true))
            .retry_policy(fast_retry())
            .build()?;
        client.my_bot_was_stopped(1).send().await.map(|_| ())
    });
}

#[test]
fn tgmembership_never_prints_its_key() {
    sweep(MEMBERSHIP_KEY, "tgmembership", |url| async move {
        let client = tgmembership_client::Client::builder(42, MEMBERSHIP_KEY)
            .core(|c| c.with_base_url(url).with_plain_http_loopback(true))
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
            .core(|c| {
                c.with_base_url(url)
                    .with_plain_http_loopback(true)
                    .with_retry(fast_retry())
            })
            .build()?;
        let event = client.event(1, tga_client::EventName::AppInit, uuid::Uuid::nil());
        client.send(std::slice::from_ref(&event)).await.map(|_| ())
    });
}
