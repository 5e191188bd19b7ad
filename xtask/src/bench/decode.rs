//! `cargo xtask bench decode`: decode throughput (MB/s) of the largest documented TGmembership
//! answers (`GET orders`, `GET plans/report`, `GET paymentMethods`, verbatim from the document,
//! in `fixtures/tgmembership/`) and of a 4 MiB orders page built from the document's orders, into our
//! types through the crate's envelope decoder, against the same result types through plain
//! `serde_json` (no envelope), and against `serde_json::Value`. The three decoders take turns
//! in interleaved rounds, like the other suites.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tgmembership_client::{Order, PaymentMethod, PlanReport, envelope};

use super::Report;
use super::measure::{median, paired, rotated};
use crate::text;

/// Rounds per document; in each, every decoder runs [`SLICE`] in a rotating order, so drift in
/// the machine's load falls on all three alike.
const ROUNDS: usize = 10;
/// How long one decoder runs in one round (after a warm-up of the first round).
const SLICE: Duration = Duration::from_millis(40);
/// The size of the large orders page built from the document's orders.
const LARGE_PAGE: usize = 4 << 20;

/// The document's answer with a typed `result` and nothing else: what plain serde_json costs.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Plain<T> {
    #[allow(dead_code)]
    result: T,
}

/// One decoder under test.
type Decoder = fn(&[u8]) -> Result<(), String>;

/// A decoder's result, its value kept from being optimised away.
fn kept<V>(decoded: Result<V, impl std::fmt::Display>) -> Result<(), String> {
    std::hint::black_box(decoded.map_err(text)?);
    Ok(())
}

/// Bytes per second of `decode` on `body` over one slice, in MB/s (10^6 bytes).
fn slice_throughput(body: &[u8], decode: Decoder) -> Result<f64, String> {
    let mut n: u64 = 0;
    let started = Instant::now();
    while started.elapsed() < SLICE {
        for _ in 0..4 {
            decode(std::hint::black_box(body))?;
        }
        n += 4;
    }
    Ok(n as f64 * body.len() as f64 / started.elapsed().as_secs_f64() / 1e6)
}

fn measure<T: DeserializeOwned>(
    report: &mut Report,
    name: &str,
    label: &str,
    body: &[u8],
) -> Result<(), String> {
    // Check first that each decoder accepts the document.
    let typed = envelope::decode::<Vec<T>>(200, body, None)
        .map_err(|e| format!("{label}: our decoder refuses the document: {e}"))?
        .into_result()
        .map_err(text)?;
    let items = typed.len();
    let decoders: [Decoder; 3] = [
        |b| kept(envelope::decode::<Vec<T>>(200, b, None)),
        |b| kept(serde_json::from_slice::<Plain<Vec<T>>>(b)),
        |b| kept(serde_json::from_slice::<serde_json::Value>(b)),
    ];
    for decode in decoders {
        slice_throughput(body, decode)?;
    }
    let mut rounds: [Vec<f64>; 3] = Default::default();
    for round in 0..ROUNDS {
        for i in rotated([0, 1, 2], round) {
            rounds[i].push(slice_throughput(body, decoders[i])?);
        }
    }
    let ours_vs_value = paired(&rounds[0], &rounds[2]);
    let [ours, plain, value] = rounds.map(|r| median(&r));
    println!(
        "  {label:<24} {:>8} {items:>6} {ours:>14.1} {plain:>16.1} {value:>12.1} {ours_vs_value:>9.2}x",
        body.len(),
    );
    report.push_all(
        &format!("decode.{name}"),
        &[
            ("bytes", body.len() as f64),
            ("ours_mb_s", ours),
            ("plain_typed_mb_s", plain),
            ("value_mb_s", value),
            ("ours_vs_value", ours_vs_value),
        ],
    );
    Ok(())
}

/// The document's orders answer with its orders repeated until the body holds `size` bytes:
/// a page as large as a busy bot's.
fn large_orders_page(document: &[u8], size: usize) -> Result<Vec<u8>, String> {
    let mut answer: serde_json::Value = serde_json::from_slice(document).map_err(text)?;
    let orders = answer["result"]
        .as_array()
        .filter(|o| !o.is_empty())
        .cloned()
        .ok_or("the orders document holds no orders")?;
    let one: usize = orders
        .iter()
        .map(|o| serde_json::to_vec(o).map(|v| v.len() + 1).unwrap_or(1))
        .sum();
    let copies = size.div_ceil(one.max(1));
    let page: Vec<serde_json::Value> = orders
        .iter()
        .cycle()
        .take(orders.len() * copies)
        .cloned()
        .collect();
    answer["result"] = serde_json::Value::Array(page);
    serde_json::to_vec(&answer).map_err(text)
}

fn read(name: &str) -> Result<Vec<u8>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/tgmembership")
        .join(name);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(report: &mut Report) -> Result<(), String> {
    println!(
        "decode: the largest documented TGmembership answers and a {} MiB orders page; {ROUNDS} \
         interleaved rounds of {} ms per decoder (medians)",
        LARGE_PAGE >> 20,
        SLICE.as_millis()
    );
    println!(
        "  {:<24} {:>8} {:>6} {:>14} {:>16} {:>12} {:>10}",
        "answer", "bytes", "items", "ours MB/s", "plain typed MB/s", "Value MB/s", "ours÷Value"
    );
    let orders = read("get-orders.response.json")?;
    measure::<Order>(report, "orders", "GET orders", &orders)?;
    measure::<Order>(
        report,
        "orders_4mib",
        "GET orders, 4 MiB page",
        &large_orders_page(&orders, LARGE_PAGE)?,
    )?;
    measure::<PlanReport>(
        report,
        "plans_report",
        "GET plans/report",
        &read("get-plans-report.response.json")?,
    )?;
    measure::<PaymentMethod>(
        report,
        "payment_methods",
        "GET paymentMethods",
        &read("get-payment-methods.response.json")?,
    )
}
