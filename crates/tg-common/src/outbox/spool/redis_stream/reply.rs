//! Reading Redis's answers: stream ids, entries, `XREADGROUP` replies, and errors.

use bytes::Bytes;
use redis::Value;

use crate::spool::{EntryId, SpoolError};

pub(crate) fn backend(action: &str) -> impl FnOnce(redis::RedisError) -> SpoolError + '_ {
    move |e| SpoolError::Backend(format!("{action}: {e}"))
}

/// Like [`backend`], for a command that changes the stream: an error after which the command
/// may have run (a timeout, a connection broken once it was sent) is
/// [`SpoolError::MaybeStored`].
pub(crate) fn sent_backend(action: &str) -> impl FnOnce(redis::RedisError) -> SpoolError + '_ {
    move |e| {
        let unknown = e.is_timeout()
            || e.is_connection_dropped()
            || (e.is_io_error() && !e.is_connection_refusal());
        if unknown {
            SpoolError::MaybeStored(format!("{action}: {e}"))
        } else {
            SpoolError::Backend(format!("{action}: {e}"))
        }
    }
}

pub(crate) fn answer(action: &str, what: &Value) -> SpoolError {
    SpoolError::Backend(format!("{action}: unexpected answer {what:?}"))
}

/// A stream id `ms-seq` as an [`EntryId`].
pub(crate) fn parse_id(id: &[u8]) -> Option<EntryId> {
    let id = std::str::from_utf8(id).ok()?;
    let (ms, seq) = id.split_once('-')?;
    let (ms, seq): (u64, u64) = (ms.parse().ok()?, seq.parse().ok()?);
    Some(EntryId::new((u128::from(ms) << 64) | u128::from(seq)))
}

/// The stream id of an [`EntryId`].
pub(crate) fn stream_id(id: EntryId) -> String {
    format!("{}-{}", id.high(), id.low())
}

pub(crate) fn text(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// The entries of an array of `[id, [field, value, ...]]`; the bytes are `None` for an entry
/// deleted while pending (its fields are nil).
pub(crate) fn entries(
    action: &str,
    v: &Value,
) -> Result<Vec<(EntryId, Option<Bytes>)>, SpoolError> {
    let Value::Array(items) = v else {
        return Err(answer(action, v));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Array(pair) = item else {
            return Err(answer(action, item));
        };
        let id = pair
            .first()
            .and_then(text)
            .and_then(parse_id)
            .ok_or_else(|| answer(action, item))?;
        let bytes = match pair.get(1) {
            Some(Value::Array(fields)) => fields
                .chunks_exact(2)
                .find(|kv| text(&kv[0]) == Some(b"e"))
                .and_then(|kv| text(&kv[1]))
                .map(Bytes::copy_from_slice),
            _ => None,
        };
        out.push((id, bytes));
    }
    Ok(out)
}

/// The entries of an `XREADGROUP` answer for one stream (nil when there are none).
pub(crate) fn read_reply(
    action: &str,
    v: &Value,
) -> Result<Vec<(EntryId, Option<Bytes>)>, SpoolError> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::Array(streams) => match streams.first() {
            None => Ok(Vec::new()),
            Some(Value::Array(kv)) if kv.len() == 2 => entries(action, &kv[1]),
            Some(other) => Err(answer(action, other)),
        },
        Value::Map(streams) => match streams.first() {
            None => Ok(Vec::new()),
            Some((_, list)) => entries(action, list),
        },
        other => Err(answer(action, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_round_trip() {
        let id = parse_id(b"1700000000000-42").unwrap();
        assert_eq!((id.high(), id.low()), (1_700_000_000_000, 42));
        assert_eq!(stream_id(id), "1700000000000-42");
        assert_eq!(id.to_string(), "1700000000000-42");
        assert!(parse_id(b"12").is_none());
        assert!(parse_id(b"a-1").is_none());
    }

    #[test]
    fn replies_are_read_and_deleted_entries_seen() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![
                Value::Array(vec![bulk("1-1"), Value::Array(vec![bulk("e"), bulk("x")])]),
                Value::Array(vec![bulk("1-2"), Value::Nil]),
            ]),
        ])]);
        let got = read_reply("t", &reply).unwrap();
        assert_eq!(got[0].1.as_deref(), Some(&b"x"[..]));
        assert_eq!((got[1].0.low(), got[1].1.is_none()), (2, true));
        assert!(read_reply("t", &Value::Nil).unwrap().is_empty());
        assert!(read_reply("t", &Value::Int(3)).is_err());
    }
}
