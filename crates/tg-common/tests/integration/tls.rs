//! TLS against a local rustls server with its own CA, generated here: custom roots (PEM and
//! DER) are trusted over HTTP/1.1 and HTTP/2 (ALPN), a wrong host name and an unknown issuer are
//! refused, and a refused certificate is tried exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::Method;
use http_body_util::Full;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tg_common::TransportKind;
use tg_common::transport::{RequestPath, TransportConfig};
use tg_common::{Call, Core, CoreConfig, Error, ErrorKind, RawResponse, RetryPolicy, Secret};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca() -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "tg-common test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca { cert, key }
}

/// A leaf certificate for `names`, signed by `ca`.
fn leaf(ca: &Ca, names: &[&str]) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// Serves HTTPS on loopback with this certificate, answering every request with the protocol
/// version it arrived over; counts TLS handshakes started (TCP connections accepted).
async fn server(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(|req: http::Request<_>| async move {
                    let version = format!("{:?}", req.version());
                    Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(version))))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
            });
        }
    });
    (addr, accepted)
}

fn decode(r: RawResponse) -> Result<String, Error> {
    Ok(String::from_utf8(r.body.to_vec()).unwrap())
}

async fn get(base_url: String, transport: TransportConfig) -> Result<String, Error> {
    let config = CoreConfig::new(base_url)
        .with_transport_config(transport)
        .with_retry(RetryPolicy {
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(1),
            jitter: false,
            ..RetryPolicy::default()
        });
    let key = Secret::new("tls-test-key");
    let core = Core::new("test", &key, config)?;
    let path = RequestPath::new().segment("v1").secret(&key).segment("m");
    core.execute(Call::new("m", Method::GET, path), decode)
        .await
}

fn certificate_refused(err: &Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Certificate,
            ..
        }
    )
}

#[tokio::test]
async fn a_custom_pem_root_is_trusted_over_http1_and_http2() {
    let ca = ca();
    let (cert, key) = leaf(&ca, &["localhost"]);
    let (addr, _) = server(cert, key).await;
    let url = format!("https://localhost:{}", addr.port());
    let pem = ca.cert.pem();
    let h2 = TransportConfig::default()
        .with_root_pem(pem.as_bytes())
        .unwrap();
    assert_eq!(get(url.clone(), h2).await.unwrap(), "HTTP/2.0");
    let h1 = TransportConfig {
        http2: false,
        ..TransportConfig::default()
    }
    .with_root_pem(pem.as_bytes())
    .unwrap();
    assert_eq!(get(url, h1).await.unwrap(), "HTTP/1.1");
}

#[tokio::test]
async fn a_custom_der_root_is_trusted_alone() {
    let ca = ca();
    let (cert, key) = leaf(&ca, &["localhost"]);
    let (addr, _) = server(cert, key).await;
    let config = TransportConfig::default()
        .with_root_der(ca.cert.der().to_vec())
        .with_only_custom_roots();
    let url = format!("https://localhost:{}", addr.port());
    assert_eq!(get(url, config).await.unwrap(), "HTTP/2.0");
}

#[tokio::test]
async fn a_wrong_host_name_is_refused_once() {
    let ca = ca();
    let (cert, key) = leaf(&ca, &["staging.example.org"]);
    let (addr, accepted) = server(cert, key).await;
    let config = TransportConfig::default().with_root_der(ca.cert.der().to_vec());
    let err = get(format!("https://localhost:{}", addr.port()), config)
        .await
        .unwrap_err();
    assert!(certificate_refused(&err), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "tried exactly once");
}

#[tokio::test]
async fn an_unknown_issuer_is_refused_after_exactly_one_attempt() {
    let ca = ca();
    let (cert, key) = leaf(&ca, &["localhost"]);
    let (addr, accepted) = server(cert, key).await;
    // The default webpki roots do not know the test CA.
    let err = get(
        format!("https://localhost:{}", addr.port()),
        TransportConfig::default(),
    )
    .await
    .unwrap_err();
    assert!(certificate_refused(&err), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "tried exactly once");
}

#[test]
fn pem_without_a_certificate_is_a_config_error() {
    let err = TransportConfig::default()
        .with_root_pem(b"not a certificate")
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
}
