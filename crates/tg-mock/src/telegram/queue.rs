//! One bot's update queue: updates kept as the raw JSON given, confirmed by `offset`, filtered
//! by `allowed_updates` when they are created (as Telegram does: the setting does not affect
//! updates created before it).

use std::collections::VecDeque;

use bytes::Bytes;
use serde_json::Value;

/// The update kinds Telegram leaves out unless `allowed_updates` names them.
pub const OPT_IN_KINDS: [&str; 3] = ["chat_member", "message_reaction", "message_reaction_count"];

/// An update waiting to be confirmed.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Its `update_id`.
    pub id: i64,
    /// The JSON exactly as given.
    pub raw: Bytes,
}

/// A bot's state.
#[derive(Debug, Default)]
pub struct Bot {
    queue: VecDeque<Queued>,
    /// The last `allowed_updates` set; `None` or empty: every kind but [`OPT_IN_KINDS`].
    allowed: Option<Vec<String>>,
    /// The highest `update_id` created so far.
    last_id: Option<i64>,
    /// While set, `getUpdates` answers 409.
    pub webhook: bool,
}

impl Bot {
    /// Whether an update of `kind` is created under the current setting.
    fn allows(&self, kind: &str) -> bool {
        match &self.allowed {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !OPT_IN_KINDS.contains(&kind),
        }
    }

    /// Remembers the setting of a `getUpdates` call.
    pub fn set_allowed(&mut self, allowed: Option<Vec<String>>) {
        if allowed.is_some() {
            self.allowed = allowed;
        }
    }

    /// The next `update_id` [`Bot::push`] would accept at least.
    pub fn next_id(&self) -> i64 {
        self.last_id.map_or(1, |id| id.saturating_add(1))
    }

    /// Queues `raw` (one JSON object with an integer `update_id` above every earlier one and
    /// one other field). `Ok(None)`: not created, its kind is not allowed.
    pub fn push(&mut self, raw: Bytes) -> Result<Option<i64>, String> {
        let value: Value = serde_json::from_slice(&raw).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("an update is a JSON object".to_owned());
        };
        let id = map
            .get("update_id")
            .and_then(Value::as_i64)
            .ok_or("an update needs an integer update_id")?;
        if self.last_id.is_some_and(|last| id <= last) {
            return Err(format!(
                "update_id {id} is not above the last one ({})",
                self.last_id.unwrap_or_default()
            ));
        }
        let mut kinds = map.keys().filter(|k| k.as_str() != "update_id");
        let kind = kinds
            .next()
            .ok_or("an update needs a kind besides update_id")?;
        if kinds.next().is_some() {
            return Err("an update holds exactly one kind besides update_id".to_owned());
        }
        self.last_id = Some(id);
        if !self.allows(kind) {
            return Ok(None);
        }
        self.queue.push_back(Queued { id, raw });
        Ok(Some(id))
    }

    /// Whether a call with this `offset` would find updates.
    pub fn has_pending(&self, offset: Option<i64>) -> bool {
        match offset {
            Some(o) if o > 0 => self.queue.iter().any(|u| u.id >= o),
            _ => !self.queue.is_empty(),
        }
    }

    /// Applies `offset`: a positive one confirms (forgets) every update below it; a negative
    /// one keeps only the last `-offset` updates.
    pub fn confirm(&mut self, offset: Option<i64>) {
        match offset {
            Some(o) if o > 0 => self.queue.retain(|u| u.id >= o),
            Some(o) if o < 0 => {
                let keep = usize::try_from(o.unsigned_abs()).unwrap_or(usize::MAX);
                while self.queue.len() > keep {
                    self.queue.pop_front();
                }
            }
            _ => {}
        }
    }

    /// The first `limit` unconfirmed updates.
    pub fn first(&self, limit: usize) -> impl Iterator<Item = &Queued> {
        self.queue.iter().take(limit)
    }

    /// The ids of the unconfirmed updates.
    pub fn pending(&self) -> Vec<i64> {
        self.queue.iter().map(|u| u.id).collect()
    }
}
