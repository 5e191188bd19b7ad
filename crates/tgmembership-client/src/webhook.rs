//! Receiving webhooks: the event envelope `{event, debug_id, data}` and signature verification.
//!
//! The service signs each delivery with HMAC-SHA512, keyed by the webhook secret that
//! `POST webhook` returned, over `nonce + "." + timestamp + "." + raw_body`, and sends
//! `t=<timestamp>,v1=<HEX>` (upper-case hex) in one header and the nonce in another. The header
//! names are not documented: [`SIGNATURE_HEADER`] and [`NONCE_HEADER`] are the names `tg-mock`
//! sends, read by [`WebhookVerifier::verify_headers`]; [`WebhookVerifier::verify`] takes the two
//! header values for deployments that receive other names.
//!
//! Verification decodes the hex (either case is accepted: hex case carries no information),
//! compares the digests in constant time, then checks the timestamp against a tolerance
//! (default 300 s) to refuse replays. Each failure has its own [`WebhookError`] variant.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use subtle::ConstantTimeEq;
use tg_common::inbound::{HeaderCount, Rejection, one_header};
use tg_common::{ErrorKind, Secret};

use crate::model::enums::string_enum;
use crate::nonce::{
    DeliveryClaim, MemoryNonceStore, NonceState, NonceStore, NonceStoreError, new_token,
};

string_enum! {
    /// The `event` of a webhook delivery. Only `order_completed` and `membership_terminated`
    /// are named in the documentation; the other names are inferred from the events it lists
    /// (renewals, cancellations, donations).
    WebhookEventKind {
        /// An order was paid (documented name).
        OrderCompleted => "order_completed",
        /// A membership ended (documented name).
        MembershipTerminated => "membership_terminated",
        /// A membership was renewed (inferred name).
        MembershipRenewed => "membership_renewed",
        /// A membership was cancelled (inferred name).
        MembershipCancelled => "membership_cancelled",
        /// A donation was paid (inferred name).
        DonationCompleted => "donation_completed",
    }
}

/// A webhook delivery's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// What happened.
    pub event: WebhookEventKind,
    /// An id for support requests; not unique.
    pub debug_id: String,
    /// The event's data; its shape depends on the event.
    #[serde(default)]
    pub data: serde_json::Value,
}

impl WebhookEvent {
    /// Parses a delivery body (verify it first: see [`WebhookVerifier::verify_event`]).
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        decode_payload(body)
    }

    /// The data decoded into `T`; a mismatch names the JSON path within `data`.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, WebhookError> {
        tg_common::json::decode_value(200, self.data.clone()).map_err(payload_error)
    }
}

fn decode_payload<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    tg_common::json::decode(200, body).map_err(payload_error)
}

fn payload_error(e: tg_common::Error) -> WebhookError {
    match e.into_kind() {
        ErrorKind::Decode { path, message, .. } => WebhookError::InvalidPayload { path, message },
        other => WebhookError::InvalidPayload {
            path: ".".to_owned(),
            message: format!("{other:?}"),
        },
    }
}

/// Counts a verification or claim in the webhook metric (`tg_common::telemetry::WEBHOOKS`).
fn record<T>(result: &Result<T, WebhookError>) {
    let (outcome, reason) = match result {
        Ok(_) => ("verified", None),
        Err(WebhookError::Replay) => ("replay", None),
        Err(WebhookError::InProgress { .. }) => ("in_progress", None),
        Err(e) => ("refused", Some(e.reason())),
    };
    tg_common::telemetry::webhook(crate::PROVIDER, outcome, reason);
}

/// Why a webhook delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// The signature header (or the nonce) is not `t=<digits>,v1=<128 hex digits>`.
    MalformedHeader(&'static str),
    /// The timestamp is older than the tolerance allows: a possible replay.
    Stale {
        /// The signed timestamp.
        timestamp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    FromFuture {
        /// The signed timestamp.
        timestamp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// The signature does not match the body, nonce, timestamp and secret.
    SignatureMismatch,
    /// A delivery with this nonce was handled (committed) within the tolerance window: a replay,
    /// or the service retrying a delivery whose answer it did not get. Answered 200.
    Replay,
    /// Another delivery with this nonce is being handled right now. Answered 503 with
    /// `Retry-After`, so that the service comes back when that one has succeeded or failed.
    InProgress {
        /// When to come back: what is left of the other delivery's lease.
        retry_after: Duration,
    },
    /// The [`NonceStore`] could not answer; the delivery was neither handled nor recorded.
    /// Answered 503 with `Retry-After`.
    NonceStore(NonceStoreError),
    /// The body is not a webhook envelope.
    InvalidPayload {
        /// The JSON path that failed.
        path: String,
        /// What was wrong there.
        message: String,
    },
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MalformedHeader(why) => write!(f, "malformed webhook signature: {why}"),
            WebhookError::Stale { timestamp, now } => write!(
                f,
                "webhook timestamp {timestamp} is too old (now {now}): refused as a possible replay"
            ),
            WebhookError::FromFuture { timestamp, now } => {
                write!(
                    f,
                    "webhook timestamp {timestamp} is in the future (now {now})"
                )
            }
            WebhookError::SignatureMismatch => f.write_str("webhook signature does not match"),
            WebhookError::Replay => {
                f.write_str("webhook nonce already accepted within the window: a replay")
            }
            WebhookError::InProgress { retry_after } => write!(
                f,
                "a delivery with this nonce is being handled: retry in {} s",
                retry_after.as_secs()
            ),
            WebhookError::NonceStore(why) => write!(f, "webhook nonce store failed: {why}"),
            WebhookError::InvalidPayload { path, message } => {
                write!(f, "webhook body is invalid at `{path}`: {message}")
            }
        }
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebhookError::NonceStore(e) => Some(e),
            _ => None,
        }
    }
}

/// The `Retry-After` of a refusal because the nonce store failed.
pub const STORE_RETRY_AFTER: Duration = Duration::from_secs(5);

impl WebhookError {
    /// A short name of the refusal for metrics (`signature_mismatch`, `stale`, ...).
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::MalformedHeader(_) => "malformed_header",
            WebhookError::Stale { .. } => "stale",
            WebhookError::FromFuture { .. } => "from_future",
            WebhookError::SignatureMismatch => "signature_mismatch",
            WebhookError::Replay => "replay",
            WebhookError::InProgress { .. } => "in_progress",
            WebhookError::NonceStore(_) => "nonce_store",
            WebhookError::InvalidPayload { .. } => "invalid_payload",
        }
    }

    /// The status to answer a delivery refused with this error: 400 for a malformed header or
    /// body, 401 for a signature or timestamp that does not verify, 200 for a replay (already
    /// handled: nothing for the service to retry), 503 for a nonce in progress or a failed
    /// store (the service retries).
    pub fn status(&self) -> http::StatusCode {
        match self {
            WebhookError::MalformedHeader(_) | WebhookError::InvalidPayload { .. } => {
                http::StatusCode::BAD_REQUEST
            }
            WebhookError::SignatureMismatch
            | WebhookError::Stale { .. }
            | WebhookError::FromFuture { .. } => http::StatusCode::UNAUTHORIZED,
            WebhookError::Replay => http::StatusCode::OK,
            WebhookError::InProgress { .. } | WebhookError::NonceStore(_) => {
                http::StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// The `Retry-After` to send with a 503: the other delivery's remaining lease, or
    /// [`STORE_RETRY_AFTER`] after a store failure; `None` for the other errors.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            WebhookError::InProgress { retry_after } => Some(*retry_after),
            WebhookError::NonceStore(_) => Some(STORE_RETRY_AFTER),
            _ => None,
        }
    }
}

/// What a receiver answers a delivery refused with this error: [`status`](WebhookError::status),
/// the error's `Display` (never the secret) and [`retry_after`](WebhookError::retry_after).
impl From<WebhookError> for Rejection {
    fn from(error: WebhookError) -> Self {
        Rejection::new(error.status(), error.to_string()).retry_after(error.retry_after())
    }
}

/// The header carrying `t=<timestamp>,v1=<HEX>`. The service's documentation does not name its
/// headers: this is the name `tg-mock` sends; check it against the deliveries you receive.
pub const SIGNATURE_HEADER: &str = "x-tgm-signature";

/// The header carrying the nonce (undocumented name, as [`SIGNATURE_HEADER`]).
pub const NONCE_HEADER: &str = "x-tgm-nonce";

/// The default tolerance between the signed timestamp and the verifier's clock.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A parsed signature header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `t`: the signing time (Unix seconds).
    pub timestamp: i64,
    /// `t` exactly as sent, which is what was signed.
    pub timestamp_text: String,
    /// `v1`: the 64-byte HMAC-SHA512 digest.
    pub signature: Vec<u8>,
}

impl SignatureHeader {
    /// Parses `t=<ts>,v1=<HEX>`: parts in any order, whitespace around parts allowed, other
    /// `key=value` parts ignored; a missing, duplicated or invalid `t` or `v1` is
    /// [`WebhookError::MalformedHeader`].
    pub fn parse(value: &str) -> Result<Self, WebhookError> {
        let mut timestamp: Option<(i64, String)> = None;
        let mut signature: Option<Vec<u8>> = None;
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(WebhookError::MalformedHeader("empty part"));
            }
            let (key, val) = part
                .split_once('=')
                .ok_or(WebhookError::MalformedHeader("part without `=`"))?;
            let (key, val) = (key.trim(), val.trim());
            match key {
                "t" => {
                    if timestamp.is_some() {
                        return Err(WebhookError::MalformedHeader("duplicate `t`"));
                    }
                    if val.is_empty() || !val.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(WebhookError::MalformedHeader("`t` is not a Unix timestamp"));
                    }
                    let ts = val
                        .parse::<i64>()
                        .map_err(|_| WebhookError::MalformedHeader("`t` is out of range"))?;
                    timestamp = Some((ts, val.to_owned()));
                }
                "v1" => {
                    if signature.is_some() {
                        return Err(WebhookError::MalformedHeader("duplicate `v1`"));
                    }
                    let bytes = hex::decode(val)
                        .map_err(|_| WebhookError::MalformedHeader("`v1` is not hex"))?;
                    if bytes.len() != 64 {
                        return Err(WebhookError::MalformedHeader(
                            "`v1` is not a SHA-512 digest (128 hex digits)",
                        ));
                    }
                    signature = Some(bytes);
                }
                other => {
                    if other.is_empty() || !other.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        return Err(WebhookError::MalformedHeader("invalid part name"));
                    }
                }
            }
        }
        let (timestamp, timestamp_text) =
            timestamp.ok_or(WebhookError::MalformedHeader("missing `t`"))?;
        let signature = signature.ok_or(WebhookError::MalformedHeader("missing `v1`"))?;
        Ok(SignatureHeader {
            timestamp,
            timestamp_text,
            signature,
        })
    }
}

/// HMAC-SHA512 of `nonce.timestamp.body`. HMAC takes keys of any length, so keying cannot fail;
/// were it ever to, the empty tag returned never matches a 64-byte signature.
fn tag(secret: &Secret, nonce: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = <Hmac<Sha512> as Mac>::new_from_slice(secret.expose().as_bytes()) else {
        return Vec::new();
    };
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The signature header value the service sends for `body`: `t=<timestamp>,v1=<HEX>`.
pub fn sign(secret: &Secret, nonce: &str, timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let digest = tag(secret, nonce, &ts, body);
    format!("t={ts},v1={}", hex::encode_upper(digest))
}

/// The shortest webhook secret [`WebhookVerifier::new`] accepts, in bytes. The service issues
/// long random secrets (tg-mock issues 32 hex digits); anything under 16 bytes is a placeholder,
/// a truncated copy or a guessable value, and an empty one would let anybody sign.
pub const MIN_SECRET_LEN: usize = 16;

/// Why a webhook secret was refused by [`WebhookVerifier::new`]. Never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookSecretError {
    /// The secret is empty: a delivery signed with an empty key would verify.
    Empty,
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    TooShort {
        /// Its length in bytes.
        len: usize,
        /// The minimum, [`MIN_SECRET_LEN`].
        min: usize,
    },
}

impl fmt::Display for WebhookSecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookSecretError::Empty => f.write_str("the webhook secret is empty"),
            WebhookSecretError::TooShort { len, min } => write!(
                f,
                "the webhook secret is implausibly short ({len} bytes; at least {min} expected)"
            ),
        }
    }
}

impl std::error::Error for WebhookSecretError {}

/// Verifies webhook deliveries signed with one secret, and holds their nonces so that each
/// event is handled at least once and a handled one is not handled again.
///
/// Two steps. [`verify`](Self::verify) (and its variants) checks authenticity: the HMAC-SHA512
/// matches the secret over nonce, timestamp and body, and the timestamp is within the tolerance
/// (default ±300 s) of the clock; it records nothing. [`claim`](Self::claim) then holds the
/// nonce *in progress* in this verifier's [`NonceStore`] while the handler runs: a duplicate
/// meanwhile is [`WebhookError::InProgress`], one after the [`DeliveryClaim`] was committed is
/// [`WebhookError::Replay`]. Commit the claim only after the event was handled; release it (or
/// drop it) otherwise, and the service's retry is handled again. The layer
/// `receiver::ReceiverLayer` (feature `tower`) does both steps around a handler and commits on
/// its 2xx answer.
///
/// Only verified deliveries are claimed, so forged ones cannot fill the store. What is not
/// protected: the default [`MemoryNonceStore`] is per process (clones of a verifier share it;
/// other replicas and restarts do not: use a shared [`NonceStore`]); it is bounded (see its
/// eviction rule); a delivery older than the window is refused by its timestamp, not by the
/// store; and a genuine delivery captured in transit can still be delivered once, first.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    secret: Secret,
    tolerance: Duration,
    lease: Duration,
    nonces: Arc<dyn NonceStore>,
}

/// How long a claim holds a nonce *in progress* by default: a hold nobody commits or releases
/// (a crashed replica) ends after it. Longer than a handler should take.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

impl WebhookVerifier {
    /// A verifier for the secret `POST webhook` returned, with the default 300 s tolerance.
    ///
    /// An empty secret, or one shorter than [`MIN_SECRET_LEN`] bytes, is refused: with it,
    /// anybody could sign a delivery.
    pub fn new(secret: impl Into<Secret>) -> Result<Self, WebhookSecretError> {
        let secret = secret.into();
        let len = secret.expose().len();
        if len == 0 {
            return Err(WebhookSecretError::Empty);
        }
        if len < MIN_SECRET_LEN {
            return Err(WebhookSecretError::TooShort {
                len,
                min: MIN_SECRET_LEN,
            });
        }
        Ok(WebhookVerifier {
            secret,
            tolerance: DEFAULT_TOLERANCE,
            lease: DEFAULT_LEASE,
            nonces: Arc::new(MemoryNonceStore::default()),
        })
    }

    /// The same verifier remembering nonces in `store` (shared by replicas, for example).
    pub fn with_nonce_store(mut self, store: Arc<dyn NonceStore>) -> Self {
        self.nonces = store;
        self
    }

    /// The same verifier accepting timestamps within `tolerance` of its clock.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The same verifier holding a claimed nonce for at most `lease` (default
    /// [`DEFAULT_LEASE`], at least 1 s) when nobody commits or releases it.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(1));
        self
    }

    /// Holds `nonce` *in progress* for a delivery verified with `timestamp` (what
    /// [`verify`](Self::verify) returned), against the system clock.
    ///
    /// [`WebhookError::InProgress`] if another delivery with this nonce is being handled,
    /// [`WebhookError::Replay`] if one was handled (committed) within the window,
    /// [`WebhookError::NonceStore`] if the store could not answer.
    ///
    /// ```
    /// use tg_mock::tgmembership::TgmembershipFake;
    /// use tgmembership_client::{WebhookError, WebhookVerifier};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let secret = "0123456789abcdef0123456789abcdef"; // what `POST webhook` returned
    /// let fake = TgmembershipFake::new(42, "test-key-1");
    /// fake.add_webhook("https://example.com/hook", secret);
    /// let d = fake.webhook_deliveries("order_completed", serde_json::json!({"order_key": "k1"})).remove(0);
    ///
    /// let verifier = WebhookVerifier::new(secret)?;
    /// let timestamp = verifier.verify(&d.signature, &d.nonce, &d.body)?;
    /// let claim = verifier.claim(&d.nonce, timestamp).await?;
    /// // The handler failed: release, and the service's retry is handled again.
    /// claim.release().await?;
    /// let claim = verifier.claim(&d.nonce, timestamp).await?;
    /// // The handler succeeded: commit, and the same delivery again is a replay.
    /// claim.commit().await?;
    /// assert_eq!(verifier.claim(&d.nonce, timestamp).await.unwrap_err(), WebhookError::Replay);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn claim(&self, nonce: &str, timestamp: i64) -> Result<DeliveryClaim, WebhookError> {
        self.claim_at(nonce, timestamp, now_unix()).await
    }

    /// [`claim`](Self::claim) against `now_unix`.
    pub async fn claim_at(
        &self,
        nonce: &str,
        timestamp: i64,
        now_unix: i64,
    ) -> Result<DeliveryClaim, WebhookError> {
        if nonce.is_empty() {
            return Err(WebhookError::MalformedHeader("the nonce is empty"));
        }
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        let expires_at = timestamp.saturating_add(tolerance);
        let token = new_token();
        let state = self
            .nonces
            .claim(nonce, &token, self.lease, expires_at, now_unix)
            .await
            .map_err(WebhookError::NonceStore);
        let refused = Err(match state {
            Ok(NonceState::Claimed) => {
                return Ok(DeliveryClaim::new(
                    Arc::clone(&self.nonces),
                    nonce,
                    token,
                    expires_at,
                ));
            }
            Ok(NonceState::InProgress { retry_after }) => WebhookError::InProgress { retry_after },
            Ok(NonceState::Done) => WebhookError::Replay,
            Err(e) => e,
        });
        record(&refused);
        refused
    }

    /// Verifies a delivery against the system clock; returns the signed timestamp. Records
    /// nothing: [`claim`](Self::claim) the nonce before handling the event.
    ///
    /// ```
    /// use tg_mock::tgmembership::TgmembershipFake;
    /// use tgmembership_client::{WebhookError, WebhookVerifier};
    ///
    /// // tg-mock signs a delivery the way the service does.
    /// let secret = "0123456789abcdef0123456789abcdef"; // what `POST webhook` returned
    /// let fake = TgmembershipFake::new(42, "test-key-1");
    /// fake.add_webhook("https://example.com/hook", secret);
    /// let data = serde_json::json!({"order_key": "k1"});
    /// let d = fake.webhook_deliveries("order_completed", data).remove(0);
    ///
    /// let verifier = WebhookVerifier::new(secret)?;
    /// assert_eq!(verifier.verify(&d.signature, &d.nonce, &d.body)?, d.timestamp);
    /// let forged = br#"{"event":"order_completed","debug_id":"x","data":{"order_key":"k2"}}"#;
    /// assert_eq!(verifier.verify(&d.signature, &d.nonce, forged), Err(WebhookError::SignatureMismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(
        &self,
        signature_header: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<i64, WebhookError> {
        self.verify_at(signature_header, nonce, body, now_unix())
    }

    /// Verifies a delivery against `now_unix`; returns the signed timestamp.
    ///
    /// Order of checks: header syntax, then the signature (constant time), then the timestamp.
    pub fn verify_at(
        &self,
        signature_header: &str,
        nonce: &str,
        body: &[u8],
        now_unix: i64,
    ) -> Result<i64, WebhookError> {
        let result = self.check(signature_header, nonce, body, now_unix);
        record(&result);
        result
    }

    /// [`verify_at`](Self::verify_at) without its metric.
    fn check(
        &self,
        signature_header: &str,
        nonce: &str,
        body: &[u8],
        now_unix: i64,
    ) -> Result<i64, WebhookError> {
        let header = SignatureHeader::parse(signature_header)?;
        if nonce.is_empty() {
            return Err(WebhookError::MalformedHeader("the nonce is empty"));
        }
        let expected = tag(&self.secret, nonce, &header.timestamp_text, body);
        if !bool::from(expected.as_slice().ct_eq(header.signature.as_slice())) {
            return Err(WebhookError::SignatureMismatch);
        }
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        let ts = header.timestamp;
        if ts < now_unix.saturating_sub(tolerance) {
            return Err(WebhookError::Stale {
                timestamp: ts,
                now: now_unix,
            });
        }
        if ts > now_unix.saturating_add(tolerance) {
            return Err(WebhookError::FromFuture {
                timestamp: ts,
                now: now_unix,
            });
        }
        Ok(ts)
    }

    /// Verifies a delivery from its request headers ([`SIGNATURE_HEADER`] and [`NONCE_HEADER`])
    /// and raw body, against the system clock; returns the signed timestamp.
    ///
    /// ```
    /// use tg_mock::tgmembership::TgmembershipFake;
    /// use tgmembership_client::{WebhookError, WebhookVerifier};
    ///
    /// let secret = "0123456789abcdef0123456789abcdef";
    /// let fake = TgmembershipFake::new(42, "test-key-1");
    /// fake.add_webhook("https://example.com/hook", secret);
    /// let data = serde_json::json!({"order_key": "k1"});
    /// let d = fake.webhook_deliveries("order_completed", data).remove(0);
    /// let headers: http::HeaderMap = d.header_map(); // the request's headers
    ///
    /// let verifier = WebhookVerifier::new(secret)?;
    /// let forged = br#"{"event":"order_completed","debug_id":"x","data":{"order_key":"k2"}}"#;
    /// assert_eq!(verifier.verify_headers(&headers, forged), Err(WebhookError::SignatureMismatch));
    /// assert_eq!(verifier.verify_headers(&headers, &d.body)?, d.timestamp);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<i64, WebhookError> {
        self.verify_headers_at(headers, body, now_unix())
    }

    /// [`verify_headers`](Self::verify_headers) against `now_unix`. A missing, repeated or
    /// non-ASCII header is [`WebhookError::MalformedHeader`].
    pub fn verify_headers_at(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now_unix: i64,
    ) -> Result<i64, WebhookError> {
        let result = single_header(headers, SIGNATURE_HEADER, "signature").and_then(|signature| {
            let nonce = single_header(headers, NONCE_HEADER, "nonce")?;
            self.check(signature, nonce, body, now_unix)
        });
        record(&result);
        result
    }

    /// Verifies a delivery from its request headers and raw body, then parses the body.
    pub fn verify_event_headers(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_headers(headers, body)?;
        WebhookEvent::parse(body)
    }

    /// Verifies a delivery against the system clock, then parses its body.
    pub fn verify_event(
        &self,
        signature_header: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_event_at(signature_header, nonce, body, now_unix())
    }

    /// Verifies a delivery against `now_unix`, then parses its body.
    pub fn verify_event_at(
        &self,
        signature_header: &str,
        nonce: &str,
        body: &[u8],
        now_unix: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_at(signature_header, nonce, body, now_unix)?;
        WebhookEvent::parse(body)
    }
}

/// The one value of header `name`; `what` names it in the error.
fn single_header<'a>(
    headers: &'a http::HeaderMap,
    name: &'static str,
    what: &'static str,
) -> Result<&'a str, WebhookError> {
    let value = one_header(headers, name).map_err(|count| {
        WebhookError::MalformedHeader(match (what, count) {
            ("nonce", HeaderCount::Missing) => "the nonce header is missing",
            ("nonce", HeaderCount::Repeated) => "the nonce header is repeated",
            (_, HeaderCount::Missing) => "the signature header is missing",
            (_, HeaderCount::Repeated) => "the signature header is repeated",
        })
    })?;
    value
        .to_str()
        .map_err(|_| WebhookError::MalformedHeader("a webhook header is not visible ASCII"))
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's example secret (7 bytes: too short for a verifier, fine for `sign`).
    const DOC_SECRET: &str = "abcd123";
    const SECRET: &str = "whsec-0123456789abcdef";
    const NONCE: &str = "53ed4554ef588";
    const NOW: i64 = 1_684_096_282;
    const BODY: &[u8] =
        br#"{"event":"order_completed","debug_id":"dbg-1","data":{"order_key":"ABCD123"}}"#;

    fn verifier() -> WebhookVerifier {
        WebhookVerifier::new(SECRET).unwrap()
    }

    fn signed(ts: i64) -> String {
        sign(&Secret::new(SECRET), NONCE, ts, BODY)
    }

    /// Computed independently with Python's standard library:
    /// `hmac.new(b"abcd123", b"53ed4554ef588.1684096282." + BODY, hashlib.sha512)
    /// .hexdigest().upper()`.
    const PYTHON_DIGEST: &str = "FD33C51F53F2076419500FD191466B47C326DA35C94AB1D4C8AA4FBC3DC86D17\
                                 68B6A396809F3262D4B767F124E093237D7513FECFB406ADDD1EA20A96FA7130";

    #[test]
    fn sign_matches_an_independent_implementation() {
        assert_eq!(
            sign(&Secret::new(DOC_SECRET), NONCE, NOW, BODY),
            format!("t={NOW},v1={PYTHON_DIGEST}")
        );
    }

    #[test]
    fn empty_and_short_secrets_are_refused() {
        assert_eq!(
            WebhookVerifier::new("").unwrap_err(),
            WebhookSecretError::Empty
        );
        assert_eq!(
            WebhookVerifier::new(DOC_SECRET).unwrap_err(),
            WebhookSecretError::TooShort { len: 7, min: 16 }
        );
        assert_eq!(
            WebhookVerifier::new("a".repeat(15)).unwrap_err(),
            WebhookSecretError::TooShort { len: 15, min: 16 }
        );
        assert!(WebhookVerifier::new("a".repeat(16)).is_ok());
        // The error never holds the secret.
        let e = WebhookVerifier::new("short-secret").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("short-secret"));
    }

    #[test]
    fn valid_signature_is_accepted() {
        assert_eq!(
            verifier().verify_at(&signed(NOW), NONCE, BODY, NOW),
            Ok(NOW)
        );
        assert_eq!(
            verifier().verify_at(&signed(NOW - 300), NONCE, BODY, NOW),
            Ok(NOW - 300)
        );
        assert_eq!(
            verifier().verify_at(&signed(NOW + 300), NONCE, BODY, NOW),
            Ok(NOW + 300)
        );
        let event = verifier()
            .verify_event_at(&signed(NOW), NONCE, BODY, NOW)
            .unwrap();
        assert_eq!(event.event, WebhookEventKind::OrderCompleted);
        assert_eq!(event.debug_id, "dbg-1");
        assert_eq!(event.data["order_key"], "ABCD123");
    }

    #[test]
    fn tampering_is_a_mismatch() {
        let header = signed(NOW);
        let mut body = BODY.to_vec();
        body[20] ^= 1;
        assert_eq!(
            verifier().verify_at(&header, NONCE, &body, NOW),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verifier().verify_at(&header, "53ed4554ef589", BODY, NOW),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            WebhookVerifier::new("other-secret-0123456789")
                .unwrap()
                .verify_at(&header, NONCE, BODY, NOW),
            Err(WebhookError::SignatureMismatch)
        );
        // The timestamp is signed: changing it breaks the signature.
        let moved = header.replacen(&format!("t={NOW}"), &format!("t={}", NOW + 1), 1);
        assert_eq!(
            verifier().verify_at(&moved, NONCE, BODY, NOW),
            Err(WebhookError::SignatureMismatch)
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        assert_eq!(
            verifier().verify_at(&signed(NOW - 301), NONCE, BODY, NOW),
            Err(WebhookError::Stale {
                timestamp: NOW - 301,
                now: NOW
            })
        );
        assert_eq!(
            verifier().verify_at(&signed(NOW + 301), NONCE, BODY, NOW),
            Err(WebhookError::FromFuture {
                timestamp: NOW + 301,
                now: NOW
            })
        );
        let lenient = verifier().with_tolerance(Duration::from_secs(3600));
        assert!(
            lenient
                .verify_at(&signed(NOW - 3000), NONCE, BODY, NOW)
                .is_ok()
        );
    }

    #[test]
    fn header_parsing_is_tolerant_of_order_and_spaces() {
        let header = signed(NOW);
        let (t, v1) = header.split_once(',').unwrap();
        let swapped = format!(" {v1} , {t} ");
        assert!(verifier().verify_at(&swapped, NONCE, BODY, NOW).is_ok());
        let lower = header.to_ascii_lowercase();
        assert!(verifier().verify_at(&lower, NONCE, BODY, NOW).is_ok());
        let extra = format!("{header},v0=abc");
        assert!(verifier().verify_at(&extra, NONCE, BODY, NOW).is_ok());
    }

    #[test]
    fn malformed_headers_are_refused() {
        let header = signed(NOW);
        let (t, v1) = header.split_once(',').unwrap();
        let cases = [
            v1.to_owned(),            // missing t
            t.to_owned(),             // missing v1
            format!("{t},v1=XYZ"),    // not hex
            format!("{t},v1=ABCD"),   // too short
            format!("{t},{t},{v1}"),  // duplicate t
            format!("{t},{v1},{v1}"), // duplicate v1
            format!("t=-5,{v1}"),     // negative
            format!("t=12a,{v1}"),    // not digits
            format!("{t},{v1},"),     // trailing empty part
            format!("{t};{v1}"),      // wrong separator
            "garbage".to_owned(),
            String::new(),
        ];
        for case in cases {
            assert!(
                matches!(
                    verifier().verify_at(&case, NONCE, BODY, NOW),
                    Err(WebhookError::MalformedHeader(_))
                ),
                "{case:?}"
            );
        }
        assert!(matches!(
            verifier().verify_at(&header, "", BODY, NOW),
            Err(WebhookError::MalformedHeader(_))
        ));
    }

    #[test]
    fn events_round_trip_and_unknown_kinds_survive() {
        let body = br#"{"event":"refund_issued","debug_id":"x","data":{}}"#;
        let e = WebhookEvent::parse(body).unwrap();
        assert_eq!(e.event, WebhookEventKind::Unknown("refund_issued".into()));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::from_slice::<serde_json::Value>(body).unwrap()
        );
        let bad = WebhookEvent::parse(br#"{"event":"x"}"#).unwrap_err();
        assert!(matches!(bad, WebhookError::InvalidPayload { .. }));
        let valid_sig_bad_body = sign(&Secret::new(SECRET), NONCE, NOW, b"[]");
        assert!(matches!(
            verifier().verify_event_at(&valid_sig_bad_body, NONCE, b"[]", NOW),
            Err(WebhookError::InvalidPayload { .. })
        ));
    }

    #[test]
    fn data_as_names_the_path() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Data {
            order_key: i64,
        }
        let e = WebhookEvent::parse(BODY).unwrap();
        match e.data_as::<Data>().unwrap_err() {
            WebhookError::InvalidPayload { path, .. } => assert_eq!(path, "order_key"),
            other => panic!("{other:?}"),
        }
    }

    fn header_map(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, http::HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn verify_headers_reads_the_exported_header_names() {
        let sig = signed(NOW);
        // Header names are case-insensitive: the fake sends `X-TGM-Signature`.
        let mut map = http::HeaderMap::new();
        map.insert(
            http::HeaderName::from_bytes(b"X-TGM-Signature").unwrap(),
            http::HeaderValue::from_str(&sig).unwrap(),
        );
        map.insert(
            http::HeaderName::from_bytes(b"X-TGM-Nonce").unwrap(),
            http::HeaderValue::from_static(NONCE),
        );
        assert_eq!(verifier().verify_headers_at(&map, BODY, NOW), Ok(NOW));
        let event = verifier().verify_event_headers(&map, BODY);
        // Against the real clock the 2023 timestamp is stale.
        assert!(matches!(event, Err(WebhookError::Stale { .. })));

        for map in [
            header_map(&[(NONCE_HEADER, NONCE)]),
            header_map(&[(SIGNATURE_HEADER, &sig)]),
            header_map(&[
                (SIGNATURE_HEADER, &sig),
                (SIGNATURE_HEADER, &sig),
                (NONCE_HEADER, NONCE),
            ]),
            header_map(&[
                (SIGNATURE_HEADER, &sig),
                (NONCE_HEADER, NONCE),
                (NONCE_HEADER, NONCE),
            ]),
            http::HeaderMap::new(),
        ] {
            assert!(
                matches!(
                    verifier().verify_headers_at(&map, BODY, NOW),
                    Err(WebhookError::MalformedHeader(_))
                ),
                "{map:?}"
            );
        }
    }

    #[test]
    fn verification_does_not_touch_the_nonce() {
        let v = verifier();
        assert_eq!(v.verify_at(&signed(NOW), NONCE, BODY, NOW), Ok(NOW));
        assert_eq!(v.verify_at(&signed(NOW), NONCE, BODY, NOW + 10), Ok(NOW));
        // Past the window the timestamp refuses it.
        assert!(matches!(
            v.verify_at(&signed(NOW), NONCE, BODY, NOW + 301),
            Err(WebhookError::Stale { .. })
        ));
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_claim_is_in_progress_until_committed_or_released() {
        block_on(async {
            let v = verifier();
            let first = v.claim_at(NONCE, NOW, NOW).await.unwrap();
            assert_eq!(first.nonce(), NONCE);
            // Clones share the store: a concurrent duplicate is told to come back.
            assert_eq!(
                v.clone().claim_at(NONCE, NOW, NOW + 1).await.unwrap_err(),
                WebhookError::InProgress {
                    retry_after: DEFAULT_LEASE - Duration::from_secs(1)
                }
            );
            first.release().await.unwrap();
            let second = v.claim_at(NONCE, NOW, NOW + 2).await.unwrap();
            drop(second); // a dropped claim is released too
            let third = v.claim_at(NONCE, NOW, NOW + 3).await.unwrap();
            third.commit_at(NOW + 3).await.unwrap();
            assert_eq!(
                v.claim_at(NONCE, NOW, NOW + 300).await.unwrap_err(),
                WebhookError::Replay
            );
            // Each refusal has its answer: 200 for a replay, 503 with Retry-After otherwise.
            assert_eq!(WebhookError::Replay.status(), http::StatusCode::OK);
            let busy = WebhookError::InProgress {
                retry_after: Duration::from_secs(7),
            };
            assert_eq!(busy.status(), http::StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(busy.retry_after(), Some(Duration::from_secs(7)));
        });
    }

    #[test]
    fn the_lease_bounds_an_abandoned_claim() {
        block_on(async {
            let v = verifier().with_lease(Duration::from_secs(5));
            let abandoned = v.claim_at(NONCE, NOW, NOW).await.unwrap();
            std::mem::forget(abandoned); // as if the process had crashed
            assert!(matches!(
                v.claim_at(NONCE, NOW, NOW + 4).await,
                Err(WebhookError::InProgress { .. })
            ));
            assert!(v.claim_at(NONCE, NOW, NOW + 5).await.is_ok());
        });
    }

    #[test]
    fn debug_of_the_verifier_masks_the_secret() {
        assert!(!format!("{:?}", verifier()).contains(SECRET));
    }

    proptest::proptest! {
        /// A signature verifies for its own body and nonce, and not after any one byte of the
        /// body changes.
        #[test]
        fn any_body_verifies_and_any_flip_breaks_it(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
            nonce in "[a-f0-9]{1,20}",
            flip in proptest::num::usize::ANY,
        ) {
            let header = sign(&Secret::new(SECRET), &nonce, NOW, &body);
            proptest::prop_assert_eq!(verifier().verify_at(&header, &nonce, &body, NOW), Ok(NOW));
            if !body.is_empty() {
                let mut tampered = body.clone();
                let i = flip % tampered.len();
                tampered[i] ^= 0x01;
                proptest::prop_assert_eq!(
                    verifier().verify_at(&header, &nonce, &tampered, NOW),
                    Err(WebhookError::SignatureMismatch)
                );
            }
        }
    }
}
