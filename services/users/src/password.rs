//! Password hashing (argon2id) and the minimum strength.
//!
//! Parameters (docs/accounts.md): argon2id, 19 MiB of memory, 2 passes, 1 lane: OWASP's
//! recommendation. Hashes carry their parameters; a login whose hash was made with others is
//! rehashed with the current ones. Hashing is CPU-bound: it runs on the blocking pool, at most
//! one per core at a time, so a burst of logins queues instead of starving the async runtime.
//!
//! Each hash works in a 19 MiB block buffer. Allocated per hash on the blocking pool's many
//! threads, glibc kept those buffers: a server grew past a gigabyte under login load
//! (bench/README.md). So the buffers are reused, one per concurrent hash: 2 x 19 MiB on two
//! cores, for good.

use std::sync::{Arc, Mutex};

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
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
    /// Block buffers for argon2, reused (at most one per permit).
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// A hash with the current parameters that no password matches.
    dummy: Arc<str>,
}

/// Length of the hash argon2 outputs (the crate's default, what its PHC strings carry).
const OUTPUT_BYTES: usize = 32;

impl Hasher {
    pub fn new(params: HashParams) -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let mut hasher = Self {
            params,
            permits: Arc::new(Semaphore::new(cores)),
            buffers: Arc::new(Mutex::new(Vec::new())),
            dummy: Arc::from(""),
        };
        let dummy = hasher.hash_now(&random_bytes::<32>())?;
        hasher.dummy = dummy.into();
        Ok(hasher)
    }

    /// argon2id of `password` with a new salt, as a PHC string, on this thread.
    fn hash_now(&self, password: &[u8]) -> anyhow::Result<String> {
        let salt = random_bytes::<16>();
        let argon = argon(self.params)?;
        let mut out = [0u8; OUTPUT_BYTES];
        self.with_blocks(argon.params().block_count(), |blocks| {
            argon
                .hash_password_into_with_memory(password, &salt, &mut out, blocks)
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))
        })?;
        let HashParams {
            memory_kib,
            iterations,
            parallelism,
            ..
        } = self.params;
        Ok(format!(
            "$argon2id$v=19$m={memory_kib},t={iterations},p={parallelism}${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        ))
    }

    /// Whether `password` matches the PHC string `hash` (with the parameters it carries).
    fn verify_now(&self, password: &[u8], hash: &str) -> anyhow::Result<Verified> {
        let parsed = PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let stored = Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let algorithm = Algorithm::try_from(parsed.algorithm)
            .map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let version = parsed
            .version
            .map_or(Ok(Version::V0x13), Version::try_from)
            .map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let expected = parsed
            .hash
            .ok_or_else(|| anyhow::anyhow!("stored hash: no output"))?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or_else(|| anyhow::anyhow!("stored hash: no salt"))?
            .decode_b64(&mut salt)
            .map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let argon = Argon2::new(algorithm, version, stored.clone());
        let mut out = vec![0u8; expected.len()];
        self.with_blocks(stored.block_count(), |blocks| {
            argon
                .hash_password_into_with_memory(password, salt, &mut out, blocks)
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))
        })?;
        let matches = constant_time_eq(&out, expected.as_bytes());
        let current = algorithm == Algorithm::Argon2id
            && version == Version::V0x13
            && stored.m_cost() == self.params.memory_kib
            && stored.t_cost() == self.params.iterations
            && stored.p_cost() == self.params.parallelism;
        Ok(Verified {
            matches,
            needs_rehash: matches && !current,
        })
    }

    fn with_blocks<T>(&self, count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let lock = |buffers: &Mutex<Vec<Vec<Block>>>| {
            buffers
                .lock()
                .map(|mut guard| guard.pop())
                .unwrap_or_else(|poisoned| poisoned.into_inner().pop())
        };
        let mut buffer = lock(&self.buffers).unwrap_or_default();
        if buffer.len() < count {
            buffer.resize(count, Block::default());
        }
        let result = work(&mut buffer[..count]);
        match self.buffers.lock() {
            Ok(mut buffers) => buffers.push(buffer),
            Err(poisoned) => poisoned.into_inner().push(buffer),
        }
        result
    }

    pub async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let hasher = self.clone();
        let password = password.to_owned();
        self.blocking(move || hasher.hash_now(password.as_bytes()))
            .await
    }

    /// Whether `password` matches `hash`, and whether the hash should be redone with the
    /// current parameters.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<Verified, ServiceError> {
        let hasher = self.clone();
        let password = password.to_owned();
        let hash = hash.to_owned();
        self.blocking(move || hasher.verify_now(password.as_bytes(), &hash))
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
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

    #[tokio::test]
    async fn hashes_are_the_argon2_crates_phc_strings_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};
        let hasher = Hasher::new(small()).expect("params");
        let ours = hasher
            .hash("correct horse battery staple")
            .await
            .expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        argon(small())
            .expect("params")
            .verify_password(b"correct horse battery staple", &parsed)
            .expect("the argon2 crate verifies our hash");
        let salt = SaltString::encode_b64(&[9; 16]).expect("salt");
        let theirs = argon(small())
            .expect("params")
            .hash_password(b"correct horse battery staple", &salt)
            .expect("hash")
            .to_string();
        let verified = hasher
            .verify("correct horse battery staple", &theirs)
            .await
            .expect("verify");
        assert!(verified.matches && !verified.needs_rehash);
        // The buffers are reused: at most one per concurrent hash.
        assert!(hasher.buffers.lock().expect("lock").len() <= 2);
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
