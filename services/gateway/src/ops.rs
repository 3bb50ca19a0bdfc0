//! What operators and probes ask: `/healthz` (the process lives), `/readyz` (the services
//! answer), `/metrics` (Prometheus) and the API's own description, `/api/v1/openapi.json`.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use xcode_proto::judge::v1::execution_service_server::SERVICE_NAME as JUDGE_SERVICE;
use xcode_proto::problems::v1::problem_service_server::SERVICE_NAME as PROBLEMS_SERVICE;
use xcode_proto::users::v1::auth_user_admin_service_server::SERVICE_NAME as USERS_SERVICE;

use crate::AppState;
use crate::error::ApiError;
use crate::openapi;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi_document))
}

async fn healthz() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

/// Ready when the users, problems and judge services report themselves SERVING on the
/// standard health service.
async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let checks = [
        (state.users_channel.clone(), USERS_SERVICE),
        (state.judge_channel.clone(), PROBLEMS_SERVICE),
        (state.judge_channel.clone(), JUDGE_SERVICE),
    ];
    for (channel, service) in checks {
        serving(&state, channel, service).await?;
    }
    Ok(axum::Json(json!({ "status": "ready" })))
}

async fn serving(
    state: &AppState,
    channel: tonic::transport::Channel,
    service: &str,
) -> Result<(), ApiError> {
    let mut health = HealthClient::new(channel);
    let check = health.check(HealthCheckRequest {
        service: service.to_owned(),
    });
    let not_ready = || ApiError::unavailable(format!("not ready: {service} does not answer"));
    match tokio::time::timeout(state.request_timeout, check).await {
        Ok(Ok(response)) if response.get_ref().status == ServingStatus::Serving as i32 => Ok(()),
        Ok(Ok(response)) => {
            tracing::warn!(service, status = response.get_ref().status, "not serving");
            Err(not_ready())
        }
        Ok(Err(status)) => {
            tracing::warn!(service, code = ?status.code(), message = status.message(), "health check failed");
            Err(not_ready())
        }
        Err(_elapsed) => {
            tracing::warn!(service, "health check timed out");
            Err(not_ready())
        }
    }
}

async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        xcode_kit::telemetry::prometheus().render(),
    )
}

async fn openapi_document() -> axum::Json<&'static Value> {
    axum::Json(openapi::document())
}
