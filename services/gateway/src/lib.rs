//! `xcode-gateway`: the platform's public HTTP/JSON face (docs/http-api.md). It turns JSON
//! requests into gRPC calls to the services, maps their statuses to HTTP errors in one place
//! (`error`), and handles what only browsers need: auth cookies and CSRF (`auth`).
//!
//! It reaches the services over gRPC only: it never links a service's library, the store or
//! the sandbox.

mod api;
mod auth;
mod error;
mod extract;
mod judge0;
mod model;
mod openapi;
mod ops;
mod telemetry;
mod upstream;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tonic::transport::{Channel, Endpoint};
use xcode_proto::judge::v1::execution_service_client::ExecutionServiceClient;
use xcode_proto::problems::v1::problem_service_client::ProblemServiceClient;
use xcode_proto::users::v1::auth_user_admin_service_client::AuthUserAdminServiceClient;

/// The gateway's settings (the `gateway` section of the server's configuration).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// gRPC address of the users service, e.g. "http://127.0.0.1:50051"
    pub users_url: String,
    /// gRPC address of the problems and judge services (empty: the users service's address)
    pub judge_url: String,
    /// Largest problem package upload in bytes (default 64 MiB)
    pub max_package_bytes: usize,
    /// Mark auth cookies `Secure` (default true; browsers accept Secure cookies on http://localhost)
    pub cookie_secure: bool,
    /// Largest request body in bytes (default 64 KiB) -> 413 with the JSON error body
    pub max_body_bytes: usize,
    /// Per-request timeout in seconds for calls to services (default 10)
    pub request_timeout_seconds: u64,
    /// Take the client's IP (for rate limiting) from the last `X-Forwarded-For` address, as
    /// the one proxy in front of the gateway appends it, instead of the peer address. Only
    /// behind such a proxy: anyone can send the header (default false).
    pub trust_forwarded_for: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            users_url: "http://127.0.0.1:50051".into(),
            judge_url: String::new(),
            max_package_bytes: 64 << 20,
            cookie_secure: true,
            max_body_bytes: 64 * 1024,
            request_timeout_seconds: 10,
            trust_forwarded_for: false,
        }
    }
}

/// What every handler shares: the service clients and the settings they need.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) users: AuthUserAdminServiceClient<Channel>,
    pub(crate) problems: ProblemServiceClient<Channel>,
    pub(crate) execution: ExecutionServiceClient<Channel>,
    /// The judge's channel, for its health service.
    pub(crate) judge_channel: Channel,
    pub(crate) max_package_bytes: usize,
    /// The users service's channel, for its health service.
    pub(crate) users_channel: Channel,
    pub(crate) request_timeout: Duration,
    pub(crate) cookie_secure: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) trust_forwarded_for: bool,
}

/// Serves the gateway on `listener` until `shutdown` completes, then lets requests in flight
/// finish.
pub async fn run(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = app(&settings)?;
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, users = %settings.users_url, "gateway listening");
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving the gateway")
}

/// The gateway's router. It connects to the services lazily, so it starts before they are
/// up (`/readyz` tells when they answer). Must be called within a Tokio runtime.
pub fn app(settings: &Settings) -> anyhow::Result<Router> {
    // Install the recorder before the first request records anything.
    xcode_kit::telemetry::prometheus();
    let request_timeout = Duration::from_secs(settings.request_timeout_seconds.max(1));
    let users_channel = Endpoint::from_shared(settings.users_url.clone())
        .with_context(|| format!("users_url {:?} is not a valid URI", settings.users_url))?
        .connect_timeout(request_timeout)
        .timeout(request_timeout)
        .connect_lazy();
    let judge_url = if settings.judge_url.is_empty() {
        &settings.users_url
    } else {
        &settings.judge_url
    };
    // Runs and package uploads take longer than account calls.
    let judge_channel = Endpoint::from_shared(judge_url.clone())
        .with_context(|| format!("judge_url {judge_url:?} is not a valid URI"))?
        .connect_timeout(request_timeout)
        .connect_lazy();
    let state = AppState {
        users: AuthUserAdminServiceClient::new(users_channel.clone()),
        problems: ProblemServiceClient::new(judge_channel.clone())
            .max_decoding_message_size(16 << 20),
        execution: ExecutionServiceClient::new(judge_channel.clone())
            .max_decoding_message_size(64 << 20),
        judge_channel,
        max_package_bytes: settings.max_package_bytes,
        users_channel,
        request_timeout,
        cookie_secure: settings.cookie_secure,
        max_body_bytes: settings.max_body_bytes,
        trust_forwarded_for: settings.trust_forwarded_for,
    };
    let router = api::routes(settings.max_package_bytes)
        .merge(judge0::routes())
        .merge(ops::routes())
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .with_state(state);
    Ok(telemetry::layer(router))
}
