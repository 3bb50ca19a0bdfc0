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

/// Ready when the users service reports itself SERVING on the standard health service.
async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let mut health = HealthClient::new(state.users_channel.clone());
    let check = health.check(HealthCheckRequest {
        service: USERS_SERVICE.to_owned(),
    });
    match tokio::time::timeout(state.request_timeout, check).await {
        Ok(Ok(response)) if response.get_ref().status == ServingStatus::Serving as i32 => {
            Ok(axum::Json(json!({ "status": "ready" })))
        }
        Ok(Ok(response)) => {
            tracing::warn!(
                status = response.get_ref().status,
                "users service not serving"
            );
            Err(not_ready())
        }
        Ok(Err(status)) => {
            tracing::warn!(code = ?status.code(), message = status.message(), "users health check failed");
            Err(not_ready())
        }
        Err(_elapsed) => {
            tracing::warn!("users health check timed out");
            Err(not_ready())
        }
    }
}

fn not_ready() -> ApiError {
    ApiError::unavailable("not ready: the users service does not answer")
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
