//! `GET members`: memberships, filtered and paginated (limit 1 to 1000, default 100).

use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::endpoint::Endpoint;
use crate::paginate::Paginated;
use crate::request::{ApiRequest, QueryPairs};
use crate::validate;

/// `GET members`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMembers {
    member_id: Option<i64>,
    plan_id: Option<i64>,
    project_id: Option<i64>,
    limit: Option<u32>,
    offset: Option<u64>,
}

impl ListMembers {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 1000;

    /// All memberships, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this member's memberships.
    pub fn member_id(mut self, member_id: i64) -> Self {
        self.member_id = Some(member_id);
        self
    }

    /// Only memberships of this plan.
    pub fn plan_id(mut self, plan_id: i64) -> Self {
        self.plan_id = Some(plan_id);
        self
    }

    /// Only memberships of this project.
    pub fn project_id(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }

    /// Page size, 1 to 1000.
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

impl ApiRequest for ListMembers {
    type Output = Vec<Member>;

    fn endpoint(&self) -> Endpoint {
        Endpoint::ListMembers
    }

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id_opt("member_id", self.member_id)?;
        validate::positive_id_opt("plan_id", self.plan_id)?;
        validate::positive_id_opt("project_id", self.project_id)?;
        validate::limit(self.limit, Self::MAX_LIMIT)
    }

    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        QueryPairs::default()
            .opt("member_id", self.member_id)
            .opt("plan_id", self.plan_id)
            .opt("project_id", self.project_id)
            .opt("limit", self.limit)
            .opt("offset", self.offset)
            .finish()
    }
}

impl Paginated for ListMembers {
    const MAX_LIMIT: u32 = ListMembers::MAX_LIMIT;

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

/// A member's membership of one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's Telegram user id.
    pub member_id: i64,
    /// The plan.
    pub plan_id: i64,
    /// The plan's project.
    pub project_id: i64,
    /// When the membership runs.
    pub membership: Membership,
}

/// The period of a membership, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Start (Unix seconds).
    pub start: i64,
    /// End (Unix seconds).
    pub end: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_query_in_order() {
        let r = ListMembers::new()
            .member_id(1111111111)
            .plan_id(14)
            .project_id(2)
            .limit(1000)
            .offset(0)
            .render()
            .unwrap();
        assert_eq!(r.path, "members");
        assert_eq!(
            r.query.as_deref(),
            Some("member_id=1111111111&plan_id=14&project_id=2&limit=1000&offset=0")
        );
        assert_eq!(r.body, None);
        assert_eq!(ListMembers::new().render().unwrap().query, None);
    }

    #[test]
    fn limit_is_1_to_1000() {
        assert!(ListMembers::new().limit(0).render().is_err());
        assert!(ListMembers::new().limit(1).render().is_ok());
        assert!(ListMembers::new().limit(1000).render().is_ok());
        assert!(ListMembers::new().limit(1001).render().is_err());
        assert!(ListMembers::new().plan_id(0).render().is_err());
        assert!(ListMembers::new().project_id(-1).render().is_err());
        assert!(ListMembers::new().member_id(0).render().is_err());
    }
}
