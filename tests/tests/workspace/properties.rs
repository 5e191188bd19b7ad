//! Properties over generated inputs: every request type of tgtrack-client and
//! tgmembership-client encodes and decodes back to itself; money survives its string form
//! exactly; enum values outside the documented lists round-trip unchanged.
//!
//! The tgtrack suite's `properties` module covers TGTrack amounts up to 18 decimal places,
//! verbatim forwarding and start parameters; this file does not repeat those.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tg_common::Operation;
use tgmembership_client::CountUsers;
use tgmembership_client::WebhookEventKind;
use tgmembership_client::money;
use tgmembership_client::prelude::*;
use tgmembership_client::{
    Client, CountOrders, CreateAccessToken, CreateAffiliate, CreateOrder, CreatePlan, Currency,
    DeleteWebhook, DurationUnit, GetOrder, GetPaymentMethodsReport, GetPlansReport, GetRevenue,
    IntervalUnit, InviteeOnly, ListCoupons, ListMembers, ListOrders, ListPaymentMethods, ListPlans,
    ListProjects, NewPlanOptions, Newcomers, OrderStatus, PaymentGateway, PlanDuration,
    RegisterBot, ReportQuery, RevenueDirection, SetWebhook, SingleUse,
};
use tgtrack_client::AddEventSetters;
use tgtrack_client::{
    AddEvent, EventResult, GetUserInfo, Label, Mode, MyBotWasStarted, MyBotWasStopped,
    SendReachGoal, StartValue, UserDidStartBot,
};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

/// JSON text and back, with the re-encoding equal as a JSON value too.
fn json_round_trip<T>(value: &T) -> T
where
    T: Serialize + DeserializeOwned,
{
    let text = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let again: Value = serde_json::to_value(&back).unwrap();
    assert_eq!(again, serde_json::from_str::<Value>(&text).unwrap());
    back
}

// ---------------------------------------------------------------- generators

/// Any decimal `rust_decimal` holds: a 96-bit mantissa and a scale of 0 to 28.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    let mantissa = prop_oneof![
        any::<i64>().prop_map(i128::from),
        (-(1i128 << 96) + 1)..(1i128 << 96),
    ];
    (mantissa, 0u32..=28).prop_map(|(m, scale)| Decimal::from_i128_with_scale(m, scale))
}

/// A non-negative price a double holds exactly: at most 15 significant digits, as the service
/// keeps money in a double (`CreatePlan` refuses anything finer before sending).
fn price_a_double_holds() -> impl Strategy<Value = Decimal> {
    (0i64..1_000_000_000_000_000, 0u32..=28)
        .prop_map(|(m, scale)| Decimal::from_i128_with_scale(i128::from(m), scale))
}

/// A wire value that none of `known` spells; `case_insensitive` also avoids their case variants.
fn unknown_value(known: Vec<String>, case_insensitive: bool) -> impl Strategy<Value = String> {
    "[A-Za-z0-9_ .+-]{1,16}".prop_filter("must not be a documented value", move |s| {
        !known.iter().any(|k| {
            if case_insensitive {
                k.eq_ignore_ascii_case(s)
            } else {
                k == s
            }
        })
    })
}

fn currency_code_unknown() -> impl Strategy<Value = String> {
    let documented: Vec<String> = Currency::DOCUMENTED
        .iter()
        .map(|c| c.code().to_owned())
        .collect();
    "[A-Z0-9]{2,6}".prop_filter("must not be a documented currency", move |s| {
        !documented.iter().any(|d| d.eq_ignore_ascii_case(s))
    })
}

fn documented_currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::DOCUMENTED.to_vec())
}

/// Any currency: documented, or an unknown code kept verbatim.
fn any_currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        documented_currency(),
        currency_code_unknown().prop_map(Currency::Unknown),
    ]
}

fn order_status() -> impl Strategy<Value = OrderStatus> {
    prop_oneof![
        Just(OrderStatus::Pending),
        Just(OrderStatus::Completed),
        unknown_value(vec!["PENDING".into(), "COMPLETED".into()], false)
            .prop_map(|s| OrderStatus::parse(&s)),
    ]
}

fn event_result() -> impl Strategy<Value = EventResult> {
    prop_oneof![
        Just(EventResult::InProgress),
        Just(EventResult::Success),
        Just(EventResult::Failure),
        unknown_value(
            vec!["in_progress".into(), "success".into(), "failure".into()],
            false
        )
        .prop_map(EventResult::Unknown),
    ]
}

fn positive_id() -> impl Strategy<Value = i64> {
    1i64..=i64::MAX
}

fn text() -> impl Strategy<Value = String> {
    any::<String>()
}

fn labels() -> impl Strategy<Value = Vec<Label>> {
    prop::collection::vec((text(), text()).prop_map(|(n, v)| Label::new(n, v)), 0..4)
}

fn start_value() -> impl Strategy<Value = StartValue> {
    prop_oneof![
        Just(StartValue::Empty),
        Just(StartValue::AutoDetect),
        text().prop_map(StartValue::new),
    ]
}

fn duration_unit() -> impl Strategy<Value = DurationUnit> {
    prop::sample::select(vec![
        DurationUnit::Day,
        DurationUnit::Week,
        DurationUnit::Month,
        DurationUnit::Year,
    ])
}

/// A duration as a caller may spell it (`1 Weeks`, ` 3 day `) and its canonical form.
fn duration_text() -> impl Strategy<Value = (String, String)> {
    (
        1u32..1000,
        duration_unit(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(count, unit, plural, upper, pad)| {
            let canonical = PlanDuration::new(count, unit).to_string();
            let mut word = canonical
                .split_once(' ')
                .unwrap()
                .1
                .trim_end_matches('s')
                .to_owned();
            if plural {
                word.push('s');
            }
            if upper {
                word = word.to_uppercase();
            }
            let pad = if pad { " " } else { "" };
            (format!("{pad}{count} {word}{pad}"), canonical)
        })
}

fn new_plan_options() -> impl Strategy<Value = NewPlanOptions> {
    (
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![0i64, 1, 2])),
        prop::option::of(prop::sample::select(vec![0i64, 1, 2, 3])),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![0i64, 1, 2])),
    )
        .prop_map(
            |(recurring, newcomers, singleuse, token_only, credit_only, invitee)| NewPlanOptions {
                recurring,
                newcomers: newcomers.map(Newcomers::from_i64),
                singleuse: singleuse.map(SingleUse::from_i64),
                token_only,
                credit_only,
                invitee_only: invitee.map(InviteeOnly::from_i64),
            },
        )
}

fn http_url() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["https://", "http://", "HTTPS://"]),
        "[a-z0-9.-]{1,20}",
        "(/[A-Za-z0-9._~%-]{0,12}){0,3}",
        "(\\?[a-z]{1,5}=[A-Za-z0-9%]{0,8})?",
    )
        .prop_map(|(scheme, host, path, query)| format!("{scheme}{host}{path}{query}"))
}

fn https_url() -> impl Strategy<Value = String> {
    ("[a-z0-9.-]{1,20}", "(/[A-Za-z0-9._~-]{0,12}){0,3}")
        .prop_map(|(host, path)| format!("https://{host}{path}"))
}

// ---------------------------------------------------------------- decoding rendered requests

/// Percent-decodes a query component or path segment.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A TGmembership request as the client sends it ([`RequestBuilder::render`], the one
/// rendering path), read back.
#[derive(Debug, PartialEq)]
struct RenderedRequest {
    method: http::Method,
    /// The path after `/v1/bot{BOT_ID}/{API_KEY}/`, percent-encoded.
    path: String,
    query: Option<String>,
    body: Option<Vec<u8>>,
}

impl RenderedRequest {
    fn body_json(&self) -> Option<Value> {
        self.body
            .as_deref()
            .map(|b| serde_json::from_slice(b).unwrap())
    }
}

/// `.render()` on a TGmembership request value: what its builder would send.
trait Render: Operation<Client = Client> + Clone {
    fn render(&self) -> Result<RenderedRequest, tgmembership_client::Error> {
        let client = Client::builder(1, "k").build().unwrap();
        let call = client.request(self.clone()).render()?;
        let full = call.target.masked_path();
        let prefix = format!("/v1/bot1/{}/", tg_common::MASK);
        Ok(RenderedRequest {
            method: call.method,
            path: full.strip_prefix(&prefix).unwrap().to_owned(),
            query: call.query,
            body: (!call.body.is_empty()).then(|| call.body.to_vec()),
        })
    }
}

impl<R: Operation<Client = Client> + Clone> Render for R {}

/// The rendered query string as a map (each name appears once).
fn query(r: &RenderedRequest) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for pair in r
        .query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap();
        assert!(
            map.insert(percent_decode(k), percent_decode(v)).is_none(),
            "{pair} twice"
        );
    }
    map
}

fn body(r: &RenderedRequest) -> Value {
    r.body_json().expect("a JSON body")
}

fn str_field(b: &Value, name: &str) -> Option<String> {
    b.get(name).map(|v| v.as_str().unwrap().to_owned())
}

fn int_field(b: &Value, name: &str) -> Option<i64> {
    b.get(name).map(|v| v.as_i64().unwrap())
}

/// Renders `original`, rebuilds it with `decode` from what was rendered, and checks that the
/// rebuilt request equals it and renders the same.
fn check_request<R>(original: &R, decode: impl Fn(&RenderedRequest) -> R)
where
    R: Render + PartialEq + std::fmt::Debug,
{
    let rendered = original
        .render()
        .unwrap_or_else(|e| panic!("{original:?}: {e}"));
    let rebuilt = decode(&rendered);
    assert_eq!(&rebuilt, original, "{rendered:?}");
    assert_eq!(rebuilt.render().unwrap(), rendered);
}

/// Sets a query parameter's value on a request: one row of a [`from_query`] table.
type Setter<R> = (&'static str, fn(R, &str) -> R);

/// Rebuilds a request from its query: each present parameter is applied with its setter.
fn from_query<R>(mut r: R, q: &BTreeMap<String, String>, setters: &[Setter<R>]) -> R {
    for (name, set) in setters {
        if let Some(v) = q.get(*name) {
            r = set(r, v);
        }
    }
    r
}

fn parse<T: FromStr>(v: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    v.parse().unwrap()
}

fn list_members(q: &BTreeMap<String, String>) -> ListMembers {
    from_query(
        ListMembers::new(),
        q,
        &[
            ("member_id", |r, v| r.member_id(parse(v))),
            ("plan_id", |r, v| r.plan_id(parse(v))),
            ("project_id", |r, v| r.project_id(parse(v))),
            ("limit", |r, v| r.limit(parse(v))),
            ("offset", |r, v| r.offset(parse(v))),
        ],
    )
}

fn list_orders(q: &BTreeMap<String, String>) -> ListOrders {
    from_query(
        ListOrders::new(),
        q,
        &[
            ("member_id", |r, v| r.member_id(parse(v))),
            ("plan_id", |r, v| r.plan_id(parse(v))),
            ("project_id", |r, v| r.project_id(parse(v))),
            ("order_status", |r, v| r.order_status(OrderStatus::parse(v))),
            ("currency", |r, v| r.currency(Currency::parse(v))),
            ("limit", |r, v| r.limit(parse(v))),
            ("offset", |r, v| r.offset(parse(v))),
        ],
    )
}

fn list_plans(q: &BTreeMap<String, String>) -> ListPlans {
    from_query(
        ListPlans::new(),
        q,
        &[
            ("plan_id", |r, v| r.plan_id(parse(v))),
            ("project_id", |r, v| r.project_id(parse(v))),
            ("limit", |r, v| r.limit(parse(v))),
            ("offset", |r, v| r.offset(parse(v))),
        ],
    )
}

fn list_projects(q: &BTreeMap<String, String>) -> ListProjects {
    from_query(
        ListProjects::new(),
        q,
        &[
            ("project_id", |r, v| r.project_id(parse(v))),
            ("limit", |r, v| r.limit(parse(v))),
            ("offset", |r, v| r.offset(parse(v))),
        ],
    )
}

fn orders_count(q: &BTreeMap<String, String>) -> CountOrders {
    from_query(
        CountOrders::new(),
        q,
        &[
            ("interval_unit", |r, v| {
                r.interval_unit(IntervalUnit::parse(v))
            }),
            ("interval_count", |r, v| r.interval_count(parse(v))),
            ("currency", |r, v| r.currency(Currency::parse(v))),
        ],
    )
}

fn report_query(q: &BTreeMap<String, String>) -> ReportQuery {
    match q.get("currency") {
        Some(c) => ReportQuery::new().currency(Currency::parse(c)),
        None => ReportQuery::new(),
    }
}

fn revenue(q: &BTreeMap<String, String>) -> GetRevenue {
    let r = GetRevenue::new(parse(&q["from"]), parse(&q["to"]));
    match q.get("currency") {
        Some(c) => r.currency(Currency::parse(c)),
        None => r,
    }
}

// ---------------------------------------------------------------- tgtrack-client

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tgtrack_add_event_round_trips(
        user_id in any::<i64>(),
        event_type in text(),
        result in prop::option::of(event_result()),
        date in prop::option::of(any::<i64>()),
        target in prop::option::of(text()),
        amount in prop::option::of(any_decimal()),
        labels in labels(),
    ) {
        let mut e = AddEvent::new(user_id, event_type);
        e.event_result = result;
        e.date = date;
        e.conversion_target = target;
        e.amount = amount;
        e.labels = labels;
        let back = json_round_trip(&e);
        // Amounts keep their digits and scale, whatever the scale.
        prop_assert_eq!(back.amount.map(|a| a.to_string()), e.amount.map(|a| a.to_string()));
        prop_assert_eq!(back, e);
    }

    #[test]
    fn tgtrack_other_requests_round_trip(
        user_id in any::<i64>(),
        name in text(),
        last in prop::option::of(text()),
        username in prop::option::of(text()),
        full in prop::option::of(text()),
        start in prop::option::of(start_value()),
        started in start_value(),
        date in prop::option::of(any::<i64>()),
        goal in text(),
    ) {
        let mut u = UserDidStartBot::new(user_id, name);
        u.last_name = last;
        u.username = username;
        u.full_name = full;
        u.start_value = start;
        prop_assert_eq!(json_round_trip(&u), u);

        let s = MyBotWasStarted::new(started);
        prop_assert_eq!(json_round_trip(&s), s);

        let mut stopped = MyBotWasStopped::new(user_id);
        stopped.date = date;
        prop_assert_eq!(json_round_trip(&stopped), stopped);

        let g = SendReachGoal::new(user_id, goal);
        prop_assert_eq!(json_round_trip(&g), g);

        let i = GetUserInfo::new(user_id);
        prop_assert_eq!(json_round_trip(&i), i);
    }

    #[test]
    fn tgtrack_unknown_modes_and_results_round_trip(
        mode in unknown_value(vec!["production".into(), "sandbox".into()], false),
        result in unknown_value(
            vec!["in_progress".into(), "success".into(), "failure".into()],
            false,
        ),
    ) {
        let m = Mode::from_wire(&mode);
        prop_assert_eq!(&m, &Mode::Unknown(mode.clone()));
        prop_assert_eq!(serde_json::to_value(&m).unwrap(), Value::String(mode.clone()));
        prop_assert_eq!(json_round_trip(&m), m);
        let r = EventResult::from_wire(&result);
        prop_assert_eq!(&r, &EventResult::Unknown(result.clone()));
        prop_assert_eq!(serde_json::to_value(&r).unwrap(), Value::String(result));
        prop_assert_eq!(json_round_trip(&r), r);
    }
}

// ---------------------------------------------------------------- tgmembership-client requests

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tgmembership_list_requests_round_trip(
        member in prop::option::of(positive_id()),
        plan in prop::option::of(positive_id()),
        project in prop::option::of(positive_id()),
        status in prop::option::of(order_status()),
        currency in prop::option::of(documented_currency()),
        limit in prop::option::of(1u32..=100),
        big_limit in prop::option::of(1u32..=1000),
        offset in prop::option::of(any::<u64>()),
    ) {
        let mut m = ListMembers::new();
        if let Some(v) = member { m = m.member_id(v); }
        if let Some(v) = plan { m = m.plan_id(v); }
        if let Some(v) = project { m = m.project_id(v); }
        if let Some(v) = big_limit { m = m.limit(v); }
        if let Some(v) = offset { m = m.offset(v); }
        check_request(&m, |r| list_members(&query(r)));

        let mut o = ListOrders::new();
        if let Some(v) = member { o = o.member_id(v); }
        if let Some(v) = plan { o = o.plan_id(v); }
        if let Some(v) = project { o = o.project_id(v); }
        if let Some(v) = status { o = o.order_status(v); }
        if let Some(v) = currency.clone() { o = o.currency(v); }
        if let Some(v) = limit { o = o.limit(v); }
        if let Some(v) = offset { o = o.offset(v); }
        check_request(&o, |r| list_orders(&query(r)));

        let mut p = ListPlans::new();
        if let Some(v) = plan { p = p.plan_id(v); }
        if let Some(v) = project { p = p.project_id(v); }
        if let Some(v) = limit { p = p.limit(v); }
        if let Some(v) = offset { p = p.offset(v); }
        check_request(&p, |r| list_plans(&query(r)));

        let mut j = ListProjects::new();
        if let Some(v) = project { j = j.project_id(v); }
        if let Some(v) = limit { j = j.limit(v); }
        if let Some(v) = offset { j = j.offset(v); }
        check_request(&j, |r| list_projects(&query(r)));
    }

    #[test]
    fn tgmembership_report_requests_round_trip(
        unit in prop::option::of(prop::sample::select(vec![
            IntervalUnit::Day, IntervalUnit::Month, IntervalUnit::Year,
        ])),
        count in prop::option::of(1u32..=u32::MAX),
        currency in prop::option::of(documented_currency()),
        from in 0i64..=i64::MAX / 2,
        span in 0i64..=i64::MAX / 2,
    ) {
        let mut c = CountOrders::new();
        if let Some(v) = unit { c = c.interval_unit(v); }
        if let Some(v) = count { c = c.interval_count(v); }
        if let Some(v) = currency.clone() { c = c.currency(v); }
        check_request(&c, |r| orders_count(&query(r)));

        let q = match currency.clone() {
            Some(cur) => ReportQuery::new().currency(cur),
            None => ReportQuery::new(),
        };
        check_request(&GetPlansReport(q.clone()), |r| GetPlansReport(report_query(&query(r))));
        check_request(&GetPaymentMethodsReport(q), |r| {
            GetPaymentMethodsReport(report_query(&query(r)))
        });

        let mut rev = GetRevenue::new(from, from + span);
        if let Some(v) = currency { rev = rev.currency(v); }
        check_request(&rev, |r| revenue(&query(r)));

        // The requests without parameters render no query and no body.
        for rendered in [
            ListCoupons.render().unwrap(),
            ListPaymentMethods.render().unwrap(),
            CountUsers.render().unwrap(),
        ] {
            prop_assert_eq!(rendered.query, None);
            prop_assert_eq!(rendered.body, None);
        }
    }

    #[test]
    fn tgmembership_order_key_survives_the_path(key in "[^\\x00]{1,40}") {
        prop_assume!(key != "." && key != ".." && !key.eq_ignore_ascii_case("count"));
        check_request(&GetOrder::new(key), |r| {
            let encoded: Vec<&str> = r.path.split('/').collect();
            assert_eq!(encoded.len(), 2, "the key is one encoded segment: {}", r.path);
            assert_eq!(encoded[0], "orders");
            GetOrder::new(percent_decode(encoded[1]))
        });
    }

    #[test]
    fn tgmembership_body_requests_round_trip(
        member in positive_id(),
        plan in positive_id(),
        affiliate in prop::option::of("[A-Za-z][A-Za-z0-9]{2,11}"),
        bot_token in "[0-9]{1,12}:[A-Za-z0-9_-]{1,40}",
        url in https_url(),
        with_member in any::<bool>(),
    ) {
        let mut a = CreateAffiliate::new(member);
        if let Some(id) = affiliate { a = a.affiliate_id(id); }
        check_request(&a, |r| {
            let b = body(r);
            let rebuilt = CreateAffiliate::new(int_field(&b, "member_id").unwrap());
            match str_field(&b, "affiliate_id") {
                Some(id) => rebuilt.affiliate_id(id),
                None => rebuilt,
            }
        });

        check_request(&RegisterBot::new(bot_token), |r| {
            RegisterBot::new(str_field(&body(r), "bot_token").unwrap())
        });

        let mut t = CreateAccessToken::new(plan);
        if with_member { t = t.member_id(member); }
        check_request(&t, |r| {
            let b = body(r);
            let rebuilt = CreateAccessToken::new(int_field(&b, "plan_id").unwrap());
            match int_field(&b, "member_id") {
                Some(m) => rebuilt.member_id(m),
                None => rebuilt,
            }
        });

        check_request(&SetWebhook::new(url.clone()), |r| {
            SetWebhook::new(str_field(&body(r), "url").unwrap())
        });
        check_request(&DeleteWebhook::new(url), |r| {
            DeleteWebhook::new(str_field(&body(r), "url").unwrap())
        });
    }

    #[test]
    fn tgmembership_create_order_round_trips(
        plan in positive_id(),
        gateway in prop_oneof![
            prop::sample::select(PaymentGateway::DOCUMENTED.to_vec()),
            "[a-z_]{1,12}".prop_map(|id| PaymentGateway::from_id(&id)),
        ],
        member in prop::option::of(positive_id()),
        email in prop::option::of("[a-z0-9.+_-]{1,12}@[a-z0-9.-]{1,12}"),
        token in prop::option::of("[A-Z0-9]{1,6}(\\.[A-Z0-9]{1,6})?"),
        return_url in prop::option::of(http_url()),
        cancel_url in prop::option::of(http_url()),
    ) {
        let mut o = CreateOrder::new(plan, gateway.clone());
        if let Some(v) = member { o = o.member_id(v); }
        if let Some(v) = email { o = o.email(v); }
        if let Some(v) = token { o = o.token(v); }
        if let Some(v) = return_url { o = o.return_url(v); }
        if let Some(v) = cancel_url { o = o.cancel_url(v); }
        prop_assume!(Operation::validate(&o).is_ok()); // Paystack without an email, CryptoNoKYC without a network
        check_request(&o, |r| {
            let b = body(r);
            let gateway = PaymentGateway::from_id(&str_field(&b, "payment_gateway").unwrap());
            let mut rebuilt = CreateOrder::new(int_field(&b, "plan_id").unwrap(), gateway);
            if let Some(v) = int_field(&b, "member_id") { rebuilt = rebuilt.member_id(v); }
            if let Some(v) = str_field(&b, "email") { rebuilt = rebuilt.email(v); }
            if let Some(v) = str_field(&b, "token") { rebuilt = rebuilt.token(v); }
            if let Some(v) = str_field(&b, "return_url") { rebuilt = rebuilt.return_url(v); }
            if let Some(v) = str_field(&b, "cancel_url") { rebuilt = rebuilt.cancel_url(v); }
            rebuilt
        });
    }

    #[test]
    fn tgmembership_create_plan_round_trips(
        name in "[A-Za-z][A-Za-z0-9 À-ÖØ-öø-ÿ]{2,23}",
        (duration, canonical) in duration_text(),
        trial in prop::option::of(duration_text()),
        price in price_a_double_holds(),
        currency in any_currency(),
        project in prop::option::of(positive_id()),
        options in prop::option::of(new_plan_options()),
    ) {
        let rebuild = |r: &RenderedRequest| {
            let b = body(r);
            let price = money::parse(&str_field(&b, "plan_price").unwrap()).unwrap();
            let mut p = CreatePlan::new(
                str_field(&b, "plan_name").unwrap(),
                str_field(&b, "plan_duration").unwrap(),
                price,
                Currency::parse(&str_field(&b, "plan_currency").unwrap()),
            );
            if let Some(t) = str_field(&b, "plan_trial") { p = p.trial(t); }
            if let Some(id) = int_field(&b, "plan_project_id") { p = p.project_id(id); }
            if let Some(o) = b.get("options") {
                let int = |k: &str| o.get(k).map(|v| v.as_i64().unwrap());
                let flag = |k: &str| o.get(k).map(|v| v.as_bool().unwrap());
                p = p.options(NewPlanOptions {
                    recurring: flag("recurring"),
                    newcomers: int("newcomers").map(Newcomers::from_i64),
                    singleuse: int("singleuse").map(SingleUse::from_i64),
                    token_only: flag("token_only"),
                    credit_only: flag("credit_only"),
                    invitee_only: int("invitee_only").map(InviteeOnly::from_i64),
                });
            }
            p
        };
        let build = |duration: &str, trial: Option<&str>| {
            let mut p = CreatePlan::new(name.clone(), duration, price, currency.clone());
            if let Some(t) = trial { p = p.trial(t); }
            if let Some(id) = project { p = p.project_id(id); }
            if let Some(o) = options { p = p.options(o); }
            p
        };
        // Written canonically, the request comes back equal.
        let canonical_plan = build(&canonical, trial.as_ref().map(|t| t.1.as_str()));
        check_request(&canonical_plan, rebuild);
        // Spelled otherwise, it is sent canonically: the same JSON as the canonical request.
        let spelled = build(&duration, trial.as_ref().map(|t| t.0.as_str()));
        let sent = spelled.render().unwrap();
        prop_assert_eq!(sent.body_json(), canonical_plan.render().unwrap().body_json());
        prop_assert_eq!(rebuild(&sent), canonical_plan);
    }
}

// ---------------------------------------------------------------- money and enums

/// A struct holding money the way TGmembership results do.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Priced {
    #[serde(with = "tgmembership_client::money::string")]
    amount: Decimal,
    #[serde(with = "tgmembership_client::money::option")]
    optional: Option<Decimal>,
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn money_survives_the_string_form_exactly(d in any_decimal(), other in prop::option::of(any_decimal())) {
        let text = money::format(&d);
        let back = money::parse(&text).unwrap();
        prop_assert_eq!(back, d);
        prop_assert_eq!(back.scale(), d.scale());
        prop_assert_eq!(money::format(&back), text.clone());
        let priced = Priced { amount: d, optional: other };
        let json = serde_json::to_string(&priced).unwrap();
        prop_assert!(json.contains(&format!("\"amount\":\"{text}\"")), "{}", json);
        let back: Priced = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.amount.to_string(), text);
        prop_assert_eq!(back.optional.map(|o| o.to_string()), other.map(|o| o.to_string()));
        prop_assert_eq!(back, priced);
    }

    #[test]
    fn tgtrack_amounts_keep_every_scale(d in any_decimal()) {
        // The JSON number form, up to 28 decimal places and 96-bit mantissas.
        let e = AddEvent::new(1, "sale").amount(d);
        let json = serde_json::to_string(&e).unwrap();
        prop_assert!(json.contains(&format!("\"amount\":{d}")), "{}", json);
        let back: AddEvent = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.amount.unwrap().to_string(), d.to_string());
    }

    #[test]
    fn unknown_currencies_round_trip(code in currency_code_unknown(), documented in documented_currency()) {
        let c = Currency::parse(&code);
        prop_assert_eq!(&c, &Currency::Unknown(code.clone()));
        prop_assert_eq!(c.code(), code.as_str());
        prop_assert_eq!(serde_json::to_value(&c).unwrap(), Value::String(code));
        prop_assert_eq!(json_round_trip(&c), c);
        // Documented codes read in any case.
        prop_assert_eq!(Currency::parse(&documented.code().to_lowercase()), documented.clone());
        prop_assert_eq!(json_round_trip(&documented), documented);
    }

    #[test]
    fn unknown_string_enums_round_trip(
        status in unknown_value(vec!["PENDING".into(), "COMPLETED".into()], false),
        unit in unknown_value(vec!["day".into(), "month".into(), "year".into()], false),
        direction in unknown_value(vec!["above".into(), "below".into()], false),
        gateway in unknown_value(
            PaymentGateway::DOCUMENTED.iter().map(|g| g.id().to_owned()).collect(),
            false,
        ),
        webhook_event in unknown_value(
            vec![
                "order_completed".into(), "membership_terminated".into(),
                "membership_renewed".into(), "membership_cancelled".into(),
                "donation_completed".into(),
            ],
            false,
        ),
        tga_event in unknown_value(
            tga_client::EventName::KNOWN.iter().map(|e| e.as_str().to_owned()).collect(),
            false,
        ),
    ) {
        let s = OrderStatus::parse(&status);
        prop_assert_eq!(s.as_str(), status.as_str());
        prop_assert_eq!(json_round_trip(&s), s);
        let u = IntervalUnit::parse(&unit);
        prop_assert_eq!(u.as_str(), unit.as_str());
        prop_assert_eq!(json_round_trip(&u), u);
        let d = RevenueDirection::parse(&direction);
        prop_assert_eq!(d.as_str(), direction.as_str());
        prop_assert_eq!(json_round_trip(&d), d);
        let g = PaymentGateway::from_id(&gateway);
        prop_assert_eq!(&g, &PaymentGateway::Unknown(gateway.clone()));
        prop_assert_eq!(json_round_trip(&g), g);
        let w = WebhookEventKind::parse(&webhook_event);
        prop_assert_eq!(w.as_str(), webhook_event.as_str());
        prop_assert_eq!(json_round_trip(&w), w);
        let e = tga_client::EventName::from(tga_event.as_str());
        prop_assert_eq!(&e, &tga_client::EventName::Custom(tga_event.clone()));
        prop_assert_eq!(serde_json::to_value(&e).unwrap(), Value::String(tga_event));
        prop_assert_eq!(json_round_trip(&e), e);
    }

    #[test]
    fn unknown_integer_enums_round_trip(n in any::<i64>()) {
        let newcomers = Newcomers::from_i64(n);
        prop_assert_eq!(newcomers.as_i64(), n);
        prop_assert_eq!(json_round_trip(&newcomers), newcomers);
        let single = SingleUse::from_i64(n);
        prop_assert_eq!(single.as_i64(), n);
        prop_assert_eq!(json_round_trip(&single), single);
        let invitee = InviteeOnly::from_i64(n);
        prop_assert_eq!(invitee.as_i64(), n);
        prop_assert_eq!(json_round_trip(&invitee), invitee);
    }
}
