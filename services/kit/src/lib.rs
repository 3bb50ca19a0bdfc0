//! `xcode-kit`: what every Xcode service is built from.
//!
//! So far the cache ([`cache`]); configuration, telemetry, the message bus and server
//! bootstrap come with the services that need them (docs/grpc.md, issue 5).

pub mod cache;

pub use cache::{Cache, InProcess, Memcached, MemcachedConfig, Removal};
