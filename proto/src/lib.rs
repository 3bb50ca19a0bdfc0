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

/// Every `.proto` of this crate and its imports, encoded: what reflection serves.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/xcode_descriptor.bin"));

/// gRPC reflection (`grpc.reflection.v1` and the older `v1alpha`, which some clients still
/// ask for) over Xcode's services and the health service.
pub mod reflection {
    use tonic_reflection::server::{Builder, Error, v1, v1alpha};

    fn builder() -> Builder<'static> {
        Builder::configure()
            .register_encoded_file_descriptor_set(super::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    }

    pub fn v1() -> Result<v1::ServerReflectionServer<impl v1::ServerReflection>, Error> {
        builder().build_v1()
    }

    pub fn v1alpha()
    -> Result<v1alpha::ServerReflectionServer<impl v1alpha::ServerReflection>, Error> {
        builder().build_v1alpha()
    }
}
