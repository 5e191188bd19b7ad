//! What the fake TGTrack remembers per API key, and the records its accessors return.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

/// How many requests the last-events view keeps per key (as the live page does).
pub const LAST_EVENTS_KEPT: usize = 100;

/// A key's mode, reported as `"mode"` in every answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `"production"`.
    Production,
    /// `"sandbox"`.
    Sandbox,
}

impl Mode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Production => "production",
            Mode::Sandbox => "sandbox",
        }
    }
}

/// A tracking link: what a start parameter stands for in `get_user_info`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteLink {
    /// The link's name, answered as `invite_link` (`Яндекс.Директ`).
    pub name: String,
    /// `utm_source`.
    pub utm_source: Option<String>,
    /// `utm_medium`.
    pub utm_medium: Option<String>,
    /// `utm_content`.
    pub utm_content: Option<String>,
    /// `utm_campaign`.
    pub utm_campaign: Option<String>,
    /// `utm_term`.
    pub utm_term: Option<String>,
}

impl InviteLink {
    /// A link with this name and no UTM tags.
    pub fn named(name: impl Into<String>) -> Self {
        InviteLink {
            name: name.into(),
            ..InviteLink::default()
        }
    }
}

/// One line of the last-events view: a request the key received and how it was processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastEvent {
    /// The method named in the path (as sent, even when unknown).
    pub method: String,
    /// `0` when processed without error, else the error code answered.
    pub status_code: u16,
    /// The error's description, when there was an error.
    pub error_description: Option<String>,
    /// The error's details, when there were any.
    pub error_details: Option<String>,
    /// When it was received, unix seconds on the fake's clock.
    pub received_at: i64,
    /// The body as received.
    pub body: Bytes,
}

impl LastEvent {
    /// Whether it was processed without error.
    pub fn is_ok(&self) -> bool {
        self.status_code == 0
    }
}

/// A body received by a forwarding method, kept byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// The method (`on_telegram_webhook`, `sambot_on_tg_webhook`, ...).
    pub method: String,
    /// The whole request body, as received.
    pub body: Bytes,
    /// The Telegram update inside it: the whole body for `on_telegram_webhook`, the `webhook`
    /// field's raw text (or its string content) for `sambot_on_tg_webhook`; `None` for the
    /// builder webhooks.
    pub update: Option<Bytes>,
}

/// What the fake knows about a user, as `get_user_info` answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserRecord {
    /// The Telegram user id, as a decimal string.
    pub user_id: String,
    /// The first start, unix seconds; `0` if none.
    pub first_join_date: i64,
    /// The latest start, unix seconds; `0` if none.
    pub last_join_date: i64,
    /// The source of the first start: the link's name, the raw start parameter when no link
    /// matches, or empty.
    pub invite_link: String,
    /// The latest stop (block), unix seconds; `0` if the user is subscribed.
    pub left_date: i64,
    /// First name.
    pub first_name: String,
    /// Last name (empty if unknown).
    pub last_name: String,
    /// Username (empty if unknown).
    pub username: String,
    /// UTM tags of the first start's link.
    pub utm: InviteLink,
}

/// An `add_event` the fake accepted, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedEvent {
    /// `user_id`.
    pub user_id: String,
    /// `event_type`.
    pub event_type: String,
    /// `event_result` (`in_progress` when omitted).
    pub event_result: String,
    /// `date` (the fake's now when omitted).
    pub date: i64,
    /// Whether `date` was sent.
    pub date_sent: bool,
    /// `conversion_target`.
    pub conversion_target: Option<String>,
    /// `amount`, as the exact JSON number text received.
    pub amount: Option<String>,
    /// `labels` as `(name, value)`.
    pub labels: Vec<(String, String)>,
}

/// A `send_reach_goal` the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachedGoal {
    /// `user_id`.
    pub user_id: String,
    /// `target`.
    pub target: String,
    /// When it was received, unix seconds on the fake's clock.
    pub date: i64,
}

/// A `my_bot_was_started` the fake accepted (no user is known for these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymousStart {
    /// `start_value` as sent (empty, `auto_detect`, or a parameter).
    pub start_value: String,
    /// When it was received, unix seconds on the fake's clock.
    pub date: i64,
}

/// Names carried by a start report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Names {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
}

/// Everything one key holds.
#[derive(Debug)]
pub(super) struct KeyState {
    pub mode: Mode,
    pub expired: bool,
    pub links: HashMap<String, InviteLink>,
    pub users: HashMap<String, UserRecord>,
    pub last_events: VecDeque<LastEvent>,
    pub forwarded: Vec<Forwarded>,
    pub events: Vec<AcceptedEvent>,
    pub goals: Vec<ReachedGoal>,
    pub anonymous_starts: Vec<AnonymousStart>,
}

impl KeyState {
    pub fn new(mode: Mode) -> Self {
        KeyState {
            mode,
            expired: false,
            links: HashMap::new(),
            users: HashMap::new(),
            last_events: VecDeque::new(),
            forwarded: Vec::new(),
            events: Vec::new(),
            goals: Vec::new(),
            anonymous_starts: Vec::new(),
        }
    }

    pub fn push_last_event(&mut self, event: LastEvent) {
        if self.last_events.len() == LAST_EVENTS_KEPT {
            self.last_events.pop_front();
        }
        self.last_events.push_back(event);
    }

    /// A user started (or unblocked) the bot at `date`: the first start sets the join source.
    pub fn start(&mut self, user_id: &str, names: Names, param: Option<&str>, date: i64) {
        let link = param.map(|p| {
            self.links
                .get(p)
                .cloned()
                .unwrap_or_else(|| InviteLink::named(p))
        });
        let user = self.user_entry(user_id);
        if user.first_join_date == 0 {
            user.first_join_date = date;
            if let Some(link) = link {
                user.invite_link = link.name.clone();
                user.utm = link;
            }
        }
        user.last_join_date = date;
        user.left_date = 0;
        if let Some(v) = names.first_name {
            user.first_name = v;
        }
        if let Some(v) = names.last_name {
            user.last_name = v;
        }
        if let Some(v) = names.username {
            user.username = v;
        }
    }

    /// A user blocked the bot at `date`.
    pub fn stop(&mut self, user_id: &str, date: i64) {
        self.user_entry(user_id).left_date = date;
    }

    fn user_entry(&mut self, user_id: &str) -> &mut UserRecord {
        self.users
            .entry(user_id.to_owned())
            .or_insert_with(|| UserRecord {
                user_id: user_id.to_owned(),
                ..UserRecord::default()
            })
    }
}
