//! The open log: its segments, the entries held and where each one is, and the operations
//! (append, claim, acknowledge, reclaim) under the spool's lock.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;

use super::record::{self, APPEND_OVERHEAD};
use super::recover::Recovered;
use super::segment::{self, HEADER_LEN};
use crate::spool::ledger::{Ledger, Weighed};
use crate::spool::{Entry, EntryId, SpoolError, SpoolStats};

/// Where an entry's record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Segment number.
    pub(crate) segment: u64,
    /// Offset of the record in the segment.
    pub(crate) offset: u64,
    /// Length of the whole record.
    pub(crate) len: u32,
}

impl Weighed for Loc {
    fn weight(&self) -> u64 {
        u64::from(self.len)
    }
}

/// One segment file and how much of it is still held.
#[derive(Debug)]
pub(crate) struct Segment {
    file: Arc<File>,
    size: u64,
    live: u64,
    live_bytes: u64,
}

impl Segment {
    pub(crate) fn new(file: Arc<File>, size: u64) -> Self {
        Segment {
            file,
            size,
            live: 0,
            live_bytes: 0,
        }
    }

    pub(crate) fn add(&mut self, len: u32) {
        self.live += 1;
        self.live_bytes += u64::from(len);
    }

    pub(crate) fn remove(&mut self, len: u32) {
        self.live = self.live.saturating_sub(1);
        self.live_bytes = self.live_bytes.saturating_sub(u64::from(len));
    }

    /// Bytes of records in the file no longer held (acknowledged, copied, acknowledgements,
    /// damage).
    fn dead_bytes(&self) -> u64 {
        self.size
            .saturating_sub(HEADER_LEN)
            .saturating_sub(self.live_bytes)
    }
}

/// The bounds of a spool.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_entries: u64,
    pub(crate) max_bytes: u64,
    pub(crate) max_entry: usize,
    pub(crate) segment_bytes: u64,
    /// Whether copies made by compaction are synced before their old segment is deleted.
    pub(crate) sync_copies: bool,
}

/// Files written since the last sync.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    /// Segments written since they were last synced.
    pub(crate) files: Vec<Arc<File>>,
    /// Whether a segment was created or deleted.
    pub(crate) dir: bool,
}

/// The open log.
#[derive(Debug)]
pub(crate) struct OpenLog {
    pub(crate) dir: PathBuf,
    pub(crate) limits: Limits,
    pub(crate) segments: BTreeMap<u64, Segment>,
    /// The segment appended to (0: none yet, the next write creates one).
    pub(crate) active: u64,
    /// The number the next segment gets (never reused, even when a creation failed).
    next_segment: u64,
    /// Segments read despite damage: renamed aside instead of deleted once reclaimed.
    damaged: BTreeSet<u64>,
    /// Bytes of records in the segment files (headers aside): what `max_bytes` bounds on disk.
    stored: u64,
    pub(crate) ledger: Ledger<Loc>,
    pub(crate) next_id: u64,
    pub(crate) dirty: Dirty,
    /// The active segment was written since it was last synced.
    pub(crate) active_dirty: bool,
    /// A failed write could not be undone: the next write starts a new segment.
    rotate_next: bool,
    scratch: Vec<u8>,
}

impl OpenLog {
    /// A log over recovered segments, appending to the newest one when it is whole. Opening
    /// writes nothing, so a spool whose disk is full opens (and delivers what it holds).
    pub(crate) fn new(dir: PathBuf, limits: Limits, recovered: Recovered) -> Self {
        let Recovered {
            segments,
            mut ledger,
            next_id,
            active,
            damaged,
            next_segment,
            ..
        } = recovered;
        ledger.release_all();
        let stored = segments
            .values()
            .map(|s| s.size.saturating_sub(HEADER_LEN))
            .sum();
        let mut state = OpenLog {
            dir,
            limits,
            segments,
            active: active.unwrap_or(0),
            next_segment,
            damaged,
            stored,
            ledger,
            next_id,
            dirty: Dirty::default(),
            active_dirty: false,
            rotate_next: false,
            scratch: Vec::new(),
        };
        // Space is reclaimed again at the next acknowledgement should this fail (a full disk).
        if let Err(e) = state.reclaim() {
            tracing::warn!(error = %e, "spool space not reclaimed at open");
        }
        state
    }

    fn rotate(&mut self) -> Result<(), SpoolError> {
        let number = self.next_segment;
        self.next_segment += 1;
        let file = Arc::new(segment::create(&self.dir, number, self.next_id)?);
        if self.active_dirty {
            if let Some(old) = self.segments.get(&self.active) {
                self.dirty.files.push(Arc::clone(&old.file));
            }
        }
        self.segments.insert(number, Segment::new(file, HEADER_LEN));
        self.active = number;
        self.active_dirty = true;
        self.dirty.dir = true;
        self.rotate_next = false;
        Ok(())
    }

    /// Writes the scratch buffer at the end of the active segment (rotating first when it would
    /// pass the segment size); the offset it was written at. A failed write is cut off again.
    fn write_scratch(&mut self) -> Result<u64, SpoolError> {
        let len = self.scratch.len() as u64;
        let full = self
            .segments
            .get(&self.active)
            .is_none_or(|s| s.size > HEADER_LEN && s.size + len > self.limits.segment_bytes);
        if self.rotate_next || full {
            self.rotate()?;
        }
        let Some(seg) = self.segments.get_mut(&self.active) else {
            return Err(SpoolError::Unusable("no active segment".to_owned()));
        };
        let offset = seg.size;
        if let Err(e) = (&*seg.file).write_all(&self.scratch) {
            if seg.file.set_len(offset).is_err() {
                self.rotate_next = true;
            }
            return Err(SpoolError::Io {
                action: "appending to a segment",
                source: e,
            });
        }
        seg.size += len;
        self.stored += len;
        self.active_dirty = true;
        Ok(offset)
    }

    /// Appends one entry; its id.
    pub(crate) fn append(&mut self, entry: &[u8]) -> Result<u64, SpoolError> {
        if entry.len() > self.limits.max_entry {
            return Err(SpoolError::TooLarge {
                len: entry.len(),
                max: self.limits.max_entry,
            });
        }
        let weight = (entry.len() + APPEND_OVERHEAD) as u64;
        let (entries, bytes) = (self.ledger.len(), self.ledger.bytes());
        let limits = self.limits;
        let full = |bytes| SpoolError::Full {
            entries,
            bytes,
            max_entries: limits.max_entries,
            max_bytes: limits.max_bytes,
        };
        if entries >= self.limits.max_entries || bytes + weight > self.limits.max_bytes {
            return Err(full(bytes));
        }
        if self.stored + weight > self.limits.max_bytes {
            if let Err(e) = self.make_room(weight) {
                tracing::warn!(error = %e, "spool not compacted");
            }
            if self.stored + weight > self.limits.max_bytes {
                return Err(full(self.stored));
            }
        }
        let id = self.next_id;
        self.scratch.clear();
        record::put_append(&mut self.scratch, id, entry);
        let offset = self.write_scratch()?;
        self.next_id += 1;
        let loc = Loc {
            segment: self.active,
            offset,
            len: weight as u32,
        };
        self.ledger.insert(id, loc);
        if let Some(seg) = self.segments.get_mut(&self.active) {
            seg.add(loc.len);
        }
        Ok(id)
    }

    /// Reads the records at `locs` (one read per run of adjacent records).
    fn read(&self, locs: &[(u64, Loc)]) -> Result<Vec<Entry>, SpoolError> {
        let mut out = Vec::with_capacity(locs.len());
        let mut i = 0;
        while i < locs.len() {
            let first = locs[i].1;
            let mut end = first.offset + u64::from(first.len);
            let mut j = i + 1;
            while j < locs.len() && locs[j].1.segment == first.segment && locs[j].1.offset == end {
                end += u64::from(locs[j].1.len);
                j += 1;
            }
            let Some(seg) = self.segments.get(&first.segment) else {
                return Err(SpoolError::Unusable(format!(
                    "segment {} of a held entry is gone",
                    first.segment
                )));
            };
            let mut buf = vec![0; (end - first.offset) as usize];
            segment::read_at(&seg.file, &mut buf, first.offset)
                .map_err(SpoolError::io("reading a segment"))?;
            let buf = Bytes::from(buf);
            for (id, loc) in &locs[i..j] {
                let start = (loc.offset - first.offset) as usize;
                let end = start + loc.len as usize;
                out.push(Entry {
                    id: EntryId::local(*id),
                    bytes: buf.slice(start + APPEND_OVERHEAD..end),
                });
            }
            i = j;
        }
        Ok(out)
    }

    /// Claims up to `max` ready entries.
    pub(crate) fn claim(&mut self, max: usize) -> Result<Vec<Entry>, SpoolError> {
        let mut locs = Vec::with_capacity(max.min(4096));
        self.ledger.claim(max, |id, loc| locs.push((id, *loc)));
        match self.read(&locs) {
            Ok(entries) => Ok(entries),
            Err(e) => {
                for (id, _) in &locs {
                    self.ledger.release(*id);
                }
                Err(e)
            }
        }
    }

    /// Acknowledges `ids`: one acknowledgement record, then the space reclaimed.
    pub(crate) fn ack(&mut self, ids: &[EntryId]) -> Result<(), SpoolError> {
        let held: Vec<u64> = ids
            .iter()
            .map(|id| id.low())
            .filter(|id| self.ledger.contains(*id))
            .collect();
        if held.is_empty() {
            return Ok(());
        }
        self.scratch.clear();
        record::put_ack(&mut self.scratch, held.iter().copied());
        self.write_scratch()?;
        for id in held {
            let seg = self
                .ledger
                .remove(id)
                .and_then(|loc| Some((self.segments.get_mut(&loc.segment)?, loc)));
            if let Some((seg, loc)) = seg {
                seg.remove(loc.len);
            }
        }
        // The acknowledgement is written: a failure to reclaim is retried at the next one.
        if let Err(e) = self.reclaim() {
            tracing::warn!(error = %e, "spool space not reclaimed yet");
        }
        Ok(())
    }

    /// Makes claimed entries ready again.
    pub(crate) fn release(&mut self, ids: &[EntryId]) {
        for id in ids {
            self.ledger.release(id.low());
        }
    }

    /// Whether the oldest segment's held entries are copied forward so it can be deleted: when
    /// the next segment is sealed and holds nothing (the oldest alone keeps freed space), or
    /// when at most a sixteenth of it is held and a newer sealed segment exists. Entries
    /// delivered in order empty the oldest segment before either happens, so little is copied.
    fn should_copy_forward(&self, head: &Segment) -> bool {
        let mut newer = self
            .segments
            .iter()
            .skip(1)
            .filter(|(n, _)| **n != self.active);
        match newer.next() {
            None => false,
            Some((_, next)) => next.live == 0 || head.live_bytes * 16 <= head.size - HEADER_LEN,
        }
    }

    /// Whether the files hold much more than the entries: more than twice the bytes held plus
    /// two segments. Compacting then copies at most one byte per byte it frees, and keeps
    /// long-held entries (dead letters) from pinning the log.
    fn bloated(&self) -> bool {
        self.stored > 2 * self.ledger.bytes() + 2 * self.limits.segment_bytes
    }

    /// Deletes the oldest segments while nothing in them is held, copying forward what an
    /// oldest segment still holds when [`should_copy_forward`](Self::should_copy_forward) or
    /// when the files are [`bloated`](Self::bloated).
    ///
    /// Only the oldest segment is ever deleted: an acknowledgement record only names entries
    /// of its own or earlier segments, so it is deleted only after they are.
    fn reclaim(&mut self) -> Result<(), SpoolError> {
        while let Some((&head, seg)) = self.segments.first_key_value() {
            if head == self.active {
                break;
            }
            if seg.live > 0 {
                if !self.should_copy_forward(seg) && !self.bloated() {
                    break;
                }
                self.copy_forward(head)?;
            }
            self.drop_head(head)?;
        }
        Ok(())
    }

    /// Compacts until `weight` more bytes fit in `max_bytes` of files: every sealed segment is
    /// copied forward and deleted, and the active one is sealed when it holds enough freed
    /// space (what is missing, and at least a sixteenth of a segment or of `max_bytes`, so
    /// that appends at the bound do not copy the active segment each time). Gives up at once
    /// when the freed space of all the files is not enough.
    fn make_room(&mut self, weight: u64) -> Result<(), SpoolError> {
        while self.stored + weight > self.limits.max_bytes {
            let missing = self.stored + weight - self.limits.max_bytes;
            if self.stored.saturating_sub(self.ledger.bytes()) < missing {
                break;
            }
            let Some((&head, seg)) = self.segments.first_key_value() else {
                break;
            };
            if head == self.active {
                let enough = self.limits.segment_bytes.min(self.limits.max_bytes) / 16;
                if seg.dead_bytes() < missing.max(enough) {
                    break;
                }
                self.rotate()?;
                continue;
            }
            if seg.live > 0 {
                self.copy_forward(head)?;
            }
            self.drop_head(head)?;
        }
        Ok(())
    }

    /// Deletes the oldest segment, which holds nothing (renames it aside if it was damaged).
    fn drop_head(&mut self, head: u64) -> Result<(), SpoolError> {
        if let Some(seg) = self.segments.remove(&head) {
            self.dirty.files.retain(|f| !Arc::ptr_eq(f, &seg.file));
            self.stored = self
                .stored
                .saturating_sub(seg.size.saturating_sub(HEADER_LEN));
        }
        if self.damaged.remove(&head) {
            let aside = segment::quarantine(&self.dir, head)?;
            tracing::warn!(path = %aside.display(), "damaged spool segment renamed aside");
        } else {
            std::fs::remove_file(segment::path(&self.dir, head))
                .map_err(SpoolError::io("removing a reclaimed segment"))?;
        }
        self.dirty.dir = true;
        Ok(())
    }

    /// Appends copies of the records segment `head` still holds to the active segment.
    fn copy_forward(&mut self, head: u64) -> Result<(), SpoolError> {
        let mut locs: Vec<(u64, Loc)> = self
            .ledger
            .values_mut()
            .filter(|(_, loc)| loc.segment == head)
            .map(|(id, loc)| (id, *loc))
            .collect();
        locs.sort_unstable_by_key(|(_, loc)| loc.offset);
        let Some(seg) = self.segments.get(&head) else {
            return Ok(());
        };
        self.scratch.clear();
        for (_, loc) in &locs {
            let start = self.scratch.len();
            self.scratch.resize(start + loc.len as usize, 0);
            segment::read_at(&seg.file, &mut self.scratch[start..], loc.offset)
                .map_err(SpoolError::io("reading a segment to compact"))?;
        }
        let base = self.write_scratch()?;
        let active = self.active;
        match self.segments.get(&active) {
            Some(seg) if self.limits.sync_copies => seg
                .file
                .sync_data()
                .map_err(SpoolError::io("syncing compacted entries"))?,
            _ => {}
        }
        let mut moved = std::collections::HashMap::with_capacity(locs.len());
        let mut at = base;
        for (id, loc) in &locs {
            moved.insert(*id, at);
            at += u64::from(loc.len);
        }
        for (id, loc) in self.ledger.values_mut() {
            if let Some(offset) = moved.get(&id) {
                loc.segment = active;
                loc.offset = *offset;
            }
        }
        for (_, loc) in &locs {
            if let Some(seg) = self.segments.get_mut(&head) {
                seg.remove(loc.len);
            }
            if let Some(seg) = self.segments.get_mut(&active) {
                seg.add(loc.len);
            }
        }
        Ok(())
    }

    /// What the spool holds.
    pub(crate) fn stats(&self) -> SpoolStats {
        SpoolStats {
            entries: self.ledger.len(),
            claimed: self.ledger.claimed_len(),
            bytes: self.ledger.bytes(),
            stored_bytes: self.segments.values().map(|s| s.size).sum(),
        }
    }

    /// The files to sync now, and whether the directory must be synced; marks them clean.
    pub(crate) fn take_dirty(&mut self) -> (Vec<Arc<File>>, bool) {
        let mut files = std::mem::take(&mut self.dirty.files);
        match self.segments.get(&self.active) {
            Some(seg) if self.active_dirty => files.push(Arc::clone(&seg.file)),
            _ => {}
        }
        self.active_dirty = false;
        (files, std::mem::take(&mut self.dirty.dir))
    }

    /// Puts back what a failed sync did not make durable.
    pub(crate) fn restore_dirty(&mut self, files: Vec<Arc<File>>, dir: bool) {
        self.dirty.files.extend(files);
        self.dirty.dir |= dir;
    }
}
