//! `cargo xtask demo [--verbose]`: starts the fake services in-process and runs each client
//! against them, as a walkthrough: per service a heading, then one line per call with what was
//! asked and what came back; then the durable spool (a tracker killed mid-way, a new one
//! delivers what it left) and the shared limiter (two replicas, one quota, through a
//! redis-server started on loopback; skipped, saying why, when none is installed). `--verbose`
//! adds each answer's full `Debug` form.

use std::io::Write;

use futures_util::future::LocalBoxFuture;

use crate::text;

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
        .map_err(text)?;
    rt.block_on(async {
        let mut out = std::io::stdout().lock();
        write(&mut out, verbose).await
    })
}

/// One part of the demo: it records its calls in the section it is given.
type Part = for<'a> fn(&'a mut Section) -> LocalBoxFuture<'a, Result<(), String>>;

/// The demo's parts in order, each under its title.
const PARTS: [(&str, Part); 5] = [
    ("TGTrack: every method against the fake TGTrack", |s| {
        Box::pin(tgtrack::run(s))
    }),
    (
        "TGA: events to the fake Telegram Mini Apps Analytics",
        |s| Box::pin(tga::run(s)),
    ),
    (
        "TGmembership: every endpoint against the fake TGmembership",
        |s| Box::pin(tgmembership::run(s)),
    ),
    (
        "Durable spool: a tracker killed mid-way loses nothing",
        |s| Box::pin(spool::run(s)),
    ),
    (
        "Shared limiter: two replicas, one quota, through Redis",
        |s| Box::pin(shared_limit::run(s)),
    ),
];

/// Runs every service's part of the demo and writes it to `out`. A part that fails still shows
/// what it did before failing, then the demo stops with its error.
pub async fn write(out: &mut dyn Write, verbose: bool) -> Result<(), String> {
    writeln!(
        out,
        "Demo: each client against the fake services, in this process (no account, no network)."
    )
    .map_err(text)?;
    for (title, part) in PARTS {
        let mut s = Section::new(title, verbose);
        let r = part(&mut s).await;
        s.write(out).map_err(text)?;
        r?;
    }
    Ok(())
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
