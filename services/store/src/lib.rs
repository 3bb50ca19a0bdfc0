//! `xcode-store`: what the services keep, behind repository traits, with one implementation
//! per backend: SQLite (the embedded default, a file under the data directory) and Postgres
//! (production). The database URL's scheme picks the backend ([`connect`]); migrations
//! (`migrations/sqlite`, `migrations/postgres` at the workspace root) run at connect.
//!
//! Both implementations run the same SQL text (positional `$N` parameters, `RETURNING`,
//! integer milliseconds for times, text ids), stamped out by one macro, so they cannot drift;
//! one test suite (`tests/store.rs`) runs on both.
//!
//! Operations that must not race are single conditional statements (a token is spent by an
//! `UPDATE ... WHERE used_at IS NULL ... RETURNING`, a TOTP step claimed by a
//! `WHERE totp_last_step < $step`), so they hold under concurrent replicas without locks.
//!
//! Depends on no other Xcode crate.

mod judge_model;
mod judge_sql;
mod model;
pub mod scratch;
mod sql;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use judge_model::*;
pub use model::*;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A unique value (a username or an email, compared by their keys) is taken.
    #[error("{0} is taken")]
    Conflict(Field),
    #[error("not found")]
    NotFound,
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which unique field a [`Error::Conflict`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Username,
    Email,
    /// A problem's slug.
    Slug,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Slug => "slug",
        })
    }
}

/// Accounts: users, their sessions, single-use tokens, recovery codes, the audit log and the
/// outbox of unsent email.
#[async_trait::async_trait]
pub trait UserStore: Send + Sync + fmt::Debug {
    /// Which backend: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Answers when the database does (readiness).
    async fn ping(&self) -> Result<()>;

    async fn insert_user(&self, user: NewUser) -> Result<UserRecord>;
    async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>>;
    async fn user_by_username_key(&self, key: &str) -> Result<Option<UserRecord>>;
    async fn user_by_email_key(&self, key: &str) -> Result<Option<UserRecord>>;
    async fn update_profile(
        &self,
        id: &str,
        patch: ProfilePatch,
        now_ms: i64,
    ) -> Result<UserRecord>;
    async fn set_password_hash(&self, id: &str, hash: &str, now_ms: i64) -> Result<()>;
    async fn set_verified(&self, id: &str, now_ms: i64) -> Result<UserRecord>;
    async fn set_ban(
        &self,
        id: &str,
        reason: Option<&str>,
        until_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<UserRecord>;
    async fn clear_ban(&self, id: &str, now_ms: i64) -> Result<UserRecord>;
    async fn set_role(&self, id: &str, role: &str, now_ms: i64) -> Result<UserRecord>;
    async fn delete_user(&self, id: &str) -> Result<()>;
    async fn list_users(&self, filter: &UserFilter) -> Result<(Vec<UserRecord>, u64)>;
    async fn count_role(&self, role: &str) -> Result<u64>;

    /// Counts a failed password; the `max`-th in a row locks the account until `lock_until_ms`
    /// and starts the count again.
    async fn record_login_failure(
        &self,
        id: &str,
        max: i64,
        lock_until_ms: i64,
    ) -> Result<FailureCount>;
    async fn clear_login_failures(&self, id: &str) -> Result<()>;

    async fn set_totp_pending(&self, id: &str, secret: &str, now_ms: i64) -> Result<()>;
    /// Makes the pending secret active, and `step` the last one used.
    async fn confirm_totp(&self, id: &str, secret: &str, step: i64, now_ms: i64) -> Result<()>;
    async fn disable_totp(&self, id: &str, now_ms: i64) -> Result<()>;
    /// Claims TOTP time step `step`: false when it (or a later one) was used already.
    async fn claim_totp_step(&self, id: &str, step: i64) -> Result<bool>;
    async fn replace_recovery_codes(&self, id: &str, code_hashes: &[String]) -> Result<()>;
    /// Spends a recovery code: false when it is not one of the user's unused codes.
    async fn use_recovery_code(&self, id: &str, code_hash: &str, now_ms: i64) -> Result<bool>;
    async fn unused_recovery_codes(&self, id: &str) -> Result<u64>;

    async fn insert_token(
        &self,
        hash: &str,
        kind: TokenKind,
        user_id: &str,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// The user of a live token, without spending it.
    async fn token_user(
        &self,
        hash: &str,
        kind: TokenKind,
        now_ms: i64,
    ) -> Result<std::result::Result<String, TokenRefusal>>;
    /// Spends a single-use token: its user, or why not.
    async fn consume_token(
        &self,
        hash: &str,
        kind: TokenKind,
        now_ms: i64,
    ) -> Result<std::result::Result<String, TokenRefusal>>;

    /// Spends every live token of `kind` of a user (a new password voids older reset links).
    async fn spend_user_tokens(&self, user_id: &str, kind: TokenKind, now_ms: i64) -> Result<u64>;

    async fn insert_session(&self, session: &SessionRecord) -> Result<()>;
    /// The live session (not expired, replaced or revoked) an access token belongs to.
    async fn session_by_access(
        &self,
        access_hash: &str,
        now_ms: i64,
    ) -> Result<Option<SessionRecord>>;
    /// Presents a refresh token: rotates it into `next` (same family) when current.
    async fn rotate_session(
        &self,
        refresh_hash: &str,
        next: &SessionRecord,
        now_ms: i64,
    ) -> Result<Rotation>;
    /// Revokes the live session of a refresh token; its access hash, if there was one.
    async fn revoke_session_by_refresh(
        &self,
        refresh_hash: &str,
        now_ms: i64,
    ) -> Result<Vec<String>>;
    /// Revokes one session; its access hash, if it was live.
    async fn revoke_session(&self, id: &str, now_ms: i64) -> Result<Vec<String>>;
    /// Revokes every live session of a user but `except`; their access hashes.
    async fn revoke_user_sessions(
        &self,
        user_id: &str,
        except: Option<&str>,
        now_ms: i64,
    ) -> Result<Vec<String>>;

    async fn insert_audit(
        &self,
        at_ms: i64,
        actor_id: &str,
        actor_username: &str,
        action: &str,
        target_user_id: &str,
        details: &str,
    ) -> Result<()>;
    async fn list_audit(
        &self,
        target_user_id: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, u64)>;
    async fn insert_outbox(&self, at_ms: i64, to: &str, subject: &str, body: &str) -> Result<()>;
    async fn list_outbox(&self, offset: u64, limit: u64) -> Result<(Vec<OutboxRecord>, u64)>;
}

/// Problems, their packages and submissions (services/judge).
#[async_trait::async_trait]
pub trait JudgeStore: Send + Sync + fmt::Debug {
    /// This database's deployment id: `candidate` if none was stored yet, else the stored one.
    async fn deployment_id(&self, candidate: &str) -> Result<String>;
    /// Stores a package archive under its SHA-256 (a no-op when it is there).
    async fn put_package(&self, sha256: &str, archive: &[u8], now_ms: i64) -> Result<()>;
    async fn package(&self, sha256: &str) -> Result<Option<Vec<u8>>>;

    /// `Conflict(Slug)` when the slug is taken.
    async fn insert_problem(&self, problem: &ProblemRecord) -> Result<()>;
    /// Writes every field of the problem `problem.id` but its id, slug, author and creation.
    async fn update_problem(&self, problem: &ProblemRecord) -> Result<()>;
    /// Deletes a problem and its submissions.
    async fn delete_problem(&self, id: &str) -> Result<()>;
    async fn problem_by_slug(&self, slug: &str) -> Result<Option<ProblemRecord>>;
    async fn count_problems(&self) -> Result<u64>;
    /// A page of problems, ordered by rating then slug, and how many match.
    async fn list_problems(&self, filter: &ProblemFilter) -> Result<(Vec<ProblemListing>, u64)>;
    /// `(category, tags)` of every public problem.
    async fn public_facets(&self) -> Result<Vec<(String, String)>>;
    async fn problem_stats(&self, problem_id: &str) -> Result<ProblemStats>;

    async fn insert_submission(&self, submission: &SubmissionRecord) -> Result<()>;
    async fn submission(&self, id: &str) -> Result<Option<SubmissionRecord>>;
    /// Starts a judging: `judging`, the attempt counted up; `None` when it is done already.
    async fn claim_submission(&self, id: &str) -> Result<Option<SubmissionRecord>>;
    /// Records the tests judged so far, if `attempt` is still the submission's judging.
    async fn save_progress(
        &self,
        id: &str,
        attempt: i64,
        compile_output: &str,
        tests: &str,
        sequence: i64,
    ) -> Result<bool>;
    /// Stores the result, if `attempt` is still the submission's judging; the row stored.
    async fn finish_submission(
        &self,
        id: &str,
        attempt: i64,
        judged: &JudgedSubmission,
        now_ms: i64,
    ) -> Result<Option<SubmissionRecord>>;
    /// Back to `queued` with no result: one submission, or all of a problem's. Their ids.
    async fn requeue_submissions(
        &self,
        submission_id: Option<&str>,
        problem_id: Option<&str>,
        now_ms: i64,
    ) -> Result<Vec<String>>;
    /// Submissions queued before `enqueued_before_ms` (their job may be lost), oldest first.
    async fn stale_submissions(&self, enqueued_before_ms: i64, limit: u64) -> Result<Vec<String>>;
    /// Puts every submission being judged back to `queued` (an in-process queue's judgings
    /// died with the process). Their ids.
    async fn requeue_judging(&self) -> Result<Vec<String>>;
    /// Marks a queued submission enqueued again at `now_ms`.
    async fn touch_enqueued(&self, id: &str, now_ms: i64) -> Result<()>;
    /// A page of submissions, newest first, and how many match.
    async fn list_submissions(
        &self,
        filter: &SubmissionFilter,
    ) -> Result<(Vec<SubmissionRecord>, u64)>;
    async fn user_solved(&self, user_id: &str, problem_id: &str) -> Result<bool>;
    /// The user's submissions not judged yet.
    async fn count_in_flight(&self, user_id: &str) -> Result<u64>;

    async fn insert_execution(&self, execution: &ExecutionRecord) -> Result<()>;
    async fn execution(&self, token: &str) -> Result<Option<ExecutionRecord>>;
    /// Starts running it: `running`, the attempt counted up; `None` when done already.
    async fn claim_execution(&self, token: &str) -> Result<Option<ExecutionRecord>>;
    /// Stores its result if `attempt` still owns it.
    async fn finish_execution(
        &self,
        token: &str,
        attempt: i64,
        result: Option<&[u8]>,
        matched: Option<bool>,
        message: &str,
        now_ms: i64,
    ) -> Result<bool>;
    /// Executions still queued that were created before `created_before_ms`.
    async fn stale_executions(&self, created_before_ms: i64, limit: u64) -> Result<Vec<String>>;
}

/// How to open a database.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub max_connections: u32,
}

impl Options {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
        }
    }
}

/// Opens the database `options.url` names (`sqlite://PATH`, created when missing, or
/// `postgres://...`) and brings its schema up to date.
pub async fn connect(options: &Options) -> Result<Arc<dyn UserStore>> {
    Ok(match open(options).await? {
        Pool::Sqlite(pool) => Arc::new(sql::Sqlite(pool)),
        Pool::Postgres(pool) => Arc::new(sql::Postgres(pool)),
    })
}

/// [`connect`], for the judge's problems and submissions (the same database and schema).
pub async fn connect_judge(options: &Options) -> Result<Arc<dyn JudgeStore>> {
    Ok(match open(options).await? {
        Pool::Sqlite(pool) => Arc::new(sql::Sqlite(pool)),
        Pool::Postgres(pool) => Arc::new(sql::Postgres(pool)),
    })
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

async fn open(options: &Options) -> Result<Pool> {
    let url = options.url.as_str();
    if url.starts_with("sqlite:") {
        let connect = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await?;
        sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
        Ok(Pool::Sqlite(pool))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await?;
        Ok(Pool::Postgres(pool))
    } else {
        Err(Error::UnsupportedUrl(url.to_owned()))
    }
}
