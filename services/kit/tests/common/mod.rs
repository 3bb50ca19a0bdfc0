//! What the cache and bus suites share: unique names, free ports, servers of their own.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A name unique to this run (letters and digits, so a key and a subject token alike): the
/// shared memcached and NATS outlive test runs and serve several at once.
pub fn prefix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    format!("test{}x{nanos}", std::process::id())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A server process of the test's own, listening on `port` once `start` returns; killed when
/// dropped, also when a test fails (one left running would hold the test's output pipe).
pub struct Server {
    pub port: u16,
    child: Child,
}

impl Server {
    /// Spawns `command` (`name` for messages) and waits until `port` accepts connections.
    pub fn start(mut command: Command, name: &str, port: u16) -> Self {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} (.ci/run installs it): {e}"));
        let server = Self { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{name} did not start on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
