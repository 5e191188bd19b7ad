//! What a provider crate writes for each operation ([`Operation`]) and once for its client
//! ([`ProviderClient`]).

use bytes::Bytes;
use http::Method;

use crate::client::{Call, Core, RawResponse};
use crate::error::Error;
use crate::limit::Priority;
use crate::retry::Idempotency;
use crate::transport::RequestPath;
use crate::transport::is_plain_path;

/// A provider's client as the request builder sees it: the core every call goes through and
/// the path prefix of its operations.
pub trait ProviderClient: Clone + Send + Sync + 'static {
    /// The provider's name in errors and tracing (`"tgtrack"`).
    const PROVIDER: &'static str;

    /// The core: limiter, pool, retries, timeouts, redaction.
    fn core(&self) -> &Core;

    /// The path every operation's [`PATH`](Operation::PATH) goes below (`/v1/{API_KEY}`, the
    /// key a secret segment).
    fn prefix(&self) -> &RequestPath;
}

/// One operation of a provider's API, described by its request type: the request value is its
/// own builder, and its facts (name, method, path, idempotency, priority) are constants of the
/// type.
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

    /// The operation as the provider documents it (`add_event`, `GET orders`): used in errors
    /// and tracing, never a URL.
    const NAME: &'static str;

    /// The HTTP method.
    const METHOD: Method;

    /// The path below the client's [`prefix`](ProviderClient::prefix), as documented
    /// (`orders/count`); a `{parameter}` in it is filled in by [`path`](Operation::path).
    const PATH: &'static str;

    /// Whether repeating the request is harmless: only then is it retried after an ambiguous
    /// failure (a timeout, a reset, a 5xx), unless the caller opts in per call.
    const IDEMPOTENCY: Idempotency;

    /// How every call of this operation competes for the key's quotas (see [`Priority`]).
    const PRIORITY: Priority = Priority::Normal;

    /// The path of this request: `prefix` followed by the segments of
    /// [`PATH`](Operation::PATH), each percent-encoded. An operation whose path holds a
    /// `{parameter}` appends its own segments instead.
    fn path(&self, prefix: &RequestPath) -> RequestPath {
        // A path of unreserved segments (every fixed path) is copied as is, decided once.
        if const { is_plain_path(Self::PATH) } {
            prefix.with_plain_path(Self::PATH)
        } else {
            prefix.clone().segments(Self::PATH)
        }
    }

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
