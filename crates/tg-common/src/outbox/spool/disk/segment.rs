//! One segment file: `NNNNNNNNNNNNNNNNNNNN.seg`, a header, then records appended.
//!
//! The header is `"TGASPOOL" | version u32 LE | next id u64 LE | crc32 u32 LE`: the next id
//! keeps ids increasing across restarts even when every earlier segment is gone.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::spool::SpoolError;

/// Bytes of a segment header.
pub(crate) const HEADER_LEN: u64 = 24;
const MAGIC: &[u8; 8] = b"TGASPOOL";
const VERSION: u32 = 1;
const SUFFIX: &str = ".seg";

/// The file name of segment `number`.
pub(crate) fn file_name(number: u64) -> String {
    format!("{number:020}{SUFFIX}")
}

/// The segment number a file name stands for; `None` for other files.
pub(crate) fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The path of segment `number` in `dir`.
pub(crate) fn path(dir: &Path, number: u64) -> PathBuf {
    dir.join(file_name(number))
}

fn header(next_id: u64) -> [u8; HEADER_LEN as usize] {
    let mut h = [0; HEADER_LEN as usize];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&next_id.to_le_bytes());
    let crc = crc32fast::hash(&h[..20]);
    h[20..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// What a segment's first bytes say.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Header {
    /// A valid header with the next id at the segment's creation.
    Valid(u64),
    /// Fewer bytes than a header: a segment whose creation was cut short.
    Short,
    /// Not a segment of this version.
    Foreign,
}

/// Reads a header from a segment's first bytes.
pub(crate) fn read_header(bytes: &[u8]) -> Header {
    let Some(h) = bytes.get(..HEADER_LEN as usize) else {
        return Header::Short;
    };
    let ok = &h[..8] == MAGIC
        && h[8..12] == VERSION.to_le_bytes()
        && h[20..] == crc32fast::hash(&h[..20]).to_le_bytes();
    match h[12..20].try_into().map(u64::from_le_bytes) {
        Ok(next) if ok => Header::Valid(next),
        _ => Header::Foreign,
    }
}

/// Creates segment `number` with its header, opened for appending and reading.
pub(crate) fn create(dir: &Path, number: u64, next_id: u64) -> Result<File, SpoolError> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create_new(true)
        .open(path(dir, number))
        .map_err(SpoolError::io("creating a segment"))?;
    file.write_all(&header(next_id))
        .map_err(SpoolError::io("writing a segment header"))?;
    Ok(file)
}

/// Opens an existing segment for reading (and appending, which recovery does not do).
pub(crate) fn open(dir: &Path, number: u64) -> Result<File, SpoolError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .open(path(dir, number))
        .map_err(SpoolError::io("opening a segment"))
}

/// Reads exactly `buf.len()` bytes at `offset` without moving the file's cursor.
#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads exactly `buf.len()` bytes at `offset` (appends are unaffected: the file is opened in
/// append mode).
#[cfg(windows)]
pub(crate) fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Makes the directory's entries (created and deleted segments) durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_headers_round_trip() {
        assert_eq!(parse_name(&file_name(42)), Some(42));
        assert_eq!(parse_name("LOCK"), None);
        assert_eq!(parse_name("42.seg"), None);
        let h = header(9);
        assert_eq!(read_header(&h), Header::Valid(9));
        assert_eq!(read_header(&h[..10]), Header::Short);
        let mut bad = h;
        bad[13] ^= 1;
        assert_eq!(read_header(&bad), Header::Foreign);
    }
}
