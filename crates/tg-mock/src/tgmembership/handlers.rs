//! One function per endpoint: validate the parameters, read or change the state, build the
//! `result`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::money;
use super::params::{Failure, Params};
use super::state::{
    AccessTokenRecord, BotRecord, MemberRecord, OrderRecord, PlanRecord, State, WebhookRecord,
    gateway_display_name,
};

/// A successful answer: the envelope's `code`, whether it carries `ok` (several documented
/// examples omit it, and the fake follows each example), and the `result`.
pub(super) struct Answer {
    pub code: u16,
    pub with_ok: bool,
    pub result: Option<Value>,
}

impl Answer {
    fn ok(code: u16, result: Value) -> Self {
        Answer {
            code,
            with_ok: true,
            result: Some(result),
        }
    }

    fn bare(code: u16, result: Value) -> Self {
        Answer {
            code,
            with_ok: false,
            result: Some(result),
        }
    }
}

type Outcome = Result<Answer, Failure>;

fn random_alnum(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect()
}

fn random_hex(len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[usize::from(rand::random::<u8>() & 15)]))
        .collect()
}

impl State {
    fn member(&self, member_id: i64) -> Result<(), Failure> {
        if self.users.contains_key(&member_id) {
            Ok(())
        } else {
            Err(Failure::new(404, "Member not found"))
        }
    }

    fn plan(&self, plan_id: i64) -> Result<&PlanRecord, Failure> {
        self.plans
            .iter()
            .find(|p| p.plan_id == plan_id)
            .ok_or_else(|| Failure::new(404, "Plan not found"))
    }

    fn completed(&self) -> impl Iterator<Item = &OrderRecord> {
        self.orders.iter().filter(|o| o.order_status == "COMPLETED")
    }
}

/// Whether `id` is a valid affiliate id: a letter, then 2 to 11 letters or digits.
fn valid_affiliate_id(id: &str) -> bool {
    (3..=12).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(super) fn create_affiliate(st: &mut State, p: &Params) -> Outcome {
    let member_id = p.required_positive("member_id")?;
    let chosen = p.text("affiliate_id")?;
    if let Some(id) = &chosen {
        if !valid_affiliate_id(id) {
            return Err(Failure::bad(
                "Invalid affiliate_id: it must start with a letter and be 3 to 12 letters or digits",
            ));
        }
        if st
            .affiliates
            .get(id)
            .is_some_and(|owner| *owner != member_id)
        {
            return Err(Failure::bad("Invalid affiliate_id: already in use"));
        }
    }
    st.member(member_id)?;
    let id = match chosen {
        Some(id) => id,
        None => loop {
            let candidate = format!("a{}", random_alnum(8));
            if !st.affiliates.contains_key(&candidate) {
                break candidate;
            }
        },
    };
    st.affiliates.retain(|_, owner| *owner != member_id);
    st.affiliates.insert(id.clone(), member_id);
    let link = format!("https://t.me/{}?start=r_{id}", st.bot_username);
    Ok(Answer::ok(
        200,
        json!({ "affiliate_id": id, "affiliate_link": link }),
    ))
}

pub(super) fn register_bot(st: &mut State, p: &Params) -> Outcome {
    let token = p.required_text("bot_token")?;
    let bot_id = token
        .split_once(':')
        .filter(|(id, rest)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        })
        .filter(|_| !token.chars().any(char::is_whitespace))
        .and_then(|(id, _)| id.parse::<i64>().ok())
        .ok_or_else(|| Failure::bad("Invalid bot_token"))?;
    if st.bots.iter().any(|b| b.bot_id == bot_id) {
        return Err(Failure::bad("This bot is already registered"));
    }
    let bot = BotRecord {
        bot_id,
        bot_username: format!("tgm{bot_id}_bot"),
        api_key: random_hex(32),
    };
    st.credentials.insert((bot_id, bot.api_key.clone()));
    let result = json!({
        "bot_id": bot.bot_id,
        "bot_username": bot.bot_username,
        "api_key": bot.api_key,
    });
    st.bots.push(bot);
    Ok(Answer::bare(201, result))
}

pub(super) fn list_coupons(st: &State) -> Outcome {
    Ok(Answer::bare(200, json!(st.coupons)))
}

pub(super) fn list_members(st: &State, p: &Params) -> Outcome {
    let member_id = p.positive("member_id")?;
    let plan_id = p.positive("plan_id")?;
    let project_id = p.positive("project_id")?;
    let (limit, offset) = p.page(1000)?;
    if let Some(m) = member_id {
        st.member(m)?;
    }
    let rows: Vec<Value> = st
        .members
        .iter()
        .filter(|m| member_id.is_none_or(|id| m.member_id == id))
        .filter(|m| plan_id.is_none_or(|id| m.plan_id == id))
        .filter(|m| project_id.is_none_or(|id| m.project_id == id))
        .skip(offset)
        .take(limit)
        .map(|m| {
            json!({
                "member_id": m.member_id,
                "plan_id": m.plan_id,
                "project_id": m.project_id,
                "membership": { "start": m.start, "end": m.end },
            })
        })
        .collect();
    Ok(Answer::ok(200, json!(rows)))
}

pub(super) fn create_access_token(st: &mut State, p: &Params) -> Outcome {
    let plan_id = p.required_positive("plan_id")?;
    let member_id = p.positive("member_id")?;
    st.plan(plan_id)?;
    if let Some(m) = member_id {
        st.member(m)?;
    }
    let token = random_alnum(16);
    st.access_tokens.push(AccessTokenRecord {
        token: token.clone(),
        plan_id,
        member_id,
    });
    let link = format!("https://t.me/{}?start=accesstoken_{token}", st.bot_username);
    Ok(Answer::ok(
        201,
        json!({ "bot_username": st.bot_username, "access_token": token, "link": link }),
    ))
}

/// An order as `GET orders/{order_key}` shows it (gateway by id).
pub(super) fn order_detail(o: &OrderRecord) -> Value {
    let mut v = json!({
        "order_key": o.order_key,
        "member_id": o.member_id,
        "member_name": o.member_name,
        "payment_gateway": o.gateway,
        "order_status": o.order_status,
        "order_date": o.order_date,
        "plan_id": o.plan_id,
        "project_id": o.project_id,
    });
    if let Some(email) = &o.member_email {
        v["member_email"] = json!(email);
    }
    v
}

pub(super) fn get_order(st: &State, key: &str) -> Outcome {
    st.orders
        .iter()
        .find(|o| o.order_key == key)
        .map(|o| Answer::bare(200, order_detail(o)))
        .ok_or_else(|| Failure::new(404, "Order not found"))
}

pub(super) fn list_orders(st: &State, p: &Params) -> Outcome {
    let member_id = p.positive("member_id")?;
    let plan_id = p.positive("plan_id")?;
    let project_id = p.positive("project_id")?;
    let status = p.text("order_status")?;
    let currency = p.currency(&st.report_currency)?;
    let (limit, offset) = p.page(100)?;
    let mut orders: Vec<(usize, &OrderRecord)> = st
        .orders
        .iter()
        .enumerate()
        .filter(|(_, o)| member_id.is_none_or(|id| o.member_id == id))
        .filter(|(_, o)| plan_id.is_none_or(|id| o.plan_id == id))
        .filter(|(_, o)| project_id.is_none_or(|id| o.project_id == id))
        .filter(|(_, o)| {
            status
                .as_deref()
                .is_none_or(|s| o.order_status.eq_ignore_ascii_case(s))
        })
        .collect();
    // Newest first; among equal dates, the later created first.
    orders.sort_by(|(ia, a), (ib, b)| b.order_date.cmp(&a.order_date).then(ib.cmp(ia)));
    let rows: Vec<Value> = orders
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, o)| {
            let value = money::convert_value(&o.amount, &o.currency, &currency);
            json!({
                "order_key": o.order_key,
                "order_type": o.order_type,
                "order_date": o.order_date,
                "order_status": o.order_status,
                "member_id": o.member_id,
                "member_name": o.member_name,
                "plan_id": o.plan_id,
                "plan_name": o.plan_name,
                "project_id": o.project_id,
                "payment_gateway": gateway_display_name(&o.gateway),
                "amount": money::convert(&o.amount, &o.currency, &currency),
                "currency": currency,
                "formatted": money::formatted(value, &currency),
            })
        })
        .collect();
    Ok(Answer::bare(200, json!(rows)))
}

pub(super) fn create_order(st: &mut State, p: &Params, now: i64) -> Outcome {
    let plan_id = p.required_positive("plan_id")?;
    let gateway_text = p.required_text("payment_gateway")?;
    let member_id = p.positive("member_id")?;
    let email = p.text("email")?;
    let token = p.text("token")?;
    for url in ["return_url", "cancel_url"] {
        if let Some(u) = p.text(url)? {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(Failure::bad(format!("Invalid {url}")));
            }
        }
    }
    if st.test_mode {
        return Err(Failure::new(401, "The bot is in test mode"));
    }
    let method = st
        .payment_methods
        .iter()
        .find(|m| {
            m["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&gateway_text))
                || m["display_name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&gateway_text))
        })
        .cloned()
        .ok_or_else(|| Failure::bad(format!("Payment method not installed: {gateway_text}")))?;
    let gateway = method["name"].as_str().unwrap_or_default().to_owned();
    if method["requires_email"] == json!(true) && email.as_deref().is_none_or(str::is_empty) {
        return Err(Failure::bad(format!(
            "Missing required parameter: email ({gateway})"
        )));
    }
    if let Some(tokens) = method["tokens"].as_array() {
        let accepted = token
            .as_deref()
            .is_some_and(|t| tokens.iter().any(|x| x["token"].as_str() == Some(t)));
        if !accepted {
            return Err(Failure::bad(
                "Invalid token: expected TOKEN.NETWORK of an accepted token",
            ));
        }
    }
    let plan = st.plan(plan_id)?.clone();
    let member_name = match member_id {
        Some(m) => {
            st.member(m)?;
            st.users.get(&m).map(|u| u.name.clone()).unwrap_or_default()
        }
        None => String::new(),
    };
    let (y, mo, d) = money::civil(now);
    let key = format!(
        "TGM-{}-{y:04}{mo:02}{d:02}-{}",
        member_id.unwrap_or(0),
        random_hex(8)
    );
    let record = OrderRecord {
        order_key: key.clone(),
        order_type: 1,
        order_date: now,
        order_status: "PENDING".to_owned(),
        member_id: member_id.unwrap_or(0),
        member_name,
        member_email: email.filter(|e| !e.is_empty()),
        plan_id,
        plan_name: plan.plan_name.clone(),
        project_id: plan.project_id.unwrap_or(0),
        gateway,
        amount: plan.price.clone(),
        currency: plan.currency.clone(),
        token,
    };
    st.orders.push(record);
    Ok(Answer::ok(
        200,
        json!({
            "order_key": key,
            "amount": plan.price,
            "currency": plan.currency,
            "checkout_url": format!("https://example.com/checkout/{key}"),
        }),
    ))
}

/// Revenue (converted into `currency`) and sales of some orders, as the report fields.
fn totals<'a>(orders: impl Iterator<Item = &'a OrderRecord>, currency: &str) -> (f64, i64) {
    orders.fold((0.0, 0), |(sum, n), o| {
        (
            sum + money::convert_value(&o.amount, &o.currency, currency),
            n + 1,
        )
    })
}

fn report_fields(revenue: f64, sales: i64, currency: &str) -> Value {
    json!({
        "revenue": money::write(revenue),
        "currency": currency,
        "formatted": money::formatted(revenue, currency),
        "sales": sales,
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

pub(super) fn orders_count(st: &State, p: &Params, now: i64) -> Outcome {
    let unit = p
        .text("interval_unit")?
        .unwrap_or_else(|| "month".to_owned());
    let unit = unit.to_ascii_lowercase();
    if !matches!(unit.as_str(), "day" | "month" | "year") {
        return Err(Failure::bad(
            "Invalid interval_unit: must be day, month or year",
        ));
    }
    let count = p.int("interval_count")?.unwrap_or(1);
    if !(1..=1000).contains(&count) {
        return Err(Failure::bad(
            "Invalid interval_count: must be an integer greater than or equal to 1",
        ));
    }
    let currency = p.currency(&st.report_currency)?;
    let labels = money::period_labels(now, &unit, usize::try_from(count).unwrap_or(1));
    let rows: Vec<Value> = labels
        .into_iter()
        .map(|label| {
            let (revenue, sales) = totals(
                st.completed()
                    .filter(|o| money::period_label(o.order_date, &unit) == label),
                &currency,
            );
            merge(
                json!({ "period": label }),
                report_fields(revenue, sales, &currency),
            )
        })
        .collect();
    Ok(Answer::ok(200, json!(rows)))
}

pub(super) fn list_payment_methods(st: &State) -> Outcome {
    Ok(Answer::ok(200, json!(st.payment_methods)))
}

pub(super) fn payment_methods_report(st: &State, p: &Params) -> Outcome {
    let currency = p.currency(&st.report_currency)?;
    let mut by_gateway: BTreeMap<&str, Vec<&OrderRecord>> = BTreeMap::new();
    for o in st.completed() {
        by_gateway.entry(o.gateway.as_str()).or_default().push(o);
    }
    let mut rows: Vec<(f64, Value)> = by_gateway
        .into_iter()
        .map(|(gateway, orders)| {
            let (revenue, sales) = totals(orders.into_iter(), &currency);
            let head = json!({
                "name": gateway,
                "display_name": gateway_display_name(gateway),
            });
            (
                revenue,
                merge(head, report_fields(revenue, sales, &currency)),
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Answer::ok(
        200,
        json!(rows.into_iter().map(|r| r.1).collect::<Vec<_>>()),
    ))
}

pub(super) fn list_plans(st: &State, p: &Params) -> Outcome {
    let plan_id = p.positive("plan_id")?;
    let project_id = p.positive("project_id")?;
    let (limit, offset) = p.page(100)?;
    let mut plans: Vec<&PlanRecord> = st
        .plans
        .iter()
        .filter(|pl| plan_id.is_none_or(|id| pl.plan_id == id))
        .filter(|pl| project_id.is_none_or(|id| pl.project_id == Some(id)))
        .collect();
    plans.sort_by(|a, b| {
        b.sort_order
            .cmp(&a.sort_order)
            .then(b.plan_id.cmp(&a.plan_id))
    });
    let rows: Vec<Value> = plans
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(PlanRecord::to_json)
        .collect();
    Ok(Answer::ok(200, json!(rows)))
}

/// Whether `name` is a plan name: 3 to 24 characters starting with a letter.
fn valid_plan_name(name: &str) -> bool {
    (3..=24).contains(&name.chars().count()) && name.starts_with(char::is_alphabetic)
}

fn valid_price(price: &str) -> bool {
    let (int, frac) = price.split_once('.').unwrap_or((price, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && digits(frac)
}

pub(super) fn create_plan(st: &mut State, p: &Params) -> Outcome {
    let name = p.required_text("plan_name")?;
    if !valid_plan_name(&name) {
        return Err(Failure::bad(
            "Invalid plan_name: it must be 3 to 24 characters long and start with a letter",
        ));
    }
    let duration = p.required_text("plan_duration")?;
    if money::duration_seconds(&duration).is_none() {
        return Err(Failure::bad("Invalid plan_duration"));
    }
    let price = p.required_text("plan_price")?;
    if !valid_price(&price) {
        return Err(Failure::bad("Invalid plan_price"));
    }
    let currency = p.required_text("plan_currency")?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Failure::bad("Invalid plan_currency"));
    }
    let trial = p.text("plan_trial")?;
    if trial
        .as_deref()
        .is_some_and(|t| money::duration_seconds(t).is_none())
    {
        return Err(Failure::bad("Invalid plan_trial"));
    }
    let project_id = p.positive("plan_project_id")?;
    if let Some(id) = project_id {
        if !st.projects.iter().any(|pr| pr["project_id"] == json!(id)) {
            return Err(Failure::new(404, "Project not found"));
        }
    }
    let options = match p.0.get("options") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(Failure::bad("Invalid options: must be an object")),
    };
    let opts = Params(options);
    let ranged = |name: &str, max: i64| -> Result<i64, Failure> {
        match opts.int(name)? {
            None => Ok(0),
            Some(v) if (0..=max).contains(&v) => Ok(v),
            Some(_) => Err(Failure::bad(format!("Invalid options.{name}"))),
        }
    };
    let options = json!({
        "recurring": opts.boolean("recurring")?.unwrap_or(false),
        "newcomers": ranged("newcomers", 2)?,
        "singleuse": ranged("singleuse", 3)?,
        "token_only": opts.boolean("token_only")?.unwrap_or(false),
        "credit_only": opts.boolean("credit_only")?.unwrap_or(false),
        "invitee_only": ranged("invitee_only", 2)?,
        "is_hidden": false,
    });
    let plan = PlanRecord {
        plan_id: st.next_plan_id,
        plan_name: name,
        duration,
        trial,
        price,
        currency: currency.to_ascii_uppercase(),
        options,
        max_customers: 0,
        sort_order: 0,
        enabled: true,
        project_id,
    };
    st.next_plan_id += 1;
    let result = plan.to_json();
    st.plans.push(plan);
    Ok(Answer::bare(201, result))
}

pub(super) fn plans_report(st: &State, p: &Params, now: i64) -> Outcome {
    let currency = p.currency(&st.report_currency)?;
    let months = money::period_labels(now, "month", 6);
    let mut by_plan: BTreeMap<i64, Vec<&OrderRecord>> = BTreeMap::new();
    for o in st
        .completed()
        .filter(|o| months.contains(&money::period_label(o.order_date, "month")))
    {
        by_plan.entry(o.plan_id).or_default().push(o);
    }
    let mut rows: Vec<(f64, Value)> = by_plan
        .into_iter()
        .map(|(plan_id, orders)| {
            let plan_name = st
                .plans
                .iter()
                .find(|pl| pl.plan_id == plan_id)
                .map(|pl| pl.plan_name.clone())
                .or_else(|| orders.first().map(|o| o.plan_name.clone()))
                .unwrap_or_default();
            let breakdown: Vec<Value> = months
                .iter()
                .filter_map(|label| {
                    let (revenue, sales) = totals(
                        orders
                            .iter()
                            .copied()
                            .filter(|o| &money::period_label(o.order_date, "month") == label),
                        &currency,
                    );
                    (sales > 0).then(|| {
                        merge(
                            json!({ "period": label }),
                            report_fields(revenue, sales, &currency),
                        )
                    })
                })
                .collect();
            let (revenue, sales) = totals(orders.into_iter(), &currency);
            let head = json!({ "plan_id": plan_id, "plan_name": plan_name });
            let mut row = merge(head, report_fields(revenue, sales, &currency));
            row["breakdown"] = json!(breakdown);
            (revenue, row)
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Answer::ok(
        200,
        json!(rows.into_iter().map(|r| r.1).collect::<Vec<_>>()),
    ))
}

pub(super) fn list_projects(st: &State, p: &Params) -> Outcome {
    let project_id = p.positive("project_id")?;
    let (limit, offset) = p.page(100)?;
    let rows: Vec<Value> = st
        .projects
        .iter()
        .filter(|pr| project_id.is_none_or(|id| pr["project_id"] == json!(id)))
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    Ok(Answer::ok(200, json!(rows)))
}

pub(super) fn revenue(st: &State, p: &Params) -> Outcome {
    let from = p
        .int("from")?
        .ok_or_else(|| Failure::bad("Missing required parameter: from"))?;
    let to = p
        .int("to")?
        .ok_or_else(|| Failure::bad("Missing required parameter: to"))?;
    if from < 0 || to < from {
        return Err(Failure::bad("Invalid period: from must be >= 0 and <= to"));
    }
    let currency = p.currency(&st.report_currency)?;
    let (revenue, sales) = totals(
        st.completed()
            .filter(|o| (from..=to).contains(&o.order_date)),
        &currency,
    );
    let head = json!({ "from": from, "to": to });
    Ok(Answer::ok(
        200,
        merge(head, report_fields(revenue, sales, &currency)),
    ))
}

pub(super) fn users_count(st: &State, now: i64) -> Outcome {
    let mut active = std::collections::BTreeSet::new();
    let mut former = std::collections::BTreeSet::new();
    for m in &st.members {
        if m.start <= now && now < m.end {
            active.insert(m.member_id);
        } else if m.end <= now {
            former.insert(m.member_id);
        }
    }
    let churned = former.difference(&active).count();
    let users = st.users.len();
    let members = active.len();
    let leads = users.saturating_sub(members + churned);
    Ok(Answer::ok(
        200,
        json!({ "users": users, "leads": leads, "churned": churned, "members": members }),
    ))
}

fn webhook_url(p: &Params) -> Result<String, Failure> {
    let url = p.required_text("url")?;
    let host = url
        .get(..8)
        .filter(|s| s.eq_ignore_ascii_case("https://"))
        .and_then(|_| url.get(8..))
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or("");
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(Failure::bad(
            "Invalid url: it must be a valid URL starting with https://",
        ));
    }
    Ok(url)
}

pub(super) fn set_webhook(st: &mut State, p: &Params) -> Outcome {
    let url = webhook_url(p)?;
    let secret = random_hex(32);
    st.webhooks.retain(|w| w.url != url);
    st.webhooks.push(WebhookRecord {
        url: url.clone(),
        secret: secret.clone(),
    });
    Ok(Answer::ok(201, json!([{ "url": url, "secret": secret }])))
}

pub(super) fn delete_webhook(st: &mut State, p: &Params) -> Outcome {
    let url = webhook_url(p)?;
    let before = st.webhooks.len();
    st.webhooks.retain(|w| w.url != url);
    if st.webhooks.len() == before {
        return Err(Failure::new(404, "Webhook not found"));
    }
    Ok(Answer {
        code: 204,
        with_ok: true,
        result: None,
    })
}

/// Marks an order paid and starts (or extends) the member's membership of its plan.
/// Returns the order's detail, or `None` when it was already completed.
pub(super) fn complete(st: &mut State, key: &str, now: i64) -> Result<Option<Value>, Failure> {
    let idx = st
        .orders
        .iter()
        .position(|o| o.order_key == key)
        .ok_or_else(|| Failure::new(404, "Order not found"))?;
    if st.orders[idx].order_status == "COMPLETED" {
        return Ok(None);
    }
    st.orders[idx].order_status = "COMPLETED".to_owned();
    let order = st.orders[idx].clone();
    if order.member_id > 0 {
        let length = st
            .plans
            .iter()
            .find(|p| p.plan_id == order.plan_id)
            .and_then(|p| money::duration_seconds(&p.duration))
            .unwrap_or(30 * 86_400);
        match st
            .members
            .iter_mut()
            .find(|m| m.member_id == order.member_id && m.plan_id == order.plan_id && m.end > now)
        {
            Some(m) => m.end = m.end.saturating_add(length),
            None => st.members.push(MemberRecord {
                member_id: order.member_id,
                plan_id: order.plan_id,
                project_id: order.project_id,
                start: now,
                end: now.saturating_add(length),
            }),
        }
    }
    Ok(Some(order_event(&order)))
}

/// An order as its webhook events carry it: the detail plus plan name, amount and currency.
pub(super) fn order_event(order: &OrderRecord) -> Value {
    let mut data = order_detail(order);
    data["plan_name"] = json!(order.plan_name);
    data["amount"] = json!(order.amount);
    data["currency"] = json!(order.currency);
    data
}

/// Ends a member's active membership of a plan now. Returns the membership, or `None` when
/// there was no active one.
pub(super) fn terminate(st: &mut State, member_id: i64, plan_id: i64, now: i64) -> Option<Value> {
    let m = st.members.iter_mut().find(|m| {
        m.member_id == member_id && m.plan_id == plan_id && m.start <= now && now < m.end
    })?;
    m.end = now;
    Some(json!({
        "member_id": m.member_id,
        "plan_id": m.plan_id,
        "project_id": m.project_id,
        "membership": { "start": m.start, "end": m.end },
    }))
}
