//! Size limits checked before anything is queued or sent: per field, per event and per request.
//!
//! The service documents none. Each limit comes from what Telegram or TON accept for the value
//! the field carries, or, where nothing says, is a choice made here, large enough for every value
//! the official SDK sends; the table in `docs/tga.md` gives the source of each. Text lengths are
//! counted in characters (Unicode scalar values), `payload` in bytes (as Telegram counts it).

use serde_json::Value;
use tg_common::Error;

use super::{Event, EventName};

/// The longest JSON of one event, in bytes (chosen: it leaves room for the field limits below
/// and fits a request).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The default largest body of one `POST /events`, uncompressed JSON, in bytes.
///
/// Inferred, not documented: the service answers with Express/NestJS-shaped errors, and
/// Express's JSON body parser refuses bodies over `100kb` (102,400 bytes, counted after gzip
/// is inflated) by default; 100,000 stays under it.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 100_000;

/// The smallest accepted request budget: one event of [`MAX_EVENT_BYTES`] in `[` `]`.
pub const MIN_REQUEST_BYTES: usize = MAX_EVENT_BYTES + 2;

/// The largest accepted request budget (chosen: 8 MiB).
pub const MAX_REQUEST_BYTES_LIMIT: usize = 8 * 1024 * 1024;

/// The most entries in `messages`: a TON wallet v5 sends at most 255 actions in one message.
pub const MAX_MESSAGES: usize = 255;

/// The longest JSON of `custom_data`, and of any one field in [`Event::extra`], in bytes
/// (chosen).
pub const MAX_OBJECT_BYTES: usize = 16 * 1024;

/// The most characters of each text field (`None`: no limit of its own).
pub fn text_limit(field: &str) -> Option<usize> {
    Some(match field {
        // Chosen: the SDK's longest name has 30 characters.
        "event_name" | "app_name" => 128,
        // Chosen: Telegram's limit for the text of a message.
        "error_message" => 4096,
        // TON addresses: 48 characters user-friendly, 66 or 67 raw (`-1:` + 64 hex digits).
        "wallet_address" | "from" | "messages.address" => 128,
        // Chosen.
        "wallet_type" | "wallet_version" => 64,
        // Chosen: a Unix time as text.
        "valid_until" | "scope" => 32,
        // Chosen: Telegram's platform names (`tdesktop`, `android`) are short.
        "platform" => 32,
        // RFC 5646 §4.4.1: language tags of up to 35 characters must be supported.
        "locale" => 35,
        // Telegram: a Mini App's `startapp` parameter holds at most 512 characters.
        "start_param" => 512,
        // Chosen: the usual limit of a URL.
        "url_referer" => 2048,
        // Chosen: a UUID has 36 characters.
        "trace_id" => 128,
        // Chosen: a base64 bag of cells; state inits are a few kilobytes at most.
        "wallet_state_init" => 16 * 1024,
        // Chosen: a signed transaction of many messages, within one event.
        "signed_transaction" => 32 * 1024,
        // Chosen: 39 digits hold any `u128` of nanotons.
        "messages.amount" => 40,
        // Telegram's invoice (`createInvoiceLink`), for `register-invoice`.
        "invoice.title" => 32,
        "invoice.description" => 255,
        "invoice.currency" => 3,
        _ => return None,
    })
}

/// Telegram's limit of an invoice `payload`, in bytes.
pub const MAX_INVOICE_PAYLOAD_BYTES: usize = 128;

fn too_long(field: impl Into<String>, limit: usize, unit: &str) -> Error {
    Error::invalid_input(field.into(), format!("must be at most {limit} {unit}"))
}

fn check_text(field: &str, name: &str, text: &str) -> Result<(), Error> {
    match text_limit(name) {
        // A text holds no more characters than bytes: most are counted without a scan.
        Some(limit) if text.len() > limit && text.chars().nth(limit).is_some() => {
            Err(too_long(field, limit, "characters"))
        }
        _ => Ok(()),
    }
}

/// The length of `value`'s JSON, counted as it is written, without holding it.
fn json_len(value: &impl serde::Serialize) -> usize {
    let mut counter = ByteCount(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// A writer that only counts the bytes written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Checks every field of `event` against its limit. With the length of the event's whole JSON
/// (`encoded_len`) at most [`MAX_OBJECT_BYTES`], no part of it can be longer: the objects'
/// JSON is not measured again.
pub(crate) fn check(event: &Event, encoded_len: Option<usize>) -> Result<(), Error> {
    let measure_objects = encoded_len.is_none_or(|len| len > MAX_OBJECT_BYTES);
    check_text("event_name", "event_name", event.event_name.as_str())?;
    check_text("app_name", "app_name", &event.app_name)?;
    let texts = [
        ("error_message", &event.error_message),
        ("wallet_address", &event.wallet_address),
        ("wallet_type", &event.wallet_type),
        ("wallet_version", &event.wallet_version),
        ("valid_until", &event.valid_until),
        ("from", &event.from),
        ("platform", &event.platform),
        ("locale", &event.locale),
        ("start_param", &event.start_param),
        ("url_referer", &event.url_referer),
        ("scope", &event.scope),
        ("wallet_state_init", &event.wallet_state_init),
        ("trace_id", &event.trace_id),
        ("signed_transaction", &event.signed_transaction),
    ];
    for (name, value) in texts {
        if let Some(text) = value {
            check_text(name, name, text)?;
        }
    }
    let messages = event.messages.as_deref().unwrap_or_default();
    if messages.len() > MAX_MESSAGES {
        return Err(too_long("messages", MAX_MESSAGES, "entries"));
    }
    for (i, m) in messages.iter().enumerate() {
        check_text(
            &format!("messages[{i}].address"),
            "messages.address",
            &m.address,
        )?;
        check_text(
            &format!("messages[{i}].amount"),
            "messages.amount",
            &m.amount,
        )?;
    }
    if let Some(data) = &event.custom_data
        && measure_objects
        && json_len(data) > MAX_OBJECT_BYTES
    {
        return Err(too_long("custom_data", MAX_OBJECT_BYTES, "bytes of JSON"));
    }
    let invoice = event.event_name == EventName::RegisterInvoice;
    for (key, value) in &event.extra {
        if invoice {
            check_invoice_field(key, value)?;
        }
        if measure_objects && json_len(value) > MAX_OBJECT_BYTES {
            return Err(too_long(
                format!("extra.{key}"),
                MAX_OBJECT_BYTES,
                "bytes of JSON",
            ));
        }
    }
    Ok(())
}

fn check_invoice_field(key: &str, value: &Value) -> Result<(), Error> {
    let Value::String(text) = value else {
        return Ok(());
    };
    if key == "payload" {
        if text.len() > MAX_INVOICE_PAYLOAD_BYTES {
            return Err(too_long(
                "extra.payload",
                MAX_INVOICE_PAYLOAD_BYTES,
                "bytes",
            ));
        }
        return Ok(());
    }
    check_text(&format!("extra.{key}"), &format!("invoice.{key}"), text)
}

/// Checks that one encoded event fits [`MAX_EVENT_BYTES`].
pub(crate) fn check_encoded_len(len: usize) -> Result<(), Error> {
    if len > MAX_EVENT_BYTES {
        return Err(Error::invalid_input(
            "event",
            format!("its JSON is {len} bytes; at most {MAX_EVENT_BYTES} fit one event"),
        ));
    }
    Ok(())
}

/// Checks a request budget given in configuration.
pub(crate) fn check_request_budget(field: &'static str, bytes: usize) -> Result<(), Error> {
    if !(MIN_REQUEST_BYTES..=MAX_REQUEST_BYTES_LIMIT).contains(&bytes) {
        return Err(Error::invalid_input(
            field,
            format!("must be between {MIN_REQUEST_BYTES} and {MAX_REQUEST_BYTES_LIMIT} bytes"),
        ));
    }
    Ok(())
}
