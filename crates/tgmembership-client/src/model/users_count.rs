//! `GET users/count`: known users, leads, churned customers and paying members.

use serde::{Deserialize, Serialize};

/// `GET users/count`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountUsers;
/// User counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersCount {
    /// Every user known to the bot.
    pub users: i64,
    /// Users who never paid.
    pub leads: i64,
    /// Former members.
    pub churned: i64,
    /// Current members.
    pub members: i64,
}
