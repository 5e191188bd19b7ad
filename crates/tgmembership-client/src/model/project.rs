//! `GET projects`: the bot's projects, paginated (limit 1 to 100).

use serde::{Deserialize, Serialize};

/// `GET projects`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListProjects {
    pub(crate) project_id: Option<i64>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u64>,
}

impl ListProjects {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 100;

    /// All projects, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
    }
}

/// A project: a group of plans and chats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The project id.
    pub project_id: i64,
    /// Its name.
    pub project_name: String,
    /// Its options.
    pub options: ProjectOptions,
}

/// A project's options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectOptions {
    /// Display order, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
    /// Hidden from the bot.
    #[serde(default)]
    pub is_hidden: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn limits_and_query() {
        assert!(ListProjects::new().limit(0).render().is_err());
        assert!(ListProjects::new().limit(100).render().is_ok());
        assert!(ListProjects::new().limit(101).render().is_err());
        assert!(ListProjects::new().project_id(0).render().is_err());
        assert_eq!(
            ListProjects::new()
                .project_id(9)
                .limit(1)
                .render()
                .unwrap()
                .query(),
            Some("project_id=9&limit=1")
        );
    }
}
