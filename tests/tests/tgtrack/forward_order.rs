//! (k) How `ForwardQueue` spends the quota: a claim's updates are in flight together, each at
//! its own slot; one chat's updates go one at a time, in order, also across a failure; a
//! service that is down costs one call a retry, not a claim's worth.

use super::*;
use tgtrack_client::ForwardQueue;

/// Updates of `chats` users, `rounds` each, interleaved (A1 B1 C1 A2 B2 C2 ...).
fn interleaved(chats: i64, rounds: i64) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for round in 0..rounds {
        for chat in 0..chats {
            let user = 7_000_000_000 + chat;
            let id = (round * chats + chat + 1) as u64;
            out.push((user, private_message(id, user, "/start ref", NOW)));
        }
    }
    out
}

/// A queue on the setup's client, every update of `sent` submitted.
async fn submitted(s: &Setup, sent: &[(i64, String)]) -> ForwardQueue {
    let queue = ForwardQueue::start(s.client.clone()).unwrap();
    for (_, u) in sent {
        queue.submit(u.clone()).await;
    }
    queue
}

/// What the fake processed, as (chat, bytes), in the order it processed them.
fn processed(s: &Setup, key: &str, sent: &[(i64, String)]) -> Vec<(i64, String)> {
    s.fake
        .forwarded(key)
        .iter()
        .map(|f| {
            let body = String::from_utf8(f.body.to_vec()).unwrap();
            sent.iter().find(|(_, u)| *u == body).unwrap().clone()
        })
        .collect()
}

fn of_chat(order: &[(i64, String)], chat: i64) -> Vec<&String> {
    order
        .iter()
        .filter(|(c, _)| *c == chat)
        .map(|(_, u)| u)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_chats_updates_go_in_order_one_at_a_time_while_other_chats_go_beside_them() {
    let key = "it-track-order-key";
    let s = setup(key, FakeMode::Production).await;
    // Every answer takes 2 s: a claim's calls overlap.
    s.server
        .push_fault(FaultRule::always(Fault::Delay(Duration::from_secs(2))));
    let sent = interleaved(3, 4);
    let queue = submitted(&s, &sent).await;
    queue.flush().await.unwrap();
    let order = processed(&s, key, &sent);
    assert_eq!(order.len(), sent.len(), "each once");
    for chat in 0..3 {
        let chat = 7_000_000_000 + chat;
        assert_eq!(
            of_chat(&order, chat),
            of_chat(&sent, chat),
            "chat {chat} in order"
        );
    }
    // When each request arrived, by chat: one chat's are an answer (2 s) apart at least,
    // different chats' overlap.
    let arrivals: Vec<(i64, tokio::time::Instant)> = s
        .server
        .requests()
        .iter()
        .map(|r| {
            let body = String::from_utf8(r.body.to_vec()).unwrap();
            let chat = sent.iter().find(|(_, u)| *u == body).unwrap().0;
            (chat, r.received_at)
        })
        .collect();
    for (i, (chat, at)) in arrivals.iter().enumerate() {
        for (other, later) in &arrivals[i + 1..] {
            if other == chat {
                assert!(
                    *later - *at >= Duration::from_secs(2),
                    "chat {chat} overlapped"
                );
            }
        }
    }
    let overlapping = arrivals
        .windows(2)
        .filter(|p| p[1].1 - p[0].1 < Duration::from_secs(2))
        .count();
    assert!(overlapping >= 6, "{arrivals:?}");
    queue.close(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_update_is_retried_before_the_later_ones_of_its_chat() {
    let key = "it-track-order-fail-key";
    let s = setup(key, FakeMode::Production).await;
    // The first call fails (not processed); the answers take 1 s, so the chat's second
    // update waits behind the first in its lane.
    s.server.push_fault(FaultRule::next(
        1,
        Fault::RespondUnprocessed(error_reply(503, None, None)),
    ));
    s.server
        .push_fault(FaultRule::always(Fault::Delay(Duration::from_secs(1))));
    let sent = interleaved(2, 3);
    let queue = submitted(&s, &sent).await;
    queue.flush().await.unwrap();
    let order = processed(&s, key, &sent);
    // At least once: the first chat's later updates may go twice, never before the first.
    for chat in 0..2 {
        let chat = 7_000_000_000 + chat;
        let mut got = of_chat(&order, chat);
        got.dedup();
        assert_eq!(got, of_chat(&sent, chat), "chat {chat} in order");
    }
    let stats = queue.close(Duration::from_secs(5)).await;
    assert_eq!(
        (stats.outbox.rejected, stats.pending()),
        (0, 0),
        "{stats:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_service_that_is_down_costs_one_call_a_retry() {
    let key = "it-track-probe-key";
    let s = setup(key, FakeMode::Production).await;
    s.server
        .push_fault(FaultRule::always(Fault::RespondUnprocessed(error_reply(
            503, None, None,
        ))));
    let sent = interleaved(16, 1);
    let queue = submitted(&s, &sent).await;
    // The first claims go at once (16 calls); then each retry sends one update, after the
    // outbox's backoff: sending the whole claim again took 30 calls in the first 10 s and 16
    // every retry.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let during = s.server.request_count();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let retries = s.server.request_count() - during;
    assert!(during <= 24, "{during} calls in the first 10 s");
    assert!((1..=10).contains(&retries), "{retries} calls in a minute");
    s.server.clear_faults();
    queue.flush().await.unwrap();
    assert_eq!(processed(&s, key, &sent).len(), 16);
    let stats = queue.close(Duration::from_secs(5)).await;
    assert_eq!(
        (stats.outbox.rejected, stats.pending()),
        (0, 0),
        "{stats:?}"
    );
}
