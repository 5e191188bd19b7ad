//! Plans: `GET plans` (paginated, limit 1 to 100) and `POST plans`, with plan durations
//! (`"1 month"`) and plan options.
//!
//! A duration is a positive integer, one space and a unit: `day`, `week`, `month` or `year`,
//! singular or plural, any case (`"1 month"`, `"2 days"`, `"1 year"`). It is sent in canonical
//! form: lower case, singular for 1 and plural otherwise.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tg_common::Error;

use crate::model::{Currency, InviteeOnly, Newcomers, SingleUse};

/// `GET plans`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPlans {
    pub(crate) plan_id: Option<i64>,
    pub(crate) project_id: Option<i64>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u64>,
}

impl ListPlans {
    /// The largest page the service returns.
    pub const MAX_LIMIT: u32 = 100;

    /// All plans, first page of the service's default size (100).
    pub fn new() -> Self {
        Self::default()
    }
}

/// The unit of a plan duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

impl DurationUnit {
    fn name(self, plural: bool) -> &'static str {
        match (self, plural) {
            (DurationUnit::Day, false) => "day",
            (DurationUnit::Day, true) => "days",
            (DurationUnit::Week, false) => "week",
            (DurationUnit::Week, true) => "weeks",
            (DurationUnit::Month, false) => "month",
            (DurationUnit::Month, true) => "months",
            (DurationUnit::Year, false) => "year",
            (DurationUnit::Year, true) => "years",
        }
    }
}

/// A plan or trial duration: `count` units (`"2 days"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanDuration {
    /// How many units (at least 1).
    pub count: u32,
    /// The unit.
    pub unit: DurationUnit,
}

impl PlanDuration {
    /// `count` units.
    pub fn new(count: u32, unit: DurationUnit) -> Self {
        PlanDuration { count, unit }
    }

    /// Parses `"<count> <unit>"`, naming `field` in the error.
    pub fn parse_field(field: &'static str, text: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid_input(
                field,
                format!(
                    "`{text}` is not a duration like \"1 month\", \"2 days\" or \"1 year\" \
                     (a positive integer, a space, day/week/month/year)"
                ),
            )
        };
        let (count, unit) = text.trim().split_once(' ').ok_or_else(bad)?;
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let count: u32 = count.parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(bad());
        }
        let unit = match unit.to_ascii_lowercase().as_str() {
            "day" | "days" => DurationUnit::Day,
            "week" | "weeks" => DurationUnit::Week,
            "month" | "months" => DurationUnit::Month,
            "year" | "years" => DurationUnit::Year,
            _ => return Err(bad()),
        };
        Ok(PlanDuration { count, unit })
    }
}

impl fmt::Display for PlanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit.name(self.count != 1))
    }
}

impl FromStr for PlanDuration {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        PlanDuration::parse_field("duration", s)
    }
}

/// The options of a new plan; unset options take the service's defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NewPlanOptions {
    /// Recurring payments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring: Option<bool>,
    /// Who may buy it by membership history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newcomers: Option<Newcomers>,
    /// Purchase limitations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub singleuse: Option<SingleUse>,
    /// Token payment only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_only: Option<bool>,
    /// Credit payment only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_only: Option<bool>,
    /// Who may buy it by affiliate invitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitee_only: Option<InviteeOnly>,
}

impl NewPlanOptions {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.newcomers.is_some_and(|n| !n.is_documented()) {
            return Err(Error::invalid_input(
                "options.newcomers",
                "must be 0, 1 or 2",
            ));
        }
        if self.singleuse.is_some_and(|s| !s.is_documented()) {
            return Err(Error::invalid_input(
                "options.singleuse",
                "must be 0, 1, 2 or 3",
            ));
        }
        if self.invitee_only.is_some_and(|i| !i.is_documented()) {
            return Err(Error::invalid_input(
                "options.invitee_only",
                "must be 0, 1 or 2",
            ));
        }
        Ok(())
    }
}

/// `POST plans`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePlan {
    pub(crate) plan_name: String,
    pub(crate) plan_duration: String,
    pub(crate) plan_price: Decimal,
    pub(crate) plan_currency: Currency,
    pub(crate) plan_trial: Option<String>,
    pub(crate) plan_project_id: Option<i64>,
    pub(crate) options: Option<NewPlanOptions>,
}

impl CreatePlan {
    /// A plan named `plan_name` (3 to 24 characters, starting with a letter) lasting
    /// `plan_duration` (`"1 month"`, or a [`PlanDuration`]'s text), for `plan_price` in
    /// `plan_currency`.
    pub fn new(
        plan_name: impl Into<String>,
        plan_duration: impl ToString,
        plan_price: Decimal,
        plan_currency: Currency,
    ) -> Self {
        CreatePlan {
            plan_name: plan_name.into(),
            plan_duration: plan_duration.to_string(),
            plan_price,
            plan_currency,
            plan_trial: None,
            plan_project_id: None,
            options: None,
        }
    }
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan id.
    pub plan_id: i64,
    /// Its name.
    pub plan_name: String,
    /// Its duration as the service writes it (`"2 days"`); see [`Plan::parsed_duration`].
    pub duration: String,
    /// Its price.
    #[serde(with = "crate::model::money::string")]
    pub price: Decimal,
    /// The price's currency.
    pub currency: Currency,
    /// Its options.
    pub options: PlanOptions,
    /// Customer cap (`0`: none).
    pub max_customers: i64,
    /// Display order.
    pub sort_order: i64,
    /// Purchasable.
    pub enabled: bool,
}

impl Plan {
    /// The duration parsed, when it has the documented form.
    pub fn parsed_duration(&self) -> Option<PlanDuration> {
        PlanDuration::parse_field("duration", &self.duration).ok()
    }
}

/// A plan's options as the service reports them; a missing option reads as its default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanOptions {
    /// Recurring payments.
    pub recurring: bool,
    /// Who may buy it by membership history.
    pub newcomers: Newcomers,
    /// Purchase limitations.
    pub singleuse: SingleUse,
    /// Token payment only.
    pub token_only: bool,
    /// Credit payment only.
    pub credit_only: bool,
    /// Who may buy it by affiliate invitation.
    pub invitee_only: InviteeOnly,
    /// Hidden from the bot's plan list.
    pub is_hidden: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use serde_json::json;
    use tg_common::ErrorKind;

    fn field(e: Error) -> String {
        match e.into_kind() {
            ErrorKind::InvalidInput { field, .. } => field.into_owned(),
            other => panic!("{other:?}"),
        }
    }

    fn plan(name: &str) -> CreatePlan {
        CreatePlan::new(name, "1 month", Decimal::new(9999, 2), Currency::Usd)
    }

    #[test]
    fn body_has_canonical_durations_and_string_price() {
        let r = CreatePlan::new(
            "Name of the plan",
            "1 Weeks",
            Decimal::new(100, 0),
            Currency::Usd,
        )
        .trial("7 day")
        .project_id(9)
        .options(NewPlanOptions {
            recurring: Some(false),
            newcomers: Some(Newcomers::Everyone),
            singleuse: Some(SingleUse::LapsedMembersOnly),
            invitee_only: Some(InviteeOnly::InviteesOnly),
            ..NewPlanOptions::default()
        })
        .render()
        .unwrap();
        assert_eq!(r.path(), "plans");
        assert_eq!(
            r.body_json().unwrap(),
            json!({
                "plan_name": "Name of the plan",
                "plan_duration": "1 week",
                "plan_price": "100",
                "plan_currency": "USD",
                "plan_trial": "7 days",
                "plan_project_id": 9,
                "options": {"recurring": false, "newcomers": 0, "singleuse": 3, "invitee_only": 1}
            })
        );
        let r = plan("abc").render().unwrap();
        assert_eq!(r.body_json().unwrap()["plan_price"], "99.99");
    }

    #[test]
    fn plan_name_length_edges() {
        assert_eq!(field(plan("ab").render().unwrap_err()), "plan_name");
        assert!(plan("abc").render().is_ok());
        assert!(plan(&format!("P{}", "x".repeat(23))).render().is_ok());
        assert_eq!(
            field(plan(&format!("P{}", "x".repeat(24))).render().unwrap_err()),
            "plan_name"
        );
        assert_eq!(field(plan("9 lives").render().unwrap_err()), "plan_name");
    }

    #[test]
    fn durations() {
        for (text, canon) in [
            ("1 month", "1 month"),
            ("2 days", "2 days"),
            ("1 year", "1 year"),
            ("1 week", "1 week"),
            ("3 MONTHS", "3 months"),
            ("1 days", "1 day"),
        ] {
            assert_eq!(text.parse::<PlanDuration>().unwrap().to_string(), canon);
        }
        for bad in [
            "",
            "month",
            "0 days",
            "-1 day",
            "1  day",
            "1 fortnight",
            "one month",
            "1.5 months",
            "+1 day",
        ] {
            assert!(bad.parse::<PlanDuration>().is_err(), "{bad:?}");
        }
        let e = CreatePlan::new("abc", "1 fortnight", Decimal::ONE, Currency::Eur)
            .render()
            .unwrap_err();
        assert_eq!(field(e), "plan_duration");
        let e = plan("abc").trial("soon").render().unwrap_err();
        assert_eq!(field(e), "plan_trial");
    }

    #[test]
    fn other_rules() {
        let e = CreatePlan::new("abc", "1 day", Decimal::new(-1, 0), Currency::Eur)
            .render()
            .unwrap_err();
        assert_eq!(field(e), "plan_price");
        for price in [
            Decimal::MAX,
            Decimal::from_i128_with_scale(1_234_567_890_123_456_789_012_345_678, 28),
            Decimal::new(123_456_789_012_345_678, 2),
        ] {
            let e = CreatePlan::new("abc", "1 day", price, Currency::Eur)
                .render()
                .unwrap_err();
            assert_eq!(field(e), "plan_price");
        }
        CreatePlan::new("abc", "1 day", Decimal::new(9999, 2), Currency::Eur)
            .render()
            .unwrap();
        assert_eq!(
            field(plan("abc").project_id(0).render().unwrap_err()),
            "plan_project_id"
        );
        let e = plan("abc")
            .options(NewPlanOptions {
                singleuse: Some(SingleUse::Unknown(4)),
                ..NewPlanOptions::default()
            })
            .render()
            .unwrap_err();
        assert_eq!(field(e), "options.singleuse");
        let e = CreatePlan::new(
            "abc",
            "1 day",
            Decimal::ONE,
            Currency::Unknown(String::new()),
        )
        .render()
        .unwrap_err();
        assert_eq!(field(e), "plan_currency");
    }

    #[test]
    fn list_plans_limits() {
        assert!(ListPlans::new().limit(0).render().is_err());
        assert!(ListPlans::new().limit(1).render().is_ok());
        assert!(ListPlans::new().limit(100).render().is_ok());
        assert!(ListPlans::new().limit(101).render().is_err());
        assert_eq!(
            ListPlans::new()
                .project_id(3)
                .offset(5)
                .render()
                .unwrap()
                .query(),
            Some("project_id=3&offset=5")
        );
    }
}
