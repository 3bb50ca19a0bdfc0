//! AuthUserAdminService: every RPC, over the store, the cache, the hasher and the mailer.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tonic::{Request, Response, Status};
use xcode_kit::{Cache, Removal};
use xcode_proto::users::v1 as pb;
use xcode_proto::users::v1::auth_user_admin_service_server::AuthUserAdminService;
use xcode_store::{
    NewUser, ProfilePatch, Rotation, SessionRecord, TokenKind, TokenRefusal, UserFilter,
    UserRecord, UserStore,
};

use crate::convert;
use crate::error::{Result, ServiceError};
use crate::limits::RateLimiter;
use crate::mail::Mailer;
use crate::names;
use crate::password::Hasher;
use crate::secrets::{self, hash_recovery_code, hash_token, new_token};
use crate::settings::AuthSettings;
use crate::totp;

/// How long a session or user stays in the cache: revocations reach every replica within this
/// even if the cache cannot be told (docs/cache.md).
const CACHE_TTL: Duration = Duration::from_secs(60);
const RECOVERY_CODES: usize = 10;
const DISPLAY_NAME_MAX: usize = 64;
const BIO_MAX: usize = 2000;
const URL_MAX: usize = 512;
const BAN_REASON_MAX: usize = 500;

/// The service; cheap to clone.
#[derive(Clone, Debug)]
pub struct Users(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Arc<dyn UserStore>,
    cache: Arc<dyn Cache>,
    hasher: Hasher,
    mailer: Mailer,
    auth: AuthSettings,
    logins: RateLimiter,
    emails: RateLimiter,
}

/// A session as the cache keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedSession {
    id: String,
    family_id: String,
    user_id: String,
    access_expires_at: i64,
}

/// Who is calling: a live session of a user who is not banned.
#[derive(Debug)]
struct Caller {
    session: CachedSession,
    user: UserRecord,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

fn seconds_ms(seconds: u64) -> i64 {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}

fn session_key(access_hash: &str) -> String {
    format!("users:session:{access_hash}")
}

fn user_key(id: &str) -> String {
    format!("users:user:{id}")
}

fn banned_message(user: &UserRecord) -> String {
    let reason = user.ban_reason.as_deref().unwrap_or("").trim();
    let mut message = "this account is banned".to_owned();
    if !reason.is_empty() {
        message.push_str(&format!(": {reason}"));
    }
    if let Some(until) = user.banned_until {
        message.push_str(&format!(" (until {})", convert::timestamp(until)));
    }
    message
}

impl Users {
    pub fn new(
        store: Arc<dyn UserStore>,
        cache: Arc<dyn Cache>,
        hasher: Hasher,
        mailer: Mailer,
        auth: AuthSettings,
    ) -> Self {
        Self(Arc::new(Inner {
            logins: RateLimiter::new(auth.logins_per_minute),
            emails: RateLimiter::new(auth.emails_per_minute),
            store,
            cache,
            hasher,
            mailer,
            auth,
        }))
    }

    pub fn store(&self) -> &Arc<dyn UserStore> {
        &self.0.store
    }

    // ---- Callers, sessions and the cache ----

    fn client_ip<T>(&self, request: &Request<T>) -> String {
        if self.0.auth.trust_client_ip
            && let Some(ip) = request
                .metadata()
                .get("x-client-ip")
                .and_then(|value| value.to_str().ok())
        {
            return ip.chars().take(64).collect();
        }
        request
            .remote_addr()
            .map_or_else(|| "unknown".into(), |addr| addr.ip().to_string())
    }

    fn bearer<T>(request: &Request<T>) -> Result<String> {
        let header = request
            .metadata()
            .get("authorization")
            .ok_or_else(|| ServiceError::unauthenticated("sign in first: no access token"))?;
        let value = header
            .to_str()
            .map_err(|_| ServiceError::unauthenticated("malformed authorization"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| {
                ServiceError::unauthenticated("authorization: expected `Bearer <token>`")
            })?;
        Ok(token.trim().to_owned())
    }

    async fn caller<T>(&self, request: &Request<T>) -> Result<Caller> {
        let token = Self::bearer(request)?;
        let access_hash = hash_token(&token);
        let now = now_ms();
        let session = match self.cached_session(&access_hash).await {
            Some(session) if session.access_expires_at > now => session,
            _ => {
                let record = self
                    .0
                    .store
                    .session_by_access(&access_hash, now)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::unauthenticated("the access token is expired or revoked")
                    })?;
                let session = CachedSession {
                    id: record.id,
                    family_id: record.family_id,
                    user_id: record.user_id,
                    access_expires_at: record.access_expires_at,
                };
                let ttl = Duration::from_millis(
                    u64::try_from(session.access_expires_at - now).unwrap_or(0),
                )
                .min(CACHE_TTL);
                if let Ok(value) = serde_json::to_vec(&session) {
                    self.0
                        .cache
                        .set(&session_key(&access_hash), Bytes::from(value), ttl)
                        .await;
                }
                session
            }
        };
        let user = self
            .cached_user(&session.user_id)
            .await?
            .ok_or_else(|| ServiceError::unauthenticated("the account no longer exists"))?;
        if user.is_banned(now) {
            return Err(ServiceError::forbidden(banned_message(&user)));
        }
        Ok(Caller { session, user })
    }

    async fn admin<T>(&self, request: &Request<T>) -> Result<Caller> {
        let caller = self.caller(request).await?;
        if caller.user.role != "admin" {
            return Err(ServiceError::forbidden("admins only"));
        }
        Ok(caller)
    }

    async fn cached_session(&self, access_hash: &str) -> Option<CachedSession> {
        let bytes = self.0.cache.get(&session_key(access_hash)).await?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The user, from the cache when there, without secrets (the cache never holds password
    /// hashes or TOTP secrets; code that needs them reads the store).
    async fn cached_user(&self, id: &str) -> Result<Option<UserRecord>> {
        if let Some(bytes) = self.0.cache.get(&user_key(id)).await
            && let Ok(user) = serde_json::from_slice::<UserRecord>(&bytes)
        {
            return Ok(Some(user));
        }
        let Some(mut user) = self.0.store.user_by_id(id).await? else {
            return Ok(None);
        };
        user.password_hash = String::new();
        user.totp_secret = user.totp_secret.map(|_| String::new());
        user.totp_pending = None;
        if let Ok(value) = serde_json::to_vec(&user) {
            self.0
                .cache
                .set(&user_key(id), Bytes::from(value), CACHE_TTL)
                .await;
        }
        Ok(Some(user))
    }

    async fn forget_user(&self, id: &str) {
        if self.0.cache.remove(&user_key(id)).await == Removal::Unreachable {
            tracing::warn!(
                user_id = id,
                "cache unreachable: a cached user may live {CACHE_TTL:?}"
            );
        }
    }

    async fn forget_sessions(&self, access_hashes: &[String]) {
        for hash in access_hashes {
            if self.0.cache.remove(&session_key(hash)).await == Removal::Unreachable {
                tracing::warn!("cache unreachable: a revoked session may live {CACHE_TTL:?} in it");
            }
        }
    }

    async fn revoke_all(&self, user_id: &str, except: Option<&str>) -> Result<usize> {
        let hashes = self
            .0
            .store
            .revoke_user_sessions(user_id, except, now_ms())
            .await?;
        self.forget_sessions(&hashes).await;
        Ok(hashes.len())
    }

    fn new_session(
        &self,
        user_id: &str,
        family_id: Option<&str>,
        ip: &str,
    ) -> (SessionRecord, pb::Tokens) {
        let now = now_ms();
        let access = new_token("xat");
        let refresh = new_token("xrt");
        let id = uuid::Uuid::now_v7().to_string();
        let record = SessionRecord {
            family_id: family_id.map_or_else(|| id.clone(), str::to_owned),
            id,
            user_id: user_id.to_owned(),
            access_hash: hash_token(&access),
            access_expires_at: now + seconds_ms(self.0.auth.access_ttl_seconds),
            refresh_hash: hash_token(&refresh),
            refresh_expires_at: now + seconds_ms(self.0.auth.refresh_ttl_seconds),
            client_ip: ip.to_owned(),
            created_at: now,
            replaced_at: None,
            revoked_at: None,
        };
        let tokens = pb::Tokens {
            access_token: access,
            access_expires_at: Some(convert::timestamp(record.access_expires_at)),
            refresh_token: refresh,
            refresh_expires_at: Some(convert::timestamp(record.refresh_expires_at)),
        };
        (record, tokens)
    }

    async fn sign_in(&self, user: &UserRecord, ip: &str) -> Result<pb::SignedIn> {
        let (record, tokens) = self.new_session(&user.id, None, ip);
        self.0.store.insert_session(&record).await?;
        metrics::counter!("xcode_users_logins_total", "result" => "ok").increment(1);
        tracing::info!(user_id = user.id, "signed in");
        Ok(pb::SignedIn {
            tokens: Some(tokens),
            user: Some(convert::user(user, now_ms())),
        })
    }

    // ---- Tokens sent by email ----

    async fn email_token(&self, user: &UserRecord, kind: TokenKind) -> Result<()> {
        let now = now_ms();
        let (prefix, ttl, subject, path) = match kind {
            TokenKind::VerifyEmail => (
                "xev",
                self.0.auth.verify_email_ttl_seconds,
                "Verify your email address",
                "verify-email",
            ),
            TokenKind::ResetPassword => (
                "xpr",
                self.0.auth.reset_password_ttl_seconds,
                "Reset your password",
                "reset-password",
            ),
            TokenKind::LoginChallenge => return Err(anyhow::anyhow!("not an email token").into()),
        };
        let token = new_token(prefix);
        self.0
            .store
            .insert_token(
                &hash_token(&token),
                kind,
                &user.id,
                now + seconds_ms(ttl),
                now,
            )
            .await?;
        let link = format!("{}/{path}?token={token}", self.0.mailer.public_url);
        let hours = ttl as f64 / 3600.0;
        let body = format!(
            "Hello {name},\n\n{what}, open this link within {hours:.0} hour(s):\n\n{link}\n\n\
             or use this token: {token}\n\nIf you did not ask for this, ignore this email.\n",
            name = user.username,
            what = match kind {
                TokenKind::VerifyEmail => "To verify your email address for Xcode",
                _ => "To choose a new Xcode password",
            },
        );
        self.0.mailer.send(&user.email, subject, &body, now).await?;
        Ok(())
    }

    fn limit_emails<T>(&self, request: &Request<T>) -> Result<()> {
        let ip = self.client_ip(request);
        self.0
            .emails
            .check(&ip)
            .map_err(|retry_after_seconds| ServiceError::RateLimited {
                message: "too many emails requested; try again later".into(),
                retry_after_seconds,
            })
    }

    fn refusal(refusal: TokenRefusal, what: &str) -> ServiceError {
        ServiceError::unauthenticated(match refusal {
            TokenRefusal::Unknown => format!("{what}: unknown token"),
            TokenRefusal::Expired => format!("{what}: the token has expired"),
            TokenRefusal::Used => format!("{what}: the token was used already"),
        })
    }

    // ---- Logins ----

    async fn count_failure(&self, user: &UserRecord) -> Result<ServiceError> {
        metrics::counter!("xcode_users_logins_total", "result" => "failed").increment(1);
        let lock_ms = seconds_ms(self.0.auth.lockout_seconds);
        let count = self
            .0
            .store
            .record_login_failure(
                &user.id,
                i64::from(self.0.auth.max_failed_logins.max(1)),
                now_ms() + lock_ms,
            )
            .await?;
        if count.locked_until.is_some_and(|until| until > now_ms()) {
            tracing::warn!(user_id = user.id, "account locked after repeated failures");
            return Ok(ServiceError::RateLimited {
                message: "too many failed attempts: the account is locked for a while".into(),
                retry_after_seconds: self.0.auth.lockout_seconds,
            });
        }
        Ok(ServiceError::unauthenticated("wrong login or password"))
    }

    fn check_lock(&self, user: &UserRecord) -> Result<()> {
        if let Some(until) = user.locked_until {
            let left = until - now_ms();
            if left > 0 {
                return Err(ServiceError::RateLimited {
                    message: "too many failed attempts: the account is locked for a while".into(),
                    retry_after_seconds: u64::try_from((left + 999) / 1000).unwrap_or(1),
                });
            }
        }
        Ok(())
    }

    async fn find_login(&self, login: &str) -> Result<Option<UserRecord>> {
        let login = login.trim();
        if login.is_empty() || login.len() > names::EMAIL_MAX {
            return Ok(None);
        }
        Ok(if login.contains('@') {
            self.0
                .store
                .user_by_email_key(&names::email_key(login))
                .await?
        } else {
            self.0
                .store
                .user_by_username_key(&names::username_key(login))
                .await?
        })
    }

    /// A TOTP code or a recovery code of `user` (read from the store, with secrets), spent.
    async fn spend_second_factor(&self, user: &UserRecord, code: &str) -> Result<bool> {
        let Some(secret) = user.totp_secret.as_deref() else {
            return Ok(false);
        };
        let code = code.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            let totp = totp::totp(secret, &self.0.auth.totp_issuer, &user.username)?;
            let Some(step) = totp::matching_step(&totp, code, totp::unix_seconds()) else {
                return Ok(false);
            };
            return Ok(self.0.store.claim_totp_step(&user.id, step).await?);
        }
        if code.is_empty() || code.len() > 64 {
            return Ok(false);
        }
        Ok(self
            .0
            .store
            .use_recovery_code(&user.id, &hash_recovery_code(code), now_ms())
            .await?)
    }

    async fn new_recovery_codes(&self, user_id: &str) -> Result<Vec<String>> {
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| secrets::new_recovery_code())
            .collect();
        let hashes: Vec<String> = codes.iter().map(|code| hash_recovery_code(code)).collect();
        self.0
            .store
            .replace_recovery_codes(user_id, &hashes)
            .await?;
        Ok(codes)
    }

    /// The caller's user as the store has it, with secrets.
    async fn full_user(&self, id: &str) -> Result<UserRecord> {
        self.0
            .store
            .user_by_id(id)
            .await?
            .ok_or_else(|| ServiceError::unauthenticated("the account no longer exists"))
    }

    async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        target: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        self.0
            .store
            .insert_audit(
                now_ms(),
                &caller.user.id,
                &caller.user.username,
                action,
                target,
                &details.to_string(),
            )
            .await?;
        tracing::info!(actor = caller.user.username, action, target, "admin action");
        Ok(())
    }

    async fn target(&self, id: &str) -> Result<UserRecord> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(ServiceError::invalid("user_id: not a user id"));
        }
        self.0
            .store
            .user_by_id(id)
            .await?
            .ok_or_else(|| ServiceError::not_found("no such user"))
    }

    /// Creates the first admin when there is none: from the settings, or `admin` with a random
    /// password, returned so the caller prints it once.
    pub async fn ensure_admin(
        &self,
        username: Option<&str>,
        email: Option<&str>,
        password: Option<&str>,
    ) -> anyhow::Result<Option<(String, Option<String>)>> {
        if self.0.store.count_role("admin").await? > 0 {
            return Ok(None);
        }
        let username = username.unwrap_or("admin");
        let email = email.map_or_else(|| format!("{username}@xcode.localhost"), str::to_owned);
        let generated = password.is_none().then(|| {
            new_token("xadm")
                .trim_start_matches("xadm_")
                .chars()
                .take(24)
                .collect::<String>()
        });
        let password =
            password.map_or_else(|| generated.clone().unwrap_or_default(), str::to_owned);
        if password.chars().count() < crate::password::PASSWORD_MIN_CHARS {
            anyhow::bail!(
                "admin.password: at least {} characters",
                crate::password::PASSWORD_MIN_CHARS
            );
        }
        names::validate_email(&email).map_err(|e| anyhow::anyhow!("admin.email: {e}"))?;
        let now = now_ms();
        let key = names::username_key(username);
        if let Some(existing) = self.0.store.user_by_username_key(&key).await? {
            // The name exists (an earlier admin demoted, say): promote it rather than fail.
            self.0.store.set_role(&existing.id, "admin", now).await?;
            return Ok(Some((existing.username, None)));
        }
        let hash = self
            .0
            .hasher
            .hash(&password)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let inserted = self
            .0
            .store
            .insert_user(NewUser {
                id: uuid::Uuid::now_v7().to_string(),
                username: username.to_owned(),
                username_key: key,
                email: email.clone(),
                email_key: names::email_key(&email),
                password_hash: hash,
                role: "admin".into(),
                verified: true,
                now_ms: now,
            })
            .await;
        let user = match inserted {
            Ok(user) => user,
            // Another replica starting at the same moment created it first.
            Err(xcode_store::Error::Conflict(_)) if self.0.store.count_role("admin").await? > 0 => {
                return Ok(None);
            }
            Err(error) => return Err(error.into()),
        };
        self.0
            .store
            .insert_audit(
                now,
                "",
                "",
                "CreateFirstAdmin",
                &user.id,
                &json!({"username": user.username}).to_string(),
            )
            .await?;
        Ok(Some((user.username, generated)))
    }
}

fn page(page: u32, page_size: u32) -> (u64, u64, u64) {
    let size = match page_size {
        0 => 50,
        n => u64::from(n.min(200)),
    };
    let page = u64::from(page.max(1));
    ((page - 1) * size, size, page)
}

fn check_text(field: &str, value: &str, max_chars: usize) -> Result<()> {
    if value.chars().count() > max_chars {
        return Err(ServiceError::invalid(format!(
            "{field}: at most {max_chars} characters"
        )));
    }
    Ok(())
}

fn validate_patch(request: &mut pb::UpdateProfileRequest) -> Result<()> {
    if let Some(name) = request.display_name.as_mut() {
        *name = name.trim().to_owned();
        check_text("display_name", name, DISPLAY_NAME_MAX)?;
        if name.chars().any(char::is_control) {
            return Err(ServiceError::invalid("display_name: no control characters"));
        }
    }
    if let Some(bio) = request.bio.as_ref() {
        check_text("bio", bio, BIO_MAX)?;
    }
    if let Some(country) = request.country.as_mut() {
        *country = country.trim().to_ascii_uppercase();
        let code = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        if !country.is_empty() && !code {
            return Err(ServiceError::invalid(
                "country: an ISO 3166-1 alpha-2 code such as `DE`",
            ));
        }
    }
    if let Some(url) = request.avatar_url.as_mut() {
        *url = url.trim().to_owned();
        check_text("avatar_url", url, URL_MAX)?;
        if !url.is_empty()
            && (!url.starts_with("https://") && !url.starts_with("http://")
                || url.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(ServiceError::invalid("avatar_url: an http(s) URL"));
        }
    }
    if let Some(language) = request.preferred_language.as_mut() {
        *language = language.trim().to_ascii_lowercase();
        check_text("preferred_language", language, 32)?;
        if !language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+#._-".contains(c))
        {
            return Err(ServiceError::invalid(
                "preferred_language: a language id such as `cpp`",
            ));
        }
    }
    Ok(())
}

type Reply<T> = std::result::Result<Response<T>, Status>;

fn reply<T>(result: Result<T>) -> Reply<T> {
    result.map(Response::new).map_err(Status::from)
}

#[tonic::async_trait]
impl AuthUserAdminService for Users {
    async fn register(&self, request: Request<pb::RegisterRequest>) -> Reply<pb::RegisterResponse> {
        reply(
            async {
                self.limit_emails(&request)?;
                let body = request.get_ref();
                let username = body.username.trim();
                let email = body.email.trim();
                names::validate_username(username)?;
                names::validate_email(email)?;
                self.0
                    .hasher
                    .check_strength(&body.password, &[username, email])?;
                let hash = self.0.hasher.hash(&body.password).await?;
                let user = self
                    .0
                    .store
                    .insert_user(NewUser {
                        id: uuid::Uuid::now_v7().to_string(),
                        username: username.to_owned(),
                        username_key: names::username_key(username),
                        email: email.to_owned(),
                        email_key: names::email_key(email),
                        password_hash: hash,
                        role: "user".into(),
                        verified: false,
                        now_ms: now_ms(),
                    })
                    .await?;
                metrics::counter!("xcode_users_registrations_total").increment(1);
                self.email_token(&user, TokenKind::VerifyEmail).await?;
                Ok(pb::RegisterResponse {
                    user: Some(convert::user(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn verify_email(
        &self,
        request: Request<pb::VerifyEmailRequest>,
    ) -> Reply<pb::VerifyEmailResponse> {
        reply(
            async {
                let token = &request.get_ref().token;
                let user_id = self
                    .0
                    .store
                    .consume_token(&hash_token(token), TokenKind::VerifyEmail, now_ms())
                    .await?
                    .map_err(|refusal| Self::refusal(refusal, "email verification"))?;
                let user = self.0.store.set_verified(&user_id, now_ms()).await?;
                self.forget_user(&user.id).await;
                Ok(pb::VerifyEmailResponse {
                    user: Some(convert::user(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn resend_verification(
        &self,
        request: Request<pb::ResendVerificationRequest>,
    ) -> Reply<pb::ResendVerificationResponse> {
        reply(
            async {
                self.limit_emails(&request)?;
                let email = &request.get_ref().email;
                if let Some(user) = self
                    .0
                    .store
                    .user_by_email_key(&names::email_key(email))
                    .await?
                    && user.verified_at.is_none()
                {
                    self.email_token(&user, TokenKind::VerifyEmail).await?;
                }
                Ok(pb::ResendVerificationResponse {})
            }
            .await,
        )
    }

    async fn login(&self, request: Request<pb::LoginRequest>) -> Reply<pb::LoginResponse> {
        reply(
            async {
                let ip = self.client_ip(&request);
                self.0.logins.check(&ip).map_err(|retry_after_seconds| {
                    metrics::counter!("xcode_users_logins_total", "result" => "rate_limited")
                        .increment(1);
                    ServiceError::RateLimited {
                        message: "too many login attempts from this address; try again later"
                            .into(),
                        retry_after_seconds,
                    }
                })?;
                let body = request.get_ref();
                if body.password.len() > crate::password::PASSWORD_MAX_BYTES {
                    return Err(ServiceError::unauthenticated("wrong login or password"));
                }
                let Some(user) = self.find_login(&body.login).await? else {
                    self.0.hasher.waste_a_verification(&body.password).await;
                    metrics::counter!("xcode_users_logins_total", "result" => "failed")
                        .increment(1);
                    return Err(ServiceError::unauthenticated("wrong login or password"));
                };
                self.check_lock(&user)?;
                let verified = self
                    .0
                    .hasher
                    .verify(&body.password, &user.password_hash)
                    .await?;
                if !verified.matches {
                    return Err(self.count_failure(&user).await?);
                }
                if user.is_banned(now_ms()) {
                    metrics::counter!("xcode_users_logins_total", "result" => "banned")
                        .increment(1);
                    return Err(ServiceError::forbidden(banned_message(&user)));
                }
                self.0.store.clear_login_failures(&user.id).await?;
                if verified.needs_rehash {
                    let hash = self.0.hasher.hash(&body.password).await?;
                    self.0
                        .store
                        .set_password_hash(&user.id, &hash, now_ms())
                        .await?;
                    tracing::info!(
                        user_id = user.id,
                        "password rehashed with the current parameters"
                    );
                }
                if user.totp_secret.is_some() {
                    let now = now_ms();
                    let challenge = new_token("xct");
                    let expires = now + seconds_ms(self.0.auth.challenge_ttl_seconds);
                    self.0
                        .store
                        .insert_token(
                            &hash_token(&challenge),
                            TokenKind::LoginChallenge,
                            &user.id,
                            expires,
                            now,
                        )
                        .await?;
                    return Ok(pb::LoginResponse {
                        result: Some(pb::login_response::Result::TwoFactor(
                            pb::TwoFactorChallenge {
                                challenge_token: challenge,
                                expires_at: Some(convert::timestamp(expires)),
                            },
                        )),
                    });
                }
                let signed_in = self.sign_in(&user, &ip).await?;
                Ok(pb::LoginResponse {
                    result: Some(pb::login_response::Result::SignedIn(signed_in)),
                })
            }
            .await,
        )
    }

    async fn login_two_factor(
        &self,
        request: Request<pb::LoginTwoFactorRequest>,
    ) -> Reply<pb::LoginTwoFactorResponse> {
        reply(
            async {
                let ip = self.client_ip(&request);
                self.0.logins.check(&ip).map_err(|retry_after_seconds| {
                    ServiceError::RateLimited {
                        message: "too many login attempts from this address; try again later"
                            .into(),
                        retry_after_seconds,
                    }
                })?;
                let body = request.get_ref();
                let challenge_hash = hash_token(&body.challenge_token);
                let now = now_ms();
                let user_id = self
                    .0
                    .store
                    .token_user(&challenge_hash, TokenKind::LoginChallenge, now)
                    .await?
                    .map_err(|refusal| Self::refusal(refusal, "two-factor login"))?;
                let user = self.full_user(&user_id).await?;
                self.check_lock(&user)?;
                if !self.spend_second_factor(&user, &body.code).await? {
                    return Err(match self.count_failure(&user).await? {
                        ServiceError::Unauthenticated(_) => {
                            ServiceError::unauthenticated("wrong or already used code")
                        }
                        other => other,
                    });
                }
                // The challenge is spent only by a right code, so a typo does not cost the password step.
                self.0
                    .store
                    .consume_token(&challenge_hash, TokenKind::LoginChallenge, now_ms())
                    .await?
                    .map_err(|refusal| Self::refusal(refusal, "two-factor login"))?;
                if user.is_banned(now_ms()) {
                    return Err(ServiceError::forbidden(banned_message(&user)));
                }
                self.0.store.clear_login_failures(&user.id).await?;
                Ok(pb::LoginTwoFactorResponse {
                    signed_in: Some(self.sign_in(&user, &ip).await?),
                })
            }
            .await,
        )
    }

    async fn refresh(&self, request: Request<pb::RefreshRequest>) -> Reply<pb::RefreshResponse> {
        reply(async {
            let ip = self.client_ip(&request);
            let refresh_hash = hash_token(&request.get_ref().refresh_token);
            // The new session's user and family come from the old one (the store fills them in).
            let (next, tokens) = self.new_session("", None, &ip);
            match self.0.store.rotate_session(&refresh_hash, &next, now_ms()).await? {
                Rotation::Rotated { previous } => {
                    self.forget_sessions(std::slice::from_ref(&previous.access_hash)).await;
                    let user = self.cached_user(&previous.user_id).await?;
                    if let Some(user) = user.filter(|user| user.is_banned(now_ms())) {
                        self.revoke_all(&user.id, None).await?;
                        return Err(ServiceError::forbidden(banned_message(&user)));
                    }
                    Ok(pb::RefreshResponse { tokens: Some(tokens) })
                }
                Rotation::Reused {
                    revoked_access_hashes,
                } => {
                    self.forget_sessions(&revoked_access_hashes).await;
                    tracing::warn!("a spent refresh token was presented again: its sessions are revoked");
                    Err(ServiceError::unauthenticated(
                        "the refresh token was used already: every session it led to has ended; sign in again",
                    ))
                }
                Rotation::Invalid => Err(ServiceError::unauthenticated(
                    "the refresh token is unknown, expired or revoked",
                )),
            }
        }
        .await)
    }

    async fn logout(&self, request: Request<pb::LogoutRequest>) -> Reply<pb::LogoutResponse> {
        reply(
            async {
                let refresh_token = request.get_ref().refresh_token.trim().to_owned();
                let hashes = match self.caller(&request).await {
                    Ok(caller) => {
                        self.0
                            .store
                            .revoke_session(&caller.session.id, now_ms())
                            .await?
                    }
                    // The access token has expired (an idle browser): the refresh token still
                    // names the session, which must not outlive the logout.
                    Err(ServiceError::Unauthenticated(_)) if !refresh_token.is_empty() => {
                        let hashes = self
                            .0
                            .store
                            .revoke_session_by_refresh(&hash_token(&refresh_token), now_ms())
                            .await?;
                        if hashes.is_empty() {
                            return Err(ServiceError::unauthenticated(
                                "the refresh token is unknown, expired or revoked",
                            ));
                        }
                        hashes
                    }
                    Err(error) => return Err(error),
                };
                self.forget_sessions(&hashes).await;
                Ok(pb::LogoutResponse {})
            }
            .await,
        )
    }

    async fn logout_all(
        &self,
        request: Request<pb::LogoutAllRequest>,
    ) -> Reply<pb::LogoutAllResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                let ended = self.revoke_all(&caller.user.id, None).await?;
                Ok(pb::LogoutAllResponse {
                    sessions_ended: u32::try_from(ended).unwrap_or(u32::MAX),
                })
            }
            .await,
        )
    }

    async fn request_password_reset(
        &self,
        request: Request<pb::RequestPasswordResetRequest>,
    ) -> Reply<pb::RequestPasswordResetResponse> {
        reply(
            async {
                self.limit_emails(&request)?;
                let email = &request.get_ref().email;
                if let Some(user) = self
                    .0
                    .store
                    .user_by_email_key(&names::email_key(email))
                    .await?
                {
                    self.email_token(&user, TokenKind::ResetPassword).await?;
                }
                Ok(pb::RequestPasswordResetResponse {})
            }
            .await,
        )
    }

    async fn reset_password(
        &self,
        request: Request<pb::ResetPasswordRequest>,
    ) -> Reply<pb::ResetPasswordResponse> {
        reply(
            async {
                let body = request.get_ref();
                let token_hash = hash_token(&body.token);
                let user_id = self
                    .0
                    .store
                    .token_user(&token_hash, TokenKind::ResetPassword, now_ms())
                    .await?
                    .map_err(|refusal| Self::refusal(refusal, "password reset"))?;
                let user = self.full_user(&user_id).await?;
                // A weak new password does not spend the token.
                self.0
                    .hasher
                    .check_strength(&body.new_password, &[&user.username, &user.email])?;
                self.0
                    .store
                    .consume_token(&token_hash, TokenKind::ResetPassword, now_ms())
                    .await?
                    .map_err(|refusal| Self::refusal(refusal, "password reset"))?;
                let hash = self.0.hasher.hash(&body.new_password).await?;
                self.0
                    .store
                    .set_password_hash(&user.id, &hash, now_ms())
                    .await?;
                // Other reset links sent before stop working too.
                self.0
                    .store
                    .spend_user_tokens(&user.id, TokenKind::ResetPassword, now_ms())
                    .await?;
                self.0.store.clear_login_failures(&user.id).await?;
                let ended = self.revoke_all(&user.id, None).await?;
                self.forget_user(&user.id).await;
                tracing::info!(user_id = user.id, sessions_ended = ended, "password reset");
                Ok(pb::ResetPasswordResponse {})
            }
            .await,
        )
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Reply<pb::ChangePasswordResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                let ip = self.client_ip(&request);
                let body = request.get_ref();
                let user = self.full_user(&caller.user.id).await?;
                self.check_lock(&user)?;
                if !self
                    .0
                    .hasher
                    .verify(&body.old_password, &user.password_hash)
                    .await?
                    .matches
                {
                    return Err(match self.count_failure(&user).await? {
                        ServiceError::Unauthenticated(_) => {
                            ServiceError::unauthenticated("old_password: wrong password")
                        }
                        other => other,
                    });
                }
                self.0
                    .hasher
                    .check_strength(&body.new_password, &[&user.username, &user.email])?;
                let hash = self.0.hasher.hash(&body.new_password).await?;
                self.0
                    .store
                    .set_password_hash(&user.id, &hash, now_ms())
                    .await?;
                self.0
                    .store
                    .spend_user_tokens(&user.id, TokenKind::ResetPassword, now_ms())
                    .await?;
                self.revoke_all(&user.id, None).await?;
                let (record, tokens) =
                    self.new_session(&user.id, Some(&caller.session.family_id), &ip);
                self.0.store.insert_session(&record).await?;
                Ok(pb::ChangePasswordResponse {
                    tokens: Some(tokens),
                })
            }
            .await,
        )
    }

    async fn begin_totp_enrollment(
        &self,
        request: Request<pb::BeginTotpEnrollmentRequest>,
    ) -> Reply<pb::BeginTotpEnrollmentResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                if caller.user.totp_secret.is_some() {
                    return Err(ServiceError::precondition(
                        "two-factor authentication is on already",
                    ));
                }
                let secret = totp::new_secret();
                let totp = totp::totp(&secret, &self.0.auth.totp_issuer, &caller.user.username)?;
                let uri = totp.get_url();
                let png = totp::qr_png(&uri)?;
                self.0
                    .store
                    .set_totp_pending(&caller.user.id, &secret, now_ms())
                    .await?;
                Ok(pb::BeginTotpEnrollmentResponse {
                    secret,
                    otpauth_uri: uri,
                    qr_png: png,
                })
            }
            .await,
        )
    }

    async fn confirm_totp(
        &self,
        request: Request<pb::ConfirmTotpRequest>,
    ) -> Reply<pb::ConfirmTotpResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                let user = self.full_user(&caller.user.id).await?;
                if user.totp_secret.is_some() {
                    return Err(ServiceError::precondition(
                        "two-factor authentication is on already",
                    ));
                }
                let secret = user
                    .totp_pending
                    .as_deref()
                    .ok_or_else(|| ServiceError::precondition("start with BeginTotpEnrollment"))?;
                let totp = totp::totp(secret, &self.0.auth.totp_issuer, &user.username)?;
                let step =
                    totp::matching_step(&totp, &request.get_ref().code, totp::unix_seconds())
                        .ok_or_else(|| {
                            ServiceError::invalid("code: not the current code of the new secret")
                        })?;
                self.0
                    .store
                    .confirm_totp(&user.id, secret, step, now_ms())
                    .await?;
                let codes = self.new_recovery_codes(&user.id).await?;
                self.forget_user(&user.id).await;
                Ok(pb::ConfirmTotpResponse {
                    recovery_codes: codes,
                })
            }
            .await,
        )
    }

    async fn disable_totp(
        &self,
        request: Request<pb::DisableTotpRequest>,
    ) -> Reply<pb::DisableTotpResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                let user = self.full_user(&caller.user.id).await?;
                if user.totp_secret.is_none() {
                    return Err(ServiceError::precondition(
                        "two-factor authentication is off",
                    ));
                }
                self.check_lock(&user)?;
                if !self
                    .spend_second_factor(&user, &request.get_ref().code)
                    .await?
                {
                    return Err(match self.count_failure(&user).await? {
                        ServiceError::Unauthenticated(_) => {
                            ServiceError::unauthenticated("code: wrong or already used")
                        }
                        other => other,
                    });
                }
                self.0.store.disable_totp(&user.id, now_ms()).await?;
                self.forget_user(&user.id).await;
                Ok(pb::DisableTotpResponse {})
            }
            .await,
        )
    }

    async fn regenerate_recovery_codes(
        &self,
        request: Request<pb::RegenerateRecoveryCodesRequest>,
    ) -> Reply<pb::RegenerateRecoveryCodesResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                let user = self.full_user(&caller.user.id).await?;
                let Some(secret) = user.totp_secret.as_deref() else {
                    return Err(ServiceError::precondition(
                        "two-factor authentication is off",
                    ));
                };
                // Wrong codes count towards the lockout, and a locked account cannot try more:
                // a stolen access token must not buy unlimited guesses at new recovery codes.
                self.check_lock(&user)?;
                let totp = totp::totp(secret, &self.0.auth.totp_issuer, &user.username)?;
                let valid =
                    match totp::matching_step(&totp, &request.get_ref().code, totp::unix_seconds())
                    {
                        Some(step) => self.0.store.claim_totp_step(&user.id, step).await?,
                        None => false,
                    };
                if !valid {
                    return Err(match self.count_failure(&user).await? {
                        ServiceError::Unauthenticated(_) => {
                            ServiceError::unauthenticated("code: wrong or already used")
                        }
                        other => other,
                    });
                }
                Ok(pb::RegenerateRecoveryCodesResponse {
                    recovery_codes: self.new_recovery_codes(&user.id).await?,
                })
            }
            .await,
        )
    }

    async fn get_me(&self, request: Request<pb::GetMeRequest>) -> Reply<pb::GetMeResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                Ok(pb::GetMeResponse {
                    user: Some(convert::user(&caller.user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn update_profile(
        &self,
        mut request: Request<pb::UpdateProfileRequest>,
    ) -> Reply<pb::UpdateProfileResponse> {
        reply(
            async {
                let caller = self.caller(&request).await?;
                let body = request.get_mut();
                validate_patch(body)?;
                let patch = ProfilePatch {
                    display_name: body.display_name.take(),
                    bio: body.bio.take(),
                    country: body.country.take(),
                    avatar_url: body.avatar_url.take(),
                    preferred_language: body.preferred_language.take(),
                };
                let user = self
                    .0
                    .store
                    .update_profile(&caller.user.id, patch, now_ms())
                    .await?;
                self.forget_user(&user.id).await;
                Ok(pb::UpdateProfileResponse {
                    user: Some(convert::user(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn get_user(&self, request: Request<pb::GetUserRequest>) -> Reply<pb::GetUserResponse> {
        reply(
            async {
                let username = request.get_ref().username.trim();
                if username.is_empty() || username.len() > names::USERNAME_MAX {
                    return Err(ServiceError::not_found("no such user"));
                }
                let user = self
                    .0
                    .store
                    .user_by_username_key(&names::username_key(username))
                    .await?
                    .ok_or_else(|| ServiceError::not_found("no such user"))?;
                Ok(pb::GetUserResponse {
                    profile: Some(convert::profile(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Reply<pb::ListUsersResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let body = request.get_ref();
                check_text("query", &body.query, 256)?;
                let role = match pb::Role::try_from(body.role) {
                    Ok(role) => convert::role_name(role).unwrap_or(""),
                    Err(_) => return Err(ServiceError::invalid("role: unknown")),
                };
                let (offset, limit, _) = page(body.page, body.page_size);
                let (users, total) = self
                    .0
                    .store
                    .list_users(&UserFilter {
                        query: body.query.trim().to_owned(),
                        banned: body.banned,
                        verified: body.verified,
                        role: role.to_owned(),
                        offset,
                        limit,
                        now_ms: now_ms(),
                    })
                    .await?;
                self.audit(
                    &caller,
                    "ListUsers",
                    "",
                    json!({"query": body.query, "page": body.page}),
                )
                .await?;
                let now = now_ms();
                Ok(pb::ListUsersResponse {
                    users: users.iter().map(|user| convert::user(user, now)).collect(),
                    total,
                })
            }
            .await,
        )
    }

    async fn ban_user(&self, request: Request<pb::BanUserRequest>) -> Reply<pb::BanUserResponse> {
        reply(async {
            let caller = self.admin(&request).await?;
            let body = request.get_ref();
            let target = self.target(&body.user_id).await?;
            if target.id == caller.user.id {
                return Err(ServiceError::precondition("admins cannot ban themselves"));
            }
            check_text("reason", &body.reason, BAN_REASON_MAX)?;
            let until = body.until.as_ref().map(convert::millis);
            if until.is_some_and(|until| until <= now_ms()) {
                return Err(ServiceError::invalid("until: must be in the future"));
            }
            let reason = body.reason.trim();
            let user = self
                .0
                .store
                .set_ban(&target.id, (!reason.is_empty()).then_some(reason), until, now_ms())
                .await?;
            let ended = self.revoke_all(&target.id, None).await?;
            self.forget_user(&target.id).await;
            self.audit(
                &caller,
                "BanUser",
                &target.id,
                json!({"username": target.username, "reason": reason, "until_ms": until, "sessions_ended": ended}),
            )
            .await?;
            Ok(pb::BanUserResponse {
                user: Some(convert::user(&user, now_ms())),
            })
        }
        .await)
    }

    async fn unban_user(
        &self,
        request: Request<pb::UnbanUserRequest>,
    ) -> Reply<pb::UnbanUserResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let target = self.target(&request.get_ref().user_id).await?;
                let user = self.0.store.clear_ban(&target.id, now_ms()).await?;
                self.forget_user(&target.id).await;
                self.audit(
                    &caller,
                    "UnbanUser",
                    &target.id,
                    json!({"username": target.username}),
                )
                .await?;
                Ok(pb::UnbanUserResponse {
                    user: Some(convert::user(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn verify_user(
        &self,
        request: Request<pb::VerifyUserRequest>,
    ) -> Reply<pb::VerifyUserResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let target = self.target(&request.get_ref().user_id).await?;
                let user = self.0.store.set_verified(&target.id, now_ms()).await?;
                self.forget_user(&target.id).await;
                self.audit(
                    &caller,
                    "VerifyUser",
                    &target.id,
                    json!({"username": target.username}),
                )
                .await?;
                Ok(pb::VerifyUserResponse {
                    user: Some(convert::user(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn set_role(&self, request: Request<pb::SetRoleRequest>) -> Reply<pb::SetRoleResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let body = request.get_ref();
                let role = pb::Role::try_from(body.role)
                    .ok()
                    .and_then(convert::role_name)
                    .ok_or_else(|| ServiceError::invalid("role: one of user, setter, admin"))?;
                let target = self.target(&body.user_id).await?;
                if target.id == caller.user.id && role != "admin" {
                    return Err(ServiceError::precondition(
                        "admins cannot demote themselves (another admin can)",
                    ));
                }
                let user = self.0.store.set_role(&target.id, role, now_ms()).await?;
                self.forget_user(&target.id).await;
                self.audit(
                    &caller,
                    "SetRole",
                    &target.id,
                    json!({"username": target.username, "from": target.role, "to": role}),
                )
                .await?;
                Ok(pb::SetRoleResponse {
                    user: Some(convert::user(&user, now_ms())),
                })
            }
            .await,
        )
    }

    async fn delete_user(
        &self,
        request: Request<pb::DeleteUserRequest>,
    ) -> Reply<pb::DeleteUserResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let target = self.target(&request.get_ref().user_id).await?;
                if target.id == caller.user.id {
                    return Err(ServiceError::precondition(
                        "admins cannot delete themselves",
                    ));
                }
                self.revoke_all(&target.id, None).await?;
                self.0.store.delete_user(&target.id).await?;
                self.forget_user(&target.id).await;
                self.audit(
                    &caller,
                    "DeleteUser",
                    &target.id,
                    json!({"username": target.username, "email": target.email}),
                )
                .await?;
                Ok(pb::DeleteUserResponse {})
            }
            .await,
        )
    }

    async fn list_audit_log(
        &self,
        request: Request<pb::ListAuditLogRequest>,
    ) -> Reply<pb::ListAuditLogResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let body = request.get_ref();
                let (offset, limit, _) = page(body.page, body.page_size);
                let target = Some(body.target_user_id.as_str()).filter(|id| !id.is_empty());
                let (entries, total) = self.0.store.list_audit(target, offset, limit).await?;
                self.audit(
                    &caller,
                    "ListAuditLog",
                    target.unwrap_or(""),
                    json!({"page": body.page}),
                )
                .await?;
                Ok(pb::ListAuditLogResponse {
                    entries: entries.into_iter().map(convert::audit).collect(),
                    total,
                })
            }
            .await,
        )
    }

    async fn list_outbox(
        &self,
        request: Request<pb::ListOutboxRequest>,
    ) -> Reply<pb::ListOutboxResponse> {
        reply(
            async {
                let caller = self.admin(&request).await?;
                let body = request.get_ref();
                let (offset, limit, _) = page(body.page, body.page_size);
                let (emails, total) = self.0.store.list_outbox(offset, limit).await?;
                self.audit(&caller, "ListOutbox", "", json!({"page": body.page}))
                    .await?;
                Ok(pb::ListOutboxResponse {
                    emails: emails.into_iter().map(convert::email).collect(),
                    total,
                })
            }
            .await,
        )
    }
}
