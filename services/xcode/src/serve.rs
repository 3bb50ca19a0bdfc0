//! `xcode serve`: the platform in one process on the embedded defaults (SQLite under the data
//! directory, the in-process cache, bus and queue): the users, problems and judge services on
//! one gRPC port, a judge worker, and the gateway on HTTP. Or one part alone (`xcode serve
//! users|judge|judge-worker|gateway`), configured for production with Postgres, Memcached and
//! NATS URLs.
//!
//! Settings are layered (docs/configuration.md): defaults, then `--config FILE`, then
//! `XCODE__SECTION__KEY` variables, then these flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use xcode_kit::shutdown;
use xcode_users::settings::{
    AdminSettings, AuthSettings, CacheSettings, DatabaseSettings, MailSettings,
};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(subcommand)]
    only: Option<Only>,
    /// Where the gateway listens (HTTP).
    #[arg(long, global = true, value_name = "ADDR")]
    http: Option<String>,
    /// Where the services listen (gRPC).
    #[arg(long, global = true, value_name = "ADDR")]
    grpc: Option<String>,
    /// Where the embedded database lives (default `data`).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML file of settings (sections as in docs/configuration.md).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The users service's gRPC URL, for `serve gateway` and `serve judge`.
    #[arg(long, global = true, value_name = "URL")]
    users_url: Option<String>,
    /// The problems and judge services' gRPC URL, for `serve gateway`.
    #[arg(long, global = true, value_name = "URL")]
    judge_url: Option<String>,
    /// NATS (`nats://HOST:PORT`) for the judge queue and events; without it, in process.
    #[arg(long, global = true, value_name = "URL")]
    nats_url: Option<String>,
    /// Judge workers (submissions judged at once) in this process.
    #[arg(long, global = true, value_name = "N")]
    workers: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Only {
    /// The users service (AuthUserAdminService) alone, on --grpc.
    Users,
    /// The HTTP gateway alone, on --http, in front of --users-url and --judge-url.
    Gateway,
    /// The problems and judge services (ProblemService, ExecutionService) on --grpc.
    Judge,
    /// One judge worker: takes submissions off the NATS queue (--nats-url) and judges them.
    JudgeWorker,
}

/// Every setting of the platform, by section.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServeSettings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub cache: CacheSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub admin: AdminSettings,
    pub gateway: xcode_gateway::Settings,
    pub judge: xcode_judge::JudgeSettings,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub http: String,
    pub grpc: String,
    pub data_dir: PathBuf,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            http: "127.0.0.1:8080".into(),
            grpc: "127.0.0.1:50051".into(),
            data_dir: PathBuf::from("data"),
        }
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings: ServeSettings =
        xcode_kit::config::load(args.config.as_deref(), std::env::vars())?;
    if let Some(http) = args.http {
        settings.server.http = http;
    }
    if let Some(grpc) = args.grpc {
        settings.server.grpc = grpc;
    }
    if let Some(dir) = args.data_dir {
        settings.server.data_dir = dir;
    }
    if let Some(url) = args.users_url {
        settings.gateway.users_url.clone_from(&url);
        settings.judge.users_url = url;
    }
    if let Some(url) = args.judge_url {
        settings.gateway.judge_url = url;
    }
    if let Some(url) = args.nats_url {
        settings.judge.nats_url = url;
    }
    if let Some(workers) = args.workers {
        settings.judge.workers = workers;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        xcode_kit::telemetry::init();
        match args.only {
            None => all_in_one(settings).await,
            Some(Only::Users) => users_alone(settings).await,
            Some(Only::Gateway) => gateway_alone(settings).await,
            Some(Only::Judge) => judge_alone(settings).await,
            Some(Only::JudgeWorker) => worker_alone(settings).await,
        }
    })
}

/// How long requests in flight get to finish after SIGTERM (Kubernetes waits 30 s by default
/// before it kills).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

fn users_settings(settings: &ServeSettings) -> xcode_users::Settings {
    xcode_users::Settings {
        database: settings.database.clone(),
        cache: settings.cache.clone(),
        auth: settings.auth.clone(),
        mail: settings.mail.clone(),
        admin: settings.admin.clone(),
    }
}

/// The embedded database under the data directory, unless a URL was configured.
fn embedded_database(settings: &mut ServeSettings) -> anyhow::Result<()> {
    if settings.database.url != DatabaseSettings::default().url {
        return Ok(());
    }
    let dir = &settings.server.data_dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    settings.database.url = format!("sqlite://{}", dir.join("xcode.db").display());
    Ok(())
}

/// Packages unpack under the data directory unless configured.
fn packages_dir(settings: &mut ServeSettings) {
    if settings.judge.packages_dir == xcode_judge::JudgeSettings::default().packages_dir {
        settings.judge.packages_dir = settings.server.data_dir.join("packages");
    }
}

/// The judge's shared state: store, cache, bus, queue and engine as `settings` say.
async fn judge(settings: &ServeSettings) -> anyhow::Result<xcode_judge::Judge> {
    let parts = xcode_judge::open(
        &xcode_store::Options {
            url: settings.database.url.clone(),
            max_connections: settings.database.max_connections,
        },
        &settings.cache.url,
        settings.cache.memory_bytes,
        &settings.judge,
    )
    .await?;
    let toolchains = crate::toolchains::open(None)?;
    let engine = xcode_judge_engine::Engine::new(
        toolchains,
        xcode_judge_engine::EngineConfig {
            module_cache: crate::run::default_cache_dir(),
            workers: settings.judge.test_threads.max(1),
            ..xcode_judge_engine::EngineConfig::default()
        },
    )?;
    xcode_judge::Judge::new(
        parts.store,
        parts.cache,
        parts.bus,
        parts.queue,
        std::sync::Arc::new(engine),
        settings.judge.clone(),
    )
    .await
}

/// Seeds the starter problems, recovers an in-process queue, starts the sweeper.
async fn judge_duties(judge: &xcode_judge::Judge, settings: &ServeSettings) -> anyhow::Result<()> {
    if settings.judge.seed {
        xcode_judge::seed::seed_if_empty(judge, "system", "xcode")
            .await
            .context("loading the starter problems")?;
    }
    if judge.queue().backend() == "in-process" {
        judge.recover().await?;
    }
    tokio::spawn(xcode_judge::worker::sweeper(
        judge.clone(),
        std::time::Duration::from_secs(settings.judge.sweep_every_seconds.max(1)),
        std::time::Duration::from_secs(settings.judge.sweep_age_seconds),
    ));
    Ok(())
}

async fn bind(address: &str, what: &str) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("{what}: cannot listen on {address}"))?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// One line on stdout per listener, once it accepts connections (scripts and tests wait for
/// these; with port 0 they say which port was taken).
fn announce(line: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

async fn all_in_one(mut settings: ServeSettings) -> anyhow::Result<()> {
    embedded_database(&mut settings)?;
    packages_dir(&mut settings);
    let (grpc, grpc_address) = bind(&settings.server.grpc, "gRPC").await?;
    let (http, http_address) = bind(&settings.server.http, "HTTP").await?;
    settings.gateway.users_url = format!("http://{grpc_address}");
    settings.gateway.judge_url = format!("http://{grpc_address}");
    settings.judge.users_url = format!("http://{grpc_address}");
    if settings.mail.public_url == MailSettings::default().public_url {
        // Links in emails point at where this process serves.
        settings.mail.public_url = format!("http://{http_address}");
    }
    let users = xcode_users::start(&users_settings(&settings)).await?;
    let judge = judge(&settings).await?;
    judge_duties(&judge, &settings).await?;
    let (stop, _) = stop_on_signal();
    announce(&format!("xcode: gRPC listening on {grpc_address}"));
    announce(&format!("xcode: HTTP listening on http://{http_address}"));
    tracing::info!(
        database = xcode_users::redact(&settings.database.url),
        cache = settings.cache.url,
        "serving"
    );
    let (problems, execution) = xcode_judge::grpc_services(&judge);
    let router = xcode_kit::grpc::router_of(&[
        service_name(&xcode_users::grpc_service(users.clone())),
        service_name(&problems),
        service_name(&execution),
    ])
    .await?
    .add_service(xcode_users::grpc_service(users))
    .add_service(problems)
    .add_service(execution);
    let services = async {
        xcode_kit::grpc::serve(router, grpc, stop.wait()).await?;
        anyhow::Ok(())
    };
    let workers = async {
        xcode_judge::worker::run(judge.clone(), settings.judge.workers, stop.wait()).await;
        anyhow::Ok(())
    };
    let gateway = xcode_gateway::run(settings.gateway, http, stop.wait());
    if let Some(result) = shutdown::bounded(
        async { tokio::try_join!(services, workers, gateway) },
        stop.wait(),
        SHUTDOWN_GRACE,
    )
    .await
    {
        result?;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn users_alone(mut settings: ServeSettings) -> anyhow::Result<()> {
    embedded_database(&mut settings)?;
    let users = xcode_users::start(&users_settings(&settings)).await?;
    let (grpc, grpc_address) = bind(&settings.server.grpc, "gRPC").await?;
    announce(&format!("xcode: gRPC listening on {grpc_address}"));
    let (stop, stopping) = stop_on_signal();
    let served = xcode_users::serve(users, grpc, stopping.wait());
    shutdown::bounded(served, stop.wait(), SHUTDOWN_GRACE)
        .await
        .unwrap_or(Ok(()))
}

async fn judge_alone(mut settings: ServeSettings) -> anyhow::Result<()> {
    embedded_database(&mut settings)?;
    packages_dir(&mut settings);
    let judge = judge(&settings).await?;
    judge_duties(&judge, &settings).await?;
    let (grpc, grpc_address) = bind(&settings.server.grpc, "gRPC").await?;
    announce(&format!("xcode: gRPC listening on {grpc_address}"));
    let (stop, stopping) = stop_on_signal();
    // An in-process queue has no other workers: this process judges too.
    let local_workers = if judge.queue().backend() == "in-process" {
        settings.judge.workers
    } else {
        0
    };
    let served = async {
        let workers = async {
            if local_workers > 0 {
                xcode_judge::worker::run(judge.clone(), local_workers, stopping.wait()).await;
            }
            anyhow::Ok(())
        };
        tokio::try_join!(xcode_judge::serve(&judge, grpc, stopping.wait()), workers)?;
        anyhow::Ok(())
    };
    shutdown::bounded(served, stop.wait(), SHUTDOWN_GRACE)
        .await
        .unwrap_or(Ok(()))
}

async fn worker_alone(mut settings: ServeSettings) -> anyhow::Result<()> {
    embedded_database(&mut settings)?;
    packages_dir(&mut settings);
    if settings.judge.nats_url.is_empty() {
        anyhow::bail!(
            "a judge worker alone takes its jobs from NATS: give --nats-url (or XCODE__JUDGE__NATS_URL)"
        );
    }
    let judge = judge(&settings).await?;
    announce(&format!(
        "xcode: judge worker ({} at once) on {}",
        settings.judge.workers.max(1),
        settings.judge.nats_url
    ));
    let (stop, stopping) = stop_on_signal();
    let working = async {
        xcode_judge::worker::run(judge, settings.judge.workers, stopping.wait()).await;
        anyhow::Ok(())
    };
    // A judging in progress gets the grace period to finish; past it the job is redelivered.
    shutdown::bounded(working, stop.wait(), SHUTDOWN_GRACE)
        .await
        .unwrap_or(Ok(()))
}

fn service_name<S: tonic::server::NamedService>(_: &S) -> &'static str {
    S::NAME
}

async fn gateway_alone(settings: ServeSettings) -> anyhow::Result<()> {
    let (http, http_address) = bind(&settings.server.http, "HTTP").await?;
    announce(&format!("xcode: HTTP listening on http://{http_address}"));
    let (stop, stopping) = stop_on_signal();
    let served = xcode_gateway::run(settings.gateway, http, stopping.wait());
    shutdown::bounded(served, stop.wait(), SHUTDOWN_GRACE)
        .await
        .unwrap_or(Ok(()))
}

/// A shutdown that SIGINT or SIGTERM fires (two handles on it: the server's and the deadline's).
fn stop_on_signal() -> (shutdown::Shutdown, shutdown::Shutdown) {
    let (trigger, stop) = shutdown::channel();
    tokio::spawn(async move {
        shutdown::signal().await;
        trigger.fire();
    });
    (stop.clone(), stop)
}
