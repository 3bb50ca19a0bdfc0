//! `xcode-users`: the accounts service, `AuthUserAdminService` over gRPC (proto/xcode/users/v1):
//! registration and email verification, password and two-factor (TOTP) login, sessions with
//! rotating refresh tokens, password reset, profiles, and the administration of users with an
//! audit log. docs/accounts.md describes the rules (password hashing, tokens, limits).
//!
//! It keeps its data through `xcode-store` and caches sessions and users through the kit's
//! [`xcode_kit::Cache`]; it links no other service.

mod convert;
mod error;
mod limits;
mod mail;
pub mod names;
pub mod password;
mod secrets;
mod service;
pub mod settings;
mod totp;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;
use xcode_proto::users::v1::auth_user_admin_service_server::AuthUserAdminServiceServer;

pub use error::ServiceError;
pub use service::Users;
pub use settings::Settings;

/// Largest request the service decodes.
const MAX_MESSAGE_BYTES: usize = 64 << 10;

/// The service on its store and cache, with the first admin in place (created when there is
/// no admin yet; a generated password is printed once, to stderr).
pub async fn start(settings: &Settings) -> anyhow::Result<Users> {
    let store = xcode_store::connect(&xcode_store::Options {
        url: settings.database.url.clone(),
        max_connections: settings.database.max_connections,
    })
    .await
    .with_context(|| format!("opening the database {}", redact(&settings.database.url)))?;
    let cache = xcode_kit::cache::from_url(&settings.cache.url, settings.cache.memory_bytes)
        .map_err(anyhow::Error::msg)?;
    let hasher = password::Hasher::new(settings.auth.password)?;
    let mailer = mail::Mailer::new(&settings.mail, Arc::clone(&store))?;
    let users = Users::new(store, cache, hasher, mailer, settings.auth.clone());
    let admin = &settings.admin;
    let created = users
        .ensure_admin(
            admin.username.as_deref(),
            admin.email.as_deref(),
            admin
                .password
                .as_ref()
                .map(|password| password.expose_secret()),
        )
        .await
        .context("creating the first admin")?;
    match created {
        Some((username, Some(password))) => {
            tracing::warn!(
                username,
                "created the first admin; its password is printed once"
            );
            eprintln!(
                "\nFirst start: created the admin account `{username}` with the password\n\n    {password}\n\n\
                 Sign in and change it (POST /api/v1/auth/password/change). It is not shown again.\n"
            );
        }
        Some((username, None)) => tracing::info!(username, "created the first admin"),
        None => {}
    }
    Ok(users)
}

/// The gRPC service of `users`, as a server adds it.
pub fn grpc_service(users: Users) -> AuthUserAdminServiceServer<Users> {
    AuthUserAdminServiceServer::new(users).max_decoding_message_size(MAX_MESSAGE_BYTES)
}

/// Serves `users` on `listener` (with health and reflection) until `shutdown` completes.
pub async fn serve(
    users: Users,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let router = xcode_kit::grpc::router::<AuthUserAdminServiceServer<Users>>()
        .await?
        .add_service(grpc_service(users));
    xcode_kit::grpc::serve(router, listener, shutdown).await?;
    Ok(())
}

/// [`start`], then [`serve`].
pub async fn run(
    settings: &Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let users = start(settings).await?;
    serve(users, listener, shutdown).await
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
