//! The service's errors, mapped to gRPC statuses once, here.

use tonic::{Code, Status};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_seconds: u64,
    },
    #[error("{0}")]
    Precondition(String),
    /// A host failure: logged in full, answered as "internal error".
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::Unauthenticated(message.into())
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }
    pub fn precondition(message: impl Into<String>) -> Self {
        Self::Precondition(message.into())
    }
}

impl From<xcode_store::Error> for ServiceError {
    fn from(error: xcode_store::Error) -> Self {
        match error {
            xcode_store::Error::Conflict(field) => {
                Self::Conflict(format!("{field}: already taken"))
            }
            xcode_store::Error::NotFound => Self::not_found("no such user"),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(message) => Status::invalid_argument(message),
            ServiceError::Conflict(message) => Status::already_exists(message),
            ServiceError::Unauthenticated(message) => Status::unauthenticated(message),
            ServiceError::Forbidden(message) => Status::permission_denied(message),
            ServiceError::NotFound(message) => Status::not_found(message),
            ServiceError::Precondition(message) => Status::failed_precondition(message),
            ServiceError::RateLimited {
                message,
                retry_after_seconds,
            } => {
                let mut status = Status::new(Code::ResourceExhausted, message);
                if let Ok(value) = retry_after_seconds.to_string().parse() {
                    status.metadata_mut().insert("retry-after-seconds", value);
                }
                status
            }
            ServiceError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                Status::internal("internal error")
            }
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
