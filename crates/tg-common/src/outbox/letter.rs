//! Entries an outbox gives up on, handed to a [`LetterSink`] or kept until
//! [`Outbox::take_letters`](super::Outbox::take_letters).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::spool::SpoolError;
use crate::Error;

/// An entry the outbox did not deliver and will not retry: the service refused it, or the spool
/// did not store it. Its bytes are the caller's, unchanged.
#[derive(Debug, Clone)]
pub struct Letter {
    /// The bytes given to [`Outbox::append`](super::Outbox::append).
    pub bytes: Bytes,
    /// Why it is a letter.
    pub cause: LetterCause,
}

/// Why an entry became a [`Letter`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LetterCause {
    /// The service refused it for a reason no retry fixes.
    Rejected(Arc<Error>),
    /// The spool did not store it (full, too large, I/O); it was never queued.
    NotStored(Arc<SpoolError>),
    /// The outbox was shut down; it was never queued.
    Closed,
    /// A spool entry no outbox wrote (another writer's); its bytes are the whole entry.
    Unreadable,
}

impl fmt::Display for LetterCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LetterCause::Rejected(e) => write!(f, "refused by the service: {e}"),
            LetterCause::NotStored(e) => write!(f, "not stored: {e}"),
            LetterCause::Closed => f.write_str("not stored: the outbox is shut down"),
            LetterCause::Unreadable => f.write_str("a spool entry no outbox wrote"),
        }
    }
}

/// Takes a letter, or hands it back when it cannot.
type Take = dyn Fn(Letter) -> Result<(), Letter> + Send + Sync;

/// Where letters go: a callback run on the outbox's task or the appending caller's. It must not
/// block; send to a channel ([`LetterSink::channel`]) for anything slow. A panic in it is
/// caught and counted, and its letter is kept for
/// [`Outbox::take_letters`](super::Outbox::take_letters).
#[derive(Clone)]
pub struct LetterSink(Arc<Take>);

impl LetterSink {
    /// A sink that calls `f` with every letter.
    pub fn new(f: impl Fn(Letter) + Send + Sync + 'static) -> Self {
        LetterSink(Arc::new(move |letter| {
            f(letter);
            Ok(())
        }))
    }

    /// A sink that calls `f` with every letter; `Err` hands a letter back, to be kept for
    /// `take_letters`.
    pub fn or_keep(f: impl Fn(Letter) -> Result<(), Letter> + Send + Sync + 'static) -> Self {
        LetterSink(Arc::new(f))
    }

    /// A sink sending every letter to the returned (unbounded) receiver; once the receiver is
    /// dropped, letters are kept for `take_letters` instead.
    pub fn channel() -> (Self, tokio::sync::mpsc::UnboundedReceiver<Letter>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = LetterSink(Arc::new(move |letter| {
            tx.send(letter).map_err(|back| back.0)
        }));
        (sink, rx)
    }

    /// Hands `letter` over; `Err` gives it back.
    pub(crate) fn take(&self, letter: Letter) -> Result<(), Letter> {
        (self.0)(letter)
    }
}

impl fmt::Debug for LetterSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LetterSink")
    }
}
