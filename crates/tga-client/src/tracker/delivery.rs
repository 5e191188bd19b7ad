//! Delivering one batch: retry what may succeed later, split a batch to isolate rejected
//! events, dead-letter what no retry fixes.

use std::sync::Arc;

use tg_common::error::TimeoutPhase;
use tg_common::{Error, ErrorKind};

use super::sender::BatchSender;
use super::shared::Shared;
use super::stats::Counters;
use crate::event::EncodedEvent;
use crate::outcome::TgaApiError;

/// What to do after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Keep the batch and retry after a backoff: the failure is transient.
    Retry,
    /// Some event of the batch is refused: split it (a single event is dead-lettered).
    Split,
    /// The whole batch is refused for a reason no retry fixes (token, Origin, route).
    DeadLetter,
}

/// How the tracker reacts to a send error.
///
/// Transport failures, timeouts, 429, 5xx and `Failed to record` are retried; validation and
/// `app_name` answers (and an undocumented 400, 413 or 422) split the batch; token and Origin
/// answers, other 4xx and configuration errors dead-letter it. Anything unknown is retried.
pub(crate) fn classify(error: &Error) -> Action {
    if let Some(detail) = error.api_detail::<TgaApiError>() {
        return if detail.is_retryable() {
            Action::Retry
        } else if detail.is_about_events() {
            Action::Split
        } else {
            Action::DeadLetter
        };
    }
    match error.kind() {
        ErrorKind::Http { status, .. } => match status {
            408 | 425 | 429 | 500..=599 => Action::Retry,
            400 | 413 | 422 => Action::Split,
            _ => Action::DeadLetter,
        },
        ErrorKind::InvalidInput { .. } => Action::Split,
        ErrorKind::Config { .. } => Action::DeadLetter,
        _ => Action::Retry,
    }
}

/// Delivers `batch`; on cancellation gives back whatever is left. Returns `id`.
pub(crate) async fn deliver<S: BatchSender>(
    id: u64,
    batch: Vec<EncodedEvent>,
    sender: Arc<S>,
    shared: Arc<Shared>,
) -> u64 {
    // A stack of sub-batches: the top is sent next, halves are pushed after a split.
    let mut work = vec![batch];
    let cancelled = {
        let delivering = deliver_all(&mut work, &*sender, &shared);
        tokio::pin!(delivering);
        tokio::select! {
            biased;
            () = shared.cancelled() => true,
            () = &mut delivering => false,
        }
    };
    if cancelled {
        shared.give_back(work.into_iter().flatten());
    }
    id
}

async fn send_once<S: BatchSender>(
    sender: &S,
    batch: &[EncodedEvent],
    shared: &Shared,
) -> Result<(), Error> {
    Counters::add(&shared.counters.requests, 1);
    match shared.attempt_timeout {
        None => sender.send(batch).await,
        Some(after) => match tokio::time::timeout(after, sender.send(batch)).await {
            Ok(result) => result,
            Err(_) => Err(Error::new(ErrorKind::Timeout {
                phase: TimeoutPhase::Attempt,
                after,
            })
            .with_context(crate::outcome::PROVIDER, crate::outcome::OPERATION)),
        },
    }
}

async fn deliver_all<S: BatchSender>(
    work: &mut Vec<Vec<EncodedEvent>>,
    sender: &S,
    shared: &Shared,
) {
    let mut attempt = 0u32;
    while let Some(top) = work.last() {
        let error = match send_once(sender, top, shared).await {
            Ok(()) => {
                Counters::add(&shared.counters.sent, top.len());
                work.pop();
                attempt = 0;
                continue;
            }
            Err(error) => Arc::new(error),
        };
        shared.record_error(Arc::clone(&error));
        match classify(&error) {
            Action::Retry => {
                Counters::add(&shared.counters.retried, 1);
                let wait = shared.backoff.delay(attempt, error.retry_after());
                tracing::debug!(error = %error, ?wait, "TGA batch will be retried");
                attempt = attempt.saturating_add(1);
                tokio::time::sleep(wait).await;
            }
            Action::Split => {
                attempt = 0;
                let Some(mut batch) = work.pop() else { break };
                if batch.len() <= 1 {
                    shared.dead_letter(batch, error);
                } else {
                    let second = batch.split_off(batch.len() / 2);
                    work.push(second);
                    work.push(batch);
                }
            }
            Action::DeadLetter => {
                attempt = 0;
                if let Some(batch) = work.pop() {
                    tracing::error!(error = %error, "TGA refused a batch for a reason no retry fixes");
                    shared.dead_letter(batch, error);
                }
            }
        }
    }
}
