//! The client crates stay light: what a user who depends on one of them compiles.
//!
//! Only tg-mock serves HTTP, so hyper's and hyper-util's server side, and tokio's multi-threaded
//! runtime and signal handling, must not be switched on by any client crate's normal
//! dependencies. `cargo tree` resolves features for the named package alone, as a user's build
//! would.

use std::process::Command;

/// The packages a user depends on directly.
const CLIENTS: [&str; 4] = [
    "tg-common",
    "tga-client",
    "tgtrack-client",
    "tgmembership-client",
];

/// Package and feature pairs no client may switch on.
const SERVER_SIDE: [(&str, &str); 5] = [
    ("hyper", "server"),
    ("hyper-util", "server"),
    ("hyper-util", "server-auto"),
    ("tokio", "rt-multi-thread"),
    ("tokio", "signal"),
];

/// `(package, features)` of every normal dependency of `krate`, as `cargo tree` resolves them.
fn resolved_features(krate: &str) -> Vec<(String, Vec<String>)> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(["-p", krate, "-f", "{p}|{f}"])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|line| {
            let (package, features) = line.split_once('|')?;
            let name = package.split(' ').next()?.to_owned();
            let features = features
                .trim_end_matches(" (*)")
                .split(',')
                .map(str::to_owned)
                .collect();
            Some((name, features))
        })
        .collect()
}

#[test]
fn no_client_compiles_a_server_or_a_multi_threaded_runtime() {
    for krate in CLIENTS {
        let tree = resolved_features(krate);
        assert!(
            tree.iter().any(|(name, _)| name == "hyper"),
            "{krate}: no hyper in {tree:?}"
        );
        for (name, features) in &tree {
            for (package, feature) in SERVER_SIDE {
                assert!(
                    !(name == package && features.iter().any(|f| f == feature)),
                    "{krate} switches on {package}/{feature}"
                );
            }
        }
    }
}
