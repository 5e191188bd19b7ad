//! Measurement helpers shared by the suites: medians and quantiles, paired ratios, rotating
//! turns, CPU time from `/proc`, the load average.

/// The median of `values` (NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The median of the per-round ratios `a[i] / b[i]`: each round's contenders ran back to back,
/// so a change in the machine's speed between rounds cancels out.
pub fn paired(a: &[f64], b: &[f64]) -> f64 {
    let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    median(&ratios)
}

/// The `p` quantile of `values` (nearest rank; NaN when empty).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

/// The element `per_cent`% of the way into `sorted` (index `len * per_cent / 100`), and its
/// last: p50, p99 and max of a sorted, non-empty sample.
pub fn at_percent(sorted: &[f64], per_cent: usize) -> f64 {
    sorted[(sorted.len() * per_cent / 100).min(sorted.len() - 1)]
}

/// `all` rotated left by `round`: the order in which contenders take a round, so none always
/// goes first.
pub fn rotated<T, const N: usize>(mut all: [T; N], round: usize) -> [T; N] {
    all.rotate_left(round % N);
    all
}

/// The first number of a `schedstat` file (CPU time in nanoseconds).
pub fn schedstat_ns(path: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time this thread has used, in nanoseconds: `/proc/thread-self/schedstat` when the kernel
/// offers it, else utime + stime of `/proc/thread-self/stat` (clock ticks of 10 ms).
pub fn thread_cpu_ns() -> Result<u64, String> {
    if let Some(ns) = schedstat_ns("/proc/thread-self/schedstat") {
        return Ok(ns);
    }
    let stat = std::fs::read_to_string("/proc/thread-self/stat")
        .map_err(|e| format!("cannot read this thread's CPU time: {e}"))?;
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the command name
    // (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or_else(Vec::new, |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => Ok((user + system) * 10_000_000),
        _ => Err("unreadable /proc/thread-self/stat".to_owned()),
    }
}

/// The load averages over 1, 5 and 15 minutes (`/proc/loadavg`).
pub fn loadavg() -> Option<Vec<String>> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).map(str::to_owned).collect())
}
