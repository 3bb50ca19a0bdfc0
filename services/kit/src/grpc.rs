//! gRPC server bootstrap: every Xcode service is served with the standard health service and
//! reflection (`grpc.reflection.v1` and `v1alpha`), so grpcurl, Kubernetes probes and other
//! generic clients work without the `.proto` files.

use std::future::Future;

use tokio::net::TcpListener;
use tonic::server::NamedService;
use tonic::transport::Server;
use tonic::transport::server::{Router, TcpIncoming};

#[derive(Debug, thiserror::Error)]
pub enum GrpcError {
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// A router serving health and reflection, with `S` reported SERVING; add the service with
/// [`Router::add_service`] and start it with [`serve`].
pub async fn router<S: NamedService>() -> Result<Router, GrpcError> {
    router_of(&[S::NAME]).await
}

/// [`router`] for a server of several services, by their names (`S::NAME`).
pub async fn router_of(services: &[&str]) -> Result<Router, GrpcError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in services {
        reporter
            .set_service_status(name, tonic_health::ServingStatus::Serving)
            .await;
    }
    Ok(Server::builder()
        .trace_fn(span)
        .add_service(health)
        .add_service(xcode_proto::reflection::v1(services)?)
        .add_service(xcode_proto::reflection::v1alpha(services)?))
}

/// Each call's span: its method and the request id the gateway forwards (`x-request-id`), so
/// a request's log lines can be followed from the gateway into the services.
fn span(request: &tonic::codegen::http::Request<()>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("grpc", method = request.uri().path(), request_id)
}

/// Serves `router` on `listener` until `shutdown` completes, then lets calls in flight finish.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), GrpcError> {
    // Small replies must not wait for Nagle's algorithm (it cost /me a 35 ms p99, bench/README.md);
    // tonic sets TCP_NODELAY only on sockets it accepts itself.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    router
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
