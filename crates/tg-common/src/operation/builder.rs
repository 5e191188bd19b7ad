//! [`RequestBuilder`]: one operation ready to send, with the caller's per-call options.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use super::{Operation, ProviderClient};
use crate::client::{Call, CallOptions};
use crate::error::Error;

/// One operation and the client that sends it, with the per-call options; sent by
/// [`send`](RequestBuilder::send) or by awaiting it.
///
/// The operation's optional parameters are set through the provider's setter traits (one per
/// request type, implemented for every [`HasOperation`]), so the same setters work on the
/// request value and on its builder.
#[must_use = "a request does nothing until `.send().await`"]
pub struct RequestBuilder<O: Operation> {
    client: O::Client,
    operation: O,
    options: CallOptions,
    max_attempts: Option<u32>,
}

impl<O: Operation> RequestBuilder<O> {
    /// `operation`, to be sent by `client`.
    pub fn new(client: O::Client, operation: O) -> Self {
        RequestBuilder {
            client,
            operation,
            options: CallOptions::default(),
            max_attempts: None,
        }
    }

    /// The operation as it will be sent.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Changes the operation value.
    pub fn map_operation(mut self, change: impl FnOnce(O) -> O) -> Self {
        self.operation = change(self.operation);
        self
    }

    /// The client that sends it.
    pub fn client(&self) -> &O::Client {
        &self.client
    }

    /// Allows retrying this call after an ambiguous failure (a timeout, a reset connection, a
    /// 5xx) although the operation is not idempotent: the caller accepts that its effect may
    /// happen twice.
    pub fn retry_unsafe(mut self) -> Self {
        self.options.retry_unsafe = true;
        self
    }

    /// This call's maximum wait for the rate limiter, instead of the client's.
    pub fn max_rate_wait(mut self, max_wait: Duration) -> Self {
        self.options.max_rate_wait = Some(max_wait);
        self
    }

    /// At most `attempts` attempts for this call (1: never retried here, for callers that
    /// retry on their own), instead of the client's retry policy.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Validates the operation and builds the [`Call`] that [`send`](RequestBuilder::send)
    /// sends: the one rendering path, so what a test inspects here is what goes on the wire.
    ///
    /// Invalid input fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput),
    /// naming the provider and the operation.
    pub fn render(&self) -> Result<Call, Error> {
        self.build_call()
            .map_err(|e| e.with_context(<O::Client as ProviderClient>::PROVIDER, O::NAME))
    }

    fn build_call(&self) -> Result<Call, Error> {
        let operation = &self.operation;
        operation.validate()?;
        let path = operation.path(self.client.prefix());
        let mut call = Call::new(O::NAME, O::METHOD, path)
            .idempotency(O::IDEMPOTENCY)
            .priority(O::PRIORITY)
            .with_options(self.options);
        if let Some(query) = operation.query() {
            call = call.query(query);
        }
        if let Some(body) = operation.json_body(&self.client)? {
            call = call.json_body(body);
        }
        if let Some(attempts) = self.max_attempts {
            call = call.max_attempts(attempts);
        }
        operation.finish(&self.client, call)
    }

    /// Validates, sends and decodes: waits for the rate limiter, retries what is safe, and
    /// returns the decoded answer or one [`Error`] naming the provider and the operation.
    pub async fn send(self) -> Result<O::Output, Error> {
        let call = self.render()?;
        let RequestBuilder {
            client, operation, ..
        } = self;
        client
            .core()
            .execute(call, |response| operation.decode(&client, response))
            .await
    }
}

impl<O> IntoFuture for RequestBuilder<O>
where
    O: Operation + 'static,
    O::Output: 'static,
{
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    /// The same as [`send`](RequestBuilder::send), boxed.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<O: Operation + Clone> Clone for RequestBuilder<O> {
    fn clone(&self) -> Self {
        RequestBuilder {
            client: self.client.clone(),
            operation: self.operation.clone(),
            options: self.options,
            max_attempts: self.max_attempts,
        }
    }
}

impl<O: Operation + fmt::Debug> fmt::Debug for RequestBuilder<O> {
    /// The operation and the options; the client is left out (its Debug is the client's own).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &self.operation)
            .field("options", &self.options)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// A value that holds an operation: the operation itself, or a [`RequestBuilder`] of it. A
/// provider's setter trait for a request type is implemented for every `HasOperation` of that
/// type, so each setter is written once.
pub trait HasOperation {
    /// The operation held.
    type Operation;

    /// The operation, to change.
    fn operation_mut(&mut self) -> &mut Self::Operation;
}

impl<O: Operation> HasOperation for O {
    type Operation = O;

    fn operation_mut(&mut self) -> &mut O {
        self
    }
}

impl<O: Operation> HasOperation for RequestBuilder<O> {
    type Operation = O;

    fn operation_mut(&mut self) -> &mut O {
        &mut self.operation
    }
}
