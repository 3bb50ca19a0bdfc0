//! The two backends, stamped from one body: the SQL text is the same for both.

use crate::{
    AuditRecord, Error, FailureCount, Field, NewUser, OutboxRecord, ProfilePatch, Result, Rotation,
    SessionRecord, TokenKind, TokenRefusal, UserFilter, UserRecord, UserStore,
};

#[derive(Debug)]
pub struct Sqlite(pub sqlx::SqlitePool);

#[derive(Debug)]
pub struct Postgres(pub sqlx::PgPool);

/// A unique violation as the field it is about.
fn conflict(error: sqlx::Error) -> Error {
    if let sqlx::Error::Database(database) = &error
        && database.is_unique_violation()
    {
        let what = format!(
            "{} {}",
            database.constraint().unwrap_or(""),
            database.message()
        );
        if what.contains("email") {
            return Error::Conflict(Field::Email);
        }
        if what.contains("username") {
            return Error::Conflict(Field::Username);
        }
    }
    Error::Database(error)
}

/// `LIKE` pattern of a substring, its wildcards escaped.
pub(crate) fn contains_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for c in query.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

const LIST_WHERE: &str = "
    WHERE ($1 = '%%' OR lower(username) LIKE $1 ESCAPE '\\' OR lower(email) LIKE $1 ESCAPE '\\'
           OR lower(display_name) LIKE $1 ESCAPE '\\')
      AND ($2 IS NULL OR $2 = (banned_at IS NOT NULL AND (banned_until IS NULL OR banned_until > $5)))
      AND ($3 IS NULL OR $3 = (verified_at IS NOT NULL))
      AND ($4 = '' OR role = $4)";

macro_rules! store {
    ($store:ident, $database:ty, $backend:literal) => {
        impl $store {
            /// Inserts a session on a pool or inside a transaction (refresh rotation).
            async fn insert_session_on<'c, E>(executor: E, session: &SessionRecord) -> Result<()>
            where
                E: sqlx::Executor<'c, Database = $database>,
            {
                sqlx::query(
                    "INSERT INTO sessions (id, family_id, user_id, access_hash,
                         access_expires_at, refresh_hash, refresh_expires_at, client_ip,
                         created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&session.id)
                .bind(&session.family_id)
                .bind(&session.user_id)
                .bind(&session.access_hash)
                .bind(session.access_expires_at)
                .bind(&session.refresh_hash)
                .bind(session.refresh_expires_at)
                .bind(&session.client_ip)
                .bind(session.created_at)
                .execute(executor)
                .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl UserStore for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.0).await?;
                Ok(())
            }

            async fn insert_user(&self, user: NewUser) -> Result<UserRecord> {
                sqlx::query_as::<_, UserRecord>(
                    "INSERT INTO users (id, username, username_key, email, email_key,
                         password_hash, role, verified_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                     RETURNING *",
                )
                .bind(&user.id)
                .bind(&user.username)
                .bind(&user.username_key)
                .bind(&user.email)
                .bind(&user.email_key)
                .bind(&user.password_hash)
                .bind(&user.role)
                .bind(user.verified.then_some(user.now_ms))
                .bind(user.now_ms)
                .fetch_one(&self.0)
                .await
                .map_err(conflict)
            }

            async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>> {
                Ok(sqlx::query_as("SELECT * FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.0)
                    .await?)
            }

            async fn user_by_username_key(&self, key: &str) -> Result<Option<UserRecord>> {
                Ok(
                    sqlx::query_as("SELECT * FROM users WHERE username_key = $1")
                        .bind(key)
                        .fetch_optional(&self.0)
                        .await?,
                )
            }

            async fn user_by_email_key(&self, key: &str) -> Result<Option<UserRecord>> {
                Ok(sqlx::query_as("SELECT * FROM users WHERE email_key = $1")
                    .bind(key)
                    .fetch_optional(&self.0)
                    .await?)
            }

            async fn update_profile(
                &self,
                id: &str,
                patch: ProfilePatch,
                now_ms: i64,
            ) -> Result<UserRecord> {
                sqlx::query_as(
                    "UPDATE users SET
                         display_name = COALESCE($2, display_name),
                         bio = COALESCE($3, bio),
                         country = COALESCE($4, country),
                         avatar_url = COALESCE($5, avatar_url),
                         preferred_language = COALESCE($6, preferred_language),
                         updated_at = $7
                     WHERE id = $1 RETURNING *",
                )
                .bind(id)
                .bind(patch.display_name)
                .bind(patch.bio)
                .bind(patch.country)
                .bind(patch.avatar_url)
                .bind(patch.preferred_language)
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?
                .ok_or(Error::NotFound)
            }

            async fn set_password_hash(&self, id: &str, hash: &str, now_ms: i64) -> Result<()> {
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(hash)
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound);
                }
                Ok(())
            }

            async fn set_verified(&self, id: &str, now_ms: i64) -> Result<UserRecord> {
                sqlx::query_as(
                    "UPDATE users SET verified_at = COALESCE(verified_at, $2), updated_at = $2
                     WHERE id = $1 RETURNING *",
                )
                .bind(id)
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?
                .ok_or(Error::NotFound)
            }

            async fn set_ban(
                &self,
                id: &str,
                reason: Option<&str>,
                until_ms: Option<i64>,
                now_ms: i64,
            ) -> Result<UserRecord> {
                sqlx::query_as(
                    "UPDATE users SET banned_at = $2, ban_reason = $3, banned_until = $4,
                         updated_at = $2
                     WHERE id = $1 RETURNING *",
                )
                .bind(id)
                .bind(now_ms)
                .bind(reason)
                .bind(until_ms)
                .fetch_optional(&self.0)
                .await?
                .ok_or(Error::NotFound)
            }

            async fn clear_ban(&self, id: &str, now_ms: i64) -> Result<UserRecord> {
                sqlx::query_as(
                    "UPDATE users SET banned_at = NULL, ban_reason = NULL, banned_until = NULL,
                         updated_at = $2
                     WHERE id = $1 RETURNING *",
                )
                .bind(id)
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?
                .ok_or(Error::NotFound)
            }

            async fn set_role(&self, id: &str, role: &str, now_ms: i64) -> Result<UserRecord> {
                sqlx::query_as(
                    "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING *",
                )
                .bind(id)
                .bind(role)
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?
                .ok_or(Error::NotFound)
            }

            async fn delete_user(&self, id: &str) -> Result<()> {
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&self.0)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound);
                }
                Ok(())
            }

            async fn list_users(&self, filter: &UserFilter) -> Result<(Vec<UserRecord>, u64)> {
                let pattern = contains_pattern(&filter.query);
                let users = sqlx::query_as(&format!(
                    "SELECT * FROM users {LIST_WHERE}
                     ORDER BY created_at, id LIMIT $6 OFFSET $7"
                ))
                .bind(&pattern)
                .bind(filter.banned)
                .bind(filter.verified)
                .bind(&filter.role)
                .bind(filter.now_ms)
                .bind(to_i64(filter.limit))
                .bind(to_i64(filter.offset))
                .fetch_all(&self.0)
                .await?;
                let (total,): (i64,) =
                    sqlx::query_as(&format!("SELECT COUNT(*) FROM users {LIST_WHERE}"))
                        .bind(&pattern)
                        .bind(filter.banned)
                        .bind(filter.verified)
                        .bind(&filter.role)
                        .bind(filter.now_ms)
                        .fetch_one(&self.0)
                        .await?;
                Ok((users, to_u64(total)))
            }

            async fn count_role(&self, role: &str) -> Result<u64> {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = $1")
                    .bind(role)
                    .fetch_one(&self.0)
                    .await?;
                Ok(to_u64(count))
            }

            async fn record_login_failure(
                &self,
                id: &str,
                max: i64,
                lock_until_ms: i64,
            ) -> Result<FailureCount> {
                let (failed_logins, locked_until): (i64, Option<i64>) = sqlx::query_as(
                    "UPDATE users SET
                         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0
                                              ELSE failed_logins + 1 END,
                         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3
                                             ELSE locked_until END
                     WHERE id = $1 RETURNING failed_logins, locked_until",
                )
                .bind(id)
                .bind(max)
                .bind(lock_until_ms)
                .fetch_optional(&self.0)
                .await?
                .ok_or(Error::NotFound)?;
                Ok(FailureCount {
                    failed_logins,
                    locked_until,
                })
            }

            async fn clear_login_failures(&self, id: &str) -> Result<()> {
                sqlx::query(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL
                     WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
                )
                .bind(id)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn set_totp_pending(&self, id: &str, secret: &str, now_ms: i64) -> Result<()> {
                let done = sqlx::query(
                    "UPDATE users SET totp_pending = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(secret)
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound);
                }
                Ok(())
            }

            async fn confirm_totp(
                &self,
                id: &str,
                secret: &str,
                step: i64,
                now_ms: i64,
            ) -> Result<()> {
                let done = sqlx::query(
                    "UPDATE users SET totp_secret = $2, totp_pending = NULL,
                         totp_last_step = $3, updated_at = $4
                     WHERE id = $1 AND totp_pending = $2",
                )
                .bind(id)
                .bind(secret)
                .bind(step)
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound);
                }
                Ok(())
            }

            async fn disable_totp(&self, id: &str, now_ms: i64) -> Result<()> {
                sqlx::query(
                    "UPDATE users SET totp_secret = NULL, totp_pending = NULL,
                         totp_last_step = NULL, updated_at = $2
                     WHERE id = $1",
                )
                .bind(id)
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(id)
                    .execute(&self.0)
                    .await?;
                Ok(())
            }

            async fn claim_totp_step(&self, id: &str, step: i64) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE users SET totp_last_step = $2
                     WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                )
                .bind(id)
                .bind(step)
                .execute(&self.0)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn replace_recovery_codes(&self, id: &str, code_hashes: &[String]) -> Result<()> {
                let mut transaction = self.0.begin().await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?;
                for hash in code_hashes {
                    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                        .bind(id)
                        .bind(hash)
                        .execute(&mut *transaction)
                        .await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            async fn use_recovery_code(
                &self,
                id: &str,
                code_hash: &str,
                now_ms: i64,
            ) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $3
                     WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                )
                .bind(id)
                .bind(code_hash)
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn unused_recovery_codes(&self, id: &str) -> Result<u64> {
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                )
                .bind(id)
                .fetch_one(&self.0)
                .await?;
                Ok(to_u64(count))
            }

            async fn insert_token(
                &self,
                hash: &str,
                kind: TokenKind,
                user_id: &str,
                expires_at_ms: i64,
                now_ms: i64,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tokens (hash, kind, user_id, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hash)
                .bind(kind.as_str())
                .bind(user_id)
                .bind(now_ms)
                .bind(expires_at_ms)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn token_user(
                &self,
                hash: &str,
                kind: TokenKind,
                now_ms: i64,
            ) -> Result<std::result::Result<String, TokenRefusal>> {
                let token: Option<(String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT user_id, expires_at, used_at FROM tokens WHERE hash = $1 AND kind = $2",
                )
                .bind(hash)
                .bind(kind.as_str())
                .fetch_optional(&self.0)
                .await?;
                Ok(match token {
                    None => Err(TokenRefusal::Unknown),
                    Some((_, _, Some(_))) => Err(TokenRefusal::Used),
                    Some((_, expires_at, None)) if expires_at <= now_ms => {
                        Err(TokenRefusal::Expired)
                    }
                    Some((user_id, _, None)) => Ok(user_id),
                })
            }

            async fn consume_token(
                &self,
                hash: &str,
                kind: TokenKind,
                now_ms: i64,
            ) -> Result<std::result::Result<String, TokenRefusal>> {
                let spent: Option<(String,)> = sqlx::query_as(
                    "UPDATE tokens SET used_at = $3
                     WHERE hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3
                     RETURNING user_id",
                )
                .bind(hash)
                .bind(kind.as_str())
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?;
                if let Some((user_id,)) = spent {
                    return Ok(Ok(user_id));
                }
                let state: Option<(Option<i64>,)> =
                    sqlx::query_as("SELECT used_at FROM tokens WHERE hash = $1 AND kind = $2")
                        .bind(hash)
                        .bind(kind.as_str())
                        .fetch_optional(&self.0)
                        .await?;
                Ok(Err(match state {
                    None => TokenRefusal::Unknown,
                    Some((Some(_),)) => TokenRefusal::Used,
                    Some((None,)) => TokenRefusal::Expired,
                }))
            }

            async fn spend_user_tokens(
                &self,
                user_id: &str,
                kind: TokenKind,
                now_ms: i64,
            ) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE tokens SET used_at = $3
                     WHERE user_id = $1 AND kind = $2 AND used_at IS NULL",
                )
                .bind(user_id)
                .bind(kind.as_str())
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                Ok(done.rows_affected())
            }

            async fn insert_session(&self, session: &SessionRecord) -> Result<()> {
                Self::insert_session_on(&self.0, session).await
            }

            async fn session_by_access(
                &self,
                access_hash: &str,
                now_ms: i64,
            ) -> Result<Option<SessionRecord>> {
                Ok(sqlx::query_as(
                    "SELECT * FROM sessions
                     WHERE access_hash = $1 AND access_expires_at > $2
                       AND replaced_at IS NULL AND revoked_at IS NULL",
                )
                .bind(access_hash)
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?)
            }

            async fn rotate_session(
                &self,
                refresh_hash: &str,
                next: &SessionRecord,
                now_ms: i64,
            ) -> Result<Rotation> {
                // One transaction: a reuse of the same token racing this rotation waits for it
                // (the row is locked), then finds the new session and revokes it too.
                let mut transaction = self.0.begin().await?;
                let previous: Option<SessionRecord> = sqlx::query_as(
                    "UPDATE sessions SET replaced_at = $2
                     WHERE refresh_hash = $1 AND replaced_at IS NULL AND revoked_at IS NULL
                       AND refresh_expires_at > $2
                     RETURNING *",
                )
                .bind(refresh_hash)
                .bind(now_ms)
                .fetch_optional(&mut *transaction)
                .await?;
                if let Some(previous) = previous {
                    let next = SessionRecord {
                        family_id: previous.family_id.clone(),
                        user_id: previous.user_id.clone(),
                        ..next.clone()
                    };
                    Self::insert_session_on(&mut *transaction, &next).await?;
                    transaction.commit().await?;
                    return Ok(Rotation::Rotated { previous });
                }
                transaction.commit().await?;
                let spent: Option<(String, Option<i64>)> = sqlx::query_as(
                    "SELECT family_id, replaced_at FROM sessions WHERE refresh_hash = $1",
                )
                .bind(refresh_hash)
                .fetch_optional(&self.0)
                .await?;
                match spent {
                    Some((family_id, Some(_))) => {
                        let revoked: Vec<(String, Option<i64>)> = sqlx::query_as(
                            "UPDATE sessions SET revoked_at = $2
                             WHERE family_id = $1 AND revoked_at IS NULL
                             RETURNING access_hash, replaced_at",
                        )
                        .bind(&family_id)
                        .bind(now_ms)
                        .fetch_all(&self.0)
                        .await?;
                        // Replaced sessions were dead already; only the live one's hash matters.
                        Ok(Rotation::Reused {
                            revoked_access_hashes: revoked
                                .into_iter()
                                .filter(|(_, replaced_at)| replaced_at.is_none())
                                .map(|(hash, _)| hash)
                                .collect(),
                        })
                    }
                    _ => Ok(Rotation::Invalid),
                }
            }

            async fn revoke_session_by_refresh(
                &self,
                refresh_hash: &str,
                now_ms: i64,
            ) -> Result<Vec<String>> {
                let hashes: Vec<(String,)> = sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $2
                     WHERE refresh_hash = $1 AND revoked_at IS NULL AND replaced_at IS NULL
                     RETURNING access_hash",
                )
                .bind(refresh_hash)
                .bind(now_ms)
                .fetch_all(&self.0)
                .await?;
                Ok(hashes.into_iter().map(|(hash,)| hash).collect())
            }

            async fn revoke_session(&self, id: &str, now_ms: i64) -> Result<Vec<String>> {
                let hashes: Vec<(String,)> = sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $2
                     WHERE id = $1 AND revoked_at IS NULL RETURNING access_hash",
                )
                .bind(id)
                .bind(now_ms)
                .fetch_all(&self.0)
                .await?;
                Ok(hashes.into_iter().map(|(hash,)| hash).collect())
            }

            async fn revoke_user_sessions(
                &self,
                user_id: &str,
                except: Option<&str>,
                now_ms: i64,
            ) -> Result<Vec<String>> {
                let hashes: Vec<(String,)> = sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $3
                     WHERE user_id = $1 AND revoked_at IS NULL AND replaced_at IS NULL
                       AND ($2 IS NULL OR id <> $2)
                     RETURNING access_hash",
                )
                .bind(user_id)
                .bind(except)
                .bind(now_ms)
                .fetch_all(&self.0)
                .await?;
                Ok(hashes.into_iter().map(|(hash,)| hash).collect())
            }

            async fn insert_audit(
                &self,
                at_ms: i64,
                actor_id: &str,
                actor_username: &str,
                action: &str,
                target_user_id: &str,
                details: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_id, actor_username, action,
                         target_user_id, details)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(at_ms)
                .bind(actor_id)
                .bind(actor_username)
                .bind(action)
                .bind(target_user_id)
                .bind(details)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn list_audit(
                &self,
                target_user_id: Option<&str>,
                offset: u64,
                limit: u64,
            ) -> Result<(Vec<AuditRecord>, u64)> {
                let entries = sqlx::query_as(
                    "SELECT * FROM audit_log WHERE ($1 IS NULL OR target_user_id = $1)
                     ORDER BY id DESC LIMIT $2 OFFSET $3",
                )
                .bind(target_user_id)
                .bind(to_i64(limit))
                .bind(to_i64(offset))
                .fetch_all(&self.0)
                .await?;
                let (total,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM audit_log WHERE ($1 IS NULL OR target_user_id = $1)",
                )
                .bind(target_user_id)
                .fetch_one(&self.0)
                .await?;
                Ok((entries, to_u64(total)))
            }

            async fn insert_outbox(
                &self,
                at_ms: i64,
                to: &str,
                subject: &str,
                body: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO outbox (at, recipient, subject, body) VALUES ($1, $2, $3, $4)",
                )
                .bind(at_ms)
                .bind(to)
                .bind(subject)
                .bind(body)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn list_outbox(
                &self,
                offset: u64,
                limit: u64,
            ) -> Result<(Vec<OutboxRecord>, u64)> {
                let emails =
                    sqlx::query_as("SELECT * FROM outbox ORDER BY id DESC LIMIT $1 OFFSET $2")
                        .bind(to_i64(limit))
                        .bind(to_i64(offset))
                        .fetch_all(&self.0)
                        .await?;
                let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox")
                    .fetch_one(&self.0)
                    .await?;
                Ok((emails, to_u64(total)))
            }
        }
    };
}

store!(Sqlite, sqlx::Sqlite, "sqlite");
store!(Postgres, sqlx::Postgres, "postgres");
