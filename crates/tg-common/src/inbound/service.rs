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

/// A handler `S` behind the guard `G` (see the [module documentation](self)). Debug shows the
/// guard only.
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
