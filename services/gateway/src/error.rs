//! The one place errors become HTTP responses: every error is a status with the body
//! `{"error": {"code": "...", "message": "..."}}`, and gRPC statuses from the services are
//! mapped here and nowhere else. Internal details (a 500's cause, a transport failure) are
//! logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tonic::Code;

/// The metadata key of a RESOURCE_EXHAUSTED status that says when to retry (users.proto).
const RETRY_AFTER_SECONDS: &str = "retry-after-seconds";

/// An error as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// Seconds, sent as `Retry-After` (429 only).
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A request the gateway cannot read: malformed JSON, wrong content type, missing fields,
    /// unknown query values.
    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub(crate) fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub(crate) fn csrf(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", message)
    }

    pub(crate) fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {limit_bytes} bytes"),
        )
    }

    pub(crate) fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the request id identifies it in the logs",
        )
    }
}

impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> Self {
        let (http, code, fallback) = match status.code() {
            Code::InvalidArgument => (
                StatusCode::BAD_REQUEST,
                "invalid_argument",
                "invalid argument",
            ),
            Code::AlreadyExists => (StatusCode::CONFLICT, "conflict", "already exists"),
            Code::OutOfRange => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "too large",
            ),
            Code::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "not authenticated",
            ),
            Code::PermissionDenied => (StatusCode::FORBIDDEN, "forbidden", "not allowed"),
            Code::NotFound => (StatusCode::NOT_FOUND, "not_found", "not found"),
            Code::ResourceExhausted => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests",
            ),
            Code::FailedPrecondition => (
                StatusCode::CONFLICT,
                "failed_precondition",
                "failed precondition",
            ),
            Code::Unavailable | Code::DeadlineExceeded => {
                tracing::warn!(code = ?status.code(), message = status.message(), "service unavailable");
                return Self::unavailable("the service is unavailable; try again later");
            }
            other => {
                tracing::error!(code = ?other, message = status.message(), "service failed");
                return Self::internal();
            }
        };
        let message = match status.message() {
            "" => fallback.to_owned(),
            message => message.to_owned(),
        };
        let mut error = Self::new(http, code, message);
        if status.code() == Code::ResourceExhausted {
            error.retry_after = Some(retry_after_seconds(&status));
        }
        error
    }
}

/// The `retry-after-seconds` metadata of a rate-limited status; one second when it is
/// missing or unreadable, so clients always get a `Retry-After`.
fn retry_after_seconds(status: &tonic::Status) -> u64 {
    status
        .metadata()
        .get(RETRY_AFTER_SECONDS)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Detail {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The router's fallback: no route has this path.
pub(crate) async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// The path exists, with other methods.
pub(crate) async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::metadata::MetadataValue;

    fn mapped(code: Code, message: &str) -> ApiError {
        ApiError::from(tonic::Status::new(code, message))
    }

    #[test]
    fn every_code_maps_to_its_status() {
        let cases = [
            (Code::InvalidArgument, 400, "invalid_argument"),
            (Code::AlreadyExists, 409, "conflict"),
            (Code::Unauthenticated, 401, "unauthenticated"),
            (Code::PermissionDenied, 403, "forbidden"),
            (Code::NotFound, 404, "not_found"),
            (Code::ResourceExhausted, 429, "rate_limited"),
            (Code::FailedPrecondition, 409, "failed_precondition"),
            (Code::Unavailable, 503, "unavailable"),
            (Code::DeadlineExceeded, 503, "unavailable"),
            (Code::Internal, 500, "internal"),
            (Code::Unknown, 500, "internal"),
            (Code::Unimplemented, 500, "internal"),
            (Code::DataLoss, 500, "internal"),
            (Code::Cancelled, 500, "internal"),
            (Code::Aborted, 500, "internal"),
            (Code::OutOfRange, 413, "payload_too_large"),
        ];
        for (code, status, name) in cases {
            let error = mapped(code, "detail");
            assert_eq!(error.status.as_u16(), status, "{code:?}");
            assert_eq!(error.code, name, "{code:?}");
        }
    }

    #[test]
    fn client_errors_keep_the_status_message() {
        let error = mapped(Code::InvalidArgument, "password: too weak");
        assert_eq!(error.message, "password: too weak");
        let error = mapped(Code::NotFound, "");
        assert_eq!(error.message, "not found");
    }

    #[test]
    fn server_errors_do_not_leak_the_message() {
        for code in [Code::Internal, Code::Unavailable, Code::DeadlineExceeded] {
            let error = mapped(code, "db at 10.0.0.7 refused: secret");
            assert!(
                !error.message.contains("secret"),
                "{code:?}: {}",
                error.message
            );
        }
    }

    #[test]
    fn rate_limits_carry_retry_after() {
        let mut status = tonic::Status::resource_exhausted("too many logins");
        status
            .metadata_mut()
            .insert(RETRY_AFTER_SECONDS, MetadataValue::from_static("42"));
        let error = ApiError::from(status);
        assert_eq!(error.retry_after, Some(42));
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");

        let error = mapped(Code::ResourceExhausted, "slow down");
        assert_eq!(error.retry_after, Some(1));
    }

    #[test]
    fn other_errors_have_no_retry_after() {
        let response = mapped(Code::NotFound, "no user").into_response();
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
