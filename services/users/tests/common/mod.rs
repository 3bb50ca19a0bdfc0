//! A users service of the test's own: on SQLite or a fresh Postgres database, with the
//! in-process cache or a memcached of its own (which a test may kill), on port 0.

#![allow(dead_code)]

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use xcode_proto::users::v1 as pb;
use xcode_proto::users::v1::auth_user_admin_service_client::AuthUserAdminServiceClient;
use xcode_store::scratch::ScratchDatabase;
use xcode_users::Settings;

pub type Client = AuthUserAdminServiceClient<Channel>;

pub const ADMIN: &str = "root_admin";
pub const ADMIN_PASSWORD: &str = "tall Giraffe drinks 7 lattes";

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

pub struct Service {
    pub client: Client,
    pub address: String,
    pub memcached: Option<Server>,
    pub settings: Settings,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
    _database: Option<ScratchDatabase>,
}

/// Test settings: cheap password hashing (the real parameters are for production), generous
/// per-address limits unless a test lowers them.
pub fn settings() -> Settings {
    let mut settings = Settings::default();
    settings.auth.password.memory_kib = 1024;
    settings.auth.password.iterations = 1;
    settings.auth.logins_per_minute = 1000;
    settings.auth.emails_per_minute = 1000;
    settings.admin.username = Some(ADMIN.into());
    settings.admin.email = Some("root@example.com".into());
    settings.admin.password = Some(ADMIN_PASSWORD.to_owned().into());
    settings
}

impl Service {
    pub async fn start(backend: Backend, cache: CacheKind) -> Self {
        Self::start_with(backend, cache, settings()).await
    }

    pub async fn start_with(backend: Backend, cache: CacheKind, mut settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match backend {
            Backend::Sqlite => {
                settings.database.url =
                    format!("sqlite://{}", dir.path().join("users.db").display());
                None
            }
            Backend::Postgres => {
                let database = ScratchDatabase::create("users")
                    .await
                    .expect("the shared Postgres on 127.0.0.1:5432");
                settings.database.url = database.url.clone();
                Some(database)
            }
        };
        let memcached = match cache {
            CacheKind::Memory => {
                settings.cache.url = "memory".into();
                None
            }
            CacheKind::Memcached => {
                let port = free_port();
                let mut command = Command::new("memcached");
                command.args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", "0"]);
                if running_as_root() {
                    command.args(["-u", "root"]);
                }
                let server = Server::start(command, "memcached", port);
                settings.cache.url = format!("memcached://127.0.0.1:{port}");
                Some(server)
            }
        };
        Self::launch(settings, dir, database, memcached).await
    }

    async fn launch(
        settings: Settings,
        dir: tempfile::TempDir,
        database: Option<ScratchDatabase>,
        memcached: Option<Server>,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let users = xcode_users::start(&settings).await.expect("start users");
        let task = tokio::spawn(xcode_users::serve(users, listener, async {
            let _ = stop.await;
        }));
        let client = Client::connect(address.clone()).await.expect("connect");
        Self {
            client,
            address,
            memcached,
            settings,
            shutdown: Some(shutdown),
            task: Some(task),
            _dir: dir,
            _database: database,
        }
    }

    /// Stops the server (gracefully) and starts another on the same database and cache with
    /// `change` applied to the settings.
    pub async fn restart(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        self.stop().await;
        let mut settings = self.settings.clone();
        change(&mut settings);
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("temp dir"));
        let database = self._database.take();
        let memcached = self.memcached.take();
        Self::launch(settings, dir, database, memcached).await
    }

    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("join")
                .expect("served and stopped cleanly");
        }
    }

    pub fn kill_memcached(&mut self) {
        self.memcached.take().expect("this service has a memcached");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub fn running_as_root() -> bool {
    std::env::var("USER").is_ok_and(|user| user == "root")
        || Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| out.stdout.starts_with(b"0"))
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A server process of the test's own; killed when dropped.
pub struct Server {
    pub port: u16,
    child: Child,
}

impl Server {
    pub fn start(mut command: Command, name: &str, port: u16) -> Self {
        command.stdout(Stdio::null());
        Self::start_keeping_stdout(command, name, port)
    }

    /// [`Server::start`] with stdout where `command` says.
    pub fn start_keeping_stdout(mut command: Command, name: &str, port: u16) -> Self {
        let child = command
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

/// `message` with `authorization: Bearer token`.
pub fn authed<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("ascii"),
    );
    request
}

pub fn from_ip<T>(ip: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("x-client-ip", ip.parse().expect("ascii"));
    request
}

#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(
    result: Result<T, Status>,
    code: Code,
    needle: &str,
) -> Status {
    let status = result.expect_err("an error status");
    assert_eq!(status.code(), code, "{status:?}");
    assert!(
        status.message().contains(needle),
        "{:?} does not contain {needle:?}",
        status.message()
    );
    status
}

pub async fn register(
    client: &mut Client,
    username: &str,
    email: &str,
    password: &str,
) -> pb::User {
    client
        .register(pb::RegisterRequest {
            username: username.into(),
            email: email.into(),
            password: password.into(),
        })
        .await
        .expect("register")
        .into_inner()
        .user
        .expect("user")
}

pub async fn login(client: &mut Client, login: &str, password: &str) -> pb::login_response::Result {
    client
        .login(pb::LoginRequest {
            login: login.into(),
            password: password.into(),
        })
        .await
        .expect("login")
        .into_inner()
        .result
        .expect("a result")
}

pub async fn signed_in(client: &mut Client, login_name: &str, password: &str) -> pb::SignedIn {
    match login(client, login_name, password).await {
        pb::login_response::Result::SignedIn(signed_in) => signed_in,
        other => panic!("expected tokens, got {other:?}"),
    }
}

pub fn access(signed_in: &pb::SignedIn) -> String {
    signed_in
        .tokens
        .as_ref()
        .expect("tokens")
        .access_token
        .clone()
}

/// The newest outbox email to `to` whose subject contains `subject`: its token.
pub async fn token_from_outbox(
    client: &mut Client,
    admin_token: &str,
    to: &str,
    subject: &str,
) -> String {
    let emails = client
        .list_outbox(authed(
            admin_token,
            pb::ListOutboxRequest {
                page: 1,
                page_size: 200,
            },
        ))
        .await
        .expect("outbox")
        .into_inner()
        .emails;
    let email = emails
        .iter()
        .find(|email| email.to == to && email.subject.contains(subject))
        .unwrap_or_else(|| panic!("no {subject:?} email to {to} in {emails:?}"));
    let token = email
        .body
        .split_whitespace()
        .find(|word| word.starts_with("xev_") || word.starts_with("xpr_"))
        .expect("a token in the email");
    token.to_owned()
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
