//! What a provider crate writes for each operation ([`Operation`]) and once for its client
//! ([`ProviderClient`]).

use bytes::Bytes;
use http::Method;

use super::PathTable;
use crate::client::{Call, Core, RawResponse};
use crate::error::Error;
use crate::limit::Priority;
use crate::retry::Idempotency;

/// A provider's client as the request builder sees it: the core every call goes through and
/// the paths of its operations.
pub trait ProviderClient: Clone + Send + Sync + 'static {
    /// The provider's name in errors and tracing (`"tgtrack"`).
    const PROVIDER: &'static str;

    /// The core: limiter, pool, retries, timeouts, redaction.
    fn core(&self) -> &Core;

    /// The client's paths, prepared when it was built.
    fn paths(&self) -> &PathTable;
}

/// Where an operation's path comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationPath {
    /// Entry `n` of the client's [`PathTable`]: a fixed path, joined with the base URL once.
    Fixed(usize),
    /// Raw segments after the table's prefix, each percent-encoded exactly once when sent (a
    /// templated path such as `orders/{order_key}`).
    Segments(Vec<String>),
}

/// One operation of a provider's API, described by its request type.
///
/// The request builder calls, in this order: [`validate`](Operation::validate) (nothing is sent
/// when it fails), [`path`](Operation::path), [`query`](Operation::query),
/// [`json_body`](Operation::json_body) and [`finish`](Operation::finish) to build the
/// [`Call`]; then [`decode`](Operation::decode) for each answer.
pub trait Operation: Send + Sync + Sized {
    /// The client that sends it.
    type Client: ProviderClient;
    /// What a successful answer decodes into.
    type Output: Send;

    /// How every call of this operation competes for the key's quotas: a fact of the
    /// operation, not of one call (see [`Priority`]).
    const PRIORITY: Priority = Priority::Normal;

    /// The operation as the provider documents it (`add_event`, `GET orders`): used in errors
    /// and tracing, never a URL.
    fn name(&self) -> &'static str;

    /// The HTTP method.
    fn method(&self) -> Method;

    /// Whether repeating the request is harmless: only then is it retried after an ambiguous
    /// failure (a timeout, a reset, a 5xx), unless the caller opts in per call.
    fn idempotency(&self) -> Idempotency;

    /// The path below the base URL.
    fn path(&self) -> OperationPath;

    /// Checks the caller's input; an error here is returned before anything is sent.
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    /// The query string, encoded with [`query_string`](crate::transport::query_string), if any.
    fn query(&self) -> Option<String> {
        None
    }

    /// The JSON body, encoded, if any.
    fn json_body(&self, client: &Self::Client) -> Result<Option<Bytes>, Error> {
        let _ = client;
        Ok(None)
    }

    /// Adds what else this operation sends (a token header, an Origin, gzip).
    fn finish(&self, client: &Self::Client, call: Call) -> Result<Call, Error> {
        let _ = client;
        Ok(call)
    }

    /// Maps one answer to the output or to an error (the provider's envelope).
    fn decode(&self, client: &Self::Client, response: RawResponse) -> Result<Self::Output, Error>;
}
