//! A TGmembership revenue report printed as two tables: revenue and sales per month
//! (`GET orders/count`) and per plan over the last six months (`GET plans/report`). Amounts are
//! `rust_decimal::Decimal`, kept exact and summed exactly; each row and the total are printed
//! rounded once to the currency's minor units (half away from zero, `money::round`). When the
//! rounded rows do not add up to the rounded total, a note under the table says by how much.
//!
//! ```sh
//! cargo run -p examples --example revenue_report
//! ```
//!
//! The example starts the fake TGmembership of `tg-mock` in-process and fills it with six months
//! of sales through the client (plans and orders created, then completed in the fake), prints
//! the report and exits. With `TG_EXAMPLE_CI=1` it also checks the report against the sales it
//! made.

use std::error::Error;
use std::sync::Arc;

use rust_decimal::Decimal;
use tg_mock::MockServer;
use tg_mock::tgmembership::TgmembershipFake;
use tgmembership_client::money;
use tgmembership_client::prelude::*;
use tgmembership_client::{Client, Currency, IntervalUnit, PaymentGateway};

const BOT_ID: i64 = 1_347_378_140;
const API_KEY: &str = "example-tgmembership-key";
/// The fake's clock at the end of the report: 2025-10-09.
const NOW: i64 = 1_760_000_000;
const DAY: i64 = 86_400;
/// The fake's own "EUR Demo Plan" (1.23 EUR): its sales are converted into dollars.
const EUR_DEMO_PLAN: i64 = 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let ci = std::env::var("TG_EXAMPLE_CI").is_ok_and(|v| v == "1");

    let fake = Arc::new(TgmembershipFake::new(BOT_ID, API_KEY));
    let server = MockServer::start(Arc::clone(&fake)).await?;
    let client = Client::builder(BOT_ID, API_KEY)
        .core(|c| c.with_loopback_url(server.base_url()))
        .build()?;

    // Six months of sales, oldest first: (monthly, yearly, EUR demo) orders per month.
    fake.set_now(Some(NOW - 180 * DAY));
    let monthly = client
        .plans()
        .create("Monthly", "1 month", Decimal::new(999, 2), Currency::Usd)
        .send()
        .await?;
    let yearly = client
        .plans()
        .create("Yearly", "1 year", Decimal::new(9900, 2), Currency::Usd)
        .send()
        .await?;
    let sales = [
        (3, 0, 1),
        (5, 1, 0),
        (4, 0, 2),
        (6, 2, 0),
        (8, 1, 1),
        (7, 1, 0),
    ];
    let mut made = 0;
    for (month, &(m, y, e)) in sales.iter().enumerate() {
        let back = i64::try_from(sales.len() - 1 - month)?;
        fake.set_now(Some(NOW - back * 30 * DAY));
        let plans = [
            (monthly.plan_id, m),
            (yearly.plan_id, y),
            (EUR_DEMO_PLAN, e),
        ];
        for (plan_id, count) in plans {
            for _ in 0..count {
                let order = client
                    .orders()
                    .create(plan_id, PaymentGateway::Stripe)
                    .send()
                    .await?;
                // The payer pays: only completed orders count as revenue.
                fake.complete_order(&order.order_key);
                made += 1;
            }
        }
    }
    fake.set_now(Some(NOW));

    // Revenue per month, in dollars. The service lists the newest month first.
    let mut months = client
        .orders()
        .count()
        .interval_unit(IntervalUnit::Month)
        .interval_count(6)
        .currency(Currency::Usd)
        .send()
        .await?;
    months.reverse();
    let revenue: Vec<Decimal> = months.iter().map(|p| p.revenue).collect();
    let total: Decimal = revenue.iter().sum();
    let month_sales: i64 = months.iter().map(|p| p.sales).sum();
    let amounts = aligned(&revenue, total);
    let width = amounts
        .last()
        .map_or(0, String::len)
        .max("revenue (USD)".len());
    println!("Revenue per month");
    println!(
        "{:<8}  {:>5}  {:>width$}",
        "month", "sales", "revenue (USD)"
    );
    for (period, amount) in months.iter().zip(&amounts) {
        row(format!(
            "{:<8}  {:>5}  {amount:>width$}",
            period.period, period.sales
        ));
    }
    row(format!(
        "{:<8}  {month_sales:>5}  {:>width$}",
        "total",
        amounts[amounts.len() - 1]
    ));
    rounding_note(&revenue, total);

    // Revenue per plan over the last six months.
    let plans = client
        .plans()
        .report()
        .currency(Currency::Usd)
        .send()
        .await?;
    let revenue: Vec<Decimal> = plans.iter().map(|p| p.revenue).collect();
    let total: Decimal = revenue.iter().sum();
    let plan_sales: i64 = plans.iter().map(|p| p.sales).sum();
    let amounts = aligned(&revenue, total);
    let width = amounts
        .last()
        .map_or(0, String::len)
        .max("revenue (USD)".len());
    let name_width = plans
        .iter()
        .map(|p| p.plan_name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    println!();
    println!("Revenue per plan, last 6 months");
    println!(
        "{:>4}  {:<name_width$}  {:>5}  {:>width$}",
        "id", "plan", "sales", "revenue (USD)"
    );
    for (plan, amount) in plans.iter().zip(&amounts) {
        row(format!(
            "{:>4}  {:<name_width$}  {:>5}  {amount:>width$}",
            plan.plan_id, plan.plan_name, plan.sales
        ));
    }
    row(format!(
        "{:>4}  {:<name_width$}  {plan_sales:>5}  {:>width$}",
        "",
        "total",
        amounts[amounts.len() - 1]
    ));
    rounding_note(&revenue, total);

    if ci && (month_sales != made || plan_sales != made) {
        return Err(format!(
            "made {made} sales, the report counts {month_sales} per month and {plan_sales} per plan"
        )
        .into());
    }
    Ok(())
}

/// Prints a table row without the padding after its last column.
fn row(line: String) {
    println!("{}", line.trim_end());
}

/// Says how far the rounded rows' sum is from the total (the exact sum, rounded once), if at all.
fn rounding_note(amounts: &[Decimal], total: Decimal) {
    let rows: Decimal = amounts
        .iter()
        .map(|a| money::round(*a, &Currency::Usd))
        .sum();
    let total = money::round(total, &Currency::Usd);
    if rows != total {
        println!(
            "(the rows, each rounded, add up to {rows}; the total is the exact sum rounded once: {total})"
        );
    }
}

/// The amounts and their total, rounded to cents, as text aligned on the decimal point: the
/// total (the exact sum, rounded once) is the last entry.
fn aligned(amounts: &[Decimal], total: Decimal) -> Vec<String> {
    let all: Vec<String> = amounts
        .iter()
        .chain([&total])
        .map(|a| money::round(*a, &Currency::Usd).to_string())
        .collect();
    let split = |s: &str| match s.split_once('.') {
        Some((int, frac)) => (int.len(), frac.len()),
        None => (s.len(), 0),
    };
    let int_width = all.iter().map(|s| split(s).0).max().unwrap_or(0);
    let frac_width = all.iter().map(|s| split(s).1).max().unwrap_or(0);
    all.iter()
        .map(|s| {
            let (int, frac) = split(s);
            let point = if frac == 0 && frac_width > 0 { " " } else { "" };
            format!(
                "{}{s}{point}{}",
                " ".repeat(int_width - int),
                " ".repeat(frac_width - frac)
            )
        })
        .collect()
}
