//! `xcode-judge`: problems and submissions as services. `ProblemService`
//! (proto/xcode/problems/v1) keeps problems and their packages; `ExecutionService`
//! (proto/xcode/judge/v1) runs code, queues submissions and streams their verdicts; the
//! [`worker`] takes queued submissions off the [`queue`] (NATS JetStream, or in process) and
//! judges them with `xcode-judge-engine`, publishing per-test events on the bus.
//!
//! Packages are stored in the database (a deterministic tar.gz addressed by its SHA-256) and
//! unpacked once per host under `packages_dir`, so judge workers need only the database.
//! docs/judging-service.md tells the whole flow.

pub mod archive;
mod caller;
mod convert;
mod events;
mod execution;
mod executions;
mod markdown;
mod ops;
pub mod packages;
mod problems;
pub mod queue;
pub mod seed;
pub mod worker;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tonic::transport::{Channel, Endpoint};
use xcode_judge_engine::Engine;
use xcode_kit::bus::Bus;
use xcode_kit::cache::Cache;
use xcode_proto::judge::v1::execution_service_server::ExecutionServiceServer;
use xcode_proto::problems::v1::problem_service_server::ProblemServiceServer;
use xcode_proto::users::v1::auth_user_admin_service_client::AuthUserAdminServiceClient;
use xcode_store::JudgeStore;

pub use execution::Execution;
pub use problems::Problems;
pub use queue::{JobQueue, LocalQueue, NatsQueue};

/// Largest message the services decode: a package arrives in chunks of 1 MiB.
const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// The `judge` section of the settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct JudgeSettings {
    /// `nats://HOST:PORT` for the JetStream queue and event subjects; empty: in process.
    pub nats_url: String,
    /// Keeps deployments that share one NATS apart (the queue's stream and subject get it).
    pub nats_namespace: String,
    /// The users service's gRPC URL (callers' tokens are checked there).
    pub users_url: String,
    /// Where packages are unpacked (default `data/packages`).
    pub packages_dir: PathBuf,
    /// Submissions a worker process judges at once.
    pub workers: usize,
    /// Tests of one submission run at once (default: the cores).
    pub test_threads: usize,
    /// Largest source, in bytes.
    pub max_source_bytes: usize,
    /// Largest package archive, in bytes.
    pub max_package_bytes: usize,
    /// Submissions of one user waiting or being judged at once.
    pub max_pending_per_user: u64,
    /// Runs (the Run button) at once in this process.
    pub max_concurrent_runs: usize,
    /// Load the starter problems into an empty database.
    pub seed: bool,
    /// NATS: seconds a worker may hold a job without a sign of life before it is redelivered
    /// (workers signal every third of it while judging).
    pub ack_wait_seconds: u64,
    /// How often the judge service looks for submissions whose job was lost (the queue was
    /// down when they were submitted), and how long they must have waited.
    pub sweep_every_seconds: u64,
    pub sweep_age_seconds: u64,
}

impl Default for JudgeSettings {
    fn default() -> Self {
        Self {
            nats_url: String::new(),
            nats_namespace: String::new(),
            users_url: "http://127.0.0.1:50051".into(),
            packages_dir: PathBuf::from("data/packages"),
            workers: 1,
            test_threads: std::thread::available_parallelism().map_or(2, usize::from),
            max_source_bytes: 64 << 10,
            max_package_bytes: 64 << 20,
            max_pending_per_user: 20,
            max_concurrent_runs: std::thread::available_parallelism().map_or(2, usize::from),
            seed: true,
            ack_wait_seconds: 30,
            sweep_every_seconds: 10,
            sweep_age_seconds: 30,
        }
    }
}

/// What the services and workers share.
#[derive(Clone)]
pub struct Judge(Arc<Shared>);

pub(crate) struct Shared {
    pub store: Arc<dyn JudgeStore>,
    pub cache: Arc<dyn Cache>,
    pub bus: Arc<dyn Bus>,
    pub queue: Arc<dyn JobQueue>,
    pub users: AuthUserAdminServiceClient<Channel>,
    pub engine: Arc<Engine>,
    pub settings: JudgeSettings,
    pub runs: tokio::sync::Semaphore,
    /// This deployment's id (from its database): the cache's keys carry it.
    pub deployment: String,
    pub problems: worker::LoadedProblems,
}

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Judge")
            .field("queue", &self.0.queue.backend())
            .field("bus", &self.0.bus)
            .finish_non_exhaustive()
    }
}

impl Judge {
    pub async fn new(
        store: Arc<dyn JudgeStore>,
        cache: Arc<dyn Cache>,
        bus: Arc<dyn Bus>,
        queue: Arc<dyn JobQueue>,
        engine: Arc<Engine>,
        settings: JudgeSettings,
    ) -> anyhow::Result<Self> {
        let deployment = store
            .deployment_id(&uuid::Uuid::new_v4().simple().to_string())
            .await
            .context("reading the deployment id")?;
        let users = Endpoint::from_shared(settings.users_url.clone())
            .with_context(|| format!("users_url {:?} is not a valid URI", settings.users_url))?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect_lazy();
        Ok(Self(Arc::new(Shared {
            store,
            cache,
            bus,
            queue,
            users: AuthUserAdminServiceClient::new(users),
            engine,
            runs: tokio::sync::Semaphore::new(settings.max_concurrent_runs.max(1)),
            problems: worker::LoadedProblems::default(),
            deployment,
            settings,
        })))
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.0
    }

    pub fn store(&self) -> &Arc<dyn JudgeStore> {
        &self.0.store
    }

    pub fn queue(&self) -> &Arc<dyn JobQueue> {
        &self.0.queue
    }
}

/// The store, cache, bus and queue the settings name.
#[derive(Debug)]
pub struct Parts {
    pub store: Arc<dyn JudgeStore>,
    pub cache: Arc<dyn Cache>,
    pub bus: Arc<dyn Bus>,
    pub queue: Arc<dyn JobQueue>,
}

/// Opens what `settings` names: the database (migrated), the cache, and NATS (bus and
/// JetStream queue) or their in-process equivalents.
pub async fn open(
    database: &xcode_store::Options,
    cache_url: &str,
    cache_memory_bytes: u64,
    settings: &JudgeSettings,
) -> anyhow::Result<Parts> {
    let store = xcode_store::connect_judge(database)
        .await
        .context("opening the database")?;
    let cache =
        xcode_kit::cache::from_url(cache_url, cache_memory_bytes).map_err(anyhow::Error::msg)?;
    let (bus, queue): (Arc<dyn Bus>, Arc<dyn JobQueue>) = if settings.nats_url.is_empty() {
        (
            Arc::new(xcode_kit::bus::InProcessBus::new()),
            Arc::new(LocalQueue::new()),
        )
    } else {
        let nats = xcode_kit::bus::Nats::connect(&settings.nats_url).await?;
        let queue = NatsQueue::open(
            nats.client(),
            std::time::Duration::from_secs(settings.ack_wait_seconds.max(1)),
            &settings.nats_namespace,
        )
        .await
        .with_context(|| format!("opening the JetStream queue on {}", settings.nats_url))?;
        (Arc::new(nats), Arc::new(queue))
    };
    Ok(Parts {
        store,
        cache,
        bus,
        queue,
    })
}

/// The gRPC services, as a server adds them.
pub fn grpc_services(
    judge: &Judge,
) -> (
    ProblemServiceServer<Problems>,
    ExecutionServiceServer<Execution>,
) {
    (
        ProblemServiceServer::new(Problems(judge.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES),
        ExecutionServiceServer::new(Execution(judge.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES),
    )
}

/// Serves both services on `listener` (with health and reflection) until `shutdown`.
pub async fn serve(
    judge: &Judge,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let (problems, execution) = grpc_services(judge);
    let router = xcode_kit::grpc::router_of(&[
        <ProblemServiceServer<Problems> as tonic::server::NamedService>::NAME,
        <ExecutionServiceServer<Execution> as tonic::server::NamedService>::NAME,
    ])
    .await?
    .add_service(problems)
    .add_service(execution);
    xcode_kit::grpc::serve(router, listener, shutdown).await?;
    Ok(())
}
