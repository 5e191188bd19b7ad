//! Splitting initData, an `application/x-www-form-urlencoded` string, into its decoded fields,
//! and the data-check-string both signatures cover.

use std::collections::BTreeMap;

use super::InitDataError;

/// The longest initData accepted, in bytes (Telegram's are well under 4 KiB).
pub const MAX_INIT_DATA_LEN: usize = 16 * 1024;

/// Telegram's documented initData fields: a field at fault is named in an error only when it is
/// one of these (any other key is input, never repeated in an error).
const KNOWN_FIELDS: [&str; 11] = [
    "auth_date",
    "can_send_after",
    "chat",
    "chat_instance",
    "chat_type",
    "hash",
    "query_id",
    "receiver",
    "signature",
    "start_param",
    "user",
];

/// The decoded fields, sorted by key (byte order, which is Telegram's order for its ASCII keys).
pub(crate) type Fields = BTreeMap<String, String>;

/// Splits `raw` into decoded `key -> value` fields.
///
/// Strict where reference parsers are lenient, because Telegram never sends these: an empty
/// pair, a pair without `=`, an empty key and a repeated key are refused (a repeated key would
/// let the signed value and the value read differ), and so is a decoded key or value holding
/// an ASCII control character (U+0000 to U+001F, U+007F). The data-check-string joins the
/// fields with `\n`: a value holding `%0A` could carry further `key=value` lines under one
/// signature, hiding the fields it swallowed (a valid `user` re-split into `chat_type`).
pub(crate) fn split(raw: &str) -> Result<Fields, InitDataError> {
    const WHOLE: &str = "initData";
    if raw.is_empty() {
        return Err(InitDataError::malformed(WHOLE, "is empty"));
    }
    if raw.len() > MAX_INIT_DATA_LEN {
        return Err(InitDataError::malformed(
            WHOLE,
            format!(
                "is {} bytes long; at most {MAX_INIT_DATA_LEN} are accepted",
                raw.len()
            ),
        ));
    }
    let mut fields = Fields::new();
    for pair in raw.split('&') {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| InitDataError::malformed(WHOLE, "holds a pair without `=`"))?;
        let key = decode(key)?;
        if key.is_empty() {
            return Err(InitDataError::malformed(WHOLE, "holds an empty key"));
        }
        let value = decode(value)?;
        refuse_control(&key, &value)?;
        if fields.insert(key, value).is_some() {
            return Err(InitDataError::malformed(WHOLE, "holds a key twice"));
        }
    }
    Ok(fields)
}

/// Refuses a key or value holding an ASCII control character; the error names the field when it
/// is one of Telegram's, and the character by its code point.
fn refuse_control(key: &str, value: &str) -> Result<(), InitDataError> {
    let control = |text: &str| text.chars().find(char::is_ascii_control);
    let known = KNOWN_FIELDS.iter().copied().find(|f| *f == key);
    let (field, c, place) = match (control(key), control(value), known) {
        (Some(c), _, _) => ("initData", c, " in a key"),
        (None, Some(c), Some(field)) => (field, c, ""),
        (None, Some(c), None) => ("initData", c, " in the value of a field"),
        (None, None, _) => return Ok(()),
    };
    Err(InitDataError::malformed(
        field,
        format!(
            "holds the control character U+{:04X}{place}: Telegram never sends one",
            u32::from(c)
        ),
    ))
}

/// `prefix` followed by every field except `excluded`, as `key=value` lines joined by `\n`.
pub(crate) fn data_check_string(fields: &Fields, prefix: &str, excluded: &[&str]) -> String {
    let mut out = String::from(prefix);
    let mut first = true;
    for (key, value) in fields {
        if excluded.contains(&key.as_str()) {
            continue;
        }
        if !first {
            out.push('\n');
        }
        first = false;
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Form-decodes one key or value: `+` is a space, `%XX` a byte; the result must be UTF-8.
fn decode(text: &str) -> Result<String, InitDataError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| Some(hex_digit(h[0])? << 4 | hex_digit(h[1])?))
                    .ok_or_else(|| {
                        InitDataError::malformed("initData", "holds a bad percent escape")
                    })?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| InitDataError::malformed("initData", "decodes to bytes that are not UTF-8"))
}

/// The value of one hexadecimal digit.
pub(crate) const fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
