//! A users service of the test's own: canned answers for the RPCs the tests call, UNIMPLEMENTED
//! for the rest, and a record of each call's metadata and request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use prost_types::Timestamp;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};
use xcode_proto::users::v1 as pb;
use xcode_proto::users::v1::auth_user_admin_service_server::{
    AuthUserAdminService, AuthUserAdminServiceServer,
};

type Result<T> = std::result::Result<Response<T>, Status>;

/// One call as the service saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub rpc: &'static str,
    pub authorization: Option<String>,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    pub request: String,
}

#[derive(Debug, Clone, Default)]
pub struct Mock {
    calls: Arc<Mutex<Vec<Call>>>,
}

pub struct Running {
    pub url: String,
    pub mock: Mock,
    _stop: oneshot::Sender<()>,
}

impl Mock {
    /// Serves the mock (and a health service reporting it SERVING) on port 0.
    pub async fn start() -> Running {
        let mock = Self::default();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("port 0");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let (reporter, health) = tonic_health::server::health_reporter();
        reporter
            .set_serving::<AuthUserAdminServiceServer<Self>>()
            .await;
        let (stop, stopped) = oneshot::channel::<()>();
        let service = AuthUserAdminServiceServer::new(mock.clone());
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(health)
                .add_service(service)
                .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                    let _ = stopped.await;
                })
                .await
                .expect("the mock serves");
        });
        Running {
            url: format!("http://{address}"),
            mock,
            _stop: stop,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("not poisoned").clone()
    }

    pub fn last(&self, rpc: &str) -> Call {
        self.calls()
            .into_iter()
            .rev()
            .find(|call| call.rpc == rpc)
            .unwrap_or_else(|| panic!("no {rpc} call"))
    }

    fn record<T: std::fmt::Debug>(&self, rpc: &'static str, request: &Request<T>) {
        let get = |key: &str| {
            request
                .metadata()
                .get(key)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let call = Call {
            rpc,
            authorization: get("authorization"),
            client_ip: get("x-client-ip"),
            request_id: get("x-request-id"),
            request: format!("{:?}", request.get_ref()),
        };
        self.calls.lock().expect("not poisoned").push(call);
    }

    /// The caller must send `Bearer good`.
    fn authenticate<T: std::fmt::Debug>(
        &self,
        rpc: &'static str,
        request: &Request<T>,
    ) -> std::result::Result<(), Status> {
        self.record(rpc, request);
        match request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            Some("Bearer good") => Ok(()),
            _ => Err(Status::unauthenticated("the access token is not valid")),
        }
    }
}

pub const NOW: i64 = 4_102_444_800; // 2100-01-01: tokens that do not expire during a test.

pub fn user(username: &str) -> pb::User {
    pb::User {
        id: "0190a5a4-8d0e-7c61-9a1e-3f5d2b6c7e80".into(),
        username: username.into(),
        email: format!("{username}@example.com"),
        display_name: "Ada Lovelace".into(),
        role: pb::Role::User as i32,
        is_verified: true,
        created_at: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        updated_at: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        ..pb::User::default()
    }
}

pub fn tokens(generation: &str) -> pb::Tokens {
    pb::Tokens {
        access_token: format!("access-{generation}"),
        access_expires_at: Some(Timestamp {
            seconds: NOW,
            nanos: 0,
        }),
        refresh_token: format!("refresh-{generation}"),
        refresh_expires_at: Some(Timestamp {
            seconds: NOW + 86_400,
            nanos: 0,
        }),
    }
}

fn unimplemented<T>(rpc: &str) -> Result<T> {
    Err(Status::unimplemented(format!("{rpc} is not in the mock")))
}

#[tonic::async_trait]
impl AuthUserAdminService for Mock {
    async fn register(
        &self,
        request: Request<pb::RegisterRequest>,
    ) -> Result<pb::RegisterResponse> {
        self.record("Register", &request);
        let body = request.into_inner();
        match body.username.as_str() {
            "taken" => Err(Status::already_exists("username is taken")),
            "weak" => Err(Status::invalid_argument("password: too weak")),
            "crash" => Err(Status::internal("db at 10.1.2.3: disk full")),
            name => Ok(Response::new(pb::RegisterResponse {
                user: Some(pb::User {
                    is_verified: false,
                    ..user(name)
                }),
            })),
        }
    }

    async fn verify_email(
        &self,
        request: Request<pb::VerifyEmailRequest>,
    ) -> Result<pb::VerifyEmailResponse> {
        self.record("VerifyEmail", &request);
        unimplemented("VerifyEmail")
    }

    async fn resend_verification(
        &self,
        request: Request<pb::ResendVerificationRequest>,
    ) -> Result<pb::ResendVerificationResponse> {
        self.record("ResendVerification", &request);
        Ok(Response::new(pb::ResendVerificationResponse {}))
    }

    async fn login(&self, request: Request<pb::LoginRequest>) -> Result<pb::LoginResponse> {
        self.record("Login", &request);
        let body = request.into_inner();
        let result = match (body.login.as_str(), body.password.as_str()) {
            ("spammer", _) => {
                let mut status = Status::resource_exhausted("too many login attempts");
                status
                    .metadata_mut()
                    .insert("retry-after-seconds", MetadataValue::from_static("30"));
                return Err(status);
            }
            ("banned", _) => return Err(Status::permission_denied("the account is banned")),
            ("two-factor", "right") => {
                pb::login_response::Result::TwoFactor(pb::TwoFactorChallenge {
                    challenge_token: "challenge-1".into(),
                    expires_at: Some(Timestamp {
                        seconds: NOW,
                        nanos: 0,
                    }),
                })
            }
            (login, "right") => pb::login_response::Result::SignedIn(pb::SignedIn {
                tokens: Some(tokens("1")),
                user: Some(user(login)),
            }),
            _ => return Err(Status::unauthenticated("wrong login or password")),
        };
        Ok(Response::new(pb::LoginResponse {
            result: Some(result),
        }))
    }

    async fn login_two_factor(
        &self,
        request: Request<pb::LoginTwoFactorRequest>,
    ) -> Result<pb::LoginTwoFactorResponse> {
        self.record("LoginTwoFactor", &request);
        let body = request.into_inner();
        if body.challenge_token != "challenge-1" || body.code != "123456" {
            return Err(Status::unauthenticated("wrong code"));
        }
        Ok(Response::new(pb::LoginTwoFactorResponse {
            signed_in: Some(pb::SignedIn {
                tokens: Some(tokens("2fa")),
                user: Some(pb::User {
                    totp_enabled: true,
                    ..user("two-factor")
                }),
            }),
        }))
    }

    async fn refresh(&self, request: Request<pb::RefreshRequest>) -> Result<pb::RefreshResponse> {
        self.record("Refresh", &request);
        match request.into_inner().refresh_token.as_str() {
            "refresh-1" => Ok(Response::new(pb::RefreshResponse {
                tokens: Some(tokens("2")),
            })),
            _ => Err(Status::unauthenticated("the refresh token was spent")),
        }
    }

    async fn logout(&self, request: Request<pb::LogoutRequest>) -> Result<pb::LogoutResponse> {
        self.authenticate("Logout", &request)?;
        Ok(Response::new(pb::LogoutResponse {}))
    }

    async fn logout_all(
        &self,
        request: Request<pb::LogoutAllRequest>,
    ) -> Result<pb::LogoutAllResponse> {
        self.authenticate("LogoutAll", &request)?;
        Ok(Response::new(pb::LogoutAllResponse { sessions_ended: 3 }))
    }

    async fn request_password_reset(
        &self,
        request: Request<pb::RequestPasswordResetRequest>,
    ) -> Result<pb::RequestPasswordResetResponse> {
        self.record("RequestPasswordReset", &request);
        Ok(Response::new(pb::RequestPasswordResetResponse {}))
    }

    async fn reset_password(
        &self,
        request: Request<pb::ResetPasswordRequest>,
    ) -> Result<pb::ResetPasswordResponse> {
        self.record("ResetPassword", &request);
        Ok(Response::new(pb::ResetPasswordResponse {}))
    }

    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Result<pb::ChangePasswordResponse> {
        self.authenticate("ChangePassword", &request)?;
        Ok(Response::new(pb::ChangePasswordResponse {
            tokens: Some(tokens("changed")),
        }))
    }

    async fn begin_totp_enrollment(
        &self,
        request: Request<pb::BeginTotpEnrollmentRequest>,
    ) -> Result<pb::BeginTotpEnrollmentResponse> {
        self.authenticate("BeginTotpEnrollment", &request)?;
        Ok(Response::new(pb::BeginTotpEnrollmentResponse {
            secret: "JBSWY3DPEHPK3PXP".into(),
            otpauth_uri: "otpauth://totp/Xcode:ada?secret=JBSWY3DPEHPK3PXP".into(),
            qr_png: vec![0x89, b'P', b'N', b'G'],
        }))
    }

    async fn confirm_totp(
        &self,
        request: Request<pb::ConfirmTotpRequest>,
    ) -> Result<pb::ConfirmTotpResponse> {
        self.authenticate("ConfirmTotp", &request)?;
        if request.get_ref().code == "000000" {
            return Err(Status::failed_precondition(
                "two-factor authentication is already on",
            ));
        }
        Ok(Response::new(pb::ConfirmTotpResponse {
            recovery_codes: vec!["aaaa-bbbb".into(), "cccc-dddd".into()],
        }))
    }

    async fn disable_totp(
        &self,
        request: Request<pb::DisableTotpRequest>,
    ) -> Result<pb::DisableTotpResponse> {
        self.authenticate("DisableTotp", &request)?;
        Ok(Response::new(pb::DisableTotpResponse {}))
    }

    async fn regenerate_recovery_codes(
        &self,
        request: Request<pb::RegenerateRecoveryCodesRequest>,
    ) -> Result<pb::RegenerateRecoveryCodesResponse> {
        self.authenticate("RegenerateRecoveryCodes", &request)?;
        unimplemented("RegenerateRecoveryCodes")
    }

    async fn get_me(&self, request: Request<pb::GetMeRequest>) -> Result<pb::GetMeResponse> {
        self.authenticate("GetMe", &request)?;
        Ok(Response::new(pb::GetMeResponse {
            user: Some(user("ada")),
        }))
    }

    async fn update_profile(
        &self,
        request: Request<pb::UpdateProfileRequest>,
    ) -> Result<pb::UpdateProfileResponse> {
        self.authenticate("UpdateProfile", &request)?;
        let body = request.into_inner();
        let mut user = user("ada");
        if let Some(bio) = body.bio {
            user.bio = bio;
        }
        Ok(Response::new(pb::UpdateProfileResponse {
            user: Some(user),
        }))
    }

    async fn get_user(&self, request: Request<pb::GetUserRequest>) -> Result<pb::GetUserResponse> {
        self.record("GetUser", &request);
        let username = request.into_inner().username;
        if username != "ada" {
            return Err(Status::not_found(format!("no user {username}")));
        }
        Ok(Response::new(pb::GetUserResponse {
            profile: Some(pb::PublicProfile {
                username,
                display_name: "Ada Lovelace".into(),
                role: pb::Role::Admin as i32,
                created_at: Some(Timestamp {
                    seconds: 0,
                    nanos: 0,
                }),
                ..pb::PublicProfile::default()
            }),
        }))
    }

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Result<pb::ListUsersResponse> {
        self.authenticate("ListUsers", &request)?;
        Ok(Response::new(pb::ListUsersResponse {
            users: vec![user("ada"), user("grace")],
            total: 2,
        }))
    }

    async fn ban_user(&self, request: Request<pb::BanUserRequest>) -> Result<pb::BanUserResponse> {
        self.authenticate("BanUser", &request)?;
        let body = request.into_inner();
        Ok(Response::new(pb::BanUserResponse {
            user: Some(pb::User {
                id: body.user_id,
                is_banned: true,
                ban_reason: body.reason,
                banned_until: body.until,
                ..user("spammer")
            }),
        }))
    }

    async fn unban_user(
        &self,
        request: Request<pb::UnbanUserRequest>,
    ) -> Result<pb::UnbanUserResponse> {
        self.authenticate("UnbanUser", &request)?;
        unimplemented("UnbanUser")
    }

    async fn verify_user(
        &self,
        request: Request<pb::VerifyUserRequest>,
    ) -> Result<pb::VerifyUserResponse> {
        self.authenticate("VerifyUser", &request)?;
        unimplemented("VerifyUser")
    }

    async fn set_role(&self, request: Request<pb::SetRoleRequest>) -> Result<pb::SetRoleResponse> {
        self.authenticate("SetRole", &request)?;
        let body = request.into_inner();
        Ok(Response::new(pb::SetRoleResponse {
            user: Some(pb::User {
                id: body.user_id,
                role: body.role,
                ..user("grace")
            }),
        }))
    }

    async fn delete_user(
        &self,
        request: Request<pb::DeleteUserRequest>,
    ) -> Result<pb::DeleteUserResponse> {
        self.authenticate("DeleteUser", &request)?;
        Ok(Response::new(pb::DeleteUserResponse {}))
    }

    async fn list_audit_log(
        &self,
        request: Request<pb::ListAuditLogRequest>,
    ) -> Result<pb::ListAuditLogResponse> {
        self.authenticate("ListAuditLog", &request)?;
        Ok(Response::new(pb::ListAuditLogResponse {
            entries: vec![pb::AuditEntry {
                id: 1,
                at: Some(Timestamp {
                    seconds: 0,
                    nanos: 0,
                }),
                actor_id: "admin-id".into(),
                actor_username: "root".into(),
                action: "BanUser".into(),
                target_user_id: "user-id".into(),
                details: r#"{"reason":"spam"}"#.into(),
            }],
            total: 1,
        }))
    }

    async fn list_outbox(
        &self,
        request: Request<pb::ListOutboxRequest>,
    ) -> Result<pb::ListOutboxResponse> {
        self.authenticate("ListOutbox", &request)?;
        Ok(Response::new(pb::ListOutboxResponse {
            emails: vec![pb::OutboxEmail {
                id: 9,
                at: Some(Timestamp {
                    seconds: 0,
                    nanos: 0,
                }),
                to: "ada@example.com".into(),
                subject: "Verify your email".into(),
                body: "token: abc".into(),
            }],
            total: 1,
        }))
    }
}
