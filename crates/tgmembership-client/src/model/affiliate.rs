//! `POST affiliate`: register an affiliate for a member.

use serde::{Deserialize, Serialize};

/// `POST affiliate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAffiliate {
    pub(crate) member_id: i64,
    pub(crate) affiliate_id: Option<String>,
}

impl CreateAffiliate {
    /// Registers `member_id` (a member who has used the bot and not blocked it) as an affiliate.
    pub fn new(member_id: i64) -> Self {
        CreateAffiliate {
            member_id,
            affiliate_id: None,
        }
    }
}

/// A registered affiliate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affiliate {
    /// The affiliate id (`"abcd123"`).
    pub affiliate_id: String,
    /// The referral link (`https://t.me/<bot>?start=r_<affiliate_id>`).
    pub affiliate_link: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;
    use tg_common::Error;
    use tg_common::ErrorKind;

    fn field(e: &Error) -> String {
        match e.kind() {
            ErrorKind::InvalidInput { field, .. } => field.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn renders_the_body() {
        let r = CreateAffiliate::new(1111111111)
            .affiliate_id("abcd123")
            .render()
            .unwrap();
        assert_eq!(r.path(), "affiliate");
        assert_eq!(r.query(), None);
        assert_eq!(
            r.body_json().unwrap(),
            json!({"member_id": 1111111111_i64, "affiliate_id": "abcd123"})
        );
        let r = CreateAffiliate::new(5).render().unwrap();
        assert_eq!(r.body_json().unwrap(), json!({"member_id": 5}));
    }

    #[test]
    fn validates_before_sending() {
        for bad in ["ab", "1abc", "abcdefghijklm"] {
            let e = CreateAffiliate::new(1)
                .affiliate_id(bad)
                .render()
                .unwrap_err();
            assert_eq!(field(&e), "affiliate_id");
            assert_eq!(e.context().unwrap().operation, "POST affiliate");
        }
        for ok in ["abc", "abcd123"] {
            assert!(CreateAffiliate::new(1).affiliate_id(ok).render().is_ok());
        }
        assert_eq!(
            field(&CreateAffiliate::new(0).render().unwrap_err()),
            "member_id"
        );
    }
}
