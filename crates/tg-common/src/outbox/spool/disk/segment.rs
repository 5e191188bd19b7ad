//! One segment file: `NNNNNNNNNNNNNNNNNNNN.seg`, a header, then records appended.
//!
//! The header is `"TGASPOOL" | version u32 LE | next id u64 LE | crc32 u32 LE`: the next id
//! keeps ids increasing across restarts even when every earlier segment is gone.
//!
//! A segment is created whole: its header is written to `NNN.seg.new`, which is then renamed,
//! so a `.seg` file shorter than a header is damage, never a creation cut short. A damaged file
//! is renamed aside to `NNN.seg.damaged` ([`quarantine`]), never deleted.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::spool::SpoolError;

/// Bytes of a segment header.
pub(crate) const HEADER_LEN: u64 = 24;
const MAGIC: &[u8; 8] = b"TGASPOOL";
const VERSION: u32 = 2;
const SUFFIX: &str = ".seg";
/// The suffix of a segment being created.
const NEW_SUFFIX: &str = ".seg.new";
/// The suffix of a damaged file renamed aside.
const DAMAGED_SUFFIX: &str = ".seg.damaged";

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

/// Reads a header from a segment's first bytes: the next id at the segment's creation, or
/// `None` when the bytes are not a whole header of this version (damage, or a foreign file).
pub(crate) fn read_header(bytes: &[u8]) -> Option<u64> {
    let h = bytes.get(..HEADER_LEN as usize)?;
    let ok = &h[..8] == MAGIC
        && h[8..12] == VERSION.to_le_bytes()
        && h[20..] == crc32fast::hash(&h[..20]).to_le_bytes();
    h[12..20]
        .try_into()
        .map(u64::from_le_bytes)
        .ok()
        .filter(|_| ok)
}

/// Creates segment `number` with its header, opened for appending and reading. On failure
/// nothing is left under the segment's name (the half-written new file is removed when the
/// file system lets it).
pub(crate) fn create(dir: &Path, number: u64, next_id: u64) -> Result<File, SpoolError> {
    let new = dir.join(format!("{number:020}{NEW_SUFFIX}"));
    // A leftover of an earlier failed creation under this number.
    let _ = std::fs::remove_file(&new);
    let created = OpenOptions::new()
        .read(true)
        .append(true)
        .create_new(true)
        .open(&new)
        .map_err(SpoolError::io("creating a segment"))
        .and_then(|mut file| {
            file.write_all(&header(next_id))
                .map_err(SpoolError::io("writing a segment header"))?;
            if path(dir, number).exists() {
                return Err(SpoolError::Io {
                    action: "naming a new segment",
                    source: std::io::ErrorKind::AlreadyExists.into(),
                });
            }
            std::fs::rename(&new, path(dir, number))
                .map_err(SpoolError::io("naming a new segment"))?;
            Ok(file)
        });
    if created.is_err() {
        let _ = std::fs::remove_file(&new);
    }
    created
}

/// Whether `name` is a segment left half-created by a crash (removed at open).
pub(crate) fn is_unfinished(name: &str) -> bool {
    name.strip_suffix(NEW_SUFFIX)
        .is_some_and(|digits| digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Renames segment `number` aside as damaged; the new path.
pub(crate) fn quarantine(dir: &Path, number: u64) -> Result<PathBuf, SpoolError> {
    let mut aside = dir.join(format!("{number:020}{DAMAGED_SUFFIX}"));
    let mut n = 1;
    while aside.exists() {
        aside = dir.join(format!("{number:020}{DAMAGED_SUFFIX}.{n}"));
        n += 1;
    }
    std::fs::rename(path(dir, number), &aside)
        .map_err(SpoolError::io("renaming a damaged segment aside"))?;
    Ok(aside)
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
        assert_eq!(read_header(&h), Some(9));
        assert_eq!(read_header(&h[..10]), None);
        let mut bad = h;
        bad[13] ^= 1;
        assert_eq!(read_header(&bad), None);
    }
}
