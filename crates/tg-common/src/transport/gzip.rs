//! Gzip request bodies (`Content-Encoding: gzip`), with flate2 over its `zlib-rs` backend.
//!
//! The backend and the default level were chosen by measurement (`cargo xtask bench tracker`,
//! `docs/performance.md`): on TGA batches of SDK-shaped events, zlib-rs at level 2 compresses
//! several times faster than miniz_oxide at flate2's default level 6, and at least as small.

use std::io::Write;

use bytes::Bytes;

use crate::error::Error;

/// A gzip compression level: 1 (fastest) to 9 (smallest). The default is 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GzipLevel(u32);

impl GzipLevel {
    /// Level 1: the fastest.
    pub const FASTEST: GzipLevel = GzipLevel(1);
    /// Level 9: the smallest output.
    pub const SMALLEST: GzipLevel = GzipLevel(9);

    /// The level `level`; fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// outside 1 to 9 (0, storing without compression, is not offered: send without gzip).
    pub fn new(level: u32) -> Result<Self, Error> {
        if (1..=9).contains(&level) {
            Ok(GzipLevel(level))
        } else {
            Err(Error::invalid_input(
                "gzip_level",
                format!("must be between 1 and 9, not {level}"),
            ))
        }
    }

    /// The level as a number, 1 to 9.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for GzipLevel {
    /// Level 2: zlib-rs's fast deflate, chosen by measurement.
    fn default() -> Self {
        GzipLevel(2)
    }
}

/// Compresses `data` with gzip at `level`.
pub fn compress(data: &[u8], level: GzipLevel) -> Result<Bytes, Error> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        flate2::Compression::new(level.get()),
    );
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .map(Bytes::from)
        .map_err(|e| Error::config(format!("gzip failed: {e}")))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn inflate(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn every_level_round_trips_and_a_higher_level_is_not_larger() {
        let data: Vec<u8> = (0..20_000u32)
            .flat_map(|n| {
                format!(
                    "{{\"user_id\":{},\"n\":{n}}},",
                    n.wrapping_mul(2_654_435_761)
                )
                .into_bytes()
            })
            .collect();
        let sizes: Vec<usize> = (1..=9)
            .map(|level| {
                let gz = compress(&data, GzipLevel::new(level).unwrap()).unwrap();
                assert_eq!(inflate(&gz), data, "level {level}");
                gz.len()
            })
            .collect();
        assert!(sizes[8] < sizes[0], "{sizes:?}");
    }

    #[test]
    fn levels_outside_one_to_nine_are_refused() {
        for bad in [0, 10, u32::MAX] {
            let err = GzipLevel::new(bad).unwrap_err();
            assert!(err.to_string().contains("gzip_level"), "{err}");
        }
        assert_eq!(GzipLevel::default().get(), 2);
        assert_eq!(GzipLevel::FASTEST.get(), 1);
        assert_eq!(GzipLevel::SMALLEST.get(), 9);
    }
}
