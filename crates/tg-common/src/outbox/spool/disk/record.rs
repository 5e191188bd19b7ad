//! The record format of a segment: `magic [u8; 4] | len u32 LE | crc32 u32 LE | kind u8 | body`.
//!
//! `len` counts `kind` and `body`; the CRC-32 covers `len`, `kind` and `body`, so a record is
//! taken only when every byte of it is as written. An append record's body is `id u64 LE`
//! followed by the entry; an acknowledgement record's body is one or more `id u64 LE`.
//!
//! The magic lets recovery find the next record after damage ([`resync`]): its first byte,
//! `0xF5`, never occurs in UTF-8 text, so a JSON entry never holds it.

/// The bytes every record starts with.
pub(crate) const MAGIC: [u8; 4] = [0xF5, 0x7A, 0x5C, 0xA9];
/// Bytes before the body: magic, length, checksum, kind.
pub(crate) const HEADER: usize = 13;
/// Bytes an append record adds to its entry (header and id).
pub(crate) const APPEND_OVERHEAD: usize = HEADER + 8;

const KIND_APPEND: u8 = 1;
const KIND_ACK: u8 = 2;

/// One decoded record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Record<'a> {
    /// An entry appended (or copied forward by compaction) under `id`.
    Append {
        /// The entry's id.
        id: u64,
        /// The entry's bytes.
        entry: &'a [u8],
    },
    /// Entries acknowledged.
    Ack(Vec<u64>),
}

/// Why decoding stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The bytes end before the record does: a torn write, or the end of the log.
    Short,
    /// The bytes are not a record as written (checksum, length or kind wrong).
    Corrupt,
}

fn checksum(len: [u8; 4], rest: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&len);
    h.update(rest);
    h.finalize()
}

fn put(out: &mut Vec<u8>, kind: u8, body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[0; HEADER - 4]);
    out[start + 12] = kind;
    body(out);
    let len = u32::try_from(out.len() - start - 12).unwrap_or(u32::MAX);
    let len_bytes = len.to_le_bytes();
    out[start + 4..start + 8].copy_from_slice(&len_bytes);
    let crc = checksum(len_bytes, &out[start + 12..]);
    out[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
}

/// Appends the append record of `entry` under `id` to `out`.
pub(crate) fn put_append(out: &mut Vec<u8>, id: u64, entry: &[u8]) {
    put(out, KIND_APPEND, |b| {
        b.extend_from_slice(&id.to_le_bytes());
        b.extend_from_slice(entry);
    });
}

/// Appends the acknowledgement record of `ids` to `out`.
pub(crate) fn put_ack(out: &mut Vec<u8>, ids: impl IntoIterator<Item = u64>) {
    put(out, KIND_ACK, |b| {
        for id in ids {
            b.extend_from_slice(&id.to_le_bytes());
        }
    });
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Decodes the record at the start of `bytes`: the record and its total length. `max_len` bounds
/// a record's `len`, so a damaged length is not taken for a long record.
pub(crate) fn decode(bytes: &[u8], max_len: usize) -> Result<(Record<'_>, usize), Stop> {
    let head: [u8; HEADER] = match bytes.get(..HEADER) {
        Some(h) => h.try_into().map_err(|_| Stop::Short)?,
        None => return Err(Stop::Short),
    };
    if head[..4] != MAGIC {
        return Err(Stop::Corrupt);
    }
    let len_bytes = [head[4], head[5], head[6], head[7]];
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len == 0 || len > max_len {
        return Err(Stop::Corrupt);
    }
    let total = 12 + len;
    let Some(rest) = bytes.get(12..total) else {
        return Err(Stop::Short);
    };
    let crc = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    if checksum(len_bytes, rest) != crc {
        return Err(Stop::Corrupt);
    }
    let body = &rest[1..];
    let record = match rest[0] {
        KIND_APPEND => Record::Append {
            id: u64_at(body, 0).ok_or(Stop::Corrupt)?,
            entry: &body[8..],
        },
        KIND_ACK if !body.is_empty() && body.len() % 8 == 0 => Record::Ack(
            body.chunks_exact(8)
                .filter_map(|c| c.try_into().ok().map(u64::from_le_bytes))
                .collect(),
        ),
        _ => return Err(Stop::Corrupt),
    };
    Ok((record, total))
}

/// Where the next whole record after damage at the start of `bytes` begins (searched from
/// offset 1), and how many record magics the bytes before it hold (records started there and
/// lost); `None` when no whole record follows.
pub(crate) fn resync(bytes: &[u8], max_len: usize) -> (Option<usize>, u64) {
    let mut lost = 0;
    let mut at = 1;
    while let Some(found) = bytes.get(at..).and_then(find_magic) {
        let candidate = at + found;
        if decode(&bytes[candidate..], max_len).is_ok() {
            return (Some(candidate), lost + u64::from(bytes.starts_with(&MAGIC)));
        }
        lost += 1;
        at = candidate + 1;
    }
    (None, lost + u64::from(bytes.starts_with(&MAGIC)))
}

fn find_magic(bytes: &[u8]) -> Option<usize> {
    bytes.windows(MAGIC.len()).position(|w| w == MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_every_damage_is_seen() {
        let mut buf = Vec::new();
        put_append(&mut buf, 7, b"hello");
        let first = buf.len();
        assert_eq!(first, APPEND_OVERHEAD + 5);
        put_ack(&mut buf, [7, 9]);
        let (r, n) = decode(&buf, 1 << 20).unwrap();
        assert_eq!(
            r,
            Record::Append {
                id: 7,
                entry: b"hello"
            }
        );
        assert_eq!(n, first);
        let (r, n) = decode(&buf[first..], 1 << 20).unwrap();
        assert_eq!(r, Record::Ack(vec![7, 9]));
        assert_eq!(first + n, buf.len());
        for cut in 0..first {
            assert_eq!(
                decode(&buf[..cut], 1 << 20),
                Err(Stop::Short),
                "cut at {cut}"
            );
        }
        for i in 0..first {
            let mut bad = buf[..first].to_vec();
            bad[i] ^= 0x20;
            assert!(decode(&bad, 1 << 20).is_err(), "flip at {i}");
        }
    }
}
