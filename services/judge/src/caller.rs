//! Who is calling: the `authorization` metadata checked with the users service (`GetMe`),
//! which caches sessions, so a call costs one local gRPC round trip.

use tonic::metadata::MetadataMap;
use tonic::transport::Channel;
use tonic::{Request, Status};
use xcode_proto::users::v1::auth_user_admin_service_client::AuthUserAdminServiceClient;
use xcode_proto::users::v1::{GetMeRequest, Role};

/// A signed-in caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub verified: bool,
    pub banned: bool,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Setters and admins write problems.
    pub fn is_setter(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Setter)
    }
}

/// The caller, `None` without credentials; UNAUTHENTICATED for credentials that do not
/// check out.
pub async fn identify(
    users: &AuthUserAdminServiceClient<Channel>,
    metadata: &MetadataMap,
) -> Result<Option<Caller>, Status> {
    let Some(authorization) = metadata.get("authorization") else {
        return Ok(None);
    };
    let mut request = Request::new(GetMeRequest {});
    request
        .metadata_mut()
        .insert("authorization", authorization.clone());
    if let Some(id) = metadata.get("x-request-id") {
        request.metadata_mut().insert("x-request-id", id.clone());
    }
    request.set_timeout(std::time::Duration::from_secs(5));
    let response = users
        .clone()
        .get_me(request)
        .await
        .map_err(|status| match status.code() {
            tonic::Code::Unauthenticated | tonic::Code::PermissionDenied => status,
            _ => Status::unavailable(format!("the users service: {}", status.message())),
        })?;
    let user = response
        .into_inner()
        .user
        .ok_or_else(|| Status::internal("the users service answered without a user"))?;
    Ok(Some(Caller {
        role: user.role(),
        id: user.id,
        username: user.username,
        verified: user.is_verified,
        banned: user.is_banned,
    }))
}

/// The caller, who must be signed in.
pub async fn require(
    users: &AuthUserAdminServiceClient<Channel>,
    metadata: &MetadataMap,
) -> Result<Caller, Status> {
    identify(users, metadata)
        .await?
        .ok_or_else(|| Status::unauthenticated("sign in first (authorization: Bearer <token>)"))
}
