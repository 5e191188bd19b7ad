//! Turns hyper and I/O failures into [`ErrorKind::Transport`] and [`ErrorKind::Timeout`] kinds.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use crate::error::{Error, ErrorKind, TimeoutPhase, TransportKind};

/// Classifies a failure of `client.request(...)`.
pub fn request_error(err: hyper_util::client::legacy::Error, connect_timeout: Duration) -> Error {
    let kind = if err.is_connect() {
        if chain_has_io_kind(&err, io::ErrorKind::TimedOut) {
            return Error::new(ErrorKind::Timeout {
                phase: TimeoutPhase::Connect,
                after: connect_timeout,
            });
        }
        if chain_has::<rustls::Error>(&err) {
            TransportKind::Tls
        } else {
            TransportKind::Connect
        }
    } else if is_reset(&err) {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    Error::new(ErrorKind::Transport {
        kind,
        source: Some(Box::new(err)),
    })
}

fn is_reset(err: &(dyn StdError + 'static)) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return true;
            }
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            ) {
                return true;
            }
        }
        cur = e.source();
    }
    false
}

fn chain_has<T: StdError + 'static>(err: &(dyn StdError + 'static)) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<T>().is_some() {
            return true;
        }
        cur = e.source();
    }
    false
}

fn chain_has_io_kind(err: &(dyn StdError + 'static), kind: io::ErrorKind) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.kind() == kind {
                return true;
            }
        }
        cur = e.source();
    }
    false
}
