//! TGA's [`Deliverer`]: the claimed events (at most `max_batch`; the outbox runs
//! `max_in_flight` deliveries at once) are cut into batches by bytes (within the request
//! budget) and sent through the [`BatchSender`]; a refused batch is split to isolate its refused events; what became of
//! each event is said per entry, by TGA's reading of the error.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Deserialize;
use tg_common::TimeoutPhase;
use tg_common::outbox::{Claimed, Deliverer, Delivery, isolate};
use tg_common::{Error, ErrorKind, Operation};

use super::budget::Budget;
use super::sender::BatchSender;
use super::state::TrackerState;
use super::stats::Counters;
use crate::error::TgaApiError;
use crate::event::EncodedEvent;

/// How events are batched and sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batching {
    pub(crate) max_batch: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) attempt_timeout: Option<Duration>,
}

/// Events of a batch, with their places among the claimed entries.
#[derive(Default)]
struct PlacedEvents {
    events: Vec<EncodedEvent>,
    at: Vec<usize>,
}

impl PlacedEvents {
    /// The events from `at` on, with their places.
    fn split_off(&mut self, at: usize) -> PlacedEvents {
        PlacedEvents {
            events: self.events.split_off(at),
            at: self.at.split_off(at),
        }
    }

    fn push(&mut self, event: EncodedEvent, at: usize) {
        self.events.push(event);
        self.at.push(at);
    }

    /// Every event of the part, with what became of it.
    fn all(self, delivery: &Delivery, out: &mut Vec<(usize, Delivery)>) {
        out.extend(self.at.into_iter().map(|at| (at, delivery.clone())));
    }
}

/// Counts a batch in flight while it lives.
struct InFlight<'a>(&'a TrackerState);

impl<'a> InFlight<'a> {
    fn new(state: &'a TrackerState) -> Self {
        state.counters.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Delivers a tracker's events for its outbox.
pub(crate) struct TgaDeliverer<S> {
    pub(crate) sender: S,
    pub(crate) state: Arc<TrackerState>,
    pub(crate) batching: Batching,
}

impl<S: BatchSender> Deliverer for TgaDeliverer<S> {
    async fn deliver(&self, entries: &[Claimed]) -> Vec<Delivery> {
        let mut out: Vec<Option<Delivery>> = vec![None; entries.len()];
        let mut batches = Vec::new();
        let mut batch = PlacedEvents::default();
        let mut budget = Budget::new(self.batching.max_batch_bytes);
        for (at, entry) in entries.iter().enumerate() {
            let event = match EncodedEvent::from_spooled(&entry.bytes) {
                Ok(event) => event,
                Err(e) => {
                    // Not an event of this crate: refused, never sent.
                    out[at] = Some(Delivery::Rejected(Arc::new(e)));
                    continue;
                }
            };
            if batch.events.len() >= self.batching.max_batch || !budget.fits(&event) {
                batches.push(std::mem::take(&mut batch));
                budget.reset();
            }
            budget.add(&event);
            batch.push(event, at);
        }
        if !batch.events.is_empty() {
            batches.push(batch);
        }
        for part in batches {
            for (at, delivery) in self.deliver_part(part).await {
                out[at] = Some(delivery);
            }
        }
        out.into_iter()
            .map(|d| d.unwrap_or(Delivery::Retry(None)))
            .collect()
    }
}

impl<S: BatchSender> TgaDeliverer<S> {
    /// Sends `batch`, splitting it as its errors say; what became of each event.
    async fn deliver_part(&self, batch: PlacedEvents) -> Vec<(usize, Delivery)> {
        let _counted = InFlight::new(&self.state);
        let mut out = Vec::with_capacity(batch.events.len());
        // A stack of sub-batches: the top is sent next, halves are pushed after a split.
        let mut work = vec![batch];
        while let Some(mut part) = work.pop() {
            let error = match self.send_once(&part.events).await {
                Ok(()) => {
                    part.all(&Delivery::Delivered, &mut out);
                    continue;
                }
                Err(error) => Arc::new(error),
            };
            self.state.record_error(&error);
            match classify(&error) {
                Action::Retry => {
                    Counters::add(&self.state.counters.retried, 1);
                    tracing::debug!(error = %error, "TGA batch will be retried");
                    part.all(&Delivery::Retry(Some(error)), &mut out);
                }
                Action::Split if part.events.len() > 1 => {
                    let second = part.split_off(part.events.len() / 2);
                    work.push(second);
                    work.push(part);
                }
                Action::Split => part.all(&Delivery::Rejected(error), &mut out),
                Action::ByAppName => {
                    let mut groups = by_app_name(part);
                    if groups.len() == 1 {
                        tracing::error!(error = %error, "TGA refused the app name of a whole batch");
                        self.state.refused_whole(&error);
                        let group = groups.pop().unwrap_or_default();
                        group.all(&Delivery::Rejected(error), &mut out);
                    } else {
                        // The first group on top: it is sent next.
                        work.extend(groups.into_iter().rev());
                    }
                }
                Action::DeadLetter => {
                    tracing::error!(error = %error, "TGA refused a batch for a reason no retry fixes");
                    self.state.refused_whole(&error);
                    part.all(&Delivery::Rejected(error), &mut out);
                }
            }
        }
        out
    }

    /// Sends `batch` once, within the attempt timeout; a panicking sender is a configuration
    /// error (counted in `panics`).
    async fn send_once(&self, batch: &[EncodedEvent]) -> Result<(), Error> {
        Counters::add(&self.state.counters.requests, 1);
        let sending = isolate::run(self.sender.send(batch));
        let sent = match self.batching.attempt_timeout {
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
            self.state.sender_panicked(&panic);
            Err(Error::config(format!("the batch sender panicked: {panic}"))
                .with_context(crate::PROVIDER, crate::SendEvents::NAME))
        })
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

/// The events of `batch` grouped by `app_name`, in order of first appearance; events whose
/// JSON has no readable `app_name` form one group.
fn by_app_name(batch: PlacedEvents) -> Vec<PlacedEvents> {
    #[derive(Deserialize)]
    struct AppName {
        app_name: Option<String>,
    }
    let mut groups: Vec<(Option<String>, PlacedEvents)> = Vec::new();
    for (event, at) in batch.events.into_iter().zip(batch.at) {
        let name = serde_json::from_str::<AppName>(event.json())
            .ok()
            .and_then(|e| e.app_name);
        let place = match groups.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                groups.push((name, PlacedEvents::default()));
                groups.len() - 1
            }
        };
        groups[place].1.push(event, at);
    }
    groups.into_iter().map(|(_, group)| group).collect()
}
