//! `xcode-kit`: what every Xcode service is built from: layered [`config`], [`telemetry`]
//! (logs and Prometheus metrics), graceful [`shutdown`], the [`grpc`] server bootstrap (health
//! and reflection on every server), the [`cache`] and the event [`bus`].
//!
//! It depends on no service and on nothing of the sandbox; only on the gRPC contracts
//! (`xcode-proto`), for reflection.

pub mod bus;
pub mod cache;
pub mod config;
pub mod grpc;
pub mod shutdown;
pub mod telemetry;

pub use bus::{Bus, BusError, InProcessBus, Message, Nats, Subscription};
pub use cache::{Cache, InProcess, Memcached, MemcachedConfig, NoCache, Removal};
