//! The users service's settings: sections `database`, `cache`, `auth`, `mail`, `admin` of the
//! layered configuration (`XCODE__AUTH__ACCESS_TTL_SECONDS=600`, ...; docs/accounts.md).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::password::HashParams;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub cache: CacheSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub admin: AdminSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` (created when missing) or `postgres://...`.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/xcode.db".into(),
            max_connections: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheSettings {
    /// `memory` (in this process) or `memcached://HOST:PORT`.
    pub url: String,
    /// The in-process cache's size.
    pub memory_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            url: "memory".into(),
            memory_bytes: 64 << 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    pub access_ttl_seconds: u64,
    pub refresh_ttl_seconds: u64,
    pub verify_email_ttl_seconds: u64,
    pub reset_password_ttl_seconds: u64,
    /// How long the password step of a two-factor login stays good.
    pub challenge_ttl_seconds: u64,
    /// Wrong passwords (or codes) in a row that lock an account, and for how long.
    pub max_failed_logins: u32,
    pub lockout_seconds: u64,
    /// Login attempts per client address per minute.
    pub logins_per_minute: u32,
    /// Emails (verification, reset) requested per client address per minute.
    pub emails_per_minute: u32,
    /// Take the client address from the `x-client-ip` metadata the gateway sets; turn off when
    /// the gRPC port is reachable by clients directly.
    pub trust_client_ip: bool,
    /// The issuer authenticator apps show.
    pub totp_issuer: String,
    pub password: HashParams,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_ttl_seconds: 15 * 60,
            refresh_ttl_seconds: 30 * 24 * 3600,
            verify_email_ttl_seconds: 48 * 3600,
            reset_password_ttl_seconds: 3600,
            challenge_ttl_seconds: 5 * 60,
            max_failed_logins: 10,
            lockout_seconds: 15 * 60,
            logins_per_minute: 60,
            emails_per_minute: 10,
            trust_client_ip: true,
            totp_issuer: "Xcode".into(),
            password: HashParams::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// `smtp://user:pass@host:587` or `smtps://...`; unset keeps email in the outbox.
    #[serde(skip_serializing)]
    pub smtp_url: Option<SecretString>,
    pub from: String,
    /// Where links in emails point (the web app).
    pub public_url: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Xcode <no-reply@xcode.localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// The first admin, created at startup when there is no admin yet.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminSettings {
    pub username: Option<String>,
    pub email: Option<String>,
    #[serde(skip_serializing)]
    pub password: Option<SecretString>,
}
