//! `xcode-kit`: what every Xcode service is built from.
//!
//! So far the cache ([`cache`]) and the event bus ([`bus`]); configuration, telemetry and server
//! bootstrap come with the services that need them (issue 5).

pub mod bus;
pub mod cache;

pub use bus::{Bus, BusError, InProcessBus, Message, Nats, Subscription};
pub use cache::{Cache, InProcess, Memcached, MemcachedConfig, Removal};
