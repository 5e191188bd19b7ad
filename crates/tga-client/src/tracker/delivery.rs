//! Delivering one batch: retry what may succeed later, split a batch to isolate rejected
//! events, dead-letter what no retry fixes.

use std::sync::Arc;

use serde::Deserialize;
use tg_common::error::TimeoutPhase;
use tg_common::{Error, ErrorKind};

use super::sender::BatchSender;
use super::shared::Shared;
use super::stats::Counters;
use crate::error::TgaApiError;
use crate::event::EncodedEvent;
use crate::spool::EntryId;
use tg_common::outbox::isolate;

/// Events of a batch, with their spool entries (`ids` is empty without a spool, else one per
/// event, in the same order).
#[derive(Default)]
pub(crate) struct Part {
    pub(crate) events: Vec<EncodedEvent>,
    pub(crate) ids: Vec<EntryId>,
}

impl Part {
    /// The events from `at` on, with their entries.
    fn split_off(&mut self, at: usize) -> Part {
        let ids = if self.ids.is_empty() {
            Vec::new()
        } else {
            self.ids.split_off(at)
        };
        Part {
            events: self.events.split_off(at),
            ids,
        }
    }
}

/// What to do after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Keep the batch and retry after a backoff: the failure is transient.
    Retry,
    /// Some event of the batch is refused: split it (a single event is dead-lettered).
    Split,
    /// An `app_name` is refused: send each app name's events on their own, and dead-letter at
    /// once a batch whose events all carry the same one (the whole request is refused).
    ByAppName,
    /// The whole batch is refused for a reason no retry fixes (token, Origin, route).
    DeadLetter,
}

/// How the tracker reacts to a send error.
///
/// Whatever `tg-common`'s one retry table says a retry may fix ([`Error::is_retryable`]:
/// transport failures, timeouts, 408, 425, 429, every 5xx but 501, 505 and 511, and TGA's
/// `Failed to record` and `UnconfirmedSuccess`, a 2xx that is not `Success record.`) is
/// retried, whether or not the request may have been recorded: the tracker delivers at least
/// once. Of the rest, validation answers (and an undocumented 400, 413 or 422) split the
/// batch; `Invalid app_name` separates the batch by app name; token and Origin answers, other
/// 4xx, 501/505/511 and configuration errors dead-letter it. Anything else the table calls
/// permanent but that is not about the request (a certificate error, the overall deadline, an
/// unreadable answer) is retried too: the tracker gives events up only when they are refused.
pub(crate) fn classify(error: &Error) -> Action {
    if error.is_retryable() {
        return Action::Retry;
    }
    if let Some(detail) = error.api_detail::<TgaApiError>() {
        return if *detail == TgaApiError::AppNameMismatch {
            Action::ByAppName
        } else if detail.is_about_events() {
            Action::Split
        } else {
            Action::DeadLetter
        };
    }
    match error.kind() {
        ErrorKind::Http {
            status: 400 | 413 | 422,
            ..
        } => Action::Split,
        ErrorKind::Http { .. } => Action::DeadLetter,
        ErrorKind::InvalidInput { .. } => Action::Split,
        ErrorKind::Config { .. } => Action::DeadLetter,
        _ => Action::Retry,
    }
}

/// Delivers `batch`; on cancellation (or a panic) gives back whatever is left. Returns `id`.
pub(crate) async fn deliver<S: BatchSender>(
    id: u64,
    batch: Part,
    sender: Arc<S>,
    shared: Arc<Shared>,
) -> u64 {
    // A stack of sub-batches: the top is sent next, halves are pushed after a split.
    let mut work = vec![batch];
    let finished = {
        let delivering = isolate::run(deliver_all(&mut work, &*sender, &shared));
        tokio::pin!(delivering);
        tokio::select! {
            biased;
            () = shared.cancelled() => None,
            done = &mut delivering => Some(done),
        }
    };
    match finished {
        Some(Ok(())) => {}
        Some(Err(panic)) => {
            shared.record_panic("a TGA delivery task", &panic);
            shared.give_back(work.into_iter().flat_map(|p| p.events));
        }
        None => shared.give_back(work.into_iter().flat_map(|p| p.events)),
    }
    id
}

/// Sends `batch` once, within the attempt timeout; a panicking sender is a configuration
/// error (counted in `panics`).
async fn send_once<S: BatchSender>(
    sender: &S,
    batch: &[EncodedEvent],
    shared: &Shared,
) -> Result<(), Error> {
    Counters::add(&shared.counters.requests, 1);
    let sending = isolate::run(async { sender.send(batch).await });
    let sent = match shared.attempt_timeout {
        None => sending.await,
        Some(after) => match tokio::time::timeout(after, sending).await {
            Ok(sent) => sent,
            Err(_) => {
                return Err(Error::new(ErrorKind::Timeout {
                    phase: TimeoutPhase::Attempt,
                    after,
                })
                .with_context(crate::PROVIDER, crate::SendEvents::NAME));
            }
        },
    };
    sent.unwrap_or_else(|panic| {
        shared.record_panic("the TGA batch sender", &panic);
        Err(Error::config(format!("the batch sender panicked: {panic}"))
            .with_context(crate::PROVIDER, crate::SendEvents::NAME))
    })
}

async fn deliver_all<S: BatchSender>(work: &mut Vec<Part>, sender: &S, shared: &Shared) {
    let mut attempt = 0u32;
    while let Some(top) = work.last() {
        let error = match send_once(sender, &top.events, shared).await {
            Ok(()) => {
                Counters::add(&shared.counters.sent, top.events.len());
                shared.release(&top.events);
                if let Some(done) = work.pop() {
                    shared.ack(&done.ids).await;
                }
                attempt = 0;
                continue;
            }
            Err(error) => Arc::new(error),
        };
        shared.record_error(Arc::clone(&error));
        let action = classify(&error);
        if action == Action::Retry {
            Counters::add(&shared.counters.retried, 1);
            let wait = shared.backoff.delay(attempt, error.retry_after());
            tracing::debug!(error = %error, ?wait, "TGA batch will be retried");
            attempt = attempt.saturating_add(1);
            tokio::time::sleep(wait).await;
            continue;
        }
        attempt = 0;
        let Some(mut batch) = work.pop() else { break };
        match action {
            Action::Split if batch.events.len() > 1 => {
                let second = batch.split_off(batch.events.len() / 2);
                work.push(second);
                work.push(batch);
            }
            Action::Split => {
                shared
                    .dead_letter(batch.events, batch.ids, error, false)
                    .await;
            }
            Action::ByAppName => {
                let mut groups = by_app_name(batch);
                if groups.len() == 1 {
                    let batch = groups.pop().unwrap_or_default();
                    tracing::error!(error = %error, "TGA refused the app name of a whole batch");
                    shared
                        .dead_letter(batch.events, batch.ids, error, true)
                        .await;
                } else {
                    // The first group on top: it is sent next.
                    work.extend(groups.into_iter().rev());
                }
            }
            Action::DeadLetter | Action::Retry => {
                tracing::error!(error = %error, "TGA refused a batch for a reason no retry fixes");
                shared
                    .dead_letter(batch.events, batch.ids, error, true)
                    .await;
            }
        }
    }
}

/// The events of `batch` grouped by `app_name`, in order of first appearance; events whose
/// JSON has no readable `app_name` form one group.
fn by_app_name(batch: Part) -> Vec<Part> {
    #[derive(Deserialize)]
    struct AppName {
        app_name: Option<String>,
    }
    let mut groups: Vec<(Option<String>, Part)> = Vec::new();
    let mut ids = batch.ids.into_iter();
    for event in batch.events {
        let id = ids.next();
        let name = serde_json::from_str::<AppName>(event.json())
            .ok()
            .and_then(|e| e.app_name);
        let at = match groups.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                groups.push((name, Part::default()));
                groups.len() - 1
            }
        };
        let group = &mut groups[at].1;
        group.events.push(event);
        group.ids.extend(id);
    }
    groups.into_iter().map(|(_, group)| group).collect()
}
