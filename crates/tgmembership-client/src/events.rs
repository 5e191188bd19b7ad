//! Typed data of the webhook events: [`TypedEvent`], read from a verified [`WebhookEvent`].
//!
//! The documentation names `order_completed` and `membership_terminated` and says deliveries
//! also cover payments, renewals, cancellations and donations, but shows no event's `data`. The
//! types here follow the API's own objects (the order of `GET orders/{order_key}`, the
//! membership of `GET members`): the field that identifies the subject is required
//! (`order_key`; `member_id` and `plan_id`), every other field is optional, and fields this
//! crate does not know are ignored. The names `membership_renewed`, `membership_cancelled` and
//! `donation_completed` are inferred (see [`WebhookEventKind`]). Any other event, and every
//! event's full data, stays available as raw JSON.

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::{Currency, Membership, Money, OrderStatus, PaymentGatewayName};
use crate::webhook::{WebhookError, WebhookEvent, WebhookEventKind};

/// A paid order (`order_completed`): the order as `GET orders/{order_key}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// The order's key.
    pub order_key: String,
    /// The payer's Telegram user id.
    #[serde(default)]
    pub member_id: Option<i64>,
    /// The payer's name.
    #[serde(default)]
    pub member_name: Option<String>,
    /// The payer's email.
    #[serde(default)]
    pub member_email: Option<String>,
    /// The plan bought.
    #[serde(default)]
    pub plan_id: Option<i64>,
    /// The plan's name.
    #[serde(default)]
    pub plan_name: Option<String>,
    /// The plan's project.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// The gateway that took the payment.
    #[serde(default)]
    pub payment_gateway: Option<PaymentGatewayName>,
    /// The order's status (`COMPLETED`).
    #[serde(default)]
    pub order_status: Option<OrderStatus>,
    /// When the order was created (Unix seconds).
    #[serde(default)]
    pub order_date: Option<i64>,
    /// The amount paid, exact.
    #[serde(default, with = "crate::model::money::option")]
    pub amount: Option<Decimal>,
    /// The amount's currency.
    #[serde(default)]
    pub currency: Option<Currency>,
}

impl OrderEvent {
    /// The amount with its currency, when the event carries both.
    pub fn money(&self) -> Option<Money> {
        Some(Money::new(self.amount?, self.currency.clone()?))
    }
}

/// A change to a membership (`membership_terminated`, renewed, cancelled): the membership as
/// `GET members` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipEvent {
    /// The member's Telegram user id.
    pub member_id: i64,
    /// The plan.
    pub plan_id: i64,
    /// The plan's project.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// The membership's period after the change.
    #[serde(default)]
    pub membership: Option<Membership>,
}

/// A donation (`donation_completed`, inferred name): who gave how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DonationEvent {
    /// The donor's Telegram user id.
    #[serde(default)]
    pub member_id: Option<i64>,
    /// The donor's name.
    #[serde(default)]
    pub member_name: Option<String>,
    /// The amount given, exact.
    #[serde(default, with = "crate::model::money::option")]
    pub amount: Option<Decimal>,
    /// The amount's currency.
    #[serde(default)]
    pub currency: Option<Currency>,
}

impl DonationEvent {
    /// The amount with its currency, when the event carries both.
    pub fn money(&self) -> Option<Money> {
        Some(Money::new(self.amount?, self.currency.clone()?))
    }
}

/// A webhook event with its data typed.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedEvent {
    /// `order_completed`: an order was paid.
    OrderCompleted(OrderEvent),
    /// `membership_terminated`: a membership ended.
    MembershipTerminated(MembershipEvent),
    /// `membership_renewed` (inferred name): a membership was renewed.
    MembershipRenewed(MembershipEvent),
    /// `membership_cancelled` (inferred name): a membership was cancelled.
    MembershipCancelled(MembershipEvent),
    /// `donation_completed` (inferred name): a donation was paid.
    DonationCompleted(DonationEvent),
    /// An event this crate does not know, with its data exactly as received.
    Unknown {
        /// The event's name.
        event: String,
        /// Its `data`.
        data: serde_json::Value,
    },
}

impl TypedEvent {
    /// Types `event`'s data by its name. A known event whose data lacks a required field or
    /// holds a wrong type is [`WebhookError::InvalidPayload`] naming the path in `data`.
    pub fn from_event(event: &WebhookEvent) -> Result<TypedEvent, WebhookError> {
        fn data<T: DeserializeOwned>(e: &WebhookEvent) -> Result<T, WebhookError> {
            e.data_as::<T>()
        }
        Ok(match &event.event {
            WebhookEventKind::OrderCompleted => TypedEvent::OrderCompleted(data(event)?),
            WebhookEventKind::MembershipTerminated => {
                TypedEvent::MembershipTerminated(data(event)?)
            }
            WebhookEventKind::MembershipRenewed => TypedEvent::MembershipRenewed(data(event)?),
            WebhookEventKind::MembershipCancelled => TypedEvent::MembershipCancelled(data(event)?),
            WebhookEventKind::DonationCompleted => TypedEvent::DonationCompleted(data(event)?),
            WebhookEventKind::Unknown(name) => TypedEvent::Unknown {
                event: name.clone(),
                data: event.data.clone(),
            },
        })
    }
}

impl WebhookEvent {
    /// The event with its data typed (see [`TypedEvent::from_event`]).
    pub fn typed(&self) -> Result<TypedEvent, WebhookError> {
        TypedEvent::from_event(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body: &str) -> WebhookEvent {
        WebhookEvent::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn an_order_completed_is_typed_with_exact_money() {
        let e = event(
            r#"{"event":"order_completed","debug_id":"d","data":{"order_key":"TGM-1","member_id":1111111111,"member_name":"John Doe","plan_id":20,"payment_gateway":"stripe","order_status":"COMPLETED","amount":"1.344882","currency":"EUR","extra":true}}"#,
        );
        let TypedEvent::OrderCompleted(o) = e.typed().unwrap() else {
            panic!("not an order");
        };
        assert_eq!(o.order_key, "TGM-1");
        assert_eq!(o.member_id, Some(1111111111));
        assert_eq!(o.order_status, Some(OrderStatus::Completed));
        assert_eq!(o.amount, Some(Decimal::new(1_344_882, 6)));
        assert_eq!(o.money().unwrap().to_string(), "1.34 EUR");
    }

    #[test]
    fn memberships_and_donations_are_typed() {
        let m = event(
            r#"{"event":"membership_terminated","debug_id":"d","data":{"member_id":5,"plan_id":20,"project_id":1,"membership":{"start":1,"end":2}}}"#,
        );
        assert_eq!(
            m.typed().unwrap(),
            TypedEvent::MembershipTerminated(MembershipEvent {
                member_id: 5,
                plan_id: 20,
                project_id: Some(1),
                membership: Some(Membership { start: 1, end: 2 }),
            })
        );
        let r = event(
            r#"{"event":"membership_renewed","debug_id":"d","data":{"member_id":5,"plan_id":20}}"#,
        );
        assert!(matches!(
            r.typed().unwrap(),
            TypedEvent::MembershipRenewed(_)
        ));
        let c = event(
            r#"{"event":"membership_cancelled","debug_id":"d","data":{"member_id":5,"plan_id":20}}"#,
        );
        assert!(matches!(
            c.typed().unwrap(),
            TypedEvent::MembershipCancelled(_)
        ));
        let d = event(
            r#"{"event":"donation_completed","debug_id":"d","data":{"member_id":5,"amount":"0.00012","currency":"BTC"}}"#,
        );
        let TypedEvent::DonationCompleted(d) = d.typed().unwrap() else {
            panic!("not a donation");
        };
        assert_eq!(d.money().unwrap().to_string(), "0.00012000 BTC");
    }

    #[test]
    fn an_unknown_event_keeps_its_raw_data() {
        let e = event(
            r#"{"event":"order_refunded","debug_id":"d","data":{"order_key":"K","n":[1,2]}}"#,
        );
        assert_eq!(
            e.typed().unwrap(),
            TypedEvent::Unknown {
                event: "order_refunded".into(),
                data: serde_json::json!({"order_key": "K", "n": [1, 2]}),
            }
        );
    }

    #[test]
    fn a_known_event_with_wrong_data_names_the_field() {
        for (body, path) in [
            (
                r#"{"event":"order_completed","debug_id":"d","data":{}}"#,
                "order_key",
            ),
            (
                r#"{"event":"order_completed","debug_id":"d","data":{"order_key":"K","amount":"1.2.3"}}"#,
                "amount",
            ),
            (
                r#"{"event":"membership_terminated","debug_id":"d","data":{"member_id":"x","plan_id":1}}"#,
                "member_id",
            ),
        ] {
            match event(body).typed() {
                // A missing field is named in the message, a wrong one by its path.
                Err(WebhookError::InvalidPayload { path: p, message }) => {
                    assert!(p == path || message.contains(path), "{body}: {p} {message}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }
}
