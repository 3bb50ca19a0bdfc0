//! `xcode-proto`: the gRPC contracts between Xcode's services, generated from
//! `proto/xcode/**/*.proto` at build time by protox and tonic (no `protoc` needed).
//!
//! Every gRPC server also serves [`reflection`] (so grpcurl and other generic clients can list
//! and call its services) and the standard health service (`tonic_health`).

/// Generated code: not ours to lint.
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_debug_implementations,
    unused_qualifications
)]
pub mod users {
    pub mod v1 {
        tonic::include_proto!("xcode.users.v1");
    }
}

/// Generated code: not ours to lint.
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_debug_implementations,
    unused_qualifications
)]
pub mod problems {
    pub mod v1 {
        tonic::include_proto!("xcode.problems.v1");
    }
}

/// Generated code: not ours to lint.
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_debug_implementations,
    unused_qualifications
)]
pub mod judge {
    pub mod v1 {
        tonic::include_proto!("xcode.judge.v1");
    }
}

/// Every `.proto` of this crate and its imports, encoded: what reflection serves.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/xcode_descriptor.bin"));

/// gRPC reflection (`grpc.reflection.v1` and the older `v1alpha`, which some clients still
/// ask for) over Xcode's services and the health service. It advertises the services a server
/// names (besides health and reflection themselves): every contract is in the descriptor set,
/// and listing one a server does not serve would mislead clients.
pub mod reflection {
    use tonic_reflection::server::{Builder, Error, v1, v1alpha};

    fn builder(services: &[&str]) -> Builder<'static> {
        let mut builder = Builder::configure()
            .register_encoded_file_descriptor_set(super::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
        let always = [
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
        ];
        for name in services.iter().chain(&always) {
            builder = builder.with_service_name(*name);
        }
        builder
    }

    /// Reflection advertising `services` (fully qualified, `xcode.users.v1.AuthUserAdminService`).
    pub fn v1(
        services: &[&str],
    ) -> Result<v1::ServerReflectionServer<impl v1::ServerReflection>, Error> {
        builder(services).build_v1()
    }

    pub fn v1alpha(
        services: &[&str],
    ) -> Result<v1alpha::ServerReflectionServer<impl v1alpha::ServerReflection>, Error> {
        builder(services).build_v1alpha()
    }
}
