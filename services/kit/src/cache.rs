//! Cache-aside storage for what services look up often: sessions, problem metadata, compiled
//! artifacts, final verdicts. The database stays the truth: a cache that is down, slow or
//! emptied costs speed, never correctness.
//!
//! So the [`Cache`] trait cannot fail. A lookup that cannot reach the cache is a miss, a store
//! that cannot is skipped (both logged), and a removal that cannot says so ([`Removal`]), because
//! only there does an outage matter: the entry may outlive the change it should have followed
//! until its time to live passes. Callers keep times to live short for what can be revoked.
//!
//! Two implementations behave the same (one test suite runs on both, `tests/cache.rs`):
//! [`InProcess`] (moka; the one-process default) and [`Memcached`] (production).
//!
//! Keys are any string: one that memcached cannot take as it is (over 200 bytes, or with
//! spaces or control characters) is replaced by its sha256. Values over [`MAX_VALUE_BYTES`] are
//! not stored (memcached's default item size is 1 MiB).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_memcached::AsciiProtocol as _;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

/// Largest value stored; a larger one is skipped (a store of it is a no-op).
pub const MAX_VALUE_BYTES: usize = 1000 << 10;

/// What [`Cache::remove`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The key is not in the cache any more (whether it was or not).
    Removed,
    /// The cache could not be reached: the entry, if any, lives until its time to live.
    Unreachable,
}

#[async_trait::async_trait]
pub trait Cache: Send + Sync + fmt::Debug {
    /// The value stored under `key`, unless absent, expired or unreachable.
    async fn get(&self, key: &str) -> Option<Bytes>;
    /// Stores `value` under `key` for `ttl` (at least a second: memcached counts in seconds).
    async fn set(&self, key: &str, value: Bytes, ttl: Duration);
    async fn remove(&self, key: &str) -> Removal;
}

/// A key as memcached accepts it: printable ASCII without spaces, at most 250 bytes with our
/// prefix. Anything else is hashed.
fn wire_key(key: &str) -> String {
    const PREFIX: &str = "xcode:";
    let plain = key.len() <= 200 && key.bytes().all(|byte| byte.is_ascii_graphic());
    if plain {
        format!("{PREFIX}{key}")
    } else {
        format!("{PREFIX}#{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// Whole seconds, at least one (memcached's unit; 0 would mean "never expires") and at most
/// 30 days (memcached reads more as a date).
fn ttl_seconds(ttl: Duration) -> u64 {
    const THIRTY_DAYS: u64 = 30 * 24 * 3600;
    (ttl.as_secs_f64().ceil().max(1.0) as u64).min(THIRTY_DAYS)
}

// ------------------------------------------------------------------------------------------

/// The in-process cache: a bounded map in this process's memory, by weight in bytes.
#[derive(Clone)]
pub struct InProcess {
    entries: moka::future::Cache<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    value: Bytes,
    expires: Instant,
}

impl InProcess {
    /// A cache holding at most `capacity_bytes` of values (least recently used go first).
    pub fn new(capacity_bytes: u64) -> Self {
        let entries = moka::future::Cache::builder()
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.value.len()).unwrap_or(u32::MAX)
            })
            .max_capacity(capacity_bytes)
            .build();
        Self { entries }
    }
}

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcess")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

#[async_trait::async_trait]
impl Cache for InProcess {
    async fn get(&self, key: &str) -> Option<Bytes> {
        let key = wire_key(key);
        let entry = self.entries.get(&key).await?;
        if entry.expires <= Instant::now() {
            self.entries.invalidate(&key).await;
            return None;
        }
        Some(entry.value)
    }

    async fn set(&self, key: &str, value: Bytes, ttl: Duration) {
        let key = wire_key(key);
        if value.len() > MAX_VALUE_BYTES {
            // As memcached would refuse it; and an older value must not stay behind.
            self.entries.invalidate(&key).await;
            return;
        }
        let expires = Instant::now() + Duration::from_secs(ttl_seconds(ttl));
        self.entries.insert(key, Entry { value, expires }).await;
    }

    async fn remove(&self, key: &str) -> Removal {
        self.entries.invalidate(&wire_key(key)).await;
        Removal::Removed
    }
}

// ------------------------------------------------------------------------------------------

/// Memcached over TCP: a few connections, each used by one operation at a time, every
/// operation under a timeout. A connection that fails is dropped and made again on a later
/// operation; while the server cannot be reached, attempts are spaced by
/// [`MemcachedConfig::retry_after`] so that an outage costs requests nothing but a miss.
#[derive(Clone)]
pub struct Memcached(Arc<Shared>);

/// How [`Memcached`] talks to its server.
#[derive(Debug, Clone)]
pub struct MemcachedConfig {
    /// `host:port` (or `tcp://host:port`, `unix:///path`).
    pub address: String,
    pub connections: usize,
    /// For one operation, connecting included.
    pub timeout: Duration,
    /// After a failure, how long operations skip the server.
    pub retry_after: Duration,
}

impl MemcachedConfig {
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            connections: 4,
            timeout: Duration::from_millis(250),
            retry_after: Duration::from_secs(1),
        }
    }
}

struct Shared {
    config: MemcachedConfig,
    /// `tcp://host:port`: the client wants a URL.
    dsn: String,
    slots: Vec<Mutex<Option<async_memcached::Client>>>,
    next: AtomicUsize,
    /// Until when the server is skipped after a failure.
    down_until: std::sync::Mutex<Option<Instant>>,
}

impl fmt::Debug for Memcached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memcached")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}

/// Why one memcached operation did not happen.
#[derive(Debug)]
enum Failure {
    /// Skipped: the server failed recently.
    Down,
    Timeout,
    Error(async_memcached::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Down => f.write_str("skipped: the server failed recently"),
            Self::Timeout => f.write_str("timed out"),
            Self::Error(error) => write!(f, "{error}"),
        }
    }
}

impl Memcached {
    /// Connections are made when first needed: a server that is down at start is a miss, not
    /// a failure to start.
    pub fn new(config: MemcachedConfig) -> Self {
        let slots = (0..config.connections.max(1))
            .map(|_| Mutex::new(None))
            .collect();
        let dsn = if config.address.contains("://") {
            config.address.clone()
        } else {
            format!("tcp://{}", config.address)
        };
        Self(Arc::new(Shared {
            dsn,
            config,
            slots,
            next: AtomicUsize::new(0),
            down_until: std::sync::Mutex::new(None),
        }))
    }

    /// Runs `op` on a connection (made if needed), under the timeout; any failure drops the
    /// connection and marks the server down for a while.
    ///
    /// The connection is taken out of its slot while in use and put back only after a whole
    /// operation: a caller that gives up mid-operation (a cancelled request) drops it with its
    /// half-read reply, and the next operation connects afresh instead of finding it closed
    /// and counting the server down.
    async fn with_client<T>(
        &self,
        op: impl AsyncFnOnce(&mut async_memcached::Client) -> Result<T, async_memcached::Error>,
    ) -> Result<T, Failure> {
        let shared = &self.0;
        {
            let mut down = lock(&shared.down_until);
            match *down {
                Some(until) if Instant::now() < until => return Err(Failure::Down),
                Some(_) => *down = None,
                None => {}
            }
        }
        let index = shared.next.fetch_add(1, Ordering::Relaxed) % shared.slots.len();
        let mut slot = shared.slots[index].lock().await;
        let idle = slot.take();
        let work = async {
            let mut client = match idle {
                Some(client) => client,
                None => async_memcached::Client::new(&shared.dsn).await?,
            };
            let value = op(&mut client).await?;
            Ok((value, client))
        };
        let result = match tokio::time::timeout(shared.config.timeout, work).await {
            Ok(Ok((value, client))) => {
                *slot = Some(client);
                return Ok(value);
            }
            Ok(Err(error)) => Failure::Error(error),
            Err(_) => Failure::Timeout,
        };
        *lock(&shared.down_until) = Some(Instant::now() + shared.config.retry_after);
        Err(result)
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn is_not_found(error: &async_memcached::Error) -> bool {
    matches!(
        error,
        async_memcached::Error::Protocol(async_memcached::Status::NotFound)
    )
}

#[async_trait::async_trait]
impl Cache for Memcached {
    async fn get(&self, key: &str) -> Option<Bytes> {
        let key = wire_key(key);
        match self
            .with_client(async |client| client.get(&key).await)
            .await
        {
            Ok(value) => value.and_then(|value| value.data).map(Bytes::from),
            Err(failure) => {
                if !matches!(failure, Failure::Down) {
                    tracing::warn!(%failure, "memcached get failed: a miss");
                }
                None
            }
        }
    }

    async fn set(&self, key: &str, value: Bytes, ttl: Duration) {
        let key = wire_key(key);
        if value.len() > MAX_VALUE_BYTES {
            // Too large to store; an older value must not stay behind.
            let _ = self.remove_wire(&key).await;
            return;
        }
        let ttl = i64::try_from(ttl_seconds(ttl)).unwrap_or(i64::MAX);
        let stored = self
            .with_client(async |client| client.set(&key, value.as_ref(), Some(ttl), None).await)
            .await;
        if let Err(failure) = stored
            && !matches!(failure, Failure::Down)
        {
            tracing::warn!(%failure, "memcached set failed: not cached");
        }
    }

    async fn remove(&self, key: &str) -> Removal {
        self.remove_wire(&wire_key(key)).await
    }
}

impl Memcached {
    async fn remove_wire(&self, key: &str) -> Removal {
        let result = self
            .with_client(async |client| match client.delete(key).await {
                Err(error) if is_not_found(&error) => Ok(()),
                other => other,
            })
            .await;
        match result {
            Ok(()) => Removal::Removed,
            Err(failure) => {
                tracing::warn!(%failure, "memcached delete failed: the entry lives until it expires");
                Removal::Unreachable
            }
        }
    }
}

/// No cache: every lookup misses, so every read goes to the database. For measuring what the
/// cache is worth (bench/), and for debugging.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

#[async_trait::async_trait]
impl Cache for NoCache {
    async fn get(&self, _key: &str) -> Option<Bytes> {
        None
    }
    async fn set(&self, _key: &str, _value: Bytes, _ttl: Duration) {}
    async fn remove(&self, _key: &str) -> Removal {
        Removal::Removed
    }
}

/// The cache a URL names: `memory` (or empty) for [`InProcess`] of `memory_bytes`,
/// `memcached://HOST:PORT` (or `tcp://HOST:PORT`) for [`Memcached`], `none` for [`NoCache`].
pub fn from_url(url: &str, memory_bytes: u64) -> Result<Arc<dyn Cache>, String> {
    let url = url.trim();
    if url.is_empty() || url == "memory" {
        return Ok(Arc::new(InProcess::new(memory_bytes)));
    }
    if url == "none" {
        return Ok(Arc::new(NoCache));
    }
    let address = url
        .strip_prefix("memcached://")
        .or_else(|| url.strip_prefix("tcp://"))
        .ok_or_else(|| {
            format!("cache URL {url:?}: use `memory`, `memcached://HOST:PORT` or `none`")
        })?;
    if address.is_empty() || address.contains('/') {
        return Err(format!("cache URL {url:?}: use `memcached://HOST:PORT`"));
    }
    Ok(Arc::new(Memcached::new(MemcachedConfig::new(format!(
        "tcp://{address}"
    )))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_memcached_cannot_take_are_hashed() {
        assert_eq!(wire_key("session:abc"), "xcode:session:abc");
        for odd in ["with space", "tab\there", "ünïcode", &"x".repeat(201)] {
            let key = wire_key(odd);
            assert!(key.starts_with("xcode:#"), "{key}");
            assert_eq!(key.len(), "xcode:#".len() + 64);
        }
        assert_ne!(wire_key("a b"), wire_key("a c"));
    }

    #[test]
    fn ttls_are_whole_seconds_and_never_zero() {
        assert_eq!(ttl_seconds(Duration::ZERO), 1);
        assert_eq!(ttl_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(ttl_seconds(Duration::from_secs(60)), 60);
        assert_eq!(ttl_seconds(Duration::from_secs(1 << 40)), 30 * 24 * 3600);
    }
}
