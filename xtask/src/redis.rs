//! A throwaway redis-server on a free loopback port, for the shared-limiter tests and bench.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running redis-server; killed when dropped.
pub struct RedisServer {
    child: Child,
    /// `redis://127.0.0.1:PORT`.
    pub url: String,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts redis-server if it is installed. `Ok(None)` when it is missing outside CI; an error
/// when it is missing under CI (`CI` set) or does not come up.
pub fn start() -> Result<Option<RedisServer>, String> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let spawned = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(e) if std::env::var_os("CI").is_some() => {
            return Err(format!("redis-server is required under CI: {e}"));
        }
        Err(_) => {
            eprintln!("xtask: redis-server not installed: the Redis limiter tests will be skipped");
            return Ok(None);
        }
    };
    let server = RedisServer {
        child,
        url: format!("redis://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Some(server));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("redis-server did not start listening within 10 s".to_owned())
}
