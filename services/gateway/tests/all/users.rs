//! The real users service (xcode-users) of the test's own: a fresh SQLite database in a temp
//! directory, the in-process cache, port 0; stopped when dropped. The gateway reaches it over
//! gRPC only, as in production (the library is a dev-dependency, for starting it).

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use xcode_users::Settings;

pub const ADMIN: &str = "boss";
pub const ADMIN_PASSWORD: &str = "tall Giraffe drinks 7 lattes";
/// A password the service finds strong enough.
pub const PASSWORD: &str = "Analytical Engine weaves algebra";

pub struct Users {
    pub url: String,
    pub settings: Settings,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// Test settings: cheap password hashing (the real parameters are for production), the first
/// admin [`ADMIN`], generous per-address limits unless a test lowers them.
pub fn settings() -> Settings {
    let mut settings = Settings::default();
    settings.auth.password.memory_kib = 1024;
    settings.auth.password.iterations = 1;
    settings.auth.logins_per_minute = 1000;
    settings.auth.emails_per_minute = 1000;
    settings.admin.username = Some(ADMIN.into());
    settings.admin.email = Some("boss@example.com".into());
    settings.admin.password = Some(ADMIN_PASSWORD.to_owned().into());
    settings
}

impl Users {
    pub async fn start() -> Self {
        Self::start_with(settings()).await
    }

    pub async fn start_with(mut settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        settings.database.url = format!("sqlite://{}", dir.path().join("users.db").display());
        settings.cache.url = "memory".into();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("port 0");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let users = xcode_users::start(&settings)
            .await
            .expect("the users service starts");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            xcode_users::serve(users, listener, shutdown)
                .await
                .expect("the users service serves");
        });
        Self {
            url,
            settings,
            _stop: stop,
            _dir: dir,
        }
    }
}
