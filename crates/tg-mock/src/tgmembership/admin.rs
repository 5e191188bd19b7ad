//! The dev server's controls, not part of the service: play the payer and the service's
//! webhook sender, over HTTP, under the bot's own path and key (`/v1/bot{ID}/{KEY}/_admin/...`).
//!
//! - `POST _admin/orders/{order_key}/complete`: the order is paid (as
//!   [`super::TgmembershipFake::complete_order`]); `order_completed` goes to every registered
//!   webhook. 404 for an unknown order, 409 when it was already completed.
//! - `POST _admin/orders/{order_key}/refund`: a completed order is refunded (status `REFUNDED`,
//!   no longer revenue) and the membership it granted ends; `order_refunded` goes out, then
//!   `membership_terminated` if a membership ended. 409 when the order is not completed.
//! - `POST _admin/deliver` with `{"event": NAME, "data": {...}}`: any event, signed, to every
//!   registered webhook.
//! - `GET _admin/deliveries`: the outbox log, what became of each delivery.
//!
//! A POST takes an optional `receiver` (query string or body): an http URL on loopback that
//! gets the deliveries instead of the registered URLs. Without it, a delivery goes to its
//! registered URL when that is on loopback (over plain http: `https://127.0.0.1:3000/hook` is
//! sent to `http://127.0.0.1:3000/hook`), and is skipped otherwise. Deliveries are sent in the
//! background; each answer lists them (with the exact body, signature and nonce) and
//! `_admin/deliveries` shows how the receiver answered. The event names `order_refunded` and
//! the refund itself are this fake's own: the service documents neither.

use http::Method;
use serde_json::{Value, json};

use super::delivery::SignedWebhook;
use super::outbox::{DeliveryOutcome, DeliveryRecord, Outbox, loopback_target};
use super::params::Failure;
use super::state::State;
use super::{TgmembershipFake, handlers};

/// An admin action.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Complete(String),
    Refund(String),
    Deliver,
    Deliveries,
}

impl Action {
    /// The action from the segments after `_admin`.
    fn parse(segments: &[&str]) -> Option<Action> {
        match segments {
            ["orders", key, "complete"] => {
                Some(Action::Complete(super::params::percent_decode(key, false)))
            }
            ["orders", key, "refund"] => {
                Some(Action::Refund(super::params::percent_decode(key, false)))
            }
            ["deliver"] => Some(Action::Deliver),
            ["deliveries"] => Some(Action::Deliveries),
            _ => None,
        }
    }

    fn method(&self) -> Method {
        match self {
            Action::Deliveries => Method::GET,
            _ => Method::POST,
        }
    }
}

/// Refunds a completed order: `REFUNDED`, and the membership it granted ends now. Returns the
/// order's event data and the ended membership, if any.
fn refund(st: &mut State, key: &str, now: i64) -> Result<(Value, Option<Value>), Failure> {
    let order = st
        .orders
        .iter_mut()
        .find(|o| o.order_key == key)
        .ok_or_else(|| Failure::new(404, "Order not found"))?;
    if order.order_status != "COMPLETED" {
        return Err(Failure::new(
            409,
            format!(
                "Order is {}: only a completed order can be refunded",
                order.order_status
            ),
        ));
    }
    order.order_status = "REFUNDED".to_owned();
    let order = order.clone();
    let ended = handlers::terminate(st, order.member_id, order.plan_id, now);
    Ok((handlers::order_event(&order), ended))
}

fn record_json(r: &DeliveryRecord) -> Value {
    let (status, detail) = match &r.outcome {
        DeliveryOutcome::Sending => ("sending", Value::Null),
        DeliveryOutcome::Answered(code) => ("answered", json!(code)),
        DeliveryOutcome::Failed(why) => ("failed", json!(why)),
        DeliveryOutcome::Skipped(why) => ("skipped", json!(why)),
    };
    json!({
        "id": r.id,
        "event": r.event,
        "webhook": r.webhook,
        "target": r.target,
        "nonce": r.nonce,
        "status": status,
        "detail": detail,
    })
}

impl TgmembershipFake {
    /// Answers `_admin/{segments}`; the caller has checked the credentials.
    pub(super) fn admin(&self, request: &super::Request, segments: &[&str]) -> super::Reply {
        match self.admin_answer(request, segments) {
            Ok(result) => {
                super::Reply::json(200, &json!({ "ok": true, "code": 200, "result": result }))
            }
            Err(f) => super::error_reply(f.code, &f.description),
        }
    }

    fn admin_answer(&self, request: &super::Request, segments: &[&str]) -> Result<Value, Failure> {
        let action =
            Action::parse(segments).ok_or_else(|| Failure::new(404, "Admin action not found"))?;
        if request.method != action.method() {
            return Err(Failure::new(405, "Method not allowed"));
        }
        if action == Action::Deliveries {
            let log: Vec<Value> = self.outbox.records().iter().map(record_json).collect();
            return Ok(json!(log));
        }
        let p = Self::params(request)?;
        let receiver = p
            .text("receiver")?
            .or_else(|| request.query_param("receiver"))
            .map(|r| loopback_target(&r).map_err(Failure::bad))
            .transpose()?;
        let mut st = self.state();
        let now = Self::now_in(&st);
        let mut batches: Vec<(String, Vec<SignedWebhook>)> = Vec::new();
        let order = match &action {
            Action::Complete(key) => {
                let data = handlers::complete(&mut st, key, now)?
                    .ok_or_else(|| Failure::new(409, "Order already completed"))?;
                batches.push(batch(&st, "order_completed", &data));
                Some(key.clone())
            }
            Action::Refund(key) => {
                let (data, ended) = refund(&mut st, key, now)?;
                batches.push(batch(&st, "order_refunded", &data));
                if let Some(m) = ended {
                    batches.push(batch(&st, "membership_terminated", &m));
                }
                Some(key.clone())
            }
            Action::Deliver => {
                let event = p
                    .text("event")?
                    .filter(|e| !e.is_empty())
                    .ok_or_else(|| Failure::bad("Missing parameter: event"))?;
                let data = p.0.get("data").cloned().unwrap_or_else(|| json!({}));
                if !data.is_object() {
                    return Err(Failure::bad("Invalid data: expected a JSON object"));
                }
                if st.webhooks.is_empty() {
                    return Err(Failure::new(
                        409,
                        "No webhook registered: POST webhook first (or start tg-mock with --webhook)",
                    ));
                }
                batches.push(batch(&st, &event, &data));
                None
            }
            Action::Deliveries => None,
        };
        drop(st);
        let mut out = Vec::new();
        for (event, signed) in &batches {
            out.extend(self.dispatch(event, signed, receiver.as_deref()));
        }
        Ok(match order.and_then(|k| self.order(&k)) {
            Some(o) => json!({
                "order_key": o.order_key,
                "order_status": o.order_status,
                "deliveries": out,
            }),
            None => json!({ "deliveries": out }),
        })
    }

    /// Sends each delivery to `receiver`, or to its registered URL when that is on loopback.
    fn dispatch(
        &self,
        event: &str,
        signed: &[SignedWebhook],
        receiver: Option<&str>,
    ) -> Vec<Value> {
        signed
            .iter()
            .map(|w| {
                let target = receiver
                    .map(|r| Ok(r.to_owned()))
                    .unwrap_or_else(|| loopback_target(&w.url));
                let record = Outbox::send(&self.outbox, event, w, target);
                let mut v = record_json(&record);
                v["signature"] = json!(w.signature);
                v["timestamp"] = json!(w.timestamp);
                v["body"] = json!(String::from_utf8_lossy(&w.body));
                v
            })
            .collect()
    }

    /// The outbox log: every delivery the admin endpoints sent, oldest first (at most
    /// [`super::OUTBOX_LOG_CAPACITY`]).
    pub fn outbox(&self) -> Vec<DeliveryRecord> {
        self.outbox.records()
    }

    /// Waits until every delivery the admin endpoints started has an outcome (each ends within
    /// [`super::DELIVERY_TIMEOUT`]), then returns the outbox log.
    pub async fn outbox_settled(&self) -> Vec<DeliveryRecord> {
        self.outbox.settled().await
    }
}

/// The signed deliveries of one event, one per registered webhook.
fn batch(st: &State, event: &str, data: &Value) -> (String, Vec<SignedWebhook>) {
    (
        event.to_owned(),
        TgmembershipFake::deliveries(st, event, data),
    )
}
