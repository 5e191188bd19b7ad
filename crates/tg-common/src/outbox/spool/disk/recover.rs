//! Opening a spool directory: every segment read in order, the entries appended and not
//! acknowledged rebuilt, a torn tail cut off.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::record::{self, Record};
use super::segment::{self, Header};
use super::state::{Loc, Segment};
use crate::spool::SpoolError;
use crate::spool::ledger::Ledger;

/// What opening a spool found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Segments read.
    pub segments: u64,
    /// Entries appended and not acknowledged, now ready.
    pub entries: u64,
    /// Bytes cut off the end of segments because they were not whole records (a write torn by
    /// a crash or power loss).
    pub discarded_bytes: u64,
    /// How long reading took.
    pub took: Duration,
}

/// The state rebuilt from a directory.
pub(crate) struct Recovered {
    pub(crate) segments: BTreeMap<u64, Segment>,
    pub(crate) ledger: Ledger<Loc>,
    pub(crate) next_id: u64,
    pub(crate) report: Recovery,
}

fn segment_numbers(dir: &Path) -> Result<Vec<u64>, SpoolError> {
    let mut numbers = Vec::new();
    for item in std::fs::read_dir(dir).map_err(SpoolError::io("listing the spool directory"))? {
        let item = item.map_err(SpoolError::io("listing the spool directory"))?;
        if let Some(n) = item.file_name().to_str().and_then(segment::parse_name) {
            numbers.push(n);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}

/// Reads every segment of `dir`. Records longer than `max_record` are taken for damage.
pub(crate) fn recover(dir: &Path, max_record: usize) -> Result<Recovered, SpoolError> {
    let started = Instant::now();
    let mut segments = BTreeMap::new();
    let mut ledger: Ledger<Loc> = Ledger::default();
    let mut next_id = 1u64;
    let mut report = Recovery::default();
    for number in segment_numbers(dir)? {
        let path = segment::path(dir, number);
        let bytes = std::fs::read(&path).map_err(SpoolError::io("reading a segment"))?;
        match segment::read_header(&bytes) {
            Header::Valid(next) => next_id = next_id.max(next),
            Header::Short => {
                // Its creation was cut short: it holds no record.
                tracing::warn!(segment = number, "spool segment without a header removed");
                std::fs::remove_file(&path).map_err(SpoolError::io("removing a segment"))?;
                report.discarded_bytes += bytes.len() as u64;
                continue;
            }
            Header::Foreign => {
                return Err(SpoolError::Unusable(format!(
                    "{} is not a spool segment of this version",
                    path.display()
                )));
            }
        }
        let mut at = segment::HEADER_LEN as usize;
        while at < bytes.len() {
            let Ok((rec, len)) = record::decode(&bytes[at..], max_record) else {
                break;
            };
            match rec {
                Record::Append { id, .. } => {
                    next_id = next_id.max(id + 1);
                    let loc = Loc {
                        segment: number,
                        offset: at as u64,
                        len: len as u32,
                    };
                    ledger.insert(id, loc);
                }
                Record::Ack(ids) => {
                    for id in ids {
                        next_id = next_id.max(id + 1);
                        ledger.remove(id);
                    }
                }
            }
            at += len;
        }
        if at < bytes.len() {
            let cut = bytes.len() - at;
            tracing::warn!(
                segment = number,
                bytes = cut,
                "spool segment tail discarded"
            );
            report.discarded_bytes += cut as u64;
            let file = segment::open(dir, number)?;
            file.set_len(at as u64)
                .and_then(|()| file.sync_all())
                .map_err(SpoolError::io("cutting a torn segment tail"))?;
        }
        let file = segment::open(dir, number)?;
        segments.insert(number, Segment::new(Arc::new(file), at as u64));
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
        report,
    })
}
