//! The fake HTTP server: binds 127.0.0.1, records every request, applies the strict rate limiter
//! and scripted faults, and hands the rest to a [`FakeService`].

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::fault::{Chaos, Fault, FaultRule, FaultScript};
use crate::service::{FakeService, Reply, Request};
use crate::window::FixedWindows;

type Body = BoxBody<Bytes, io::Error>;

/// The largest request body read, as sent (before any gzip is removed); larger is answered 413.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How long a request body may take to arrive in full; slower (one byte at a time, say) is
/// answered 408 and the connection closed.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// The service answered with this status.
    Answered(u16),
    /// The strict rate limiter answered 429.
    RateLimited,
    /// A scripted fault applied; `processed` tells whether the service saw the request.
    Faulted {
        /// The fault's name.
        fault: &'static str,
        /// Whether the service processed the request.
        processed: bool,
    },
}

/// A request and what became of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request as received.
    pub request: Request,
    /// What the server did.
    pub disposition: Disposition,
}

struct Shared {
    service: Arc<dyn FakeService>,
    log: Mutex<std::collections::VecDeque<Exchange>>,
    /// The most exchanges the log holds (oldest dropped first); `usize::MAX`: unbounded.
    log_capacity: std::sync::atomic::AtomicUsize,
    faults: Mutex<FaultScript>,
    limiter: Mutex<Option<FixedWindows>>,
    jitter: Mutex<Option<(Duration, rand::rngs::StdRng)>>,
    connections: AtomicU64,
    open: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A running fake server on 127.0.0.1; stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("service", &self.shared.service.name())
            .finish()
    }
}

impl MockServer {
    /// Serves `service` on 127.0.0.1 at a free port.
    pub async fn start<S: FakeService>(service: Arc<S>) -> io::Result<MockServer> {
        Self::start_on(service, 0).await
    }

    /// Serves `service` on 127.0.0.1 at `port` (0: a free one).
    pub async fn start_on<S: FakeService>(service: Arc<S>, port: u16) -> io::Result<MockServer> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            service,
            log: Mutex::new(std::collections::VecDeque::new()),
            log_capacity: std::sync::atomic::AtomicUsize::new(usize::MAX),
            faults: Mutex::new(FaultScript::default()),
            limiter: Mutex::new(None),
            jitter: Mutex::new(None),
            connections: AtomicU64::new(0),
            open: AtomicU64::new(0),
        });
        let (shutdown, rx) = watch::channel(false);
        tokio::spawn(accept_loop(listener, Arc::clone(&shared), rx));
        Ok(MockServer {
            addr,
            shared,
            shutdown,
        })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for a client's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log)
            .iter()
            .map(|e| e.request.clone())
            .collect()
    }

    /// Every request with what became of it.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Keeps at most `capacity` exchanges in the request log, dropping the oldest first
    /// (`None`: unbounded, the default for tests; the `tg-mock` binary bounds it).
    pub fn set_log_capacity(&self, capacity: Option<usize>) {
        let cap = capacity.unwrap_or(usize::MAX);
        self.shared.log_capacity.store(cap, Ordering::Relaxed);
        let mut log = lock(&self.shared.log);
        while log.len() > cap {
            log.pop_front();
        }
    }

    /// How many requests the log holds (all that arrived, unless bounded).
    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// How many connections are open now.
    pub fn open_connections(&self) -> u64 {
        self.shared.open.load(Ordering::Relaxed)
    }

    /// Adds a fault rule (rules apply in the order added).
    pub fn push_fault(&self, rule: FaultRule) {
        lock(&self.shared.faults).push(rule);
    }

    /// Random faults on every request not matched by a rule (`None` turns them off).
    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        lock(&self.shared.faults).set_chaos(chaos);
    }

    /// Removes every fault rule and the chaos.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Enforces strict fixed windows per key (the service's `rate_limit_key`).
    pub fn set_rate_limit(&self, windows: Option<FixedWindows>) {
        *lock(&self.shared.limiter) = windows;
    }

    /// Delays each request by a random transit time in `[0, max)` before it counts as arrived,
    /// like network delay that varies from one request to the next (`None` turns it off).
    pub fn set_arrival_jitter(&self, jitter: Option<(Duration, u64)>) {
        use rand::SeedableRng;
        *lock(&self.shared.jitter) =
            jitter.map(|(max, seed)| (max, rand::rngs::StdRng::seed_from_u64(seed)));
    }

    /// The largest count seen in any window of each limit, when a limiter is set.
    pub fn worst_window_counts(&self) -> Option<Vec<u32>> {
        lock(&self.shared.limiter)
            .as_ref()
            .map(|w| w.worst_counts())
    }

    /// How many requests the strict limiter refused.
    pub fn rate_limited_count(&self) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|e| e.disposition == Disposition::RateLimited)
            .count()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let id = shared.connections.fetch_add(1, Ordering::Relaxed) + 1;
        let shared = Arc::clone(&shared);
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            shared.open.fetch_add(1, Ordering::Relaxed);
            let open = Arc::clone(&shared);
            let svc = service_fn(move |req| handle(Arc::clone(&shared), id, req));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
            open.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Why a connection is closed without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    shared: Arc<Shared>,
    connection: u64,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    let body = match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return refuse(413),
        Ok(Err(_)) => return Err(Dropped),
        Err(_) => return refuse(408),
    };
    let transit = lock(&shared.jitter).as_mut().map(|(max, rng)| {
        use rand::Rng;
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX).max(1);
        Duration::from_nanos(rng.random_range(0..nanos))
    });
    if let Some(t) = transit {
        tokio::time::sleep(t).await;
    }
    let gzipped = parts
        .headers
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    // Inflated here, off the runtime's threads and before any lock, with a cap.
    let inflated = if gzipped {
        let raw = body.clone();
        let out = tokio::task::spawn_blocking(move || {
            crate::service::inflate(&raw, crate::service::MAX_INFLATED_BYTES)
        })
        .await;
        match out {
            Ok(Ok(b)) => Some(b),
            Ok(Err(crate::service::InflateError::TooLarge)) => return refuse(413),
            // Invalid gzip: the service answers it as it does today (decoded_body is None).
            Ok(Err(crate::service::InflateError::Invalid)) | Err(_) => None,
        }
    } else {
        None
    };
    let request = Request {
        inflated,
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        connection,
        received_at: tokio::time::Instant::now(),
    };
    let service = Arc::clone(&shared.service);

    let limited = {
        let mut limiter = lock(&shared.limiter);
        match (limiter.as_mut(), service.rate_limit_key(&request)) {
            (Some(w), Some(key)) => !w.admit(&key, request.received_at),
            _ => false,
        }
    };
    if limited {
        let reply = service.rate_limited(&request);
        record(&shared, request, Disposition::RateLimited);
        return Ok(full(reply));
    }

    let fault = lock(&shared.faults).pick(&request);
    let Some(fault) = fault else {
        if let Some(wait) = service.hold(&request) {
            wait.await;
        }
        let reply = service.handle(&request);
        record(
            &shared,
            request,
            Disposition::Answered(reply.status.as_u16()),
        );
        return Ok(full(reply));
    };
    let name = fault_name(&fault);
    let processed = fault.processes();
    let snapshot = request.clone();
    record(
        &shared,
        snapshot,
        Disposition::Faulted {
            fault: name,
            processed,
        },
    );
    match fault {
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            Ok(full(service.handle(&request)))
        }
        Fault::Stall => {
            std::future::pending::<()>().await;
            Err(Dropped)
        }
        Fault::ResetBeforeHeaders => Err(Dropped),
        Fault::ResetAfterHeaders => {
            let reply = service.handle(&request);
            let len = reply.body.len().max(1);
            Ok(streamed(reply, Some(len as u64), Vec::new(), true))
        }
        Fault::Respond(reply) => {
            let _ = service.handle(&request);
            Ok(full(reply))
        }
        Fault::RespondUnprocessed(reply) => Ok(full(reply)),
        Fault::TruncatedBody => {
            let reply = service.handle(&request);
            let len = reply.body.len().max(2);
            let half = reply.body.slice(..reply.body.len() / 2);
            Ok(streamed(reply, Some(len as u64), vec![half], true))
        }
        Fault::Oversized {
            bytes,
            declare_length,
        } => {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let mut chunks = Vec::new();
            let mut left = bytes;
            while left > 0 {
                let n = left.min(chunk.len());
                chunks.push(chunk.slice(..n));
                left -= n;
            }
            let reply = Reply::new(200, Bytes::new());
            let declared = declare_length.then_some(bytes as u64);
            Ok(streamed(reply, declared, chunks, false))
        }
    }
}

/// An empty answer with `status`, closing the connection (the rest of the body is not read).
fn refuse(status: u16) -> Result<hyper::Response<Body>, Dropped> {
    hyper::Response::builder()
        .status(status)
        .header(http::header::CONNECTION, "close")
        .body(empty())
        .map_err(|_| Dropped)
}

fn record(shared: &Shared, request: Request, disposition: Disposition) {
    let cap = shared.log_capacity.load(Ordering::Relaxed);
    let mut log = lock(&shared.log);
    if cap == 0 {
        return;
    }
    while log.len() >= cap {
        log.pop_front();
    }
    log.push_back(Exchange {
        request,
        disposition,
    });
}

fn fault_name(f: &Fault) -> &'static str {
    match f {
        Fault::Delay(_) => "delay",
        Fault::Stall => "stall",
        Fault::ResetBeforeHeaders => "reset_before_headers",
        Fault::ResetAfterHeaders => "reset_after_headers",
        Fault::Respond(_) => "respond",
        Fault::RespondUnprocessed(_) => "respond_unprocessed",
        Fault::TruncatedBody => "truncated_body",
        Fault::Oversized { .. } => "oversized",
    }
}

fn head(reply: &Reply) -> http::response::Builder {
    let mut b = hyper::Response::builder().status(reply.status);
    if let Some(h) = b.headers_mut() {
        h.extend(reply.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    b
}

fn full(reply: Reply) -> hyper::Response<Body> {
    let body = Full::new(reply.body.clone())
        .map_err(|never: Infallible| match never {})
        .boxed();
    head(&reply)
        .body(body)
        .unwrap_or_else(|_| hyper::Response::new(empty()))
}

fn empty() -> Body {
    Full::new(Bytes::new())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A response whose body is `chunks`, then (when `fail`) an error that aborts the connection.
fn streamed(
    reply: Reply,
    declared: Option<u64>,
    chunks: Vec<Bytes>,
    fail: bool,
) -> hyper::Response<Body> {
    let data = stream::iter(
        chunks
            .into_iter()
            .map(|c| Ok::<_, io::Error>(Frame::data(c))),
    );
    let tail = stream::once(async move {
        // Let hyper flush the head and the data before the failure.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        Err(io::Error::other("scripted abort"))
    });
    let body: Body = if fail {
        use futures_util::StreamExt;
        BodyExt::boxed(StreamBody::new(data.chain(tail)))
    } else {
        BodyExt::boxed(StreamBody::new(data))
    };
    let mut b = head(&reply);
    if let Some(n) = declared {
        b = b.header(http::header::CONTENT_LENGTH, n);
    }
    b.body(body)
        .unwrap_or_else(|_| hyper::Response::new(empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::FixedReply;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn status_of(server: &MockServer, head: String, body: Vec<u8>) -> String {
        let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        // The server may answer and close before reading everything.
        let _ = stream.write_all(&body).await;
        let mut answer = vec![0u8; 64];
        let n = stream.read(&mut answer).await.unwrap_or(0);
        String::from_utf8_lossy(&answer[..n]).into_owned()
    }

    #[tokio::test]
    async fn an_oversized_body_is_answered_413_and_not_recorded() {
        let server = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
            .await
            .unwrap();
        let len = MAX_BODY_BYTES + 1;
        let head = format!("POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: {len}\r\n\r\n");
        let answer = status_of(&server, head, vec![b'a'; len]).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert_eq!(server.request_count(), 0);
        let head = "POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n".to_owned();
        let answer = status_of(&server, head, b"ok".to_vec()).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[tokio::test]
    async fn a_gzip_bomb_is_answered_413_and_a_small_gzip_body_is_inflated_once() {
        let server = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
            .await
            .unwrap();
        let bomb = gzip(&vec![0u8; crate::service::MAX_INFLATED_BYTES + 1]);
        assert!(bomb.len() < MAX_BODY_BYTES);
        let head = format!(
            "POST /x HTTP/1.1\r\nhost: a\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
            bomb.len()
        );
        let answer = status_of(&server, head, bomb).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert_eq!(server.request_count(), 0);

        let small = gzip(b"{\"a\":1}");
        let head = format!(
            "POST /x HTTP/1.1\r\nhost: a\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
            small.len()
        );
        let answer = status_of(&server, head, small).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let r = &server.requests()[0];
        assert_eq!(r.inflated.as_deref(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(r.decoded_body().as_deref(), Some(&b"{\"a\":1}"[..]));
    }

    #[tokio::test]
    async fn the_request_log_can_be_bounded() {
        let server = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
            .await
            .unwrap();
        server.set_log_capacity(Some(2));
        for i in 0..5 {
            let head = format!("GET /r{i} HTTP/1.1\r\nhost: a\r\n\r\n");
            let answer = status_of(&server, head, Vec::new()).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
        let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/r3", "/r4"]);
        server.set_log_capacity(Some(1));
        assert_eq!(server.request_count(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_sent_one_byte_at_a_time_times_out() {
        let server = MockServer::start(Arc::new(FixedReply(Reply::new(200, "ok"))))
            .await
            .unwrap();
        let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        stream
            .write_all(b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 1000\r\n\r\n")
            .await
            .unwrap();
        let slow = async {
            loop {
                if stream.write_all(b"a").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                let mut answer = vec![0u8; 64];
                if let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(1), stream.read(&mut answer)).await
                {
                    return String::from_utf8_lossy(&answer[..n]).into_owned();
                }
            }
            String::new()
        };
        let answer = tokio::time::timeout(BODY_TIMEOUT * 2, slow).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert_eq!(server.request_count(), 0);
    }
}
