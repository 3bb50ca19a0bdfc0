//! Password hashing (argon2id) and the minimum strength.
//!
//! Parameters (docs/accounts.md): argon2id, 19 MiB of memory, 2 passes, 1 lane: OWASP's
//! recommendation. Hashes carry their parameters; a login whose hash was made with others is
//! rehashed with the current ones. Hashing is CPU-bound: it runs on the blocking pool, at most
//! one per core at a time, so a burst of logins queues instead of starving the async runtime.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::error::ServiceError;
use crate::secrets::random_bytes;

pub const PASSWORD_MIN_CHARS: usize = 10;
/// Longer inputs are refused before hashing (argon2 reads all of it).
pub const PASSWORD_MAX_BYTES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// zxcvbn's score (0 to 4) a new password needs.
    pub min_score: u8,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            min_score: 3,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Hasher {
    params: HashParams,
    permits: Arc<Semaphore>,
    /// A hash with the current parameters that no password matches.
    dummy: Arc<str>,
}

impl Hasher {
    pub fn new(params: HashParams) -> anyhow::Result<Self> {
        let salt = SaltString::encode_b64(&random_bytes::<16>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let dummy = argon(params)?
            .hash_password(&random_bytes::<32>(), &salt)
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(cores)),
            dummy: dummy.into(),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let params = self.params;
        let password = password.to_owned();
        self.blocking(move || {
            let salt = SaltString::encode_b64(&random_bytes::<16>())
                .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
            let hash = argon(params)?
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
            Ok(hash.to_string())
        })
        .await
    }

    /// Whether `password` matches `hash`, and whether the hash should be redone with the
    /// current parameters.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<Verified, ServiceError> {
        let params = self.params;
        let password = password.to_owned();
        let hash = hash.to_owned();
        self.blocking(move || {
            let parsed =
                PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
            let matches = argon(params)?
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            let current = Params::try_from(&parsed).ok().is_some_and(|stored| {
                stored.m_cost() == params.memory_kib
                    && stored.t_cost() == params.iterations
                    && stored.p_cost() == params.parallelism
            }) && parsed.algorithm == Algorithm::Argon2id.ident();
            Ok(Verified {
                matches,
                needs_rehash: matches && !current,
            })
        })
        .await
    }

    /// Spends the time a verification takes, for logins of unknown accounts: answering faster
    /// would tell which accounts exist.
    pub async fn waste_a_verification(&self, password: &str) {
        let dummy = Arc::clone(&self.dummy);
        drop(self.verify(password, &dummy).await);
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| anyhow::anyhow!("hasher: {e}"))?;
        let span = tracing::Span::current();
        let result = tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .map_err(|e| anyhow::anyhow!("hasher task: {e}"))?;
        Ok(result?)
    }

    /// Refuses passwords too short, too long, or that zxcvbn scores below the minimum (it
    /// knows common passwords, names, dates, keyboard walks, and the user's own name and
    /// address, passed in `inputs`).
    pub fn check_strength(&self, password: &str, inputs: &[&str]) -> Result<(), ServiceError> {
        if password.chars().count() < PASSWORD_MIN_CHARS {
            return Err(ServiceError::invalid(format!(
                "password: at least {PASSWORD_MIN_CHARS} characters"
            )));
        }
        if password.len() > PASSWORD_MAX_BYTES {
            return Err(ServiceError::invalid(format!(
                "password: at most {PASSWORD_MAX_BYTES} bytes"
            )));
        }
        let entropy = zxcvbn::zxcvbn(password, inputs);
        let score = u8::from(entropy.score());
        if score < self.params.min_score {
            let hint = entropy
                .feedback()
                .and_then(|feedback| feedback.warning().map(|warning| warning.to_string()))
                .unwrap_or_else(|| "add more words or characters".into());
            return Err(ServiceError::invalid(format!(
                "password: too weak ({hint})"
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Verified {
    pub matches: bool,
    pub needs_rehash: bool,
}

fn argon(params: HashParams) -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> HashParams {
        HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            min_score: 3,
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_rehash_when_parameters_change() {
        let hasher = Hasher::new(small()).expect("params");
        let hash = hasher
            .hash("correct horse battery staple")
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        let ok = hasher
            .verify("correct horse battery staple", &hash)
            .await
            .expect("verify");
        assert!(ok.matches && !ok.needs_rehash);
        let wrong = hasher
            .verify("correct horse battery stable", &hash)
            .await
            .expect("verify");
        assert!(!wrong.matches && !wrong.needs_rehash);

        let stronger = Hasher::new(HashParams {
            iterations: 2,
            ..small()
        })
        .expect("params");
        let old = stronger
            .verify("correct horse battery staple", &hash)
            .await
            .expect("verify");
        assert!(old.matches && old.needs_rehash);
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        let hasher = Hasher::new(small()).expect("params");
        for weak in [
            "short",
            "password123",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "ada_lovelace1",
        ] {
            let error = hasher
                .check_strength(weak, &["ada_lovelace", "ada@example.com"])
                .expect_err(weak);
            assert!(error.to_string().starts_with("password:"), "{error}");
        }
        assert!(hasher.check_strength(&"x".repeat(300), &[]).is_err());
        hasher
            .check_strength("correct horse battery staple", &[])
            .expect("strong");
    }
}
