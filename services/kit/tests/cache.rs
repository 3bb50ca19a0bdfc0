//! One suite for both caches: in-process, and the real memcached (127.0.0.1:11211, which
//! `.ci/run` starts; `XCODE_TEST_MEMCACHED` to use another). Then a memcached of our own,
//! killed and restarted mid-test: misses while it is gone, and back to work when it returns.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use xcode_kit::cache::MAX_VALUE_BYTES;
use xcode_kit::{Cache, InProcess, Memcached, MemcachedConfig, Removal};

use common::{Server, free_port, prefix};

async fn suite(cache: &dyn Cache) {
    let p = prefix();
    let key = |name: &str| format!("{p}:{name}");
    let hour = Duration::from_secs(3600);

    assert_eq!(cache.get(&key("absent")).await, None);

    cache.set(&key("a"), Bytes::from_static(b"one"), hour).await;
    assert_eq!(cache.get(&key("a")).await.as_deref(), Some(&b"one"[..]));
    cache.set(&key("a"), Bytes::from_static(b"two"), hour).await;
    assert_eq!(cache.get(&key("a")).await.as_deref(), Some(&b"two"[..]));
    assert_eq!(cache.remove(&key("a")).await, Removal::Removed);
    assert_eq!(cache.get(&key("a")).await, None);
    assert_eq!(cache.remove(&key("never set")).await, Removal::Removed);

    // Keys memcached cannot take as they are, each its own entry.
    let odd = [
        key("with space"),
        key("tab\tand\nnewline"),
        key("ünïcödé ключ"),
        key(&"long".repeat(100)),
        key(&"long".repeat(101)),
    ];
    for (i, name) in odd.iter().enumerate() {
        cache.set(name, Bytes::from(vec![i as u8; 3]), hour).await;
    }
    for (i, name) in odd.iter().enumerate() {
        assert_eq!(
            cache.get(name).await,
            Some(Bytes::from(vec![i as u8; 3])),
            "{name:?}"
        );
    }

    // Any bytes, the protocol's own delimiters included.
    let binary = Bytes::from_static(b"\0\r\nEND\r\n\xff value \r\n");
    cache.set(&key("binary"), binary.clone(), hour).await;
    assert_eq!(cache.get(&key("binary")).await, Some(binary));

    // The largest value is stored; a larger one is not, and does not leave an old one behind.
    let largest = Bytes::from(vec![7u8; MAX_VALUE_BYTES]);
    cache.set(&key("big"), largest.clone(), hour).await;
    assert_eq!(cache.get(&key("big")).await, Some(largest));
    cache
        .set(
            &key("big"),
            Bytes::from(vec![8u8; MAX_VALUE_BYTES + 1]),
            hour,
        )
        .await;
    assert_eq!(cache.get(&key("big")).await, None);

    // Many at once.
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let name = key(&format!("many-{i}"));
            async move {
                cache.set(&name, Bytes::from(format!("v{i}")), hour).await;
                cache.get(&name).await
            }
        })
        .collect();
    let results = futures::future::join_all(tasks).await;
    for (i, got) in results.into_iter().enumerate() {
        assert_eq!(got, Some(Bytes::from(format!("v{i}"))));
    }

    // Times to live are whole seconds, at least one.
    cache
        .set(
            &key("brief"),
            Bytes::from_static(b"x"),
            Duration::from_millis(10),
        )
        .await;
    assert_eq!(cache.get(&key("brief")).await.as_deref(), Some(&b"x"[..]));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(cache.get(&key("brief")).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process() {
    suite(&InProcess::new(64 << 20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memcached() {
    let address =
        std::env::var("XCODE_TEST_MEMCACHED").unwrap_or_else(|_| "127.0.0.1:11211".into());
    let cache = Memcached::new(MemcachedConfig::new(&address));
    // The suite needs a server: a probe that misses because nothing answers would pass it
    // vacuously, so check one is there first.
    cache
        .set("probe", Bytes::from_static(b"1"), Duration::from_secs(5))
        .await;
    assert_eq!(
        cache.get("probe").await.as_deref(),
        Some(&b"1"[..]),
        "no memcached at {address} (.ci/run starts one)"
    );
    suite(&cache).await;
}

/// A request cancelled mid-operation (its future dropped) must not cost the next ones: the
/// half-used connection is dropped, not reused, and the server is not counted down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_operations_do_not_turn_the_cache_off() {
    let server = own_memcached(free_port());
    let cache = Memcached::new(MemcachedConfig {
        connections: 1,
        ..MemcachedConfig::new(format!("127.0.0.1:{}", server.port))
    });
    let key = format!("{}-cancel", prefix());
    // Near the largest value, so that one poll rarely reads a whole reply.
    let big = Bytes::from(vec![7u8; 900 << 10]);
    cache.set(&key, big.clone(), Duration::from_secs(60)).await;
    let mut cancelled = 0;
    // At least 40 rounds, and more while too few gets were given up on before their reply
    // came in (under load a poll often finishes one: CI saw 4 of 40).
    for round in 0..400u32 {
        if round >= 40 && cancelled >= 5 {
            break;
        }
        // Poll a get a few times (the request goes out, part of the reply may come in), then
        // give up on it: a different point of the reply each round.
        {
            let mut get = std::pin::pin!(cache.get(&key));
            let mut pending = true;
            for _ in 0..=round % 2 {
                if futures::poll!(get.as_mut()).is_ready() {
                    pending = false;
                    break;
                }
                tokio::time::sleep(Duration::from_micros(50)).await;
            }
            cancelled += u32::from(pending);
        }
        assert_eq!(
            cache.get(&key).await.as_deref(),
            Some(&big[..]),
            "round {round}: a miss after a cancelled get"
        );
    }
    // Not vacuous: gets were given up on before their reply was read.
    assert!(
        cancelled >= 5,
        "only {cancelled} gets were cancelled mid-way"
    );
}

/// A memcached of our own on `port`.
fn own_memcached(port: u16) -> Server {
    let mut command = Command::new("memcached");
    command.args(["-l", "127.0.0.1", "-U", "0", "-m", "16", "-p"]);
    command.arg(port.to_string());
    // memcached refuses to run as root unless told which user to be.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0");
    if root {
        command.args(["-u", "root"]);
    }
    Server::start(command, "memcached", port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memcached_going_away_costs_misses_then_comes_back() {
    let server = own_memcached(free_port());
    let port = server.port;
    let mut config = MemcachedConfig::new(format!("127.0.0.1:{port}"));
    config.retry_after = Duration::from_millis(200);
    let cache = Memcached::new(config);
    let hour = Duration::from_secs(3600);
    cache.set("k", Bytes::from_static(b"v"), hour).await;
    assert_eq!(cache.get("k").await.as_deref(), Some(&b"v"[..]));

    drop(server);
    // Gone: a miss, quickly; stores and removals do not hang; removal says it could not.
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(cache.get("k").await, None);
        cache.set("k2", Bytes::from_static(b"v2"), hour).await;
    }
    assert_eq!(cache.remove("k").await, Removal::Unreachable);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // Back (empty, as a restarted memcached is): the cache reconnects by itself.
    let server = own_memcached(port);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        cache.set("k3", Bytes::from_static(b"v3"), hour).await;
        if cache.get("k3").await.as_deref() == Some(&b"v3"[..]) {
            break;
        }
        assert!(Instant::now() < deadline, "the cache did not reconnect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(cache.get("k").await, None, "a restarted memcached is empty");
    drop(server);
}
