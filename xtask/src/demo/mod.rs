//! `cargo xtask demo [--verbose]`: starts the fake services in-process and runs each client
//! against them, as a walkthrough: per service a heading, then one line per call with what was
//! asked and what came back; then the durable spool (a tracker killed mid-way, a new one
//! delivers what it left) and the shared limiter (two replicas, one quota, through a
//! redis-server started on loopback; skipped, saying why, when none is installed). `--verbose`
//! adds each answer's full `Debug` form.

use std::io::Write;

mod render;
mod shared_limit;
mod spool;
mod tga;
mod tgmembership;
mod tgtrack;

pub use render::Section;

/// Runs the demo, writing to stdout.
pub fn run(args: &[&str]) -> Result<(), String> {
    let mut verbose = false;
    for arg in args {
        match *arg {
            "--verbose" | "-v" => verbose = true,
            other => return Err(format!("demo: unknown argument `{other}` (try --verbose)")),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut out = std::io::stdout().lock();
        write(&mut out, verbose).await
    })
}

/// Runs every service's part of the demo and writes it to `out`. A part that fails still shows
/// what it did before failing, then the demo stops with its error.
pub async fn write(out: &mut dyn Write, verbose: bool) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    writeln!(
        out,
        "Demo: each client against the fake services, in this process (no account, no network)."
    )
    .map_err(io)?;
    let mut s = Section::new("TGTrack: every method against the fake TGTrack", verbose);
    let r = tgtrack::run(&mut s).await;
    s.write(out).map_err(io)?;
    r?;
    let mut s = Section::new(
        "TGA: events to the fake Telegram Mini Apps Analytics",
        verbose,
    );
    let r = tga::run(&mut s).await;
    s.write(out).map_err(io)?;
    r?;
    let mut s = Section::new(
        "TGmembership: every endpoint against the fake TGmembership",
        verbose,
    );
    let r = tgmembership::run(&mut s).await;
    s.write(out).map_err(io)?;
    r?;
    let mut s = Section::new(
        "Durable spool: a tracker killed mid-way loses nothing",
        verbose,
    );
    let r = spool::run(&mut s).await;
    s.write(out).map_err(io)?;
    r?;
    let mut s = Section::new(
        "Shared limiter: two replicas, one quota, through Redis",
        verbose,
    );
    let r = shared_limit::run(&mut s).await;
    s.write(out).map_err(io)?;
    r
}

#[cfg(test)]
mod tests {
    use super::write;
    use crate::readable::problems;

    async fn output(verbose: bool) -> String {
        let mut out = Vec::new();
        write(&mut out, verbose).await.unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The default output is a walkthrough: headings, answers in words, no Debug dump, money in
    /// its currency's precision.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_default_demo_reads_as_a_walkthrough() {
        let text = output(false).await;
        assert_eq!(problems(&text), Vec::<String>::new(), "{text}");
        for expected in [
            "TGTrack: every method",
            "TGA: events",
            "TGmembership: every endpoint",
            "accepted (production key)",
            "error: tgtrack add_event: API error (HTTP 401)",
            "error: webhook signature does not match",
            "2.57 EUR",
            "The totals differ by design: plans/report covers the last 6 calendar months",
            "20 events waiting, none lost",
            "what process 1 left is delivered",
            "The fake holds 20 events, none sent by process 1.",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("debug: "), "{text}");
        // The shared limiter runs where redis-server is installed (it is, under CI) and says why
        // it is skipped elsewhere.
        let shared =
            "2 replicas sharing a Redis limiter, 3 add_event each at once  6 accepted, 0 refused";
        let skipped = "Skipped: redis-server is not installed.";
        assert!(text.contains(shared) || text.contains(skipped), "{text}");
        if std::env::var_os("CI").is_some() {
            assert!(text.contains(shared), "{text}");
        }
    }

    /// `--verbose` keeps the full Debug form of every answer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn verbose_keeps_the_debug_output() {
        let text = output(true).await;
        assert!(text.contains("debug: [PaymentMethodReport { "), "{text}");
        assert!(text.contains("2.5748819999999997"), "{text}");
        assert!(!problems(&text).is_empty());
    }
}
