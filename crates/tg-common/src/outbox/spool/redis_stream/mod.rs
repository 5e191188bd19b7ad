//! [`RedisSpool`]: a Redis stream read through a consumer group, shared by replicas that have no
//! persistent disk.
//!
//! How it works is documented on [RedisSpool].

mod config;
mod reply;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use redis::Value;
use redis::aio::ConnectionManager;

pub use config::RedisSpoolConfig;

use super::{Entry, EntryId, Spool, SpoolError, SpoolFuture, SpoolStats};
use reply::{answer, backend, entries, parse_id, read_reply, sent_backend, stream_id, text};

/// Appends unless the stream holds `ARGV[1]` entries; the new id, or nil when full.
const APPEND: &str = r"
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then
  return false
end
return redis.call('XADD', KEYS[1], '*', 'e', ARGV[2])
";

/// What this process holds of the group's pending entries.
#[derive(Debug, Default)]
struct Local {
    /// Claimed by a deliverer of this process, with when it was last claimed in Redis.
    held: HashMap<EntryId, (Bytes, Instant)>,
    /// Pending under this consumer and ready for this process's next claim, with when it was
    /// last claimed in Redis.
    ready: BTreeMap<EntryId, (Bytes, Instant)>,
    /// Where the next `XAUTOCLAIM` scan starts.
    cursor: String,
}

/// A spool in a Redis stream.
///
/// - **Append** is `XADD stream * e <bytes>` inside a script that first checks `XLEN` against
///   `max_entries` (`MAXLEN` is not used: it would trim entries not yet delivered). It returns
///   once Redis has the entry in memory; what survives a Redis restart is Redis's own
///   persistence setting (`appendonly`, `appendfsync`). When the script was sent and no answer
///   came (the timeout, a connection broken) the append fails with
///   [`SpoolError::MaybeStored`]: Redis may run it later (a stalled server resuming), and the
///   entry is then delivered. An append is not made idempotent: the stream assigns the id, and a
///   client-chosen id cannot stay increasing across replicas.
/// - **Claim** takes, in order: entries released in this process; entries any consumer of the
///   group has held longer than the visibility timeout (`XAUTOCLAIM`: a crashed replica's); new
///   entries (`XREADGROUP ... >`). Each entry is then pending under this replica's consumer name.
/// - **Ack** is `XACK` and `XDEL` in one `MULTI`. **Release** hands the entry back to the
///   group at once: it stays pending under this consumer with an idle time of the visibility
///   timeout (`XCLAIM ... IDLE`), so the next claim of any consumer (this one included) takes
///   it. A release that fails forgets the entry locally: the visibility timeout frees it.
/// - **Open** reads this consumer's own pending entries (`XREADGROUP ... 0`): a replica
///   restarted under the same consumer name takes back at once what it was delivering.
/// - Entries held by this process longer than half the visibility timeout are claimed again
///   (`XCLAIM ... JUSTID`) on each claim, so a live replica's slow delivery is not taken over.
///
/// Bounded by entry count and by each entry's size (so by `max_entries * max_entry_bytes`).
pub struct RedisSpool {
    conn: ConnectionManager,
    config: RedisSpoolConfig,
    append: redis::Script,
    local: Mutex<Local>,
}

impl std::fmt::Debug for RedisSpool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSpool")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RedisSpool {
    /// Connects, creates the stream and group if missing, and takes back the entries pending
    /// under this consumer's name (a previous process of this replica was delivering them).
    pub async fn open(config: RedisSpoolConfig) -> Result<Self, SpoolError> {
        if config.stream.is_empty() || config.group.is_empty() || config.consumer.is_empty() {
            return Err(SpoolError::Unusable(
                "the stream, group and consumer names must not be empty".into(),
            ));
        }
        if config.visibility_timeout.is_zero() || config.page == 0 {
            return Err(SpoolError::Unusable(
                "the visibility timeout and page size must be positive".into(),
            ));
        }
        let client = redis::Client::open(config.url())
            .map_err(|e| SpoolError::Unusable(format!("bad Redis URL: {:?}", e.kind())))?;
        let manager = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(config.timeout)
            .set_response_timeout(config.timeout)
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(
            config.timeout,
            client.get_connection_manager_with_config(manager),
        )
        .await
        .map_err(|_| SpoolError::Backend("connecting: timed out".into()))?
        .map_err(backend("connecting"))?;
        let spool = RedisSpool {
            conn,
            append: redis::Script::new(APPEND),
            local: Mutex::new(Local {
                cursor: "0-0".to_owned(),
                ..Local::default()
            }),
            config,
        };
        spool.create_group().await?;
        spool.take_back_own().await?;
        Ok(spool)
    }

    fn lock(&self) -> MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        action: &str,
        cmd: &redis::Cmd,
    ) -> Result<T, SpoolError> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.config.timeout, cmd.query_async(&mut conn)).await {
            Ok(result) => result.map_err(backend(action)),
            Err(_) => Err(SpoolError::Backend(format!("{action}: timed out"))),
        }
    }

    async fn create_group(&self) -> Result<(), SpoolError> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(&self.config.stream)
            .arg(&self.config.group)
            .arg("0")
            .arg("MKSTREAM");
        match self.query::<Value>("creating the group", &cmd).await {
            Ok(_) => Ok(()),
            Err(SpoolError::Backend(why)) if why.contains("BUSYGROUP") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reads this consumer's pending entries into the local ready set.
    async fn take_back_own(&self) -> Result<(), SpoolError> {
        let mut after = "0-0".to_owned();
        loop {
            let mut cmd = redis::cmd("XREADGROUP");
            cmd.arg("GROUP")
                .arg(&self.config.group)
                .arg(&self.config.consumer)
                .arg("COUNT")
                .arg(self.config.page)
                .arg("STREAMS")
                .arg(&self.config.stream)
                .arg(&after);
            let reply: Value = self.query("reading own pending entries", &cmd).await?;
            let page = read_reply("reading own pending entries", &reply)?;
            let Some((last, _)) = page.last() else {
                return Ok(());
            };
            after = stream_id(*last);
            let mut gone = Vec::new();
            {
                let now = Instant::now();
                let mut local = self.lock();
                for (id, bytes) in page {
                    match bytes {
                        Some(bytes) => {
                            local.ready.insert(id, (bytes, now));
                        }
                        None => gone.push(id),
                    }
                }
            }
            self.forget(&gone).await?;
        }
    }

    /// Acknowledges pending ids whose entries were deleted.
    async fn forget(&self, ids: &[EntryId]) -> Result<(), SpoolError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("XACK");
        cmd.arg(&self.config.stream).arg(&self.config.group);
        for id in ids {
            cmd.arg(stream_id(*id));
        }
        self.query::<Value>("acknowledging deleted entries", &cmd)
            .await
            .map(drop)
    }

    /// `XCLAIM stream group consumer 0 ids...`, for this consumer; options follow.
    fn xclaim(&self, ids: &[EntryId]) -> redis::Cmd {
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(&self.config.stream)
            .arg(&self.config.group)
            .arg(&self.config.consumer)
            .arg(0);
        for id in ids {
            cmd.arg(stream_id(*id));
        }
        cmd
    }

    fn millis(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    }

    /// Claims again (resetting their idle time) the entries this process has held (claimed or
    /// released) longer than half the visibility timeout, so no other consumer takes them over
    /// while this one has them. A released entry Redis no longer has is dropped.
    async fn refresh(&self) -> Result<(), SpoolError> {
        let half = self.config.visibility_timeout / 2;
        let now = Instant::now();
        let stale: Vec<EntryId> = {
            let local = self.lock();
            let old = |at: &Instant| now.duration_since(*at) >= half;
            local
                .held
                .iter()
                .filter(|(_, (_, at))| old(at))
                .map(|(id, _)| *id)
                .chain(
                    local
                        .ready
                        .iter()
                        .filter(|(_, (_, at))| old(at))
                        .map(|(id, _)| *id),
                )
                .collect()
        };
        if stale.is_empty() {
            return Ok(());
        }
        let mut cmd = self.xclaim(&stale);
        cmd.arg("JUSTID");
        let reply: Value = self.query("refreshing held entries", &cmd).await?;
        let Value::Array(kept) = &reply else {
            return Err(answer("refreshing held entries", &reply));
        };
        let kept: std::collections::HashSet<EntryId> =
            kept.iter().filter_map(text).filter_map(parse_id).collect();
        let mut local = self.lock();
        for id in stale {
            if let Some((_, at)) = local.held.get_mut(&id) {
                *at = now;
            }
            if kept.contains(&id) {
                if let Some((_, at)) = local.ready.get_mut(&id) {
                    *at = now;
                }
            } else {
                local.ready.remove(&id);
            }
        }
        Ok(())
    }

    /// Entries any consumer has held longer than the visibility timeout, now this consumer's:
    /// pages of `XAUTOCLAIM` until `max` are found or the scan of the pending entries ends.
    async fn reclaim(&self, max: usize) -> Result<Vec<(EntryId, Option<Bytes>)>, SpoolError> {
        /// Pages scanned by one claim at most (each scans up to ten times `max` entries).
        const PAGES: usize = 16;
        let mut found = Vec::new();
        for _ in 0..PAGES {
            let (page, wrapped) = self.reclaim_page(max - found.len()).await?;
            found.extend(page);
            if wrapped || found.len() >= max {
                break;
            }
        }
        Ok(found)
    }

    /// One `XAUTOCLAIM` page from the cursor; whether the scan reached the end.
    async fn reclaim_page(
        &self,
        max: usize,
    ) -> Result<(Vec<(EntryId, Option<Bytes>)>, bool), SpoolError> {
        let cursor = self.lock().cursor.clone();
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(&self.config.stream)
            .arg(&self.config.group)
            .arg(&self.config.consumer)
            .arg(Self::millis(self.config.visibility_timeout))
            .arg(&cursor)
            .arg("COUNT")
            .arg(max);
        let reply: Value = self.query("reclaiming idle entries", &cmd).await?;
        let Value::Array(parts) = &reply else {
            return Err(answer("reclaiming idle entries", &reply));
        };
        let next = parts
            .first()
            .and_then(text)
            .and_then(|t| std::str::from_utf8(t).ok())
            .ok_or_else(|| answer("reclaiming idle entries", &reply))?
            .to_owned();
        let claimed = match parts.get(1) {
            Some(list) => entries("reclaiming idle entries", list)?,
            None => return Err(answer("reclaiming idle entries", &reply)),
        };
        let wrapped = next == "0-0";
        self.lock().cursor = next;
        Ok((claimed, wrapped))
    }

    /// Hands `ids` back to the group: idle for the visibility timeout already, so any
    /// consumer's next `XAUTOCLAIM` takes them. Forgotten locally whatever the answer.
    async fn release_entries(&self, ids: &[EntryId]) -> Result<(), SpoolError> {
        let ids: Vec<EntryId> = {
            let mut local = self.lock();
            let mine = ids
                .iter()
                .copied()
                .filter(|id| local.held.remove(id).is_some() || local.ready.remove(id).is_some())
                .collect();
            // The next scan starts at the oldest pending entry.
            local.cursor = "0-0".to_owned();
            mine
        };
        if ids.is_empty() {
            return Ok(());
        }
        let mut cmd = self.xclaim(&ids);
        cmd.arg("IDLE")
            .arg(Self::millis(self.config.visibility_timeout))
            .arg("JUSTID");
        self.query::<Value>("releasing entries", &cmd)
            .await
            .map(drop)
    }

    /// New entries for this consumer.
    async fn read_new(&self, max: usize) -> Result<Vec<(EntryId, Option<Bytes>)>, SpoolError> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.config.group)
            .arg(&self.config.consumer)
            .arg("COUNT")
            .arg(max)
            .arg("STREAMS")
            .arg(&self.config.stream)
            .arg(">");
        let reply: Value = self.query("reading new entries", &cmd).await?;
        read_reply("reading new entries", &reply)
    }

    /// Keeps the entries no deliverer of this process holds; acknowledges deleted ones.
    async fn take(
        &self,
        found: Vec<(EntryId, Option<Bytes>)>,
        out: &mut Vec<Entry>,
    ) -> Result<(), SpoolError> {
        let now = Instant::now();
        let mut gone = Vec::new();
        {
            let mut local = self.lock();
            for (id, bytes) in found {
                match bytes {
                    None => gone.push(id),
                    Some(_) if local.held.contains_key(&id) || local.ready.contains_key(&id) => {}
                    Some(bytes) => {
                        local.held.insert(id, (bytes.clone(), now));
                        out.push(Entry { id, bytes });
                    }
                }
            }
        }
        self.forget(&gone).await
    }

    async fn append_entry(&self, entry: Bytes) -> Result<EntryId, SpoolError> {
        if entry.len() > self.config.max_entry_bytes {
            return Err(SpoolError::TooLarge {
                len: entry.len(),
                max: self.config.max_entry_bytes,
            });
        }
        let mut invocation = self.append.key(&self.config.stream);
        invocation.arg(self.config.max_entries).arg(entry.as_ref());
        let mut conn = self.conn.clone();
        let reply: Option<Vec<u8>> =
            match tokio::time::timeout(self.config.timeout, invocation.invoke_async(&mut conn))
                .await
            {
                Ok(result) => result.map_err(sent_backend("appending"))?,
                Err(_) => {
                    return Err(SpoolError::MaybeStored(format!(
                        "appending: no answer within {:?}",
                        self.config.timeout
                    )));
                }
            };
        match reply {
            Some(id) => parse_id(&id)
                .ok_or_else(|| SpoolError::Backend("appending: unexpected stream id".into())),
            None => Err(SpoolError::Full {
                entries: self.config.max_entries,
                bytes: 0,
                max_entries: self.config.max_entries,
                max_bytes: u64::try_from(self.config.max_entry_bytes)
                    .unwrap_or(u64::MAX)
                    .saturating_mul(self.config.max_entries),
            }),
        }
    }

    async fn claim_entries(&self, max: usize) -> Result<Vec<Entry>, SpoolError> {
        self.refresh().await?;
        let mut out = Vec::new();
        {
            let now = Instant::now();
            let mut local = self.lock();
            while out.len() < max {
                let Some((id, (bytes, at))) = local.ready.pop_first() else {
                    break;
                };
                local.held.insert(id, (bytes.clone(), at.min(now)));
                out.push(Entry { id, bytes });
            }
        }
        if out.len() < max {
            let found = self.reclaim(max - out.len()).await?;
            self.take(found, &mut out).await?;
        }
        if out.len() < max {
            let found = self.read_new(max - out.len()).await?;
            self.take(found, &mut out).await?;
        }
        Ok(out)
    }

    async fn ack_entries(&self, ids: &[EntryId]) -> Result<(), SpoolError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids_text: Vec<String> = ids.iter().map(|id| stream_id(*id)).collect();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("XACK")
            .arg(&self.config.stream)
            .arg(&self.config.group)
            .arg(&ids_text)
            .ignore()
            .cmd("XDEL")
            .arg(&self.config.stream)
            .arg(&ids_text)
            .ignore();
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.config.timeout, pipe.query_async::<()>(&mut conn)).await {
            Ok(result) => result.map_err(backend("acknowledging"))?,
            Err(_) => return Err(SpoolError::Backend("acknowledging: timed out".into())),
        }
        let mut local = self.lock();
        for id in ids {
            local.held.remove(id);
            local.ready.remove(id);
        }
        Ok(())
    }

    async fn stats_now(&self) -> Result<SpoolStats, SpoolError> {
        let mut cmd = redis::cmd("XLEN");
        cmd.arg(&self.config.stream);
        let entries: u64 = self.query("counting entries", &cmd).await?;
        Ok(SpoolStats {
            entries,
            claimed: self.lock().held.len() as u64,
            bytes: 0,
            stored_bytes: 0,
        })
    }
}

impl Spool for RedisSpool {
    fn append(&self, entry: Bytes) -> SpoolFuture<'_, EntryId> {
        Box::pin(self.append_entry(entry))
    }

    fn claim(&self, max: usize) -> SpoolFuture<'_, Vec<Entry>> {
        Box::pin(self.claim_entries(max))
    }

    fn ack<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()> {
        Box::pin(self.ack_entries(ids))
    }

    fn release<'a>(&'a self, ids: &'a [EntryId]) -> SpoolFuture<'a, ()> {
        Box::pin(self.release_entries(ids))
    }

    fn stats(&self) -> SpoolFuture<'_, SpoolStats> {
        Box::pin(self.stats_now())
    }
}
