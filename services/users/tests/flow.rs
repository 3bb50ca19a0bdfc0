//! The whole account flow over gRPC, on both backends and both caches:
//! register → verify (token from the outbox) → login → enable and confirm 2FA → login with
//! TOTP → login with a recovery code (its reuse refused) → refresh rotation (reuse revokes) →
//! forgot/reset password (old sessions dead) → profile update → admin ban → banned login
//! refused → unban. With memcached, the cache is killed halfway: everything stays correct.

mod common;

use common::*;
use tonic::Code;
use xcode_proto::users::v1 as pb;
use xcode_proto::users::v1::login_response::Result as LoginResult;

const ADA_PASSWORD: &str = "Analytical Engine weaves algebra";
const ADA_NEW_PASSWORD: &str = "Bernoulli numbers, note G, 1843";

async fn flow(backend: Backend, cache: CacheKind) {
    let mut service = Service::start(backend, cache).await;
    let mut client = service.client.clone();
    let admin = access(&signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await);

    // Register: unverified, a verification email in the outbox.
    let ada = register(&mut client, "Ada_Lovelace", "Ada@Example.com", ADA_PASSWORD).await;
    assert_eq!(ada.username, "Ada_Lovelace");
    assert_eq!(ada.email, "Ada@Example.com");
    assert_eq!(ada.role, pb::Role::User as i32);
    assert!(!ada.is_verified && !ada.is_banned && !ada.totp_enabled);
    let token = token_from_outbox(&mut client, &admin, "Ada@Example.com", "Verify").await;
    let verified = client
        .verify_email(pb::VerifyEmailRequest {
            token: token.clone(),
        })
        .await
        .expect("verify")
        .into_inner()
        .user
        .expect("user");
    assert!(verified.is_verified);
    assert_code(
        client.verify_email(pb::VerifyEmailRequest { token }).await,
        Code::Unauthenticated,
        "used already",
    );

    // Login by username (any case) or email; GetMe.
    let session = signed_in(&mut client, "ada_lovelace", ADA_PASSWORD).await;
    assert!(session.user.as_ref().expect("user").is_verified);
    let by_mail = signed_in(&mut client, "ADA@example.COM", ADA_PASSWORD).await;
    let me = client
        .get_me(authed(&access(&by_mail), pb::GetMeRequest {}))
        .await
        .expect("me")
        .into_inner()
        .user
        .expect("user");
    assert_eq!(me.id, ada.id);

    // Two-factor: enroll, confirm, ten recovery codes.
    let token = access(&session);
    let enrollment = client
        .begin_totp_enrollment(authed(&token, pb::BeginTotpEnrollmentRequest {}))
        .await
        .expect("enroll")
        .into_inner();
    assert!(
        enrollment.otpauth_uri.starts_with("otpauth://totp/"),
        "{}",
        enrollment.otpauth_uri
    );
    assert!(enrollment.qr_png.starts_with(b"\x89PNG"));
    assert_code(
        client
            .confirm_totp(authed(
                &token,
                pb::ConfirmTotpRequest {
                    code: "000000".into(),
                },
            ))
            .await,
        Code::InvalidArgument,
        "code",
    );
    let now = unix_now();
    let codes = client
        .confirm_totp(authed(
            &token,
            pb::ConfirmTotpRequest {
                code: totp_code(&enrollment.secret, now),
            },
        ))
        .await
        .expect("confirm")
        .into_inner()
        .recovery_codes;
    assert_eq!(codes.len(), 10);
    let me = client
        .get_me(authed(&token, pb::GetMeRequest {}))
        .await
        .expect("me")
        .into_inner()
        .user
        .expect("user");
    assert!(
        me.totp_enabled,
        "GetMe sees 2FA on (the cached user was dropped)"
    );

    // Password login now asks for a second factor; a wrong code does not spend the challenge.
    let challenge = match login(&mut client, "Ada_Lovelace", ADA_PASSWORD).await {
        LoginResult::TwoFactor(challenge) => challenge.challenge_token,
        other => panic!("expected a challenge, got {other:?}"),
    };
    assert_code(
        client
            .login_two_factor(pb::LoginTwoFactorRequest {
                challenge_token: challenge.clone(),
                code: "123456".into(),
            })
            .await,
        Code::Unauthenticated,
        "code",
    );
    // The next step's code (the confirmation spent this one's).
    let next_code = totp_code(&enrollment.secret, now + 30);
    let with_totp = client
        .login_two_factor(pb::LoginTwoFactorRequest {
            challenge_token: challenge.clone(),
            code: next_code.clone(),
        })
        .await
        .expect("login with TOTP")
        .into_inner()
        .signed_in
        .expect("signed in");
    assert_code(
        client
            .login_two_factor(pb::LoginTwoFactorRequest {
                challenge_token: challenge,
                code: next_code.clone(),
            })
            .await,
        Code::Unauthenticated,
        "used already",
    );
    // The same code with a fresh challenge: refused (a code works once).
    let challenge = match login(&mut client, "Ada_Lovelace", ADA_PASSWORD).await {
        LoginResult::TwoFactor(challenge) => challenge.challenge_token,
        other => panic!("expected a challenge, got {other:?}"),
    };
    assert_code(
        client
            .login_two_factor(pb::LoginTwoFactorRequest {
                challenge_token: challenge.clone(),
                code: next_code,
            })
            .await,
        Code::Unauthenticated,
        "code",
    );
    // A recovery code, typed loosely, works once.
    let typed = codes[0].to_uppercase().replace('-', " ");
    client
        .login_two_factor(pb::LoginTwoFactorRequest {
            challenge_token: challenge,
            code: typed.clone(),
        })
        .await
        .expect("login with a recovery code");
    let challenge = match login(&mut client, "Ada_Lovelace", ADA_PASSWORD).await {
        LoginResult::TwoFactor(challenge) => challenge.challenge_token,
        other => panic!("expected a challenge, got {other:?}"),
    };
    assert_code(
        client
            .login_two_factor(pb::LoginTwoFactorRequest {
                challenge_token: challenge,
                code: typed,
            })
            .await,
        Code::Unauthenticated,
        "code",
    );

    if cache == CacheKind::Memcached {
        // The cache dies: every answer stays right (the database is the truth).
        service.kill_memcached();
    }

    // Refresh: rotation, then reuse of the spent token revokes the family.
    let tokens = with_totp.tokens.clone().expect("tokens");
    let rotated = client
        .refresh(pb::RefreshRequest {
            refresh_token: tokens.refresh_token.clone(),
        })
        .await
        .expect("refresh")
        .into_inner()
        .tokens
        .expect("tokens");
    assert_ne!(rotated.access_token, tokens.access_token);
    assert_code(
        client
            .get_me(authed(&tokens.access_token, pb::GetMeRequest {}))
            .await,
        Code::Unauthenticated,
        "expired or revoked",
    );
    client
        .get_me(authed(&rotated.access_token, pb::GetMeRequest {}))
        .await
        .expect("the rotated session works");
    assert_code(
        client
            .refresh(pb::RefreshRequest {
                refresh_token: tokens.refresh_token,
            })
            .await,
        Code::Unauthenticated,
        "used already",
    );
    assert_code(
        client
            .get_me(authed(&rotated.access_token, pb::GetMeRequest {}))
            .await,
        Code::Unauthenticated,
        "revoked",
    );
    assert_code(
        client
            .refresh(pb::RefreshRequest {
                refresh_token: rotated.refresh_token,
            })
            .await,
        Code::Unauthenticated,
        "revoked",
    );

    // Forgot and reset: old sessions end, the old password stops working.
    let before_reset = access(&session);
    client
        .get_me(authed(&before_reset, pb::GetMeRequest {}))
        .await
        .expect("alive before the reset");
    client
        .request_password_reset(pb::RequestPasswordResetRequest {
            email: "ada@EXAMPLE.com".into(),
        })
        .await
        .expect("forgot");
    client
        .request_password_reset(pb::RequestPasswordResetRequest {
            email: "nobody@example.com".into(),
        })
        .await
        .expect("the same answer for unknown addresses");
    let reset = token_from_outbox(&mut client, &admin, "Ada@Example.com", "Reset").await;
    assert_code(
        client
            .reset_password(pb::ResetPasswordRequest {
                token: reset.clone(),
                new_password: "password123".into(),
            })
            .await,
        Code::InvalidArgument,
        "password",
    );
    client
        .reset_password(pb::ResetPasswordRequest {
            token: reset.clone(),
            new_password: ADA_NEW_PASSWORD.into(),
        })
        .await
        .expect("reset (the weak attempt did not spend the token)");
    assert_code(
        client
            .reset_password(pb::ResetPasswordRequest {
                token: reset,
                new_password: ADA_NEW_PASSWORD.into(),
            })
            .await,
        Code::Unauthenticated,
        "used already",
    );
    for old in [&before_reset, &access(&by_mail)] {
        assert_code(
            client.get_me(authed(old, pb::GetMeRequest {})).await,
            Code::Unauthenticated,
            "revoked",
        );
    }
    assert_code(
        client
            .login(pb::LoginRequest {
                login: "Ada_Lovelace".into(),
                password: ADA_PASSWORD.into(),
            })
            .await,
        Code::Unauthenticated,
        "wrong login or password",
    );
    let challenge = match login(&mut client, "Ada_Lovelace", ADA_NEW_PASSWORD).await {
        LoginResult::TwoFactor(challenge) => challenge.challenge_token,
        other => panic!("expected a challenge, got {other:?}"),
    };
    let session = client
        .login_two_factor(pb::LoginTwoFactorRequest {
            challenge_token: challenge,
            code: codes[1].clone(),
        })
        .await
        .expect("login with the new password")
        .into_inner()
        .signed_in
        .expect("signed in");
    let token = access(&session);

    // Profile.
    let updated = client
        .update_profile(authed(
            &token,
            pb::UpdateProfileRequest {
                display_name: Some("Ada, Countess of Lovelace".into()),
                bio: Some("Wrote the first program.".into()),
                country: Some("gb".into()),
                avatar_url: Some("https://example.com/ada.png".into()),
                preferred_language: Some("cpp".into()),
            },
        ))
        .await
        .expect("update")
        .into_inner()
        .user
        .expect("user");
    assert_eq!(updated.display_name, "Ada, Countess of Lovelace");
    assert_eq!(updated.country, "GB");
    let me = client
        .get_me(authed(&token, pb::GetMeRequest {}))
        .await
        .expect("me")
        .into_inner()
        .user
        .expect("user");
    assert_eq!(me.bio, "Wrote the first program.", "GetMe sees the update");
    let profile = client
        .get_user(pb::GetUserRequest {
            username: "ada_lovelace".into(),
        })
        .await
        .expect("public profile")
        .into_inner()
        .profile
        .expect("profile");
    assert_eq!(profile.username, "Ada_Lovelace");
    assert_eq!(profile.country, "GB");

    // A user is not an admin.
    assert_code(
        client
            .list_users(authed(&token, pb::ListUsersRequest::default()))
            .await,
        Code::PermissionDenied,
        "admins only",
    );

    // Ban: sessions end at once, login is refused with the reason; unban lets them back.
    let banned = client
        .ban_user(authed(
            &admin,
            pb::BanUserRequest {
                user_id: ada.id.clone(),
                reason: "spamming the forum".into(),
                until: None,
            },
        ))
        .await
        .expect("ban")
        .into_inner()
        .user
        .expect("user");
    assert!(banned.is_banned);
    assert_eq!(banned.ban_reason, "spamming the forum");
    assert_code(
        client.get_me(authed(&token, pb::GetMeRequest {})).await,
        Code::Unauthenticated,
        "revoked",
    );
    assert_code(
        client
            .login(pb::LoginRequest {
                login: "Ada_Lovelace".into(),
                password: ADA_NEW_PASSWORD.into(),
            })
            .await,
        Code::PermissionDenied,
        "spamming the forum",
    );
    let listed = client
        .list_users(authed(
            &admin,
            pb::ListUsersRequest {
                banned: Some(true),
                ..pb::ListUsersRequest::default()
            },
        ))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(listed.total, 1);
    assert_eq!(listed.users[0].id, ada.id);
    client
        .unban_user(authed(
            &admin,
            pb::UnbanUserRequest {
                user_id: ada.id.clone(),
            },
        ))
        .await
        .expect("unban");
    assert!(matches!(
        login(&mut client, "Ada_Lovelace", ADA_NEW_PASSWORD).await,
        LoginResult::TwoFactor(_)
    ));

    // The audit log has the admin's actions, newest first.
    let audit = client
        .list_audit_log(authed(
            &admin,
            pb::ListAuditLogRequest {
                target_user_id: ada.id.clone(),
                ..pb::ListAuditLogRequest::default()
            },
        ))
        .await
        .expect("audit")
        .into_inner();
    let actions: Vec<&str> = audit
        .entries
        .iter()
        .map(|entry| entry.action.as_str())
        .collect();
    assert_eq!(actions, ["UnbanUser", "BanUser"]);
    assert_eq!(audit.entries[1].actor_username, ADMIN);
    assert!(audit.entries[1].details.contains("spamming the forum"));

    // Logout and logout-all.
    let a = signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await;
    let b = signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await;
    client
        .logout(authed(&access(&a), pb::LogoutRequest::default()))
        .await
        .expect("logout");
    assert_code(
        client
            .get_me(authed(&access(&a), pb::GetMeRequest {}))
            .await,
        Code::Unauthenticated,
        "revoked",
    );
    let ended = client
        .logout_all(authed(&access(&b), pb::LogoutAllRequest {}))
        .await
        .expect("logout all")
        .into_inner()
        .sessions_ended;
    assert!(ended >= 2, "{ended}");
    assert_code(
        client.get_me(authed(&admin, pb::GetMeRequest {})).await,
        Code::Unauthenticated,
        "revoked",
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_sqlite_with_the_in_process_cache() {
    flow(Backend::Sqlite, CacheKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_sqlite_with_memcached_killed_halfway() {
    flow(Backend::Sqlite, CacheKind::Memcached).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_postgres_with_the_in_process_cache() {
    flow(Backend::Postgres, CacheKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_postgres_with_memcached_killed_halfway() {
    flow(Backend::Postgres, CacheKind::Memcached).await;
}
