//! Gzip request bodies (`Content-Encoding: gzip`), with flate2 over its `zlib-rs` backend.
//!
//! The backend and the default level were chosen by measurement (`cargo xtask bench tracker`,
//! `docs/performance.md`): on TGA batches of SDK-shaped events, zlib-rs at level 2 compresses
//! several times faster than miniz_oxide at flate2's default level 6, and at least as small.
//!
//! Each thread keeps one compressor (about 300 KB at level 2) and resets it for the next body:
//! a fresh one per body cost an allocation, zeroing and page faults of that size every time.

use std::cell::RefCell;

use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress, Status};

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

/// The base-2 logarithm of the window: deflate's largest, as every gzip tool writes.
const WINDOW_BITS: u8 = 15;

thread_local! {
    /// This thread's compressor and its level.
    static COMPRESSOR: RefCell<Option<(GzipLevel, Compress)>> = const { RefCell::new(None) };
}

/// Compresses `data` with gzip at `level`.
pub fn compress(data: &[u8], level: GzipLevel) -> Result<Bytes, Error> {
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compressor = match &mut *cell {
            Some((kept, compressor)) if *kept == level => {
                // Reset before use: a compression cut short leaves nothing behind.
                compressor.reset();
                compressor
            }
            slot => {
                let fresh = Compress::new_gzip(Compression::new(level.get()), WINDOW_BITS);
                &mut slot.insert((level, fresh)).1
            }
        };
        deflate_all(compressor, data).map(Bytes::from)
    })
}

/// Runs `compressor` over all of `data` to the end of the stream.
fn deflate_all(compressor: &mut Compress, data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    loop {
        let read = usize::try_from(compressor.total_in()).unwrap_or(usize::MAX);
        let rest = data.get(read..).unwrap_or_default();
        match compressor.compress_vec(rest, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return Ok(out),
            Ok(Status::Ok | Status::BufError) => out.reserve(out.capacity().max(64)),
            Err(e) => return Err(Error::config(format!("gzip failed: {e}"))),
        }
    }
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
    fn a_kept_compressor_gives_each_body_its_own_stream() {
        let small = b"{\"event_name\":\"app_init\"}".repeat(3);
        let large: Vec<u8> = (0..50_000u32).flat_map(|n| n.to_le_bytes()).collect();
        for (data, level) in [
            (&large[..], 2),
            (&small[..], 2),
            (&[][..], 2),
            (&large[..], 9),
            (&small[..], 1),
            (&large[..], 2),
        ] {
            let gz = compress(data, GzipLevel::new(level).unwrap()).unwrap();
            assert_eq!(&gz[..2], b"\x1f\x8b", "a gzip member");
            assert_eq!(inflate(&gz), data, "level {level}, {} bytes", data.len());
        }
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
