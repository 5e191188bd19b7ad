//! Events the service will not take, handed back with the reason: TGA's view of the outbox's
//! letters.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use tg_common::Error;
use tg_common::outbox::{Letter, LetterCause, LetterSink};
use tokio::sync::mpsc;

use crate::error::TgaApiError;
use crate::event::EncodedEvent;

/// An event the tracker gave up on, with the error that made it give up.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The event, as it was sent.
    pub event: EncodedEvent,
    /// The server's message (`VALIDATION_MISMATCH_REPORT`, plus details when the body had
    /// any), or the error's text when there was no such message.
    pub message: String,
    /// The error (shared by every event of a batch refused as a whole).
    pub error: Arc<Error>,
}

impl DeadLetter {
    pub(crate) fn new(event: EncodedEvent, error: Arc<Error>) -> Self {
        let message = match error.api_detail::<TgaApiError>() {
            Some(TgaApiError::ValidationMismatch { message, details }) => match details {
                Some(details) => format!("{message}: {details}"),
                None => message.clone(),
            },
            _ => error.to_string(),
        };
        DeadLetter {
            event,
            message,
            error,
        }
    }

    /// The dead letter of an outbox letter; `Err` gives back a letter whose bytes are not an
    /// event.
    pub(crate) fn from_letter(letter: Letter) -> Result<DeadLetter, Letter> {
        let Ok(event) = EncodedEvent::from_spooled(&letter.bytes) else {
            return Err(letter);
        };
        let error = match letter.cause {
            LetterCause::Rejected(error) => error,
            other => Arc::new(Error::invalid_input("event", other.to_string())),
        };
        Ok(DeadLetter::new(event, error))
    }

    /// The outbox letter of this dead letter.
    fn into_letter(self) -> Letter {
        Letter {
            bytes: Bytes::copy_from_slice(self.event.json().as_bytes()),
            cause: LetterCause::Rejected(self.error),
        }
    }

    /// Whether the service refused this event alone (it was isolated from its batch), rather
    /// than a whole batch for a reason no retry fixes (token, app name, Origin).
    pub fn is_about_this_event(&self) -> bool {
        match self.error.api_detail::<TgaApiError>() {
            // Refused with every event of its batch carrying the same app name.
            Some(TgaApiError::AppNameMismatch) => false,
            Some(detail) => detail.is_about_events(),
            None => {
                matches!(self.error.kind(), tg_common::ErrorKind::InvalidInput { .. })
                    || matches!(self.error.status(), Some(400 | 413 | 422))
            }
        }
    }
}

/// Where dead letters go: a callback run on the outbox's worker. It must not block; send to a
/// channel (see [`DeadLetterSink::channel`]) for anything slow.
///
/// A panic in the callback is caught and counted (`panics`); the letter it was given is kept
/// for [`Tracker::take_dead_letters`](super::Tracker::take_dead_letters), and delivery goes on.
#[derive(Clone)]
pub struct DeadLetterSink(Arc<Deliver>);

/// Takes a letter, or hands it back when it cannot.
type Deliver = dyn Fn(DeadLetter) -> Result<(), DeadLetter> + Send + Sync;

impl DeadLetterSink {
    /// A sink that calls `f` for every dead letter.
    pub fn new(f: impl Fn(DeadLetter) + Send + Sync + 'static) -> Self {
        DeadLetterSink(Arc::new(move |letter| {
            f(letter);
            Ok(())
        }))
    }

    /// A sink that sends every dead letter to the returned (unbounded) receiver. Once the
    /// receiver is dropped, letters are kept for `take_dead_letters` instead.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<DeadLetter>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let sink = DeadLetterSink(Arc::new(move |letter| {
            tx.send(letter).map_err(|mpsc::error::SendError(letter)| {
                tracing::warn!(
                    message = %letter.message,
                    "TGA dead letter kept by the tracker: its receiver is gone"
                );
                letter
            })
        }));
        (sink, rx)
    }

    /// The outbox's sink handing its letters to this one as dead letters; a letter the sink
    /// cannot take (or that is not an event) is kept for `take_dead_letters`.
    pub(crate) fn letters(&self) -> LetterSink {
        let deliver = Arc::clone(&self.0);
        LetterSink::or_keep(move |letter| {
            let dead = DeadLetter::from_letter(letter)?;
            deliver(dead).map_err(DeadLetter::into_letter)
        })
    }
}

impl fmt::Debug for DeadLetterSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeadLetterSink")
    }
}
