//! A Mini App backend on axum that records Telegram Mini Apps Analytics (TGA) events through
//! the batching `Tracker`, and flushes them on a graceful shutdown (Ctrl-C): no event is lost
//! when the process stops.
//!
//! ```sh
//! cargo run -p examples --example mini_app_analytics
//! ```
//!
//! The example starts the fake TGA of `tg-mock` in-process and serves the backend on 127.0.0.1
//! (`POST /api/open` starts a session, `POST /api/purchase` records a purchase). Each request
//! queues an event and returns at once; the tracker delivers them in batches. On Ctrl-C the
//! backend stops taking requests, the tracker delivers what is queued, and the example prints
//! the counters and what the fake received. With `TG_EXAMPLE_CI=1` it plays the Mini App itself
//! (20 users, 60 events, one outage answer on the way), then shuts down the same way and checks
//! that the fake received every event.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tg_mock::tga::TgaFake;
use tg_mock::{Fault, FaultRule, MockServer, Reply};
use tga_client::{Client, DeadLetterSink, EventName, Tracker, TrackerConfig};
use uuid::Uuid;

/// How many users the CI scenario plays.
const USERS: usize = 20;

/// What the handlers share: the client (to build events) and the tracker (to queue them).
#[derive(Clone)]
struct Analytics {
    client: Client,
    tracker: Tracker,
}

impl Analytics {
    /// Queues an event. Analytics never fail the user's request: a refused event is logged.
    async fn track(&self, event: tga_client::Event) {
        if let Err(e) = self.tracker.track(&event).await {
            println!("backend: event not tracked: {e}");
        }
    }
}

#[derive(Deserialize)]
struct Open {
    user_id: i64,
    platform: String,
}

#[derive(Serialize, Deserialize)]
struct Session {
    session_id: Uuid,
}

#[derive(Deserialize)]
struct Purchase {
    user_id: i64,
    session_id: Uuid,
    sku: String,
}

/// `POST /api/open`: the Mini App was opened; a new analytics session starts.
async fn open(State(analytics): State<Analytics>, Json(open): Json<Open>) -> Json<Session> {
    let session_id = Uuid::new_v4();
    let event = analytics
        .client
        .event(open.user_id, EventName::AppInit, session_id)
        .with_platform(open.platform)
        .with_client_timestamp_now();
    analytics.track(event).await;
    Json(Session { session_id })
}

/// `POST /api/purchase`: the user bought something (the payment itself is not shown).
async fn purchase(State(analytics): State<Analytics>, Json(p): Json<Purchase>) -> StatusCode {
    let event = analytics
        .client
        .event(p.user_id, EventName::PurchaseSuccess, p.session_id)
        .with_custom("sku", p.sku)
        .with_client_timestamp_now();
    analytics.track(event).await;
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    // The fake TGA and a token for the Mini App served from shop.example.com.
    let fake = Arc::new(TgaFake::new());
    let token = fake.issue_token("shop_app", "shop.example.com");
    let server = MockServer::start(Arc::clone(&fake)).await?;
    // The app name and the Origin are read from the token.
    let client = Client::builder(token)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;
    println!(
        "TGA client for app {} (Origin {})",
        client.app_name(),
        client.origin()
    );

    // Events the service refuses for good go to a dead-letter sink (here, the log).
    let dead_letters = DeadLetterSink::new(|letter| {
        println!("TGA refused {}: {}", letter.event.json(), letter.message);
    });
    let tracker = client.tracker(TrackerConfig::default().with_dead_letters(dead_letters))?;
    let analytics = Analytics {
        client,
        tracker: tracker.clone(),
    };

    let app = Router::new()
        .route("/api/open", post(open))
        .route("/api/purchase", post(purchase))
        .with_state(analytics);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    // The backend stops on Ctrl-C, or when the CI scenario is done.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = stopped => {}
                }
            })
            .await
    });
    println!("backend listening on {base}");

    if ci {
        // One outage answer (the service recorded nothing): the tracker retries that batch.
        server.push_fault(FaultRule::next(
            1,
            Fault::RespondUnprocessed(Reply::new(503, "upstream unavailable")),
        ));
        play_the_mini_app(&base, USERS).await?;
        let _ = stop.send(());
    } else {
        println!("try:");
        println!(
            "  curl -H 'content-type: application/json' -d '{{\"user_id\":42,\"platform\":\"ios\"}}' {base}/api/open"
        );
        println!("Ctrl-C stops the backend and flushes the tracker");
    }
    serving.await??;

    // Graceful shutdown: no new events; deliver what is queued within 10 s. What could not be
    // delivered in time comes back: a real backend would store it and re-send it at its next
    // start.
    println!(
        "shutting down with {} events pending",
        tracker.stats().pending()
    );
    let undelivered = match tracker.shutdown(Duration::from_secs(10)).await {
        Ok(()) => Vec::new(),
        Err(e) => {
            println!("tracker: {e}");
            e.report()
                .map(|r| r.undelivered.clone())
                .unwrap_or_default()
        }
    };
    let stats = tracker.stats();
    println!(
        "tracker: {} queued, {} sent in {} requests ({} retried), {} dropped, {} dead-lettered, {} undelivered",
        stats.queued,
        stats.sent,
        stats.requests,
        stats.retried,
        stats.dropped,
        stats.dead_lettered,
        undelivered.len()
    );
    println!(
        "the fake TGA recorded {} of the {} events tracked",
        fake.accepted_count(),
        stats.queued
    );

    if ci {
        // Each user opens the Mini App and buys twice.
        let expected = 3 * USERS;
        let queued = usize::try_from(stats.queued)?;
        if queued != expected || fake.accepted_count() != expected || !undelivered.is_empty() {
            return Err(format!(
                "expected {expected} events delivered, the fake recorded {}",
                fake.accepted_count()
            )
            .into());
        }
    }
    Ok(())
}

/// Plays `users` users of the Mini App: each opens it and buys twice (three events each).
async fn play_the_mini_app(base: &str, users: usize) -> Result<(), Box<dyn Error>> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse()?);
    for n in 1..=users {
        let user_id = 100_000 + i64::try_from(n)?;
        let body = serde_json::json!({ "user_id": user_id, "platform": "ios" });
        let answer = tg_mock::deliver::post(
            &format!("{base}/api/open"),
            &headers,
            body.to_string().into(),
        )
        .await?;
        let session: Session = serde_json::from_slice(&answer.body)?;
        for sku in ["stars-100", "pro-monthly"] {
            let body = serde_json::json!({
                "user_id": user_id,
                "session_id": session.session_id,
                "sku": sku,
            });
            let answer = tg_mock::deliver::post(
                &format!("{base}/api/purchase"),
                &headers,
                body.to_string().into(),
            )
            .await?;
            if answer.status != 204 {
                return Err(format!("/api/purchase answered {}", answer.status).into());
            }
        }
    }
    Ok(())
}
