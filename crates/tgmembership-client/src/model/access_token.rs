//! `POST members/accessToken`: a single-use token that activates a plan without payment.

use serde::{Deserialize, Serialize};

/// `POST members/accessToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAccessToken {
    pub(crate) plan_id: i64,
    pub(crate) member_id: Option<i64>,
}

impl CreateAccessToken {
    /// A token for this plan.
    pub fn new(plan_id: i64) -> Self {
        CreateAccessToken {
            plan_id,
            member_id: None,
        }
    }
}

/// A created access token and the link that redeems it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bot's username.
    pub bot_username: String,
    /// The token (single use, one plan).
    pub access_token: String,
    /// `https://t.me/<bot>?start=accesstoken_<token>`.
    pub link: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;

    #[test]
    fn renders_and_validates() {
        let r = CreateAccessToken::new(19).member_id(7).render().unwrap();
        assert_eq!(r.path(), "members/accessToken");
        assert_eq!(
            r.body_json().unwrap(),
            json!({"plan_id": 19, "member_id": 7})
        );
        assert!(CreateAccessToken::new(0).render().is_err());
        assert!(CreateAccessToken::new(1).member_id(0).render().is_err());
    }
}
