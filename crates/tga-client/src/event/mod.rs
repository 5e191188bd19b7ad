//! The event model of `POST /events`: one [`Event`] per analytics event.
//!
//! Every field of the documents' table is here, plus the TON Connect extras the official SDK
//! sends (`wallet_state_init`, `trace_id`, `signed_transaction`). Unset optional fields are
//! omitted from the JSON, never sent as `null`, with one exception: `error_code` keeps an
//! explicit `null` (the documents' third example and the TON Connect SDK send one), so the
//! documents' examples re-encode to equal JSON. A `null` in any other optional field decodes as
//! absent.
//!
//! Fields this crate has no typed field for (the invoice of `register-invoice`: `slug`, `title`,
//! `prices`, ...; anything the SDK adds later) are kept in [`Event::extra`] and sent back
//! unchanged, so an event decoded from the SDK's JSON re-encodes to an equal JSON value. To
//! forward events received as JSON byte for byte, use [`EncodedEvent::from_json`].
//!
//! Test vectors are the TON documentation copy of the page: its second example is also in the
//! GitBook copy, where it lacks the closing `]` and is not valid JSON.

mod auth_type;
mod encoded;
mod from_init_data;
pub mod limits;
mod message;
mod name;
mod timestamp;

pub use auth_type::AuthType;
pub use encoded::{EncodedEvent, encode_batch};
pub use message::Message;
pub use name::EventName;
pub use timestamp::ClientTimestamp;

use serde::{Deserialize, Serialize};
use tg_common::Error;
use uuid::Uuid;

/// Free-form `custom_data`: a JSON object.
pub type CustomData = serde_json::Map<String, serde_json::Value>;

/// The fields of an event this crate has no typed field for, by name.
pub type ExtraFields = serde_json::Map<String, serde_json::Value>;

/// One analytics event.
///
/// Build it with [`Event::new`], which takes the four required fields, then the `with_*`
/// setters; the fields are public for reading and changing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's name.
    pub event_name: EventName,
    /// The session, a UUID (the SDK makes a v4 UUID per app launch).
    pub session_id: Uuid,
    /// The Telegram user id.
    pub user_id: i64,
    /// The app name the token was created for.
    pub app_name: String,

    /// Whether the user has Telegram Premium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_premium: Option<bool>,
    /// Whether the wallet connected or the transaction succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_success: Option<bool>,
    /// The error message of a failed connection or transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The error code of a failed connection or transaction: `None` omits the field,
    /// `Some(None)` sends `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "nullable_code"
    )]
    pub error_code: Option<Option<i64>>,
    /// The wallet address involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_address: Option<String>,
    /// The type of wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_type: Option<String>,
    /// The wallet software's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_version: Option<String>,
    /// How the wallet authorised the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<AuthType>,
    /// Until when a transaction offer is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The wallet address that initiates the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The transfers of the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    /// Free-form details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// When the event happened on the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_timestamp: Option<ClientTimestamp>,
    /// The platform the Mini App was opened from (`tdesktop`, `ios`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The user's language code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The launch parameter (`tgWebAppStartParam`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_param: Option<String>,
    /// The URL of the web app that sent the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_referer: Option<String>,
    /// The event scope (`dapp` or `wallet` on `disconnection`: who started it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// TON Connect: the wallet's state init.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_state_init: Option<String>,
    /// TON Connect: the trace id linking the events of one operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// TON Connect: the signed transaction (BoC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_transaction: Option<String>,

    /// Every other field, as received (`slug`, `title`, `prices` of `register-invoice`, fields
    /// added later): sent unchanged after the typed ones. A key here must not be the name of a
    /// typed field ([`Event::validate`] refuses it).
    ///
    /// Numbers are kept as `serde_json` keeps them: integers within 64 bits exactly, others as
    /// the nearest double (what a JavaScript frontend sends in the first place).
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// The names of the typed fields, as sent.
pub const TYPED_FIELDS: [&str; 25] = [
    "event_name",
    "session_id",
    "user_id",
    "app_name",
    "is_premium",
    "is_success",
    "error_message",
    "error_code",
    "wallet_address",
    "wallet_type",
    "wallet_version",
    "auth_type",
    "valid_until",
    "from",
    "messages",
    "custom_data",
    "client_timestamp",
    "platform",
    "locale",
    "start_param",
    "url_referer",
    "scope",
    "wallet_state_init",
    "trace_id",
    "signed_transaction",
];

/// `error_code`: absent, `null`, or a number.
mod nullable_code {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Option<i64>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(Some(code)) => s.serialize_i64(*code),
            _ => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}

macro_rules! text_setters {
    ($( $(#[$doc:meta])* $setter:ident => $field:ident, )*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $setter(mut self, value: impl Into<String>) -> Self {
                self.$field = Some(value.into());
                self
            }
        )*
    };
}

impl Event {
    /// An event with the four required fields and no optional one.
    pub fn new(
        user_id: i64,
        event_name: impl Into<EventName>,
        session_id: Uuid,
        app_name: impl Into<String>,
    ) -> Self {
        Event {
            event_name: event_name.into(),
            session_id,
            user_id,
            app_name: app_name.into(),
            is_premium: None,
            is_success: None,
            error_message: None,
            error_code: None,
            wallet_address: None,
            wallet_type: None,
            wallet_version: None,
            auth_type: None,
            valid_until: None,
            from: None,
            messages: None,
            custom_data: None,
            client_timestamp: None,
            platform: None,
            locale: None,
            start_param: None,
            url_referer: None,
            scope: None,
            wallet_state_init: None,
            trace_id: None,
            signed_transaction: None,
            extra: ExtraFields::new(),
        }
    }

    /// Decodes one event from its JSON object (as a web frontend or the official SDK sends it);
    /// fields without a typed field land in [`Event::extra`].
    ///
    /// Fails with [`tg_common::ErrorKind::InvalidInput`] when a required field is missing or a
    /// typed field has the wrong type. It does not run [`Event::validate`].
    pub fn from_json(json: &str) -> Result<Event, Error> {
        serde_json::from_str(json).map_err(|e| Error::invalid_input("event", e.to_string()))
    }

    text_setters! {
        /// Sets `error_message`.
        with_error_message => error_message,
        /// Sets `wallet_address`.
        with_wallet_address => wallet_address,
        /// Sets `wallet_type`.
        with_wallet_type => wallet_type,
        /// Sets `wallet_version`.
        with_wallet_version => wallet_version,
        /// Sets `valid_until`.
        with_valid_until => valid_until,
        /// Sets `from`.
        with_from => from,
        /// Sets `platform`.
        with_platform => platform,
        /// Sets `locale`.
        with_locale => locale,
        /// Sets `start_param`.
        with_start_param => start_param,
        /// Sets `url_referer`.
        with_url_referer => url_referer,
        /// Sets `scope`.
        with_scope => scope,
        /// Sets `wallet_state_init`.
        with_wallet_state_init => wallet_state_init,
        /// Sets `trace_id`.
        with_trace_id => trace_id,
        /// Sets `signed_transaction`.
        with_signed_transaction => signed_transaction,
    }

    /// Sets `is_premium`.
    #[must_use]
    pub fn with_premium(mut self, is_premium: bool) -> Self {
        self.is_premium = Some(is_premium);
        self
    }

    /// Sets `is_success`.
    #[must_use]
    pub fn with_success(mut self, is_success: bool) -> Self {
        self.is_success = Some(is_success);
        self
    }

    /// Sets `error_code`; `None` sends an explicit `null`.
    #[must_use]
    pub fn with_error_code(mut self, code: Option<i64>) -> Self {
        self.error_code = Some(code);
        self
    }

    /// Sets `auth_type`.
    #[must_use]
    pub fn with_auth_type(mut self, auth_type: AuthType) -> Self {
        self.auth_type = Some(auth_type);
        self
    }

    /// Sets `messages`.
    #[must_use]
    pub fn with_messages(mut self, messages: Vec<Message>) -> Self {
        self.messages = Some(messages);
        self
    }

    /// Sets `custom_data`.
    #[must_use]
    pub fn with_custom_data(mut self, data: CustomData) -> Self {
        self.custom_data = Some(data);
        self
    }

    /// Sets one key of `custom_data`, creating the object if needed.
    #[must_use]
    pub fn with_custom(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.custom_data
            .get_or_insert_with(CustomData::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets one field without a typed field (`slug` of `register-invoice`).
    #[must_use]
    pub fn with_extra(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Sets `client_timestamp`.
    #[must_use]
    pub fn with_client_timestamp(mut self, at: ClientTimestamp) -> Self {
        self.client_timestamp = Some(at);
        self
    }

    /// Sets `client_timestamp` to the current time.
    #[must_use]
    pub fn with_client_timestamp_now(self) -> Self {
        self.with_client_timestamp(ClientTimestamp::now())
    }

    /// Checks what can be checked without the server: `user_id` positive, `event_name` and
    /// `app_name` not blank, each message with an address and an amount of decimal digits, no
    /// key of [`Event::extra`] naming a typed field, and every field within its length limit
    /// ([`limits`](crate::limits)).
    ///
    /// The error is [`tg_common::ErrorKind::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        self.validate_with(None)
    }

    /// [`Event::validate`], knowing the length of the event's JSON when it is encoded already.
    pub(crate) fn validate_with(&self, encoded_len: Option<usize>) -> Result<(), Error> {
        if self.user_id <= 0 {
            return Err(Error::invalid_input(
                "user_id",
                "must be a positive Telegram user id",
            ));
        }
        if self.event_name.as_str().trim().is_empty() {
            return Err(Error::invalid_input("event_name", "must not be empty"));
        }
        if self.app_name.trim().is_empty() {
            return Err(Error::invalid_input("app_name", "must not be empty"));
        }
        if let Some(key) = self
            .extra
            .keys()
            .find(|k| TYPED_FIELDS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(
                format!("extra.{key}"),
                "is a typed field: set the field itself",
            ));
        }
        for (i, message) in self.messages.iter().flatten().enumerate() {
            if message.address.trim().is_empty() {
                return Err(Error::invalid_input(
                    format!("messages[{i}].address"),
                    "must not be empty",
                ));
            }
            if message.amount.is_empty() || !message.amount.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid_input(
                    format!("messages[{i}].amount"),
                    "must be an amount in nanotons written with decimal digits only",
                ));
            }
        }
        limits::check(self, encoded_len)
    }

    /// This event serialized to JSON, ready to queue or send; fails when the JSON is longer
    /// than [`limits::MAX_EVENT_BYTES`].
    pub fn encode(&self) -> Result<EncodedEvent, Error> {
        EncodedEvent::encode(self)
    }
}

#[cfg(test)]
mod tests;
