//! `POST members/accessToken`: a single-use token that activates a plan without payment.

use serde::{Deserialize, Serialize};
use serde_json::json;
use tg_common::Error;

use crate::endpoint::Endpoint;
use crate::request::ApiRequest;
use crate::validate;

/// `POST members/accessToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAccessToken {
    plan_id: i64,
    member_id: Option<i64>,
}

impl CreateAccessToken {
    /// A token for this plan.
    pub fn new(plan_id: i64) -> Self {
        CreateAccessToken {
            plan_id,
            member_id: None,
        }
    }

    /// Ties the token to a member who has used the bot.
    pub fn member_id(mut self, member_id: i64) -> Self {
        self.member_id = Some(member_id);
        self
    }
}

impl ApiRequest for CreateAccessToken {
    type Output = AccessToken;

    fn endpoint(&self) -> Endpoint {
        Endpoint::CreateAccessToken
    }

    fn validate(&self) -> Result<(), Error> {
        validate::positive_id("plan_id", self.plan_id)?;
        validate::positive_id_opt("member_id", self.member_id)
    }

    fn json_body(&self) -> Option<serde_json::Value> {
        let mut body = json!({ "plan_id": self.plan_id });
        if let Some(m) = self.member_id {
            body["member_id"] = json!(m);
        }
        Some(body)
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

    #[test]
    fn renders_and_validates() {
        let r = CreateAccessToken::new(19).member_id(7).render().unwrap();
        assert_eq!(r.path, "members/accessToken");
        assert_eq!(
            r.body_json().unwrap(),
            json!({"plan_id": 19, "member_id": 7})
        );
        assert!(CreateAccessToken::new(0).render().is_err());
        assert!(CreateAccessToken::new(1).member_id(0).render().is_err());
    }
}
