//! Writes `docs/performance.md` after a full `cargo xtask bench` run: the page's text
//! (`perf_page.md`: the method, what profiling found) filled with the machine, every table of
//! the run, and the targets met or missed; prints the targets as a table too.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::compare::{self, Contender, Op, TARGETS};
use super::{Report, deps};

/// The ratios judged against the targets: the suite, the key suffix and what it means. The
/// report key is `<suite>.<operation>.vs_<baseline><suffix>`.
const RATIOS: [(&str, &str, &str); 5] = [
    ("compare", ".median", "median latency"),
    ("compare", ".p99", "p99 latency"),
    ("compare", ".cpu", "CPU time per call"),
    ("instructions", "", "instructions per call"),
    ("compare", ".throughput", "time per request, 64 callers"),
];

/// The columns of a suite's table after the row's name: header, key suffix, decimals.
const COMPARE_COLS: [(&str, &str, usize); 5] = [
    ("median µs", "median_us", 1),
    ("p99 µs", "p99_us", 1),
    ("CPU µs/call", "cpu_us", 1),
    ("64 callers: requests/s", "rps", 0),
    ("64 callers: CPU µs/request", "rps_cpu_us", 1),
];
const DECODE_COLS: [(&str, &str, usize); 4] = [
    ("bytes", "bytes", 0),
    ("ours (envelope decoder) MB/s", "ours_mb_s", 1),
    ("same types, plain serde_json MB/s", "plain_typed_mb_s", 1),
    ("`serde_json::Value` MB/s", "value_mb_s", 1),
];
/// The decode table's rows: the report's name of the answer, and its label.
const DECODE_ROWS: [(&str, &str); 4] = [
    ("orders", "`GET orders`"),
    ("orders_4mib", "`GET orders`, a 4 MiB page"),
    ("plans_report", "`GET plans/report`"),
    ("payment_methods", "`GET paymentMethods`"),
];

fn num(report: &Report, key: &str, decimals: usize) -> String {
    report
        .get(key)
        .map_or_else(|| "–".to_owned(), |v| format!("{v:.decimals$}"))
}

/// `value` as a whole percentage, or `–`.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}%"))
}

/// The figures `cols` of the row under `key`, formatted.
fn figures(report: &Report, key: &str, cols: &[(&str, &str, usize)]) -> Vec<String> {
    cols.iter()
        .map(|(_, suffix, decimals)| num(report, &format!("{key}.{suffix}"), *decimals))
        .collect()
}

/// The headers of `cols`.
fn headers<'a>(cols: &[(&'a str, &str, usize)]) -> Vec<&'a str> {
    cols.iter().map(|(header, _, _)| *header).collect()
}

/// A Markdown table: `left` headers over left-aligned columns, then `right` headers over
/// right-aligned ones, then `rows`.
fn markdown(left: &[&str], right: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let header: Vec<&str> = left.iter().chain(right).copied().collect();
    let rule: Vec<&str> = (left.iter().map(|_| "---"))
        .chain(right.iter().map(|_| "---:"))
        .collect();
    let mut s = format!("| {} |\n| {} |\n", header.join(" | "), rule.join(" | "));
    for row in rows {
        let _ = writeln!(s, "| {} |", row.join(" | "));
    }
    s
}

fn first_line(text: &str, prefix: &str) -> Option<String> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The machine, as a Markdown table.
fn machine(report: &Report) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = first_line(&meminfo, "MemTotal")
        .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rows = [
        ("date", command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])),
        ("cores (`nproc`)", Some(cores.to_string())),
        ("CPU", first_line(&cpuinfo, "model name")),
        ("memory", memory),
        ("rustc", command_line("rustc", &["--version"])),
        ("OS", command_line("uname", &["-sr"])),
        (
            "load average (1 min) when the comparison started",
            report
                .get("compare.loadavg_1m_at_start")
                .map(|l| format!("{l:.2}")),
        ),
        (
            "load average at the end (1, 5, 15 min)",
            super::measure::loadavg().map(|l| l.join(", ")),
        ),
    ];
    let mut s = String::from("| | |\n| --- | --- |\n");
    for (k, v) in rows {
        let _ = writeln!(s, "| {k} | {} |", v.unwrap_or_else(|| "unknown".to_owned()));
    }
    s
}

/// The targets table (Markdown) and whether every target was met.
fn targets(report: &Report) -> (String, bool) {
    let mut all_met = true;
    let mut rows = Vec::new();
    for op in Op::ALL {
        for (who, target) in TARGETS {
            let mut row = vec![
                op.label().to_owned(),
                who.label().to_owned(),
                format!("≤ {target:.2}x"),
            ];
            for (suite, suffix, _) in RATIOS {
                let key = format!("{suite}.{}.vs_{}{suffix}", op.key(), who.key());
                row.push(match report.get(&key) {
                    Some(r) if r <= target => format!("{} met", compare::ratio_text(r, target)),
                    Some(r) => {
                        all_met = false;
                        format!("**{} missed**", compare::ratio_text(r, target))
                    }
                    None => "–".to_owned(),
                });
            }
            rows.push(row);
        }
    }
    let ratios: Vec<&str> = RATIOS.iter().map(|(_, _, label)| *label).collect();
    let table = markdown(&["operation", "ours ÷", "target"], &ratios, rows);
    (table, all_met)
}

/// The comparison's table of `op`.
pub fn compare_table(report: &Report, op: Op) -> String {
    let mut right = headers(&COMPARE_COLS);
    right.extend(["client busy", "sink busy", "connections opened under load"]);
    let rows = Contender::ALL.map(|who| {
        let k = format!("compare.{}.{}", op.key(), who.key());
        let mut row = vec![who.label().to_owned()];
        row.extend(figures(report, &k, &COMPARE_COLS));
        let busy = report.pair(&format!("{k}.rps"), &format!("{k}.rps_cpu_us"));
        row.push(percent(busy.map(|(rps, cpu)| rps * cpu / 1e4)));
        row.push(percent(
            report.get(&format!("{k}.server_busy")).map(|b| b * 100.0),
        ));
        row.push(num(report, &format!("{k}.connections_opened"), 0));
        row
    });
    markdown(&["client"], &right, rows)
}

fn instructions_table(report: &Report) -> String {
    let rows = Op::ALL.into_iter().flat_map(|op| {
        Contender::ALL.map(|who| {
            let k = format!("instructions.{}.{}", op.key(), who.key());
            vec![
                op.label().to_owned(),
                who.label().to_owned(),
                num(report, &k, 0),
                num(report, &format!("{k}.spread"), 0),
            ]
        })
    });
    let right = ["instructions per call", "spread of the runs"];
    markdown(&["operation", "client"], &right, rows)
}

fn decode_table(report: &Report) -> String {
    let rows = DECODE_ROWS.map(|(key, label)| {
        let k = format!("decode.{key}");
        let mut row = vec![label.to_owned()];
        row.extend(figures(report, &k, &DECODE_COLS));
        row.push(format!(
            "{}x",
            num(report, &format!("{k}.ours_vs_value"), 2)
        ));
        row
    });
    let mut right = headers(&DECODE_COLS);
    right.push("ours ÷ Value");
    markdown(&["answer"], &right, rows)
}

fn deps_table(report: &Report) -> String {
    let crates = deps::PROVIDERS.map(|name| (name, format!("`{name}`")));
    let baseline = (
        deps::BASELINE,
        format!("{} (baseline)", deps::BASELINE_LABEL),
    );
    let rows = crates.into_iter().chain([baseline]).map(|(key, label)| {
        let k = format!("deps.{key}");
        vec![
            label,
            num(report, &format!("{k}.count"), 0),
            num(report, &format!("{k}.build_s"), 1),
        ]
    });
    let right = ["normal dependencies", "clean release build, s"];
    markdown(&["crate"], &right, rows)
}

/// Every entry under `prefix`, as a two-column table.
fn entries_table(report: &Report, prefix: &str) -> String {
    let rows: Vec<Vec<String>> = (report.entries.iter())
        .filter_map(|(k, v)| {
            let shown = if v.fract() == 0.0 || v.abs() >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.3}")
            };
            Some(vec![format!("`{}`", k.strip_prefix(prefix)?), shown])
        })
        .collect();
    if rows.is_empty() {
        "Not measured in this run.\n".to_owned()
    } else {
        markdown(&["measurement"], &["value"], rows)
    }
}

/// The page's text, with a `{name}` where each figure or table of the run goes.
const PAGE: &str = include_str!("perf_page.md");

/// Prints the targets and writes `docs/performance.md`.
pub fn write(report: &Report, elapsed: Duration) -> Result<(), String> {
    let (targets, all_met) = targets(report);
    let tables = [
        ("instructions", instructions_table(report)),
        ("decode", decode_table(report)),
        ("dependencies and clean release builds", deps_table(report)),
        ("limiter", entries_table(report, "limiter.")),
        ("tracker", entries_table(report, "tracker.")),
    ];
    println!("\nsummary: ours ÷ baseline (≤ target is met)\n{targets}");
    for (title, table) in &tables {
        println!("{title}\n{table}");
    }
    let doc = fill(
        PAGE,
        fills(report, elapsed, targets, all_met, tables.map(|(_, t)| t)),
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/performance.md");
    std::fs::write(&path, doc).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// What goes where the page says `{name}`: this run's figures and tables (`tables`: those of
/// the instructions, decode, deps, limiter and tracker suites).
fn fills(
    report: &Report,
    elapsed: Duration,
    targets: String,
    all_met: bool,
    tables: [String; 5],
) -> [(&'static str, String); 18] {
    let [instructions, decode, deps, limiter, tracker] = tables;
    let met = if all_met {
        "Every target was met in this run."
    } else {
        "Targets marked **missed** were not met in this run; see [What remains](#what-remains)."
    };
    [
        ("elapsed", format!("{:.0}", elapsed.as_secs_f64())),
        ("machine", machine(report)),
        ("targets_met", met.to_owned()),
        ("targets", targets),
        ("warmup", compare::WARMUP.to_string()),
        ("calls", (compare::ROUNDS * compare::PER_ROUND).to_string()),
        ("rounds", compare::ROUNDS.to_string()),
        ("per_round", compare::PER_ROUND.to_string()),
        ("concurrency", compare::CONCURRENCY.to_string()),
        ("throughput_rounds", compare::THROUGHPUT_ROUNDS.to_string()),
        (
            "throughput_per_round",
            compare::THROUGHPUT_PER_ROUND.to_string(),
        ),
        (
            "compare_tables",
            Op::ALL
                .map(|op| format!("### {}\n\n{}\n", op.label(), compare_table(report, op)))
                .concat(),
        ),
        ("instructions_table", instructions),
        ("decode_table", decode),
        ("deps_table", deps),
        ("limiter_table", limiter),
        ("tracker_table", tracker),
        ("what_remains", what_remains(report)),
    ]
}

/// `page` with each `{name}` of `fills` replaced by its value.
fn fill(page: &str, fills: impl IntoIterator<Item = (&'static str, String)>) -> String {
    let mut doc = page.to_owned();
    for (name, value) in fills {
        doc = doc.replace(&format!("{{{name}}}"), &value);
    }
    doc
}

/// The figures of "What remains", computed from this run.
fn what_remains(report: &Report) -> String {
    let mut s = String::new();
    for op in Op::ALL {
        let k = |who: Contender| format!("instructions.{}.{}", op.key(), who.key());
        if let Some((ours, hyper)) = report.pair(&k(Contender::Ours), &k(Contender::Hyper)) {
            let _ = write!(
                s,
                "- {}: ours takes {:.0} instructions per call more than raw hyper ({:+.1}%)",
                op.label(),
                ours - hyper,
                (ours / hyper - 1.0) * 100.0,
            );
            if let Some(timeout) = report.get(&k(Contender::HyperTimeout)) {
                let _ = write!(
                    s,
                    "; a `tokio::time::timeout` around the raw call costs {:.0} of them, and \
                     against that call ours takes {:.2}x",
                    timeout - hyper,
                    ours / timeout,
                );
            }
            if let Some(reqwest) = report.get(&k(Contender::Reqwest)) {
                let _ = write!(s, "; against reqwest + serde_json, {:.2}x", ours / reqwest);
            }
            s.push_str(".\n");
        }
        if let Some((rps, busy)) = report.pair(
            &format!("compare.{}.ours.rps", op.key()),
            &format!("compare.{}.ours.server_busy", op.key()),
        ) {
            let cpu = report
                .get(&format!("compare.{}.ours.rps_cpu_us", op.key()))
                .unwrap_or(0.0);
            let _ = writeln!(
                s,
                "- {} under 64 callers: {rps:.0} requests/s, the client {:.0}% busy and the \
                 sink {:.0}%.",
                op.label(),
                rps * cpu / 1e4,
                busy * 100.0,
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `{name}` the page holds is one the run fills, and a figure the run did not measure
    /// shows as `–`.
    #[test]
    fn the_page_is_filled_and_tables_keep_their_shape() {
        let (table, met) = targets(&Report::default());
        let tables = [(); 5].map(|()| String::new());
        let filled = fill(
            PAGE,
            fills(&Report::default(), Duration::ZERO, table, met, tables),
        );
        let left: Vec<&str> = (filled.split('{').skip(1))
            .filter_map(|rest| Some(rest.split_once('}')?.0))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect();
        assert!(
            left.is_empty(),
            "the page's names the run does not fill: {left:?}"
        );
        let mut report = Report::default();
        report.push("compare.tgtrack_add_event.vs_hyper.median", 1.1003);
        report.push("deps.tga-client.count", 42.0);
        let (table, met) = targets(&report);
        assert!(!met);
        assert!(table.starts_with("| operation | ours ÷ | target | median latency |"));
        assert!(table.contains("\n| --- | --- | --- | ---: | ---: |"));
        assert!(
            table.contains("| TGTrack add_event | raw hyper | ≤ 1.10x | **1.1003x missed** | – |")
        );
        assert!(deps_table(&report).contains("| `tga-client` | 42 | – |\n"));
    }
}
