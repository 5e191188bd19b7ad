//! A minimal HTTP server for throughput rows: fixed answers by exact path, on its own thread
//! and current-thread runtime, doing as little per request as hyper allows, so that what a row
//! measures is the client. It counts requests and connections and reports its thread's CPU
//! time, so each row can say how busy each side was.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::text;

/// One fixed answer.
#[derive(Clone)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The body, sent as `application/json`.
    pub body: Bytes,
}

/// The answers and the counters, shared with the server thread.
struct State {
    routes: HashMap<String, Answer>,
    requests: AtomicU64,
    connections: AtomicU64,
    body_bytes: AtomicU64,
}

/// A running sink; dropping it stops the server thread.
pub struct Sink {
    base_url: String,
    state: Arc<State>,
    /// `/proc/self/task/<tid>/schedstat` of the server thread.
    schedstat: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sink {
    /// Starts a sink answering `routes` (exact paths; anything else gets 404).
    pub fn start(routes: HashMap<String, Answer>) -> Result<Sink, String> {
        let state = Arc::new(State {
            routes,
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            body_bytes: AtomicU64::new(0),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("bench-sink".to_owned())
            .spawn(move || serve(thread_state, ready_tx, stop_rx))
            .map_err(text)?;
        let (addr, tid) = ready_rx
            .recv()
            .map_err(|_| "the sink thread did not start".to_owned())??;
        Ok(Sink {
            base_url: format!("http://{addr}"),
            state,
            schedstat: format!("/proc/self/task/{tid}/schedstat"),
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// Request body bytes received so far (as sent: compressed when the client compressed).
    pub fn body_bytes(&self) -> u64 {
        self.state.body_bytes.load(Ordering::Relaxed)
    }

    /// CPU time the server thread has used, in nanoseconds.
    pub fn cpu_ns(&self) -> Result<u64, String> {
        super::measure::schedstat_ns(&self.schedstat)
            .ok_or_else(|| format!("cannot read {}", self.schedstat))
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// This thread's id, read from `/proc/thread-self` (`<pid>/task/<tid>`).
fn thread_id() -> Result<String, String> {
    let link = std::fs::read_link("/proc/thread-self").map_err(text)?;
    link.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| "unreadable /proc/thread-self".to_owned())
}

type Ready = Result<(std::net::SocketAddr, String), String>;

/// Answers one request from `state.routes` (404 elsewhere), counting it and its body's bytes.
async fn answer(
    state: Arc<State>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let answer = state.routes.get(request.uri().path()).cloned();
    // Read the body, as a real server does, and drop it.
    if let Ok(body) = request.into_body().collect().await {
        let bytes = body.to_bytes().len() as u64;
        state.body_bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    state.requests.fetch_add(1, Ordering::Relaxed);
    let answer = answer.unwrap_or(Answer {
        status: 404,
        body: Bytes::from_static(b"{}"),
    });
    let mut response = hyper::Response::new(Full::new(answer.body));
    *response.status_mut() = hyper::StatusCode::from_u16(answer.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let json = hyper::header::HeaderValue::from_static("application/json");
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, json);
    Ok(response)
}

fn serve(
    state: Arc<State>,
    ready: std::sync::mpsc::Sender<Ready>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    let bound = builder.enable_all().build().map_err(text).and_then(|rt| {
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .map_err(text)?;
        let addr = listener.local_addr().map_err(text)?;
        Ok((rt, listener, (addr, thread_id()?)))
    });
    let (runtime, listener) = match bound {
        Ok((rt, listener, started)) => {
            let _ = ready.send(Ok(started));
            (rt, listener)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let accept = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            state.connections.fetch_add(1, Ordering::Relaxed);
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = service_fn(move |request| answer(Arc::clone(&state), request));
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    runtime.block_on(async {
        tokio::select! {
            _ = stop => {}
            () = accept => {}
        }
    });
}
