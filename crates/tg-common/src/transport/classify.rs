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
        if let Some(tls) = rustls_error(&err) {
            if is_certificate_error(tls) {
                TransportKind::Certificate
            } else {
                TransportKind::Tls
            }
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

/// The rustls error in `err`'s chain, looking inside `io::Error`s too (their `source` skips the
/// error they wrap, which is where hyper-rustls puts the rustls error).
fn rustls_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                return Some(tls);
            }
            if let Some(found) = rustls_error(inner) {
                return Some(found);
            }
        }
        cur = e.source();
    }
    None
}

/// Whether the handshake failed because the server's certificate was refused (unknown issuer,
/// wrong host name, expired, revoked...): the same certificate comes back on every retry.
pub(crate) fn is_certificate_error(err: &rustls::Error) -> bool {
    matches!(
        err,
        rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::InvalidCertRevocationList(_)
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError;

    #[test]
    fn certificate_errors_are_told_from_other_tls_failures() {
        for e in [
            CertificateError::UnknownIssuer,
            CertificateError::NotValidForName,
            CertificateError::Expired,
        ] {
            let tls = rustls::Error::InvalidCertificate(e);
            assert!(is_certificate_error(&tls));
            let io = io::Error::other(tls);
            assert!(rustls_error(&io).is_some_and(is_certificate_error));
        }
        assert!(!is_certificate_error(&rustls::Error::HandshakeNotComplete));
        let e = Error::new(ErrorKind::Transport {
            kind: TransportKind::Certificate,
            source: None,
        });
        assert_eq!(e.retry_safety(), crate::error::RetrySafety::Never);
        assert!(!e.is_retryable());
    }
}
