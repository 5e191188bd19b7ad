//! [`GuardedService`]: a handler behind a provider's [`Guard`]. For every request, in this
//! order: the guard checks the headers (a refusal is answered at once, the body unread); the
//! body is read whole within the guard's limit (larger is 413, a broken body 400); the guard
//! admits the request or refuses it; the handler gets the request with the same bytes; the
//! guard is told whether the handler answered 2xx (anything else, an error or a panic is not
//! handled; a panic is answered 500). A refusal never reaches the handler.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_util::FutureExt;
use http::request::Parts;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_service::Service;

use super::Rejection;
use crate::BoxError;

/// The largest body read by default (webhook deliveries are a few kilobytes).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// A provider's checks around a handler, run by [`GuardedService`]. Cloned once per request
/// (keep it an `Arc` inside).
pub trait Guard: Clone + Send + Sync + 'static {
    /// What an admitted request carries to [`settle`](Guard::settle) (a held nonce, the body
    /// to forward).
    type Admission: Send + 'static;

    /// The largest body read; larger is answered 413.
    fn max_body(&self) -> usize;

    /// Checks the headers before the body is read (default: admits all).
    fn check_headers(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        let _ = headers;
        Ok(())
    }

    /// Admits the request whose body is `body` (and may add extensions to `parts` for the
    /// handler), or refuses it: the refusal is the answer and the handler does not run.
    fn admit(
        &self,
        parts: &mut Parts,
        body: &Bytes,
    ) -> impl Future<Output = Result<Self::Admission, Rejection>> + Send;

    /// After the handler: `handled` is true when it answered 2xx, false after any other answer,
    /// an error or a panic. Not called when the request is dropped before (the admission is
    /// dropped instead).
    fn settle(&self, admission: Self::Admission, handled: bool) -> impl Future<Output = ()> + Send;
}

/// A handler `S` behind the guard `G`. For every request, in this order: the guard checks the
/// headers (a refusal is answered at once, the body unread); the body is read whole within the
/// guard's limit (larger is 413, a broken body 400); the guard admits the request or refuses
/// it; the handler gets the request with the same bytes; the guard is told whether the handler
/// answered 2xx (a panic in it is answered 500). Debug shows the guard only.
#[derive(Clone)]
pub struct GuardedService<S, G> {
    inner: S,
    guard: G,
}

impl<S, G> GuardedService<S, G> {
    /// `inner` behind `guard`.
    pub fn new(inner: S, guard: G) -> Self {
        GuardedService { inner, guard }
    }
}

impl<S, G: std::fmt::Debug> std::fmt::Debug for GuardedService<S, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedService")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, G, ReqBody, ResBody> Service<Request<ReqBody>> for GuardedService<S, G>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    G: Guard,
    ReqBody: Body + From<Bytes> + Send + 'static,
    ReqBody::Data: Buf + Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: From<Bytes> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let guard = self.guard.clone();
        // Before anything else: a request the headers refuse reaches nothing.
        if let Err(refused) = guard.check_headers(request.headers()) {
            return Box::pin(async { Ok(refused.into_response()) });
        }
        // The clone is the one `poll_ready` did not prepare; the prepared one is called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let body = match Limited::new(body, guard.max_body()).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => {
                    let refused = if e.is::<LengthLimitError>() {
                        Rejection::new(StatusCode::PAYLOAD_TOO_LARGE, "webhook body over the limit")
                    } else {
                        Rejection::new(StatusCode::BAD_REQUEST, "webhook body unreadable")
                    };
                    return Ok(refused.into_response());
                }
            };
            let admission = match guard.admit(&mut parts, &body).await {
                Ok(admission) => admission,
                Err(refused) => return Ok(refused.into_response()),
            };
            let request = Request::from_parts(parts, ReqBody::from(body));
            // If this future is dropped (the connection went away), the admission is dropped
            // with it.
            let outcome = AssertUnwindSafe(inner.call(request)).catch_unwind().await;
            let handled = matches!(&outcome, Ok(Ok(response)) if response.status().is_success());
            guard.settle(admission, handled).await;
            match outcome {
                Ok(result) => result,
                Err(_panic) => Ok(Rejection::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the webhook handler panicked",
                )
                .into_response()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};

    use http_body_util::Full;

    use super::*;

    /// Refuses requests without `x-ok`, admits with the body, records what it was told.
    #[derive(Clone, Default)]
    struct Recorder {
        settled: Arc<Mutex<Vec<(Bytes, bool)>>>,
    }

    impl Guard for Recorder {
        type Admission = Bytes;

        fn max_body(&self) -> usize {
            8
        }

        fn check_headers(&self, headers: &HeaderMap) -> Result<(), Rejection> {
            match headers.get("x-ok") {
                Some(_) => Ok(()),
                None => Err(Rejection::new(StatusCode::UNAUTHORIZED, "no x-ok")),
            }
        }

        async fn admit(&self, _parts: &mut Parts, body: &Bytes) -> Result<Bytes, Rejection> {
            match &body[..] {
                b"refuse" => Err(Rejection::new(StatusCode::CONFLICT, "refused")),
                _ => Ok(body.clone()),
            }
        }

        async fn settle(&self, body: Bytes, handled: bool) {
            self.settled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((body, handled));
        }
    }

    /// Answers the status its body names (`panic` panics); counts its calls.
    #[derive(Clone, Default)]
    struct Handler {
        calls: Arc<Mutex<usize>>,
    }

    impl Service<Request<Full<Bytes>>> for Handler {
        type Response = Response<Full<Bytes>>;
        type Error = Infallible;
        type Future = BoxFuture<Result<Self::Response, Infallible>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
            *self.calls.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            Box::pin(async move {
                let body = request.into_body().collect().await?.to_bytes();
                assert_ne!(&body[..], b"panic", "the handler panics");
                let mut response = Response::new(Full::default());
                *response.status_mut() = if &body[..] == b"fail" {
                    StatusCode::BAD_GATEWAY
                } else {
                    StatusCode::OK
                };
                Ok(response)
            })
        }
    }

    async fn send(
        service: &mut GuardedService<Handler, Recorder>,
        ok: bool,
        body: &'static str,
    ) -> (u16, Bytes) {
        let mut request = Request::new(Full::new(Bytes::from_static(body.as_bytes())));
        if ok {
            request
                .headers_mut()
                .insert("x-ok", http::HeaderValue::from_static("1"));
        }
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .unwrap_or_else(|e| match e {});
        let response = service.call(request).await.unwrap_or_else(|e| match e {});
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.map(|b| b.to_bytes());
        (status, body.unwrap_or_else(|e| match e {}))
    }

    #[tokio::test]
    async fn checks_run_in_order_and_the_guard_learns_how_the_handler_answered() {
        let (handler, guard) = (Handler::default(), Recorder::default());
        let mut service = GuardedService::new(handler.clone(), guard.clone());

        assert_eq!(
            send(&mut service, false, "a").await,
            (401, "no x-ok".into())
        );
        assert_eq!(send(&mut service, true, "123456789").await.0, 413);
        assert_eq!(
            send(&mut service, true, "refuse").await,
            (409, "refused".into())
        );
        assert_eq!(*handler.calls.lock().unwrap_or_else(|e| e.into_inner()), 0);

        assert_eq!(send(&mut service, true, "good").await.0, 200);
        assert_eq!(send(&mut service, true, "fail").await.0, 502);
        let (status, body) = send(&mut service, true, "panic").await;
        assert_eq!(
            (status, &body[..]),
            (500, &b"the webhook handler panicked"[..])
        );
        // The service goes on after a panic.
        assert_eq!(send(&mut service, true, "again").await.0, 200);

        let settled = guard
            .settled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let expected: Vec<(Bytes, bool)> = vec![
            ("good".into(), true),
            ("fail".into(), false),
            ("panic".into(), false),
            ("again".into(), true),
        ];
        assert_eq!(settled, expected);
    }
}
