//! Gzip request bodies (`Content-Encoding: gzip`), with flate2.

use std::io::Write;

use bytes::Bytes;

use crate::error::Error;

/// Compresses `data` with gzip at the default level.
pub fn compress(data: &[u8]) -> Result<Bytes, Error> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        flate2::Compression::default(),
    );
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .map(Bytes::from)
        .map_err(|e| Error::config(format!("gzip failed: {e}")))
}
