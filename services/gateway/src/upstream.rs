//! Calls to the services: the caller's [`Context`] becomes gRPC metadata (`authorization`,
//! `x-client-ip`, `x-request-id`), every call has the configured deadline, and a failed call
//! becomes an [`ApiError`] here.

use std::future::Future;

use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use tonic::transport::Channel;
use xcode_proto::judge::v1::execution_service_client::ExecutionServiceClient;
use xcode_proto::problems::v1::problem_service_client::ProblemServiceClient;
use xcode_proto::users::v1::auth_user_admin_service_client::AuthUserAdminServiceClient;

use crate::AppState;
use crate::auth::{Context, REQUEST_ID_HEADER};
use crate::error::ApiError;

pub(crate) type UsersClient = AuthUserAdminServiceClient<Channel>;

pub(crate) type ProblemsClient = ProblemServiceClient<Channel>;
pub(crate) type ExecutionClient = ExecutionServiceClient<Channel>;

/// Calls the users service: `rpc` gets a client and the request with the caller's metadata,
/// e.g. `|mut users, request| async move { users.login(request).await }`.
pub(crate) async fn users<T, R, F, Fut>(
    state: &AppState,
    context: &Context,
    message: T,
    rpc: F,
) -> Result<R, ApiError>
where
    F: FnOnce(UsersClient, tonic::Request<T>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
{
    call(
        context,
        state.users.clone(),
        message,
        rpc,
        state.request_timeout,
    )
    .await
}

/// Calls the problems service, as [`users`].
pub(crate) async fn problems<T, R, F, Fut>(
    state: &AppState,
    context: &Context,
    message: T,
    rpc: F,
) -> Result<R, ApiError>
where
    F: FnOnce(ProblemsClient, tonic::Request<T>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
{
    call(
        context,
        state.problems.clone(),
        message,
        rpc,
        state.request_timeout,
    )
    .await
}

/// Calls the judge (ExecutionService), as [`users`], with [`RUN_TIMEOUT`]: a run compiles and
/// may use its whole time limit and the wall-clock net.
pub(crate) async fn execution<T, R, F, Fut>(
    state: &AppState,
    context: &Context,
    message: T,
    rpc: F,
) -> Result<R, ApiError>
where
    F: FnOnce(ExecutionClient, tonic::Request<T>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
{
    call(context, state.execution.clone(), message, rpc, RUN_TIMEOUT).await
}

/// How long a call to the judge may take.
pub(crate) const RUN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

/// The request with the caller's metadata and a deadline (`None`: a stream, no deadline).
pub(crate) fn request<T>(
    context: &Context,
    message: T,
    timeout: Option<std::time::Duration>,
) -> Result<tonic::Request<T>, ApiError> {
    let mut request = tonic::Request::new(message);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    set_metadata(request.metadata_mut(), context)?;
    Ok(request)
}

async fn call<C, T, R, F, Fut>(
    context: &Context,
    client: C,
    message: T,
    rpc: F,
    timeout: std::time::Duration,
) -> Result<R, ApiError>
where
    F: FnOnce(C, tonic::Request<T>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
{
    let request = request(context, message, Some(timeout))?;
    match tokio::time::timeout(timeout, rpc(client, request)).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        Ok(Err(status)) => Err(ApiError::from(status)),
        Err(_elapsed) => Err(ApiError::from(tonic::Status::deadline_exceeded(
            "the service did not answer in time",
        ))),
    }
}

fn set_metadata(metadata: &mut MetadataMap, context: &Context) -> Result<(), ApiError> {
    if let Some(token) = &context.access_token {
        let value = AsciiMetadataValue::try_from(format!("Bearer {token}"))
            .map_err(|_| ApiError::unauthenticated("the access token is malformed"))?;
        metadata.insert("authorization", value);
    }
    if let Some(ip) = context.client_ip
        && let Ok(value) = AsciiMetadataValue::try_from(ip.to_string())
    {
        metadata.insert("x-client-ip", value);
    }
    // The id came from a header, so it is visible ASCII unless a client sent odd bytes; such an
    // id is only left out.
    if let Some(id) = &context.request_id
        && let Ok(value) = AsciiMetadataValue::try_from(id.as_str())
    {
        metadata.insert(REQUEST_ID_HEADER, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_becomes_metadata() {
        let context = Context {
            client_ip: Some("203.0.113.9".parse().expect("an IP")),
            request_id: Some("req-1".into()),
            access_token: Some("tok".into()),
        };
        let mut metadata = MetadataMap::new();
        set_metadata(&mut metadata, &context).expect("valid metadata");
        assert_eq!(metadata.get("authorization").expect("set"), "Bearer tok");
        assert_eq!(metadata.get("x-client-ip").expect("set"), "203.0.113.9");
        assert_eq!(metadata.get("x-request-id").expect("set"), "req-1");
    }

    #[test]
    fn anonymous_calls_have_no_authorization() {
        let mut metadata = MetadataMap::new();
        set_metadata(&mut metadata, &Context::default()).expect("valid metadata");
        assert!(metadata.is_empty());
    }
}
