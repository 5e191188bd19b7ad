//! tga-client over loopback HTTP against the fake TGA, in virtual time: the documents' examples,
//! every documented answer, token-derived defaults, retry safety of `send`, the tracker's
//! flush, redaction of the token, and a 100,000-event soak through random faults; the official
//! SDK's traffic (`sdk`), Mini App initData behind axum (`init_data`), the tracker where delivery
//! goes wrong (`tracker_faults`) and over a spool under SIGKILL and outages (`tracker_spool`,
//! partly in real time and over redis-server).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod answers;
mod examples;
mod flush;
mod init_data;
mod retry_safety;
mod sdk;
mod soak;
mod token_defaults;
mod token_hidden;
mod tracker;
mod tracker_faults;
mod tracker_spool;

use integration_tests::support::{self, TgaSetup as Setup};
use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use tg_common::TransportKind;
use tg_common::{Error, ErrorKind, RetrySafety};
use tg_mock::tga::{INVALID_MARKER, RateLimit, TgaFake, messages};
use tg_mock::{Chaos, Disposition, Fault, FaultRule, Reply};
use tga_client::{
    Client, DeadLetterSink, Event, EventName, TgaApiError, TrackError, TrackerConfig,
};
use uuid::Uuid;

const APP: &str = "docs";
const DOMAIN: &str = "docs.example.org";

/// The three request examples of the document (`fixtures/tga/`, byte for byte).
const EXAMPLES: [&str; 3] = [
    include_str!("../../../fixtures/tga/post-events.request.app-init.json"),
    include_str!("../../../fixtures/tga/post-events.request.connection-started.json"),
    include_str!("../../../fixtures/tga/post-events.request.connection-error.json"),
];

/// The document's request headers, `YOUR_TOKEN` standing for the token.
const HEADERS: &str = include_str!("../../../fixtures/tga/post-events.headers.json");

/// What this suite asks of its fake beyond the shared setup.
trait SetupExt {
    fn dispositions(&self) -> Vec<Disposition>;
    fn token_parts(&self) -> [String; 3];
}

impl SetupExt for Setup {
    /// What the server did with each request.
    fn dispositions(&self) -> Vec<Disposition> {
        support::dispositions(&self.server)
    }

    /// The parts of the token that must never be printed.
    fn token_parts(&self) -> [String; 3] {
        let (payload, signature) = self.token.split_once('!').unwrap();
        [self.token.clone(), payload.to_owned(), signature.to_owned()]
    }
}

fn examples() -> Vec<(Value, Vec<Event>)> {
    EXAMPLES
        .iter()
        .map(|e| {
            (
                serde_json::from_str(e).unwrap(),
                serde_json::from_str(e).unwrap(),
            )
        })
        .collect()
}

fn app_init(client: &Client, n: i64) -> Event {
    client
        .event(n + 1, EventName::AppInit, Uuid::from_u128(n as u128 / 8))
        .with_custom("seq", n)
}

fn detail(err: &Error) -> TgaApiError {
    err.api_detail::<TgaApiError>()
        .unwrap_or_else(|| panic!("not a TGA answer: {err}"))
        .clone()
}

fn reply(status: u16, text: &str) -> Reply {
    Reply::json(status, &serde_json::json!({ "message": text }))
}

fn assert_token_free(text: &str, setup: &Setup) {
    for part in setup.token_parts() {
        assert!(!text.contains(&part), "the token leaked: {text}");
    }
}

fn assert_error_token_free(err: &Error, setup: &Setup) {
    assert_token_free(&format!("{err} {err:?} {err:#?}"), setup);
    for s in support::sources(err) {
        assert_token_free(&format!("{s} {s:?}"), setup);
    }
}
