//! The [`Deliverer`] behind [`ForwardQueue`](super::ForwardQueue): one verbatim update per
//! call, a claim's calls holding their slots of the quota at once, one chat's updates in order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::join_all;
use tg_common::ProviderClient;
use tg_common::outbox::{Claimed, Deliverer, Delivery};

use super::QUEUE_MAX_RATE_WAIT;
use crate::client::Client;
use crate::forward::RawUpdate;
use crate::update_filter::chat_of;

/// Per chat with updates being sent: whether the last one tried was not delivered (those
/// waiting behind it are then retried after it); holding its lock is the chat's turn.
type Lane = Arc<tokio::sync::Mutex<bool>>;

/// Sends one update per call, verbatim, waiting for the quota as long as it needs.
///
/// Every update of a claim is sent at once: each call takes its slot of the quota now, in
/// arrival order, ahead of waiting calls of a lower priority (events), and is sent when its
/// slot comes, while earlier ones may still be answering (sending a call later than its slot
/// could put one too many in a window). So a backlog of starts holds the next slots when the
/// quota returns. A chat's updates go one at a time, in order: one waits for the previous
/// one's answer, and is retried after it when it was not delivered.
pub(super) struct Forwarder {
    client: Client,
    lanes: Mutex<HashMap<i64, Lane>>,
    /// A delivery was retried: the next claim sends one update before the others, so a
    /// service that is down costs one slot a try, not a claim's worth.
    probing: AtomicBool,
}

impl Forwarder {
    pub(super) fn new(client: Client) -> Self {
        Forwarder {
            client,
            lanes: Mutex::default(),
            probing: AtomicBool::new(false),
        }
    }

    async fn forward(&self, entry: &Claimed) -> Delivery {
        let update = match RawUpdate::new(entry.bytes.clone()) {
            Ok(update) => update,
            Err(e) => return Delivery::Rejected(Arc::new(e)),
        };
        let chat = chat_of(&entry.bytes);
        let lane = chat.map(|chat| self.enter(chat));
        let mut turn = match &lane {
            Some(lane) => Some(Arc::clone(lane).lock_owned().await),
            None => None,
        };
        let outcome = if turn.as_deref() == Some(&true) {
            // An earlier update of this chat waits for its retry.
            Delivery::Retry(None)
        } else {
            let sent = self
                .client
                .on_telegram_webhook(update)
                .max_rate_wait(QUEUE_MAX_RATE_WAIT)
                // The outbox retries, from this chat's lane.
                .max_attempts(1)
                .send()
                .await;
            let outcome = Delivery::of(sent.map(|_| ()));
            if let Some(failed) = turn.as_deref_mut() {
                *failed = matches!(outcome, Delivery::Retry(_));
            }
            outcome
        };
        drop(turn);
        if let (Some(chat), Some(lane)) = (chat, lane) {
            self.leave(chat, lane);
        }
        outcome
    }

    fn enter(&self, chat: i64) -> Lane {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(lanes.entry(chat).or_default())
    }

    /// Forgets a chat's lane once nobody is in it or waiting for it (the outbox claims a
    /// retried update again before the later ones of its chat).
    fn leave(&self, chat: i64, lane: Lane) {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        if Arc::strong_count(&lane) == 2 {
            lanes.remove(&chat);
        }
    }
}

impl Deliverer for Forwarder {
    async fn deliver(&self, entries: &[Claimed]) -> Vec<Delivery> {
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut rest = entries;
        if self.probing.load(Ordering::Relaxed) {
            if let Some((first, after)) = entries.split_first() {
                let outcome = self.forward(first).await;
                let retried = matches!(outcome, Delivery::Retry(_));
                outcomes.push(outcome);
                if retried {
                    // The rest is retried with it.
                    return outcomes;
                }
                rest = after;
            }
        }
        outcomes.extend(join_all(rest.iter().map(|entry| self.forward(entry))).await);
        let retried = outcomes
            .iter()
            .any(|o| matches!(o, Delivery::Retry(Some(_))));
        self.probing.store(retried, Ordering::Relaxed);
        outcomes
    }

    fn drain_time(&self, entries: u64) -> Option<std::time::Duration> {
        self.client
            .core()
            .limiter()
            .map(|limiter| limiter.time_to_admit(entries))
    }
}
