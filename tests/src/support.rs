//! What the integration suites share: the Redis URL convention, names no other run uses, a
//! TGA fake with a client pointed at it, what a fake's server did with each request, and the
//! source chain of an error (which the secret asserts walk).

use std::sync::Arc;

use tg_mock::tga::TgaFake;
use tg_mock::{Disposition, MockServer};

/// Why a test that needs Redis is `#[ignore]`d: `cargo xtask test` runs those tests in a second
/// pass (`-- --ignored`) once its redis-server is up, and counts them as skipped, with this
/// reason, when none is installed (a failure under CI). The attribute needs a literal, so each
/// test spells it out; `cargo xtask test` recognises it by its start, `needs redis-server`.
pub const NEEDS_REDIS: &str = "needs redis-server (run by cargo xtask test)";

/// The Redis URL of this run (`TG_REDIS_URL`, set by `cargo xtask test`). A test that needs
/// Redis is `#[ignore = "needs redis-server ..."]` and runs only when asked for; asked for
/// without a URL, it fails here: it never passes without having run.
pub fn redis_url() -> String {
    match std::env::var("TG_REDIS_URL") {
        Ok(url) => url,
        Err(_) => panic!(
            "TG_REDIS_URL is not set: this test {NEEDS_REDIS}, which starts redis-server and sets it"
        ),
    }
}

/// `prefix` followed by the current time in nanoseconds: a key or stream name no other run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}{nanos}")
}

/// A fake TGA on loopback with a token it issued for one app and domain.
pub struct TgaSetup {
    /// The fake.
    pub fake: Arc<TgaFake>,
    /// Its server.
    pub server: MockServer,
    /// The token the fake issued.
    pub token: String,
}

impl TgaSetup {
    /// Starts a fake that issued a token for `app` on `domain`.
    pub async fn new(app: &str, domain: &str) -> TgaSetup {
        let fake = Arc::new(TgaFake::new());
        let token = fake.issue_token(app, domain);
        let server = MockServer::start(Arc::clone(&fake))
            .await
            .expect("the fake TGA starts");
        TgaSetup {
            fake,
            server,
            token,
        }
    }

    /// A client builder for `token` pointed at the fake.
    pub fn builder_for(&self, token: &str) -> tga_client::ClientBuilder {
        let url = self.server.base_url();
        tga_client::Client::builder(token).core(|c| c.with_loopback_url(url))
    }

    /// A client builder for the fake's own token.
    pub fn builder(&self) -> tga_client::ClientBuilder {
        self.builder_for(&self.token)
    }

    /// A client of the fake's own token (app name and Origin read from it).
    pub fn client(&self) -> tga_client::Client {
        self.builder()
            .build()
            .expect("a client of the fake's token")
    }
}

/// What `server` did with each request it recorded, in order.
pub fn dispositions(server: &MockServer) -> Vec<Disposition> {
    server
        .exchanges()
        .into_iter()
        .map(|e| e.disposition)
        .collect()
}

/// The sources of `err`, nearest first: what a secret assert checks after the error itself.
pub fn sources(err: &tg_common::Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    std::iter::successors(std::error::Error::source(err), |s| s.source())
}

/// A redis-server of a test's own on a free loopback port, for tests that stall it (SIGSTOP) or
/// kill it; resumed, killed and waited for when dropped. Fails the test when redis-server is not
/// installed: such tests are ignored as needing it ([`NEEDS_REDIS`]) unless `cargo xtask test`
/// found one.
pub struct OwnRedis {
    child: std::process::Child,
    /// `redis://127.0.0.1:PORT`.
    pub url: String,
}

impl OwnRedis {
    /// Starts one and waits (at most 10 s) until it accepts connections.
    pub fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free loopback port: {e}"));
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("redis-server does not start ({e}): this test {NEEDS_REDIS}")
            });
        // Owned at once: dropped (killed and waited for) on every path below.
        let server = OwnRedis {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        };
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < until,
                "redis-server did not start on {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server
    }

    /// Sends `signal` (`-STOP`, `-CONT`) to the server.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill {signal} failed");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
