//! `cargo xtask bench decode`: decode throughput (MB/s) of the largest documented TGmembership
//! answers (`GET orders`, `GET plans/report`, `GET paymentMethods`, verbatim from the document,
//! in `xtask/benchdata/`) into our types through the crate's envelope decoder, against the same
//! result types through plain `serde_json` (no envelope), and against `serde_json::Value`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tgmembership_client::{Order, PaymentMethod, PlanReport, envelope};

use super::Report;

/// How long each decoder runs on each document (after a warm-up of a tenth of it).
const RUN_FOR: Duration = Duration::from_millis(400);

/// The document's answer with a typed `result` and nothing else: what plain serde_json costs.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Plain<T> {
    #[allow(dead_code)]
    result: T,
}

/// Bytes per second of `decode` on `body`, in MB/s (10^6 bytes).
fn throughput(
    body: &[u8],
    mut decode: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<f64, String> {
    let warm = Instant::now();
    while warm.elapsed() < RUN_FOR / 10 {
        decode(body)?;
    }
    let mut n: u64 = 0;
    let started = Instant::now();
    while started.elapsed() < RUN_FOR {
        for _ in 0..64 {
            decode(std::hint::black_box(body))?;
        }
        n += 64;
    }
    let secs = started.elapsed().as_secs_f64();
    Ok(n as f64 * body.len() as f64 / secs / 1e6)
}

fn measure<T: DeserializeOwned>(
    report: &mut Report,
    name: &str,
    label: &str,
    body: &[u8],
) -> Result<(), String> {
    // Check first that each decoder accepts the document.
    let typed = envelope::decode::<Vec<T>>(200, body)
        .map_err(|e| format!("{label}: our decoder refuses the document: {e}"))?
        .into_result()
        .map_err(|e| e.to_string())?;
    let items = typed.len();
    let ours = throughput(body, |b| {
        let env = envelope::decode::<Vec<T>>(200, b).map_err(|e| e.to_string())?;
        std::hint::black_box(env);
        Ok(())
    })?;
    let plain = throughput(body, |b| {
        let p: Plain<Vec<T>> = serde_json::from_slice(b).map_err(|e| e.to_string())?;
        std::hint::black_box(p);
        Ok(())
    })?;
    let value = throughput(body, |b| {
        let v: serde_json::Value = serde_json::from_slice(b).map_err(|e| e.to_string())?;
        std::hint::black_box(v);
        Ok(())
    })?;
    println!(
        "  {label:<24} {:>7} {items:>6} {ours:>14.1} {plain:>16.1} {value:>12.1} {:>9.2}x",
        body.len(),
        ours / value
    );
    report.push(&format!("decode.{name}.bytes"), body.len() as f64);
    report.push(&format!("decode.{name}.ours_mb_s"), ours);
    report.push(&format!("decode.{name}.plain_typed_mb_s"), plain);
    report.push(&format!("decode.{name}.value_mb_s"), value);
    report.push(&format!("decode.{name}.ours_vs_value"), ours / value);
    Ok(())
}

fn read(name: &str) -> Result<Vec<u8>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benchdata")
        .join(name);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(report: &mut Report) -> Result<(), String> {
    println!(
        "decode: the largest documented TGmembership answers, {} ms per decoder and document",
        RUN_FOR.as_millis()
    );
    println!(
        "  {:<24} {:>7} {:>6} {:>14} {:>16} {:>12} {:>10}",
        "answer", "bytes", "items", "ours MB/s", "plain typed MB/s", "Value MB/s", "ours÷Value"
    );
    measure::<Order>(
        report,
        "orders",
        "GET orders",
        &read("tgmembership_orders.json")?,
    )?;
    measure::<PlanReport>(
        report,
        "plans_report",
        "GET plans/report",
        &read("tgmembership_plans_report.json")?,
    )?;
    measure::<PaymentMethod>(
        report,
        "payment_methods",
        "GET paymentMethods",
        &read("tgmembership_payment_methods.json")?,
    )
}
