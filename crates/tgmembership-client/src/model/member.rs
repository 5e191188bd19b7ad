//! `GET members`: memberships, filtered and paginated (limit 1 to 1000, default 100).

use serde::{Deserialize, Serialize};

/// `GET members`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMembers {
    pub(crate) member_id: Option<i64>,
    pub(crate) plan_id: Option<i64>,
    pub(crate) project_id: Option<i64>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u64>,
}

impl ListMembers {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 1000;

    /// All memberships, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
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
    use crate::test_support::*;

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
        assert_eq!(r.path(), "members");
        assert_eq!(
            r.query(),
            Some("member_id=1111111111&plan_id=14&project_id=2&limit=1000&offset=0")
        );
        assert_eq!(r.body_json(), None);
        assert_eq!(ListMembers::new().render().unwrap().query(), None);
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
