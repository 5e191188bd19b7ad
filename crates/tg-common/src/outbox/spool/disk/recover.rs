//! Opening a spool directory: every segment read in order, the entries appended and not
//! acknowledged rebuilt, damage skipped and reported.
//!
//! - A record that is not whole (its magic, length or checksum wrong) is skipped: reading
//!   resynchronises on the next whole record ([`record::resync`]), so one damaged byte loses one
//!   record, not the rest of its segment.
//! - Nothing that can still be read is cut: only the unreadable tail of the newest segment (a
//!   write torn by a crash) is cut off, so that appends can go on after it.
//! - A segment file without a valid header is read from its first whole record; a file named
//!   like a segment that holds no record at all (a stray file, a segment truncated to nothing) is
//!   renamed aside (`NNN.seg.damaged`), never deleted and never a reason to refuse the directory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::record::{self, Record};
use super::segment;
use super::state::{Loc, Segment};
use crate::spool::SpoolError;
use crate::spool::ledger::Ledger;

/// What opening a spool found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// Segments read.
    pub segments: u64,
    /// Entries appended and not acknowledged, now ready.
    pub entries: u64,
    /// Bytes not read as records: damaged records skipped, a torn tail cut off, a damaged
    /// segment header, and files renamed aside.
    pub discarded_bytes: u64,
    /// Records lost in those bytes: the record starts (magics) found in them; a damaged stretch
    /// between two whole records counts at least one. A lost acknowledgement record makes its
    /// entries come back (delivered again); a lost append record loses its entry.
    pub discarded_records: u64,
    /// Segments read despite damage (a bad header, or records skipped); each is renamed aside
    /// instead of deleted once nothing in it is held.
    pub damaged_segments: u64,
    /// Files named like segments that held no record, renamed aside: their new paths.
    pub quarantined: Vec<PathBuf>,
    /// How long reading took.
    pub took: Duration,
}

/// The state rebuilt from a directory.
pub(crate) struct Recovered {
    pub(crate) segments: BTreeMap<u64, Segment>,
    pub(crate) ledger: Ledger<Loc>,
    pub(crate) next_id: u64,
    /// The newest segment, when appends may go on in it (whole, tail cut).
    pub(crate) active: Option<u64>,
    /// Segments read despite damage.
    pub(crate) damaged: BTreeSet<u64>,
    /// One more than the highest segment number seen.
    pub(crate) next_segment: u64,
    pub(crate) report: Recovery,
}

/// The segment numbers in `dir`, sorted; half-created segments are removed.
fn segment_numbers(dir: &Path) -> Result<Vec<u64>, SpoolError> {
    let mut numbers = Vec::new();
    for item in std::fs::read_dir(dir).map_err(SpoolError::io("listing the spool directory"))? {
        let item = item.map_err(SpoolError::io("listing the spool directory"))?;
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = segment::parse_name(name) {
            numbers.push(n);
        } else if segment::is_unfinished(name) {
            // Its creation was cut short before it was named: it never held a record.
            tracing::warn!(file = name, "half-created spool segment removed");
            std::fs::remove_file(item.path())
                .map_err(SpoolError::io("removing a half-created segment"))?;
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}

/// What reading one segment's records found.
#[derive(Default)]
struct Read {
    /// Whether any record was whole.
    any: bool,
    /// Whether a stretch between whole records (or the header) was damaged.
    damaged: bool,
    /// Where an unreadable tail starts.
    tail: Option<u64>,
}

/// Reads the records of segment `number` into `ledger`.
fn read_records(
    number: u64,
    bytes: &[u8],
    max_record: usize,
    ledger: &mut Ledger<Loc>,
    next_id: &mut u64,
    report: &mut Recovery,
) -> Read {
    let mut read = Read::default();
    let mut at = match segment::read_header(bytes) {
        Some(next) => {
            *next_id = (*next_id).max(next);
            segment::HEADER_LEN as usize
        }
        None => {
            read.damaged = true;
            0
        }
    };
    // The damaged header: up to the first whole record, or all of it.
    if at == 0 {
        let (first, lost) = record::resync(bytes, max_record);
        let first = first.unwrap_or(bytes.len());
        report.discarded_bytes += first as u64;
        report.discarded_records += lost;
        at = first;
    }
    while at < bytes.len() {
        match record::decode(&bytes[at..], max_record) {
            Ok((rec, len)) => {
                apply(rec, number, at, len, ledger, next_id);
                at += len;
                read.any = true;
            }
            Err(_) => {
                let (next, lost) = record::resync(&bytes[at..], max_record);
                match next {
                    Some(skip) => {
                        tracing::warn!(
                            segment = number,
                            offset = at,
                            bytes = skip,
                            "damaged spool record skipped"
                        );
                        report.discarded_bytes += skip as u64;
                        report.discarded_records += lost.max(1);
                        read.damaged = true;
                        at += skip;
                    }
                    None => {
                        report.discarded_bytes += (bytes.len() - at) as u64;
                        report.discarded_records += lost;
                        read.tail = Some(at as u64);
                        break;
                    }
                }
            }
        }
    }
    read
}

fn apply(
    rec: Record<'_>,
    number: u64,
    at: usize,
    len: usize,
    ledger: &mut Ledger<Loc>,
    next_id: &mut u64,
) {
    match rec {
        Record::Append { id, .. } => {
            *next_id = (*next_id).max(id + 1);
            let loc = Loc {
                segment: number,
                offset: at as u64,
                len: len as u32,
            };
            ledger.insert(id, loc);
        }
        Record::Ack(ids) => {
            for id in ids {
                *next_id = (*next_id).max(id + 1);
                ledger.remove(id);
            }
        }
    }
}

/// Reads every segment of `dir`. Records longer than `max_record` are taken for damage.
pub(crate) fn recover(dir: &Path, max_record: usize) -> Result<Recovered, SpoolError> {
    let started = Instant::now();
    let mut segments = BTreeMap::new();
    let mut ledger: Ledger<Loc> = Ledger::default();
    let mut next_id = 1u64;
    let mut report = Recovery::default();
    let mut damaged = BTreeSet::new();
    let mut active = None;
    let numbers = segment_numbers(dir)?;
    let next_segment = numbers.last().map_or(1, |n| n + 1);
    let newest = numbers.last().copied();
    for number in numbers {
        let path = segment::path(dir, number);
        let bytes = std::fs::read(&path).map_err(SpoolError::io("reading a segment"))?;
        let read = read_records(
            number,
            &bytes,
            max_record,
            &mut ledger,
            &mut next_id,
            &mut report,
        );
        let valid_header = segment::read_header(&bytes).is_some();
        if !valid_header && !read.any {
            tracing::error!(
                segment = number,
                bytes = bytes.len(),
                "spool file without a record renamed aside"
            );
            report.quarantined.push(segment::quarantine(dir, number)?);
            continue;
        }
        let mut size = bytes.len() as u64;
        let is_newest = Some(number) == newest;
        if read.damaged || (read.tail.is_some() && !is_newest) {
            report.damaged_segments += 1;
            damaged.insert(number);
        } else if is_newest {
            if let Some(tail) = read.tail {
                tracing::warn!(
                    segment = number,
                    bytes = size - tail,
                    "spool segment's torn tail cut off"
                );
                let file = segment::open(dir, number)?;
                file.set_len(tail)
                    .and_then(|()| file.sync_all())
                    .map_err(SpoolError::io("cutting a torn segment tail"))?;
                size = tail;
            }
            active = Some(number);
        }
        let file = segment::open(dir, number)?;
        segments.insert(number, Segment::new(Arc::new(file), size));
        report.segments += 1;
    }
    // Each entry held counts in the segment of its last copy.
    for (_, loc) in ledger.values_mut() {
        if let Some(seg) = segments.get_mut(&loc.segment) {
            seg.add(loc.len);
        }
    }
    report.entries = ledger.len();
    report.took = started.elapsed();
    Ok(Recovered {
        segments,
        ledger,
        next_id,
        active,
        damaged,
        next_segment,
        report,
    })
}
