//! `xcode serve` as a test's own process: the real binary on port 0 with a data directory of
//! its own, on SQLite or a fresh Postgres database, with the in-process cache or a memcached of
//! its own (which a test may kill); killed when dropped. And a small JSON client for its HTTP
//! API that checks every error body.

// Each test binary uses a part of this.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use xcode_store::scratch::ScratchDatabase;

pub const ADMIN: &str = "root_admin";
pub const ADMIN_EMAIL: &str = "root@example.com";
pub const ADMIN_PASSWORD: &str = "tall Giraffe drinks 7 lattes";

/// How long a start may take before the test fails (a release build starts in well under a
/// second; CI machines are slow and busy).
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    Memory,
    Memcached,
}

/// What outlives one process: the data directory, the database, the cache, the settings.
pub struct Setup {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    starts: usize,
    memcached: Option<Memcached>,
    _database: Option<ScratchDatabase>,
}

impl Setup {
    /// SQLite under the data directory and the in-process cache, the first admin from
    /// [`ADMIN`], cheap password hashing, generous per-address limits.
    pub fn sqlite() -> Self {
        let mut setup = Self {
            dir: tempfile::tempdir().expect("a temp dir"),
            env: Vec::new(),
            starts: 0,
            memcached: None,
            _database: None,
        };
        setup
            .set("XCODE__AUTH__PASSWORD__MEMORY_KIB", "1024")
            .set("XCODE__AUTH__PASSWORD__ITERATIONS", "1")
            .set("XCODE__AUTH__LOGINS_PER_MINUTE", "1000")
            .set("XCODE__AUTH__EMAILS_PER_MINUTE", "1000")
            .set("XCODE__ADMIN__USERNAME", ADMIN)
            .set("XCODE__ADMIN__EMAIL", ADMIN_EMAIL)
            .set("XCODE__ADMIN__PASSWORD", ADMIN_PASSWORD);
        setup
    }

    pub async fn new(backend: Backend, cache: CacheKind) -> Self {
        let mut setup = Self::sqlite();
        if backend == Backend::Postgres {
            let database = ScratchDatabase::create("serve")
                .await
                .expect("the shared Postgres on 127.0.0.1:5432");
            setup.set("XCODE__DATABASE__URL", &database.url);
            setup._database = Some(database);
        }
        if cache == CacheKind::Memcached {
            let memcached = Memcached::start();
            setup.set(
                "XCODE__CACHE__URL",
                &format!("memcached://127.0.0.1:{}", memcached.port),
            );
            setup.memcached = Some(memcached);
        }
        setup
    }

    /// Sets (or replaces) a variable of the server's environment.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// No `XCODE__ADMIN__*`: the first start creates `admin` with a generated password.
    pub fn without_admin(&mut self) -> &mut Self {
        self.env
            .retain(|(key, _)| !key.starts_with("XCODE__ADMIN__"));
        self
    }

    pub fn kill_memcached(&mut self) {
        self.memcached.take().expect("this setup has a memcached");
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts `xcode serve` and waits until it says where it listens.
    pub async fn start(&mut self) -> Xcode {
        self.launch(
            &["serve", "--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            true,
            true,
        )
        .await
    }

    /// Starts the production shape: `xcode serve users`, `xcode serve judge` (its queue in
    /// process) and, in front of them, `xcode serve gateway` (three processes; the gateway's
    /// [`Xcode`] owns the others, and `grpc` is the users service's).
    pub async fn start_split(&mut self) -> Xcode {
        let users = self
            .launch(&["serve", "users", "--grpc", "127.0.0.1:0"], false, true)
            .await;
        let users_url = users.grpc.clone();
        let judge = self
            .launch(
                &[
                    "serve",
                    "judge",
                    "--grpc",
                    "127.0.0.1:0",
                    "--users-url",
                    &users_url,
                ],
                false,
                true,
            )
            .await;
        let mut gateway = self
            .launch(
                &[
                    "serve",
                    "gateway",
                    "--http",
                    "127.0.0.1:0",
                    "--users-url",
                    &users_url,
                    "--judge-url",
                    &judge.grpc,
                ],
                true,
                false,
            )
            .await;
        gateway.grpc = users_url;
        gateway.companion = Some(Box::new(users));
        gateway.companions.push(judge);
        gateway
    }

    /// The production shape of the judge: `serve users`, `serve judge` and `serve gateway`,
    /// and `workers` separate `serve judge-worker` processes, all on NATS at `nats_url` (the
    /// gateway's [`Xcode`] owns the others; [`Xcode::companions`] reaches the workers).
    pub async fn start_cluster(&mut self, nats_url: &str, workers: usize) -> Xcode {
        self.set("XCODE__JUDGE__NATS_URL", nats_url);
        let users = self
            .launch(&["serve", "users", "--grpc", "127.0.0.1:0"], false, true)
            .await;
        let users_url = users.grpc.clone();
        let judge = self
            .launch(
                &[
                    "serve",
                    "judge",
                    "--grpc",
                    "127.0.0.1:0",
                    "--users-url",
                    &users_url,
                ],
                false,
                true,
            )
            .await;
        let judge_url = judge.grpc.clone();
        let mut gateway = self
            .launch(
                &[
                    "serve",
                    "gateway",
                    "--http",
                    "127.0.0.1:0",
                    "--users-url",
                    &users_url,
                    "--judge-url",
                    &judge_url,
                ],
                true,
                false,
            )
            .await;
        gateway.grpc = judge_url;
        gateway.companions.push(users);
        gateway.companions.push(judge);
        for _ in 0..workers {
            let worker = self.start_worker().await;
            gateway.workers.push(worker);
        }
        gateway
    }

    /// One more `xcode serve judge-worker` (on the NATS URL set before).
    pub async fn start_worker(&mut self) -> Xcode {
        self.launch(&["serve", "judge-worker"], false, false).await
    }

    pub async fn launch(&mut self, args: &[&str], wants_http: bool, wants_grpc: bool) -> Xcode {
        self.starts += 1;
        let logs = self.dir.path().join(format!("start-{}", self.starts));
        std::fs::create_dir_all(&logs).expect("a log directory");
        let stdout_path = logs.join("stdout");
        let stderr_path = logs.join("stderr");
        let mut command = Command::new(env!("CARGO_BIN_EXE_xcode"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout_path).expect("a stdout file"))
            .stderr(std::fs::File::create(&stderr_path).expect("a stderr file"));
        // Only this test's settings: none of the environment's.
        for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("XCODE__")) {
            command.env_remove(key);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let child = command.spawn().expect("spawn xcode serve");
        let mut xcode = Xcode {
            child,
            pid: 0,
            http: String::new(),
            grpc: String::new(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            stderr_path,
            stdout_path: stdout_path.clone(),
            companion: None,
            companions: Vec::new(),
            workers: Vec::new(),
        };
        xcode.pid = xcode.child.id();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
            for line in stdout.lines() {
                if let Some(address) = line.strip_prefix("xcode: gRPC listening on ") {
                    xcode.grpc = format!("http://{}", address.trim());
                }
                if let Some(url) = line.strip_prefix("xcode: HTTP listening on ") {
                    xcode.http = url.trim().to_owned();
                }
            }
            let worker_ready = stdout.contains("xcode: judge worker");
            if (xcode.http.is_empty() != wants_http && xcode.grpc.is_empty() != wants_grpc)
                && (wants_http || wants_grpc || worker_ready)
            {
                return xcode;
            }
            if let Ok(Some(status)) = xcode.child.try_wait() {
                panic!(
                    "xcode serve exited ({status}) before listening; stdout: {stdout}\nstderr:\n{}",
                    xcode.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "xcode serve did not announce its ports within {START_TIMEOUT:?}; stdout: \
                 {stdout}\nstderr:\n{}",
                xcode.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A running `xcode serve`; killed when dropped.
pub struct Xcode {
    child: Child,
    pid: u32,
    /// `http://127.0.0.1:PORT` of the gateway.
    pub http: String,
    /// `http://127.0.0.1:PORT` of the gRPC services.
    pub grpc: String,
    pub client: reqwest::Client,
    stderr_path: PathBuf,
    stdout_path: PathBuf,
    /// Another process this one needs (the users service behind a lone gateway).
    companion: Option<Box<Xcode>>,
    /// More of them (the users and judge services of a cluster).
    pub companions: Vec<Xcode>,
    /// A cluster's judge workers.
    pub workers: Vec<Xcode>,
}

impl Xcode {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.stderr_path).unwrap_or_default()).into_owned()
    }

    /// Where its stderr goes and whether it still runs, for failure messages.
    pub fn describe(&self) -> String {
        let fd = std::fs::read_link(format!("/proc/{}/fd/2", self.pid));
        format!(
            "pid {} stderr {:?} (fd 2: {:?}) stdout: {}",
            self.pid,
            self.stderr_path,
            fd,
            self.stdout()
        )
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout_path).unwrap_or_default()
    }

    /// SIGKILL: the process dies on the spot (a crashed pod).
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn put_bytes(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Reply {
        Reply::of(
            self.request(Method::PUT, path, token)
                .header("content-type", "application/octet-stream")
                .body(body),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        Reply::of(self.request(Method::DELETE, path, token)).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    /// Sends SIGTERM and waits (at most `within`) for the process to exit.
    pub async fn terminate(mut self, within: Duration) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {}", self.pid);
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for xcode") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "xcode serve did not exit within {within:?} of SIGTERM; stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A request to the gateway; `token` goes in `Authorization: Bearer`.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        Reply::of(self.request(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        Reply::of(self.request(Method::POST, path, token).json(&body)).await
    }

    /// A POST without a body.
    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Reply {
        Reply::of(self.request(Method::POST, path, token)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        Reply::of(self.request(Method::PATCH, path, token).json(&body)).await
    }

    /// Signs in without a second factor: the access token.
    pub async fn access(&self, login: &str, password: &str) -> String {
        let body = self
            .post(
                "/api/v1/auth/login",
                None,
                serde_json::json!({ "login": login, "password": password }),
            )
            .await
            .ok(200);
        text(&body["access_token"])
    }

    /// The token in the newest outbox email to `to` whose subject contains `subject`.
    pub async fn token_from_outbox(&self, admin: &str, to: &str, subject: &str) -> String {
        let body = self
            .get("/api/v1/admin/outbox?page_size=200", Some(admin))
            .await
            .ok(200);
        let emails = body["emails"].as_array().expect("emails");
        let email = emails
            .iter()
            .find(|email| email["to"] == to && text(&email["subject"]).contains(subject))
            .unwrap_or_else(|| panic!("no {subject:?} email to {to} in {body}"));
        text(&email["body"])
            .split_whitespace()
            .find(|word| word.starts_with("xev_") || word.starts_with("xpr_"))
            .unwrap_or_else(|| panic!("a token in {email}"))
            .to_owned()
    }
}

impl Drop for Xcode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers and the JSON body (`null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn of(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.expect("a response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            let content_type = headers
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            assert!(
                content_type.starts_with("application/json"),
                "{status}: content type {content_type:?}: {text}"
            );
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    /// Asserts the status; the body.
    #[track_caller]
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        self.body
    }

    /// Asserts an error: the status, `{"error": {"code", "message"}}` and nothing else; the
    /// message.
    #[track_caller]
    pub fn error(self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        let message = self.body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("a message: {}", self.body));
        assert!(!message.is_empty(), "{}", self.body);
        assert_eq!(
            self.body.as_object().map(serde_json::Map::len),
            Some(1),
            "only `error`: {}",
            self.body
        );
        assert_eq!(
            self.body["error"].as_object().map(serde_json::Map::len),
            Some(2),
            "only `code` and `message`: {}",
            self.body
        );
        message.to_owned()
    }

    /// Asserts an error whose message contains `needle`.
    #[track_caller]
    pub fn error_with(self, status: u16, code: &str, needle: &str) -> String {
        let message = self.error(status, code);
        assert!(
            message.contains(needle),
            "{message:?} does not contain {needle:?}"
        );
        message
    }

    /// The `Set-Cookie` headers, as (name, whole header).
    pub fn set_cookies(&self) -> Vec<(String, String)> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(|value| {
                let name = value.split('=').next().unwrap_or_default().to_owned();
                (name, value.to_owned())
            })
            .collect()
    }
}

/// A JSON string's value.
#[track_caller]
pub fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string, not {value}"))
        .to_owned()
}

/// The cookie's value in a `Set-Cookie` header.
pub fn cookie_value(header: &str) -> String {
    header
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default()
}

/// The TOTP code of `secret` at `unix` seconds, computed independently of the service.
pub fn totp_code(secret: &str, unix: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        "test".into(),
    )
    .expect("totp")
    .generate(unix)
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The admin password the first start printed to stderr.
pub fn printed_admin_password(stderr: &str) -> Option<String> {
    let (_, after) = stderr.split_once("created the admin account `admin` with the password")?;
    after
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_owned)
}

/// A memcached of the test's own on a free port; killed when dropped.
pub struct Memcached {
    pub port: u16,
    child: Child,
}

impl Memcached {
    pub fn start() -> Self {
        let port = free_port();
        let mut command = Command::new("memcached");
        command.args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", "0"]);
        if running_as_root() {
            command.args(["-u", "root"]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start memcached (.ci/run installs it): {e}"));
        let memcached = Self { port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "memcached did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        memcached
    }
}

impl Drop for Memcached {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// A NATS server with JetStream of the test's own, on a free port with its own store
/// directory; it can be stopped and started again on the same port and store.
pub struct NatsServer {
    pub port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl NatsServer {
    pub fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            store: tempfile::tempdir().expect("a store dir"),
            child: None,
        };
        server.resume();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: no goodbye to clients).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and store.
    pub fn resume(&mut self) {
        let child = Command::new("nats-server")
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nats-server (.ci/run installs it): {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not start on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
