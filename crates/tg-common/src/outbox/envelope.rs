//! How an outbox stores an entry in its spool: a version byte, the append time (milliseconds
//! since the Unix epoch, little-endian) and the caller's bytes, unchanged. The time survives a
//! restart, so the backlog's oldest entry has an age.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, Bytes, BytesMut};

/// The first byte of an outbox entry.
const VERSION: u8 = 1;

/// The bytes an entry adds to the caller's.
pub(crate) const OVERHEAD: usize = 9;

/// Milliseconds since the Unix epoch, now (zero before it).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The time `ms` after the epoch.
pub(crate) fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The entry for `bytes`, appended at `ms`.
pub(crate) fn wrap(bytes: &[u8], ms: u64) -> Bytes {
    let mut out = BytesMut::with_capacity(OVERHEAD + bytes.len());
    out.put_u8(VERSION);
    out.put_u64_le(ms);
    out.put_slice(bytes);
    out.freeze()
}

/// The caller's bytes and the append time of an entry; `None` for an entry no outbox wrote.
pub(crate) fn unwrap(entry: &Bytes) -> Option<(Bytes, u64)> {
    if entry.len() < OVERHEAD || entry[0] != VERSION {
        return None;
    }
    let mut ms = [0u8; 8];
    ms.copy_from_slice(&entry[1..OVERHEAD]);
    Some((entry.slice(OVERHEAD..), u64::from_le_bytes(ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_gives_back_its_bytes_and_time() {
        let entry = wrap(b"{\"update_id\":1}", 1_700_000_000_123);
        assert_eq!(entry.len(), OVERHEAD + 15);
        let (bytes, ms) = unwrap(&entry).unwrap();
        assert_eq!(&bytes[..], b"{\"update_id\":1}");
        assert_eq!(ms, 1_700_000_000_123);
        assert!(unwrap(&Bytes::from_static(b"{\"update_id\":1}")).is_none());
        assert!(unwrap(&Bytes::from_static(b"\x01short")).is_none());
    }
}
