//! What the store keeps, as plain records. Times are Unix milliseconds (`*_ms`); the services
//! turn them into timestamps at their edge.

use serde::{Deserialize, Serialize};

/// An account row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub password_hash: String,
    pub display_name: String,
    pub bio: String,
    pub country: String,
    pub avatar_url: String,
    pub preferred_language: String,
    pub role: String,
    pub verified_at: Option<i64>,
    pub banned_at: Option<i64>,
    pub ban_reason: Option<String>,
    pub banned_until: Option<i64>,
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserRecord {
    /// Banned at `now_ms`: a ban whose `until` has passed is over.
    pub fn is_banned(&self, now_ms: i64) -> bool {
        self.banned_at.is_some() && self.banned_until.is_none_or(|until| until > now_ms)
    }
}

/// What registration stores.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub username: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub password_hash: String,
    pub role: String,
    pub verified: bool,
    pub now_ms: i64,
}

/// Profile fields to change: `None` keeps a field, `Some("")` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub country: Option<String>,
    pub avatar_url: Option<String>,
    pub preferred_language: Option<String>,
}

/// Which users [`crate::UserStore::list_users`] returns.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Case-insensitive substring of the username, email or display name; empty for all.
    pub query: String,
    pub banned: Option<bool>,
    pub verified: Option<bool>,
    /// A role, or empty for all.
    pub role: String,
    pub offset: u64,
    pub limit: u64,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    VerifyEmail,
    ResetPassword,
    /// Proves the password step of a two-factor login.
    LoginChallenge,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::LoginChallenge => "login_challenge",
        }
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Unknown,
    Expired,
    Used,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: String,
    pub family_id: String,
    pub user_id: String,
    pub access_hash: String,
    pub access_expires_at: i64,
    pub refresh_hash: String,
    pub refresh_expires_at: i64,
    pub client_ip: String,
    pub created_at: i64,
    pub replaced_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What presenting a refresh token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: the session is replaced by the new one.
    Rotated { previous: SessionRecord },
    /// The token was spent already: its whole family is revoked (these access hashes).
    Reused { revoked_access_hashes: Vec<String> },
    /// Unknown, expired or revoked.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor_id: String,
    pub actor_username: String,
    pub action: String,
    pub target_user_id: String,
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRecord {
    pub id: i64,
    pub at: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// A login failure counted: how many in a row, and the lock it caused, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
}
