//! `GET projects`: the bot's projects, paginated (limit 1 to 100).

use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::endpoint::Endpoint;
use crate::paginate::Paginated;
use crate::request::{ApiRequest, QueryPairs};
use crate::validate;

/// `GET projects`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListProjects {
    project_id: Option<i64>,
    limit: Option<u32>,
    offset: Option<u64>,
}

impl ListProjects {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 100;

    /// All projects, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this project.
    pub fn project_id(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }

    /// Page size, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Results to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

impl ApiRequest for ListProjects {
    type Output = Vec<Project>;

    fn endpoint(&self) -> Endpoint {
        Endpoint::ListProjects
    }

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id_opt("project_id", self.project_id)?;
        validate::limit(self.limit, Self::MAX_LIMIT)
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        QueryPairs::default()
            .opt("project_id", self.project_id)
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

impl Paginated for ListProjects {
    const MAX_LIMIT: u32 = ListProjects::MAX_LIMIT;

    fn page_limit(&self) -> Option<u32> {
        self.limit
    }

    fn page_offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }

    fn at_page(&self, offset: u64, limit: u32) -> Self {
        self.clone().offset(offset).limit(limit)
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
                .query
                .as_deref(),
            Some("project_id=9&limit=1")
        );
    }
}
